import PacketDecoding

/// The datagram a fragment belongs to: RFC 791 §3.2 (IPv4) and RFC 8200 §4.5 (IPv6).
/// For IPv6 pass the Fragment header's Next Header as `proto`: it is the same in every fragment,
/// while the upper-layer protocol found after further extension headers is known only in the first.
public struct FragmentKey: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    /// IPv4's 16-bit Identification widened, or IPv6's 32-bit one.
    public var identification: UInt32
    public var proto: IPProtocol
    public var isIPv6: Bool

    public init(source: IPAddress, destination: IPAddress, identification: UInt32, proto: IPProtocol, isIPv6: Bool) {
        self.source = source; self.destination = destination; self.identification = identification
        self.proto = proto; self.isIPv6 = isIPv6
    }

    public init(_ ip: IPv4Header) {
        self.init(source: ip.source, destination: ip.destination, identification: UInt32(ip.identification),
                  proto: ip.proto, isIPv6: false)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.identification == b.identification && a.source.low == b.source.low && a.destination.low == b.destination.low
            && a.proto == b.proto && a.isIPv6 == b.isIPv6
            && a.source.high == b.source.high && a.destination.high == b.destination.high
    }

    public func hash(into h: inout Hasher) { h.combine(fastHash) }

    /// A cheap mix like FlowKey's (SipHash would dominate a fragment flood). The final fold
    /// matters: sequential IDs from one host differ only in a few bits.
    public var fastHash: UInt64 {
        var x = source.low &* 0x9E37_79B9_7F4A_7C15
        x ^= destination.low &* 0xC2B2_AE3D_27D4_EB4F
        x ^= (source.high ^ (destination.high << 17 | destination.high >> 47)) &* 0x1656_67B1_9E37_79F9
        x ^= UInt64(identification) << 16 | UInt64(proto.rawValue) << 8 | (isIPv6 ? 1 : 0)
        x ^= x >> 29
        x &*= 0xBF58_476D_1CE4_E5B9
        return x ^ (x >> 32)
    }
}

/// Up to 8 half-open byte ranges of a datagram, inline (no allocation per report).
public struct FragmentRanges: RandomAccessCollection, Sendable {
    public static let capacity = 8
    var lo = InlineArray<8, Int32>(repeating: 0)
    var hi = InlineArray<8, Int32>(repeating: 0)
    var n = 0
    /// More ranges existed than are listed; the list holds the lowest ones.
    public private(set) var truncated = false

    public init() {}
    public var startIndex: Int { 0 }
    public var endIndex: Int { n }
    public subscript(i: Int) -> Range<Int> {
        precondition(i >= 0 && i < n, "FragmentRanges index out of range")
        return Int(lo[i])..<Int(hi[i])
    }

    mutating func append(_ a: Int32, _ b: Int32) {
        guard n < Self.capacity else { truncated = true; return }
        lo[n] = a; hi[n] = b; n += 1
    }
}

/// Payload lengths (per the IP header) of the first fragments, in arrival order, inline.
public struct FragmentSizes: RandomAccessCollection, Sendable {
    public static let capacity = 4
    var sizes = InlineArray<4, UInt32>(repeating: 0)
    var n = 0

    public init() {}
    public var startIndex: Int { 0 }
    public var endIndex: Int { n }
    public subscript(i: Int) -> Int {
        precondition(i >= 0 && i < n, "FragmentSizes index out of range")
        return Int(sizes[i])
    }

    mutating func append(_ v: Int) {
        guard n < Self.capacity else { return }
        sizes[n] = UInt32(truncatingIfNeeded: v); n += 1
    }
}

