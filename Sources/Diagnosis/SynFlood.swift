import FlowAnalysis
import PacketDecoding

/// Half-open attempts against one server, summarised without keeping one entry per source:
/// distinct sources counted exactly up to a cap, heavy hitters by Misra-Gries.
struct FloodStats: Sendable {
    static let maxTrackedSources = 100_000
    static let heavyHitterSlots = 32
    var halfOpen = 0
    var sources = Set<IPAddress>()
    var sourcesOverflow = false
    var counters: [IPAddress: Int] = [:]
    var first: Int64 = .max
    var last: Int64 = .min

    var sourceCount: Int { sources.count }

    mutating func add(_ src: IPAddress, time: Int64) {
        halfOpen += 1
        first = min(first, time); last = max(last, time)
        if sources.count < Self.maxTrackedSources { sources.insert(src) } else if !sources.contains(src) { sourcesOverflow = true }
        if let c = counters[src] { counters[src] = c + 1 }
        else if counters.count < Self.heavyHitterSlots { counters[src] = 1 }
        else {
            for k in Array(counters.keys) { let v = counters[k]! - 1; counters[k] = v > 0 ? v : nil }
        }
    }

    func finding(_ k: ServiceKey) -> Finding {
        let server = FlowFacts.endpoint(k.address, k.port)
        let top = counters.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(10)
        let span = max(last - first, 1)
        let rate = Double(halfOpen) / (Double(span) / 1e9)
        let sourcesText = sourcesOverflow ? "more than \(sourceCount)" : "\(sourceCount)"
        return Finding(
            kind: .synFlood, severity: .error,
            summary: "\(server): \(halfOpen) half-open connection attempts from \(sourcesText) sources (\(Int(rate.rounded()))/s)",
            frames: [], firstTime: first, lastTime: last,
            evidence: ["halfOpen": .int(Int64(halfOpen)), "sources": .int(Int64(sourceCount)),
                       "sourcesCapped": .bool(sourcesOverflow), "attemptsPerSecond": .double((rate * 10).rounded() / 10),
                       "topSources": .array(top.map { .object(["ip": .string($0.key.description), "approxAttempts": .int(Int64($0.value))]) })],
            causes: FindingKind.synFlood.info.causes, checks: FindingKind.synFlood.info.checks,
            filter: "tcp.flags.syn==1 && tcp.flags.ack==0 && \(k.address.isIPv4 ? "ip" : "ipv6").dst==\(k.address) && tcp.dstport==\(k.port)",
            flow: FlowRef(transport: "tcp", client: nil, server: Endpoint(ip: k.address.description, port: Int(k.port))))
    }
}
