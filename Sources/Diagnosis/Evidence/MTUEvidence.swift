import FlowAnalysis
import PacketDecoding

/// What a path MTU finding knows, typed (mtu.frag-needed, mtu.frag-needed-ignored, mtu.blackhole,
/// mtu.mss-exceeded): the sender concerned, the flow's tunnel and MSS, and the kind's own facts.
/// `json` is the finding's `evidence` object (field names are an interface).
public struct MTUEvidence: Sendable, Equatable {
    public var sender: EndpointRole
    public var path: PathFacts
    public var detail: Detail

    /// The flow's tunnel and MSS options: what explains or aggravates an MTU problem.
    public struct PathFacts: Sendable, Equatable {
        public enum MSS: Sendable, Equatable { case value(Int), missing }
        public var tunnel: String?
        public var tunnelOverhead: Int
        public var clientMSS: MSS?
        public var serverMSS: MSS?

        init(_ f: Flow) {
            tunnel = f.tunnelKind?.name
            tunnelOverhead = Int(f.tunnelOverhead)
            clientMSS = f.client.mss.map { .value(Int($0)) } ?? (f.client.sentSYN ? .missing : nil)
            serverMSS = f.server.mss.map { .value(Int($0)) } ?? (f.server.sentSYN ? .missing : nil)
        }
    }

    public struct FragNeeded: Sendable, Equatable {
        public var reporter: IPAddress
        public var mtu: Int, reportedMTU: Int, quotedLength: Int
        public var quotedDF: Bool
        public var messages: Int
        public var honoured: Bool
        public var packetsFittingAfter: Int, packetsOversizedAfter: Int
        /// Why the message does not match the flow; empty when it does.
        public var suspicionReasons: [String]
        public var mssExceedsPathMTU: Bool
        public var suspicious: Bool { !suspicionReasons.isEmpty }
    }

    public enum Detail: Sendable, Equatable {
        case fragNeeded(FragNeeded)
        case ignored(reporter: IPAddress, mtu: Int, oversizedAfter: Int, largestAfter: Int)
        /// Seen from the receiver: bytes the sender's sequence numbers show it sent never arrived.
        case blackholeAtReceiver(missingBytes: Int, largestArrived: Int, duplicateAcks: Int, icmpSeen: Bool, sequenceJumpFrame: UInt64)
        /// Seen from the sender: full-size packets resent and never acknowledged.
        case blackholeAtSender(retransmissions: Int, failingSize: Int, largestAcknowledged: Int, recoveredWithSize: Int, icmpSeen: Bool)
        case mssExceeded(segments: Int, largestPayload: Int, announcedMSS: Int)
    }

    /// The path MTU range a black hole shows: at least the largest that got through, below the
    /// smallest that did not (when the sender's side shows it).
    public var pathMTURange: (atLeast: Int, below: Int?)? {
        switch detail {
        case .blackholeAtReceiver(_, let largest, _, _, _): (largest, nil)
        case .blackholeAtSender(_, let fail, let largest, _, _): (largest, fail)
        default: nil
        }
    }

    public var json: [String: EvidenceValue] {
        func i(_ v: Int) -> EvidenceValue { .int(Int64(v)) }
        var ev: [String: EvidenceValue] = ["sender": .string(sender.rawValue)]
        switch detail {
        case .fragNeeded(let r):
            ev["reporter"] = .string(r.reporter.description); ev["mtu"] = i(r.mtu); ev["reportedMTU"] = i(r.reportedMTU)
            ev["quotedLength"] = i(r.quotedLength); ev["quotedDF"] = .bool(r.quotedDF); ev["messages"] = i(r.messages)
            ev["honoured"] = .bool(r.honoured)
            ev["packetsFittingAfter"] = i(r.packetsFittingAfter); ev["packetsOversizedAfter"] = i(r.packetsOversizedAfter)
            ev["suspicious"] = .bool(r.suspicious)
            if r.suspicious { ev["suspicionReasons"] = .array(r.suspicionReasons.map { .string($0) }) }
            if r.mssExceedsPathMTU { ev["mssExceedsPathMTU"] = .bool(true) }
        case .ignored(let reporter, let mtu, let oversized, let largest):
            ev["reporter"] = .string(reporter.description); ev["mtu"] = i(mtu)
            ev["oversizedAfter"] = i(oversized); ev["largestAfter"] = i(largest)
        case .blackholeAtReceiver(let missing, let largest, let dupAcks, let icmp, let jump):
            ev["vantage"] = .string("receiver"); ev["missingBytes"] = i(missing)
            ev["largestArrivedSize"] = i(largest); ev["pathMTUAtLeast"] = i(largest)
            ev["duplicateAcks"] = i(dupAcks); ev["icmpSeen"] = .bool(icmp); ev["confidence"] = .string("medium")
            if jump != 0 { ev["sequenceJumpFrame"] = .int(Int64(jump)) }
        case .blackholeAtSender(let resends, let fail, let largest, let recovered, let icmp):
            ev["vantage"] = .string("sender"); ev["retransmissions"] = i(resends)
            ev["failingPacketSize"] = i(fail); ev["largestAcknowledgedSize"] = i(largest)
            ev["pathMTUAtLeast"] = i(largest); ev["pathMTUBelow"] = i(fail)
            ev["recovered"] = .bool(recovered > 0); ev["icmpSeen"] = .bool(icmp)
            if recovered > 0 { ev["recoveredWithSize"] = i(recovered) }
        case .mssExceeded(let segments, let largest, let announced):
            ev["segments"] = i(segments); ev["largestPayload"] = i(largest); ev["announcedMSS"] = i(announced)
        }
        if let t = path.tunnel { ev["tunnel"] = .string(t); ev["tunnelOverhead"] = i(path.tunnelOverhead) }
        func mss(_ m: PathFacts.MSS) -> EvidenceValue { if case .value(let v) = m { i(v) } else { .string("missing") } }
        if let m = path.clientMSS { ev["clientMSS"] = mss(m) }
        if let m = path.serverMSS { ev["serverMSS"] = mss(m) }
        if case .value(let a)? = path.clientMSS, case .value(let b)? = path.serverMSS, a != b { ev["mssDiffers"] = .bool(true) }
        return ev
    }
}