/// What became of one datagram that arrived in fragments: reported once, complete or not.
public struct FragmentedDatagram: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Every byte from 0 to the last fragment's end arrived (returned by `add` in a `Completion`).
        case completed
        /// Idle past the timeout (`expire`).
        case timedOut
        /// Finalised early because `maxDatagrams` sets were held.
        case evicted
        /// Still open when the capture ended (`finish`).
        case captureEnded
        /// One fragment of a datagram that had already completed, within the timeout, covering
        /// bytes it had: reported alone for its overlap (a receiver may still be reassembling it).
        case lateFragment
    }

    /// Fragments covering bytes already received (RFC 5722 forbids this for IPv6; Linux drops
    /// overlapping IPv6 fragments, and IPv4 overlaps are the classic IDS-evasion trick).
    public struct Overlap: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Overlapping bytes were compared and equal (an exact duplicate is this).
        public static let sameBytes = Overlap(rawValue: 1 << 0)
        /// Overlapping bytes differ: the receiver's reassembly policy decides what the datagram says.
        public static let differentBytes = Overlap(rawValue: 1 << 1)
        /// Some overlapping bytes could not be compared: no longer held (arena wrapped), or not
        /// captured (snaplen).
        public static let notCompared = Overlap(rawValue: 1 << 2)
    }

    public struct Anomalies: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// A non-last fragment under 64 bytes of IP length, or a first fragment too short for the
        /// transport header (TCP 20, UDP/ICMP 8: RFC 1858, RFC 7112).
        public static let tiny = Anomalies(rawValue: 1 << 0)
        /// Offset + length past 65535: the reassembled datagram cannot exist ("ping of death").
        public static let tooLarge = Anomalies(rawValue: 1 << 1)
        /// IPv4 Don't Fragment on a fragment.
        public static let dontFragmentSet = Anomalies(rawValue: 1 << 2)
        /// IPv6 non-last fragment whose length is not a multiple of 8 (RFC 8200 §4.5).
        public static let badIPv6Length = Anomalies(rawValue: 1 << 3)
        /// More disjoint pieces than the inline range list holds: ranges were merged across
        /// gaps, so the set is tracked coarsely and never reported complete.
        public static let tooManyFragments = Anomalies(rawValue: 1 << 4)
        /// Two different last fragments, or data past the end a last fragment set.
        public static let conflictingEnd = Anomalies(rawValue: 1 << 5)
    }

    public var key: FragmentKey
    public var outcome: Outcome
    public var completed: Bool { outcome == .completed }
    public var firstFrame: UInt64
    public var lastFrame: UInt64
    public var firstTime: Int64
    public var lastTime: Int64
    public var fragments: Int
    public var firstSizes: FragmentSizes
    /// The reassembled payload length (transport header + data), once a last fragment arrived.
    public var totalLength: Int?
    /// Byte ranges received (merged).
    public var arrived: FragmentRanges
    /// Holes below `totalLength`, or below the highest byte received when it is unknown.
    public var missing: FragmentRanges
    /// No last fragment arrived: everything from here on is missing too (length unknown).
    public var missingFrom: Int?
    /// From the offset-0 fragment, for TCP, UDP, UDP-Lite, SCTP and DCCP.
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    public var overlap: Overlap
    public var overlappingFragments: Int
    public var anomalies: Anomalies
}

/// Follows IP fragments per datagram, without reassembling: completion, holes, overlaps (with
/// the overlapping bytes compared while still held) and anomalies.
///
/// Bounded: at most `maxDatagrams` sets (the least recently touched is finalised early when a new
/// one needs room, reported through `add`'s `evict` closure and counted in `evicted`), and one
/// byte ring of `maxHeldBytes` for fragment data. Tables grow only towards their caps; in steady
/// state nothing is allocated per packet.
public struct FragmentTracker: Sendable {
    public struct Config: Sendable, Equatable {
        /// Sets held at once; past it the least recently touched is finalised early as incomplete.
        public var maxDatagrams = 65_536
        /// Bytes of fragment data kept to compare overlaps: one ring, allocated on first use.
        public var maxHeldBytes = 16 << 20
        /// Nanoseconds; Linux ipfrag_time. A set idle this long is finalised as incomplete.
        public var timeout: Int64 = 30_000_000_000
        public init() {}
    }

