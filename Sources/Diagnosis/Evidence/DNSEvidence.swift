/// What a DNS finding knows, typed: the question, how often it was asked, and what came back.
/// The cause rules read these fields; `json` is the finding's `evidence` object.
public struct DNSEvidence: Sendable, Equatable {
    /// The name as asked (escaped by each report writer, shell-quoted in commands).
    public var qname: String
    public var qtype: String
    public var queries: Int
    public var overTCP: Bool
    public var answer: Answer
    /// The answer had TC set: too big for UDP.
    public var truncatedAnswer: Bool
    /// The same question asked again over TCP.
    public var retriedOverTCP = false

    public enum Answer: Sendable, Equatable {
        case none
        case error(rcode: UInt8, name: String)
        case slow(latencyMs: Double)
    }

    public var json: [String: EvidenceValue] {
        var ev: [String: EvidenceValue] = ["qname": .string(qname), "qtype": .string(qtype), "queries": .int(Int64(queries)),
                                           "transport": .string(overTCP ? "tcp" : "udp")]
        switch answer {
        case .none: break
        case .error(let code, let name): ev["rcode"] = .string(name); ev["rcodeValue"] = .int(Int64(code))
        case .slow(let ms): ev["latencyMs"] = .double(ms)
        }
        if truncatedAnswer { ev["truncatedAnswer"] = .bool(true) }
        if retriedOverTCP { ev["retriedOverTCP"] = .bool(true) }
        return ev
    }
}
