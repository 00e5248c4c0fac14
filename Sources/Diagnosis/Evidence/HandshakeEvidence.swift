import FlowAnalysis
import PacketDecoding

/// What a handshake finding knows, typed: the SYNs, and what answered them by outcome. The cause
/// rules read these fields; `json` is the finding's `evidence` object (field names are an interface).
public struct HandshakeEvidence: Sendable, Equatable {
    public var synCount: UInt32
    /// Seconds between the client's SYNs (its retries), at millisecond precision.
    public var retryIntervalsSeconds: [Double]
    public var clientMSS: UInt16?
    public var answer: Answer

    public enum Answer: Sendable, Equatable {
        case unanswered(exponentialBackoff: Bool)
        case refused(Refusal)
        case unreachable(ICMPAnswer)
        case incomplete(synAckCount: UInt32, clientAcked: Bool, clientReset: Bool)
        case slow(synAckCount: UInt32, addedDelaySeconds: Double, handshakeSeconds: Double)
        case invalid(synAckBadAck: Bool, clientISNChanged: Bool, serverISNChanged: Bool, synAnsweredByStrayAck: Bool)
    }

    public struct Refusal: Sendable, Equatable {
        public var rstTTL: UInt8
        public var rstValidity: ResetValidity
        /// The client host's MAC: the same host across address families.
        public var clientMAC: MACAddress?
        public var resets: UInt32
        public var rstAfterMs: Double
    }

    public struct ICMPAnswer: Sendable, Equatable {
        public var type: UInt8
        public var code: UInt8
        public var name: String
        public var reportedBy: String
        public var reportedByServer: Bool
        public var errors: UInt32
    }

    public var json: [String: EvidenceValue] {
        var ev: [String: EvidenceValue] = ["synCount": .int(Int64(synCount))]
        if !retryIntervalsSeconds.isEmpty { ev["retryIntervalsSeconds"] = .array(retryIntervalsSeconds.map { .double($0) }) }
        if let mss = clientMSS { ev["clientMSS"] = .int(Int64(mss)) }
        switch answer {
        case .unanswered(let backoff):
            ev["exponentialBackoff"] = .bool(backoff)
        case .refused(let r):
            ev["rstTTL"] = .int(Int64(r.rstTTL)); ev["rstValidity"] = .string(r.rstValidity.rawValue)
            ev["resets"] = .int(Int64(r.resets)); ev["rstAfterMs"] = .double(r.rstAfterMs)
            if let m = r.clientMAC { ev["clientMAC"] = .string(m.description) }
        case .unreachable(let e):
            ev["icmpType"] = .int(Int64(e.type)); ev["icmpCode"] = .int(Int64(e.code)); ev["icmpName"] = .string(e.name)
            ev["reportedBy"] = .string(e.reportedBy); ev["reportedByServer"] = .bool(e.reportedByServer)
            ev["icmpErrors"] = .int(Int64(e.errors))
        case .incomplete(let n, let acked, let reset):
            ev["synAckCount"] = .int(Int64(n)); ev["clientAcked"] = .bool(acked); ev["clientReset"] = .bool(reset)
        case .slow(let n, let added, let total):
            ev["synAckCount"] = .int(Int64(n)); ev["addedDelaySeconds"] = .double(added); ev["handshakeSeconds"] = .double(total)
        case .invalid(let bad, let c, let s, let stray):
            ev["synAckBadAck"] = .bool(bad); ev["clientISNChanged"] = .bool(c); ev["serverISNChanged"] = .bool(s)
            ev["synAnsweredByStrayAck"] = .bool(stray)
        }
        return ev
    }
}