    /// RFC 791: every link carries 68 bytes; real non-last fragments are far larger.
    static let tinyPacket = 64
    /// Arena records walked per overlap check; older ones count as not compared.
    static let maxWalk = 64
    /// An arena record: previous record of the set (8 bytes), offset (2), captured count (2), data.
    static let recordHeader = 12

    public let config: Config
    var slots: ContiguousArray<Pending> = []
    var free: ContiguousArray<Int32> = []
    var index = SlotIndex(buckets: 0)
    /// Least- and most-recently touched live sets (a list through the slots): eviction takes the
    /// oldest, expiry walks from it and stops at the first set still fresh.
    var oldest: Int32 = -1
    var newest: Int32 = -1
    public private(set) var count = 0
    var arena: ContiguousArray<UInt8> = []
    /// Bytes ever written to the arena: a record at position p is intact while written - p ≤ size.
    var written: Int64 = 0
    public private(set) var evicted: UInt64 = 0
    public private(set) var peak = 0
    /// Datagrams completed lately, kept for the timeout so a later fragment that overlaps one
    /// (different bytes: the evasion trick) is compared with what the datagram held. A ring.
    var recent: ContiguousArray<Recent> = []
    var recentIndex: [FragmentKey: Int32] = [:]
    var recentNext = 0
    static let recentCapacity = 1024

    struct Recent: Sendable {
        var key: FragmentKey
        var lastRecord: Int64
        var end: Int32
        var time: Int64
        var sourcePort: UInt16?
        var destinationPort: UInt16?
    }

    public init(config: Config = Config()) {
        var c = config
        c.maxDatagrams = max(c.maxDatagrams, 1)
        c.maxHeldBytes = max(c.maxHeldBytes, 0)
        self.config = c
    }

    /// One fragment. `offset` in bytes; `length` is this fragment's payload length per the IP
    /// header; `packetLength` its IP total length (IPv4 Total Length, IPv6 40 + Payload Length);
    /// `data` the captured payload (shorter than `length` under snaplen), starting with the
    /// transport header when `offset` is 0. A set finalised early to make room is passed to
    /// `evict` before this returns (the closure must not touch the tracker). Returns the completion when this fragment completes the
    /// datagram; the set is then forgotten (a later fragment with the same key starts a new one).
    public mutating func add(_ key: FragmentKey, offset: Int, length: Int, packetLength: Int, more: Bool,
                             dontFragment: Bool, data: WireBytes, time: Int64, frame: UInt64,
                             evict: (FragmentedDatagram) -> Void) -> Completion? {
        let h = UInt32(truncatingIfNeeded: key.fastHash)
        let s: Int
        // Offsets are 13 bits of 8 bytes and lengths 16 bits; clamping keeps the arithmetic small.
        let a = min(max(offset, 0), 0xFFFF)
        let len = min(max(length, 0), 0xFFFF)
        let b = a + len
        let kept = min(data.count, len)
        if let x = index.find(h, { slots[$0].key == key }) {
            s = x
            unlink(s); linkNewest(s)
        } else {
            if !recentIndex.isEmpty, let late = lateFragment(key, a, b, kept, data, time: time, frame: frame) {
                evict(late)
                return nil
            }
            s = open(key, h, time: time, frame: frame, evict)
        }

        var p = slots[s]
        let covered = p.coverage.overlap(Int32(a), Int32(b))
        if covered > 0 {
            var o = compare(from: p.lastRecord, a, kept, data, covered: covered)
            // Coarse coverage spans gaps: only bytes actually compared prove an overlap there.
            if p.coarse { o.remove(.notCompared) }
            if !o.isEmpty {
                p.overlappingFragments &+= 1
                p.overlap.formUnion(o)
            }
        }
        p.lastRecord = store(a, kept, data, prev: p.lastRecord)

        if b > 0xFFFF { p.anomalies.insert(.tooLarge) }
        if !key.isIPv6 && dontFragment { p.anomalies.insert(.dontFragmentSet) }
        if more && packetLength < Self.tinyPacket { p.anomalies.insert(.tiny) }
        if a == 0 && more && len < Self.transportMinimum(key.proto) { p.anomalies.insert(.tiny) }
        if key.isIPv6 && more && len % 8 != 0 { p.anomalies.insert(.badIPv6Length) }
        if !more {
            if p.end >= 0 {
                if p.end != Int32(b) { p.anomalies.insert(.conflictingEnd) }       // the first end stays
            } else {
                if p.coverage.extent > Int32(b) { p.anomalies.insert(.conflictingEnd) }
                p.end = Int32(b)
            }
        } else if p.end >= 0 && Int32(b) > p.end {
            p.anomalies.insert(.conflictingEnd)
        }

        p.sizes.append(len)
        p.fragments &+= 1
        if a == 0 && !p.headerSeen {
            p.headerSeen = true
            let n = min(kept, Completion.headerCapacity)
            for i in 0..<n { p.header[i] = data.u8(i) }
            p.headerCount = UInt8(n)
        }
        if !p.coverage.insert(Int32(a), Int32(b)) {
            p.coarse = true
            p.anomalies.insert(.tooManyFragments)
        }
        p.lastTime = max(p.lastTime, time)
        p.lastFrame = frame

        if !p.coarse && p.end >= 0 && p.headerSeen && p.coverage.covers(0, p.end) {
            let c = Completion(datagram: p.record(.completed), totalLength: Int(p.end),
                               header: p.header, headerCount: Int(p.headerCount))
            remember(Recent(key: key, lastRecord: p.lastRecord, end: p.end, time: p.lastTime,
                            sourcePort: c.datagram.sourcePort, destinationPort: c.datagram.destinationPort))
            release(s)
            return c
        }
        slots[s] = p
        return nil
    }

