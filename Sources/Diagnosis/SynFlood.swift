import FlowAnalysis
import Foundation
import PacketDecoding

/// Half-open attempts against one server, summarised without keeping one entry per source:
/// distinct sources counted exactly up to a cap, then estimated by linear counting over a fixed
/// bitmap; heavy hitters by Space-Saving in fixed slots.
struct FloodStats: Detector {
    static let raises: [FindingKind] = [.synFlood]
    static let maxTrackedSources = 4096
    static let bitmapBits = 1 << 20
    static let heavyHitterSlots = 32
    var halfOpen = 0
    var sources = Set<IPAddress>()
    var bitmap: [UInt64] = []
    /// A second bit per source, from other bits of its hash, set beside the counting bitmap: a
    /// source is taken as seen before only when both its bits are set, so fewer of a spoofed
    /// flood's unique sources reach the heavy-hitter slots (a 40% false "seen" becomes 16%).
    var seen: [UInt64] = []
    var sourcesOverflow: Bool { !bitmap.isEmpty }
    var hitters: [IPAddress] = []
    var hitterHashes: [UInt64] = []
    var hits: [Int] = []
    var first: Int64 = .max
    var last: Int64 = .min

    /// Exact below the cap; above it the linear-counting estimate, n = -m ln(zero bits / m).
    var sourceCount: Int {
        guard !bitmap.isEmpty else { return sources.count }
        let ones = bitmap.reduce(0) { $0 + $1.nonzeroBitCount }
        let m = Double(Self.bitmapBits), zeros = max(m - Double(ones), 1)
        return Int((-m * log(zeros / m)).rounded())
    }

    mutating func add(_ src: IPAddress, time: Int64) {
        halfOpen += 1
        first = min(first, time); last = max(last, time)
        let h = Self.hash(src)
        let firstSighting: Bool
        if bitmap.isEmpty {
            firstSighting = sources.insert(src).inserted
            if sources.count > Self.maxTrackedSources {
                bitmap = [UInt64](repeating: 0, count: Self.bitmapBits / 64)
                seen = bitmap
                for s in sources {
                    let x = Self.hash(s)
                    _ = mark(x)
                    _ = markSeen(x >> 32)
                }
                sources = []
            }
        } else {
            let a = mark(h), b = markSeen(h >> 32)
            firstSighting = a || b
        }
        // A source seen once cannot be a heavy hitter yet; in a flood of spoofed, unique
        // sources this skips the table almost always.
        if firstSighting && hitters.count >= Self.heavyHitterSlots { return }
        if let i = hitterHashes.firstIndex(of: h), hitters[i] == src { hits[i] += 1 }
        else if hitters.count < Self.heavyHitterSlots { hitters.append(src); hitterHashes.append(h); hits.append(1) }
        else {
            // Space-Saving: the least-counted slot takes the newcomer, keeping its count as an
            // upper bound of the newcomer's error.
            var m = 0
            for i in 1..<hits.count where hits[i] < hits[m] { m = i }
            hitters[m] = src
            hitterHashes[m] = h
            hits[m] += 1
        }
    }

    /// splitmix64's finalizer over the address: every input bit reaches every output bit.
    static func hash(_ a: IPAddress) -> UInt64 {
        var x = a.high ^ a.low
        x ^= x >> 30; x = x &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 27; x = x &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    /// Sets the source's bit; true when it was not set before (a new source, as far as the
    /// bitmap can tell).
    mutating func mark(_ x: UInt64) -> Bool { Self.set(&bitmap, x) }

    mutating func markSeen(_ x: UInt64) -> Bool { Self.set(&seen, x) }

    private static func set(_ bits: inout [UInt64], _ x: UInt64) -> Bool {
        let bit = Int(truncatingIfNeeded: x) & (bitmapBits - 1)
        let m: UInt64 = 1 << UInt64(bit & 63)
        let was = bits[bit >> 6] & m != 0
        bits[bit >> 6] |= m
        return !was
    }

    func finding(_ k: ServiceKey) -> Finding {
        let server = FlowFacts.endpoint(k.address, k.port)
        let top = zip(hitters, hits).map { (key: $0, value: $1) }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(10)
        let span = max(last - first, 1)
        let rate = Double(halfOpen) / (Double(span) / 1e9)
        let sourcesText = sourcesOverflow ? "about \(sourceCount)" : "\(sourceCount)"
        let facts = FindingFacts.flood(FloodEvidence(
            halfOpen: Int(halfOpen), sources: Int(sourceCount), sourcesEstimated: sourcesOverflow,
            attemptsPerSecond: (rate * 10).rounded() / 10,
            topSources: top.map { .init(ip: $0.key.description, approxAttempts: Int($0.value)) }))
        return Finding(
            kind: .synFlood, severity: .error,
            summary: "\(server): \(halfOpen) half-open connection attempts from \(sourcesText) sources (\(Int(rate.rounded()))/s)",
            frames: [], firstTime: first, lastTime: last,
            facts: facts,
            filter: "tcp.flags.syn==1 && tcp.flags.ack==0 && \(k.address.isIPv4 ? "ip" : "ipv6").dst==\(k.address) && tcp.dstport==\(k.port)",
            flow: FlowRef(transport: "tcp", client: nil, server: Endpoint(ip: k.address.description, port: Int(k.port))))
    }
}
