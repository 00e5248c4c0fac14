import PacketDecoding

/// Per-protocol packet counters, kept in a fixed array indexed by this enum.
public enum ProtocolCounter: Int, CaseIterable, Sendable {
    case ethernet, vlan, linuxSLL, linuxSLL2, loopback, rawIP, arp, ipv4, ipv6, ipv4Fragment, ipv6Fragment
    case tcp, udp, icmp, icmpv6, otherIP, otherLink

    public var name: String {
        switch self {
        case .ethernet: "ethernet"
        case .vlan: "vlan"
        case .linuxSLL: "linux-sll"
        case .linuxSLL2: "linux-sll2"
        case .loopback: "null-loop"
        case .rawIP: "raw-ip"
        case .arp: "arp"
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        case .ipv4Fragment: "ipv4-fragment"
        case .ipv6Fragment: "ipv6-fragment"
        case .tcp: "tcp"
        case .udp: "udp"
        case .icmp: "icmp"
        case .icmpv6: "icmpv6"
        case .otherIP: "other-ip"
        case .otherLink: "other-link"
        }
    }
}

/// Counters for the capture as a whole. Fixed-size storage allocated once; updating it per
/// packet allocates nothing.
public struct CaptureStats: Sendable {
    public static let maximumExampleFrames = 10

    public private(set) var packets: UInt64 = 0
    /// Packets that passed the BPF filter (all of them without one).
    public private(set) var matched: UInt64 = 0
    public private(set) var wireBytes: UInt64 = 0
    public private(set) var capturedBytes: UInt64 = 0
    /// Packets whose captured length is below their length on the wire (snaplen).
    public private(set) var snaplenCut: UInt64 = 0
    /// Packets whose timestamp is earlier than the one before.
    public private(set) var timeWentBackwards: UInt64 = 0
    public private(set) var firstTime: Int64?
    public private(set) var lastTime: Int64?
    public private(set) var maxTime: Int64?
    // Inline: counted several times per packet, without an array's uniqueness and bounds checks.
    var protocols = InlineArray<17, UInt64>(repeating: 0)
    var malformed: ContiguousArray<UInt64>
    var truncated: ContiguousArray<UInt64>
    /// First frame numbers of malformed packets, for evidence.
    public private(set) var malformedFrames: ContiguousArray<UInt64>

    public init() {
        precondition(ProtocolCounter.allCases.count == protocols.count)
        malformed = ContiguousArray(repeating: 0, count: DecodeError.Layer.allCases.count * DecodeError.Reason.allCases.count)
        truncated = ContiguousArray(repeating: 0, count: DecodeError.Layer.allCases.count)
        malformedFrames = []
        malformedFrames.reserveCapacity(Self.maximumExampleFrames)
    }

    public subscript(_ p: ProtocolCounter) -> UInt64 { protocols[p.rawValue] }
    public func malformedCount(_ layer: DecodeError.Layer, _ reason: DecodeError.Reason) -> UInt64 {
        malformed[Int(layer.rawValue) * DecodeError.Reason.allCases.count + Int(reason.rawValue)]
    }
    public func truncatedCount(_ layer: DecodeError.Layer) -> UInt64 { truncated[Int(layer.rawValue)] }
    public var totalMalformed: UInt64 { malformed.reduce(0, &+) }
    public var totalTruncated: UInt64 { truncated.reduce(0, &+) }

    @inline(__always)
    mutating func count(_ p: ProtocolCounter) { protocols[p.rawValue] &+= 1 }

    mutating func frame(time: Int64, wireLength: Int, captured: Int, matched isMatched: Bool) {
        packets &+= 1
        wireBytes &+= UInt64(truncatingIfNeeded: wireLength)
        capturedBytes &+= UInt64(truncatingIfNeeded: captured)
        if captured < wireLength { snaplenCut &+= 1 }
        if isMatched { matched &+= 1 }
        if firstTime == nil { firstTime = time }
        if let last = lastTime, time < last { timeWentBackwards &+= 1 }
        lastTime = time
        if maxTime.map({ time > $0 }) ?? true { maxTime = time }
    }

    mutating func record(_ e: DecodeError, frame: UInt64) {
        switch e {
        case .truncated(let layer, _, _):
            truncated[Int(layer.rawValue)] &+= 1
        case .malformed(let layer, let reason):
            malformed[Int(layer.rawValue) * DecodeError.Reason.allCases.count + Int(reason.rawValue)] &+= 1
            if malformedFrames.count < Self.maximumExampleFrames { malformedFrames.append(frame) }
        }
    }

    /// Adds the per-packet counters of a worker that analysed a share of the frames (sharded
    /// analysis): the frame counters stay the reader's; example frames stay the lowest.
    public mutating func merge(analysisOf w: CaptureStats) {
        for i in protocols.indices { protocols[i] &+= w.protocols[i] }
        for i in malformed.indices { malformed[i] &+= w.malformed[i] }
        for i in truncated.indices { truncated[i] &+= w.truncated[i] }
        malformedFrames = ContiguousArray((malformedFrames + w.malformedFrames).sorted().prefix(Self.maximumExampleFrames))
    }

    /// Non-zero malformed counters as (layer, reason, count), in a fixed order.
    public var malformedCounters: [(layer: DecodeError.Layer, reason: DecodeError.Reason, count: UInt64)] {
        var out: [(DecodeError.Layer, DecodeError.Reason, UInt64)] = []
        for l in DecodeError.Layer.allCases {
            for r in DecodeError.Reason.allCases where malformedCount(l, r) > 0 { out.append((l, r, malformedCount(l, r))) }
        }
        return out
    }
    public var truncatedCounters: [(layer: DecodeError.Layer, count: UInt64)] {
        DecodeError.Layer.allCases.compactMap { l in truncatedCount(l) > 0 ? (l, truncatedCount(l)) : nil }
    }
    public var protocolCounters: [(ProtocolCounter, UInt64)] {
        ProtocolCounter.allCases.compactMap { p in self[p] > 0 ? (p, self[p]) : nil }
    }
}