    /// An IPv4 fragment straight from its header (Total Length 0, a TSO capture, is never a fragment).
    public mutating func add(_ ip: IPv4Header, time: Int64, frame: UInt64,
                             evict: (FragmentedDatagram) -> Void) -> Completion? {
        add(FragmentKey(ip), offset: ip.fragmentOffset, length: ip.payloadWireLength, packetLength: ip.wireLength,
            more: ip.moreFragments, dontFragment: ip.dontFragment, data: ip.payload, time: time, frame: frame,
            evict: evict)
    }

    /// Finalises, oldest first, every set idle for more than the timeout. Cheap when nothing is due:
    /// it looks at the least recently touched set only.
    public mutating func expire(now: Int64, _ sink: (FragmentedDatagram) -> Void) {
        while oldest >= 0, now &- slots[Int(oldest)].lastTime > config.timeout {
            sink(finalise(Int(oldest), .timedOut))
        }
    }

    /// End of capture: every set still open, least recently touched first.
    public mutating func finish(_ sink: (FragmentedDatagram) -> Void) {
        while oldest >= 0 { sink(finalise(Int(oldest), .captureEnded)) }
    }

    // MARK: completed datagrams, for late fragments

    mutating func remember(_ r: Recent) {
        if recent.count < Self.recentCapacity {
            recent.append(r)
            recentIndex[r.key] = Int32(recent.count - 1)
            return
        }
        let i = recentNext
        recentNext = (recentNext + 1) % Self.recentCapacity
        if recentIndex[recent[i].key] == Int32(i) { recentIndex[recent[i].key] = nil }
        recent[i] = r
        recentIndex[r.key] = Int32(i)
    }

    /// A fragment for a datagram completed within the timeout that covers bytes it had: compared
    /// with the bytes still held and reported on its own (nil: not such a fragment).
    func lateFragment(_ key: FragmentKey, _ a: Int, _ b: Int, _ kept: Int, _ data: WireBytes, time: Int64,
                      frame: UInt64) -> FragmentedDatagram? {
        guard let i = recentIndex[key] else { return nil }
        let r = recent[Int(i)]
        let covered = min(b, Int(r.end)) - a
        guard r.key == key, time &- r.time <= config.timeout, covered > 0 else { return nil }
        var arrived = FragmentRanges()
        arrived.append(Int32(a), Int32(b))
        var sizes = FragmentSizes()
        sizes.append(b - a)
        return FragmentedDatagram(
            key: key, outcome: .lateFragment, firstFrame: frame, lastFrame: frame, firstTime: time, lastTime: time,
            fragments: 1, firstSizes: sizes, totalLength: Int(r.end), arrived: arrived, missing: FragmentRanges(),
            missingFrom: nil, sourcePort: r.sourcePort, destinationPort: r.destinationPort,
            overlap: compare(from: r.lastRecord, a, kept, data, covered: covered), overlappingFragments: 1, anomalies: [])
    }

    // MARK: sets

    mutating func open(_ key: FragmentKey, _ h: UInt32, time: Int64, frame: UInt64,
                       _ evict: (FragmentedDatagram) -> Void) -> Int {
        if count >= config.maxDatagrams, oldest >= 0 {
            evicted &+= 1
            evict(finalise(Int(oldest), .evicted))
        }
        let fresh = Pending(key: key, hash: h, time: time, frame: frame)
        let s: Int
        if let x = free.popLast() {
            s = Int(x)
            slots[s] = fresh
        } else {
            if slots.isEmpty {
                let n = min(config.maxDatagrams, 4096)
                slots.reserveCapacity(n); free.reserveCapacity(n)
            }
            s = slots.count
            slots.append(fresh)
        }
        index.insert(h, slot: s)
        linkNewest(s)
        count += 1
        peak = max(peak, count)
        return s
    }

    mutating func finalise(_ s: Int, _ outcome: FragmentedDatagram.Outcome) -> FragmentedDatagram {
        let r = slots[s].record(outcome)
        release(s)
        return r
    }

    mutating func release(_ s: Int) {
        index.remove(slots[s].hash, slot: s)
        unlink(s)
        free.append(Int32(s))
        count -= 1
    }

    mutating func unlink(_ s: Int) {
        let o = slots[s].older, n = slots[s].newer
        if o >= 0 { slots[Int(o)].newer = n } else { oldest = n }
        if n >= 0 { slots[Int(n)].older = o } else { newest = o }
    }

    mutating func linkNewest(_ s: Int) {
        slots[s].older = newest
        slots[s].newer = -1
        if newest >= 0 { slots[Int(newest)].newer = Int32(s) } else { oldest = Int32(s) }
        newest = Int32(s)
    }

    static func transportMinimum(_ p: IPProtocol) -> Int {
        switch p {
        case .tcp: 20
        case .udp, .icmp, .icmpv6: 8
        default: 0
        }
    }

    // MARK: arena

    /// Appends a record of the captured bytes; returns its position, or `prev` when it cannot fit.
    mutating func store(_ offset: Int, _ n: Int, _ data: WireBytes, prev: Int64) -> Int64 {
        let size = config.maxHeldBytes
        guard Self.recordHeader + n <= size else { return prev }
        if arena.isEmpty { arena = ContiguousArray(repeating: 0, count: size) }
        let at = written
        var i = Int(at % Int64(size))
        let fields = UInt64(bitPattern: prev)
        for k in 0..<8 { put(&i, UInt8(truncatingIfNeeded: fields >> (8 * UInt64(k)))) }
        put(&i, UInt8(truncatingIfNeeded: offset)); put(&i, UInt8(truncatingIfNeeded: offset >> 8))
        put(&i, UInt8(truncatingIfNeeded: n)); put(&i, UInt8(truncatingIfNeeded: n >> 8))
        for k in 0..<n { put(&i, data.u8(k)) }
        written += Int64(Self.recordHeader + n)
        return at
    }

    @inline(__always) mutating func put(_ i: inout Int, _ v: UInt8) {
        arena[i] = v
        i += 1
        if i == arena.count { i = 0 }
    }

    @inline(__always) func get(_ i: inout Int) -> UInt8 {
        let v = arena[i]
        i += 1
        if i == arena.count { i = 0 }
        return v
    }

    /// Compares a new fragment's captured bytes with the set's held records, newest first, until
    /// the overlapping part (`covered` bytes) has been compared.
    func compare(from head: Int64, _ a: Int, _ kept: Int, _ data: WireBytes, covered: Int) -> FragmentedDatagram.Overlap {
        var compared = Intervals<16>()
        var differ = false
        var p = head, walked = 0
        let size = Int64(arena.count)
        while p >= 0, size > 0, written - p <= size, walked < Self.maxWalk, compared.total < covered {
            walked += 1
            var i = Int(p % size)
            var prev: UInt64 = 0
            for k in 0..<8 { prev |= UInt64(get(&i)) << (8 * UInt64(k)) }
            let os = Int(get(&i)) | Int(get(&i)) << 8
            let on = Int(get(&i)) | Int(get(&i)) << 8
            let lo = max(a, os), hi = min(a + kept, os + on)
            if lo < hi {
                var j = (i + lo - os) % arena.count
                var x = lo
                while x < hi {
                    if get(&j) != data.u8(x - a) { differ = true; break }
                    x += 1
                }
                _ = compared.insert(Int32(lo), Int32(hi))
            }
            let next = Int64(bitPattern: prev)
            guard next < p else { break }        // positions only grow; anything else is not ours
            p = next
        }
        var r: FragmentedDatagram.Overlap = []
        if differ { r.insert(.differentBytes) } else if compared.count > 0 { r.insert(.sameBytes) }
        if compared.total < covered { r.insert(.notCompared) }
        return r
    }
}

extension FragmentTracker {
    /// Returned by the `add` that completes a datagram: what flow analysis needs of it.
    public struct Completion: Sendable {
        public static let headerCapacity = 64
        public var datagram: FragmentedDatagram
        /// The reassembled payload length: transport header + data.
        public var totalLength: Int
        /// The first bytes of the offset-0 fragment's payload (the transport header), as captured.
        public var header: InlineArray<64, UInt8>
        public var headerCount: Int

        /// An allocating copy, for cold paths (`WireBytes.with(c.headerBytes) { … }`).
        public var headerBytes: [UInt8] { (0..<headerCount).map { header[$0] } }
    }
}

// MARK: - storage

/// One open set. About 300 bytes, all inline.
struct Pending: Sendable {
    var key: FragmentKey
    var hash: UInt32
    var older: Int32 = -1
    var newer: Int32 = -1
    var end: Int32 = -1
    var firstTime: Int64
    var lastTime: Int64
    var firstFrame: UInt64
    var lastFrame: UInt64
    /// Newest arena record of this set (-1: none).
    var lastRecord: Int64 = -1
    var fragments: UInt32 = 0
    var overlappingFragments: UInt32 = 0
    var sizes = FragmentSizes()
    var coverage = Intervals<12>()
    var header = InlineArray<64, UInt8>(repeating: 0)
    var headerCount: UInt8 = 0
    var headerSeen = false
    var coarse = false
    var overlap: FragmentedDatagram.Overlap = []
    var anomalies: FragmentedDatagram.Anomalies = []

    init(key: FragmentKey, hash: UInt32, time: Int64, frame: UInt64) {
        self.key = key; self.hash = hash
        firstTime = time; lastTime = time; firstFrame = frame; lastFrame = frame
    }

    func record(_ outcome: FragmentedDatagram.Outcome) -> FragmentedDatagram {
        var arrived = FragmentRanges(), missing = FragmentRanges()
        let limit = end >= 0 ? end : coverage.extent
        var at: Int32 = 0
        for k in 0..<coverage.count {
            arrived.append(coverage.lo[k], coverage.hi[k])
            if coverage.lo[k] >= limit { continue }
            if coverage.lo[k] > at { missing.append(at, coverage.lo[k]) }
            at = coverage.hi[k]
        }
        if at < limit { missing.append(at, limit) }
        var sport: UInt16?, dport: UInt16?
        if headerSeen && headerCount >= 4 {
            switch key.proto.rawValue {
            case 6, 17, 33, 132, 136:            // TCP, UDP, DCCP, SCTP, UDP-Lite: ports first
                sport = UInt16(header[0]) << 8 | UInt16(header[1])
                dport = UInt16(header[2]) << 8 | UInt16(header[3])
            default: break
            }
        }
        return FragmentedDatagram(
            key: key, outcome: outcome, firstFrame: firstFrame, lastFrame: lastFrame, firstTime: firstTime,
            lastTime: lastTime, fragments: Int(fragments), firstSizes: sizes, totalLength: end >= 0 ? Int(end) : nil,
            arrived: arrived, missing: missing, missingFrom: end >= 0 ? nil : Int(coverage.extent),
            sourcePort: sport, destinationPort: dport, overlap: overlap,
            overlappingFragments: Int(overlappingFragments), anomalies: anomalies)
    }
}

/// Sorted, disjoint, non-touching half-open ranges, inline. When full, the two closest ranges
/// are merged (their gap then counts as covered) and `insert` returns false.
struct Intervals<let capacity: Int>: Sendable {
    var lo = InlineArray<capacity, Int32>(repeating: 0)
    var hi = InlineArray<capacity, Int32>(repeating: 0)
    var count = 0

    var extent: Int32 { count > 0 ? hi[count - 1] : 0 }

    var total: Int {
        var t = 0
        for k in 0..<count { t += Int(hi[k] - lo[k]) }
        return t
    }

    /// Bytes of [a, b) already covered.
    func overlap(_ a: Int32, _ b: Int32) -> Int {
        var t = 0
        for k in 0..<count where lo[k] < b && hi[k] > a { t += Int(min(hi[k], b) - max(lo[k], a)) }
        return t
    }

    func covers(_ a: Int32, _ b: Int32) -> Bool {
        if a >= b { return true }
        for k in 0..<count where lo[k] <= a { if hi[k] >= b { return true } }
        return false
    }

    mutating func insert(_ a: Int32, _ b: Int32) -> Bool {
        guard a < b else { return true }
        var exact = true
        while true {
            var i = 0
            while i < count && hi[i] < a { i += 1 }
            var j = i
            while j < count && lo[j] <= b { j += 1 }
            if i < j {                          // touches ranges i..<j: merge them
                lo[i] = min(lo[i], a)
                hi[i] = max(hi[j - 1], b)
                removeRanges(i + 1, j)
                return exact
            }
            if count < capacity {
                var k = count
                while k > i { lo[k] = lo[k - 1]; hi[k] = hi[k - 1]; k -= 1 }
                lo[i] = a; hi[i] = b
                count += 1
                return exact
            }
            exact = false
            if count < 2 {                      // capacity 1: one range spanning everything
                lo[0] = min(lo[0], a); hi[0] = max(hi[0], b)
                return false
            }
            var best = 0
            for k in 1..<(count - 1) where lo[k + 1] - hi[k] < lo[best + 1] - hi[best] { best = k }
            hi[best] = hi[best + 1]
            removeRanges(best + 1, best + 2)
        }
    }

    mutating func removeRanges(_ from: Int, _ to: Int) {
        let d = to - from
        guard d > 0 else { return }
        var k = from
        while k + d < count { lo[k] = lo[k + d]; hi[k] = hi[k + d]; k += 1 }
        count -= d
    }
}
