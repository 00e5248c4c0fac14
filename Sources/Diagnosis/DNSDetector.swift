import FlowAnalysis
import PacketDecoding

/// DNS questions (DESIGN.md §3 dns.*): unanswered, answered with an error, or answered slowly.
public struct DNSDetector: RecordDetector {
    public static let raises: [FindingKind] = [.dnsUnanswered, .dnsError, .dnsSlow]
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    static let rcodes = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
                         "NXRRSET", "NOTAUTH", "NOTZONE"]
    static func rcode(_ c: UInt8) -> String { Int(c) < rcodes.count ? rcodes[Int(c)] : "RCODE\(c)" }
    static let qtypes: [UInt16: String] = [1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT",
                                           28: "AAAA", 33: "SRV", 35: "NAPTR", 43: "DS", 48: "DNSKEY", 64: "SVCB",
                                           65: "HTTPS", 255: "ANY"]
    static func qtype(_ t: UInt16) -> String { qtypes[t] ?? "TYPE\(t)" }

    public func kinds(_ t: DNSTransaction) -> [FindingKind] { kind(t).map { [$0] } ?? [] }

    public func finding(_ k: FindingKind, _ t: DNSTransaction) -> Finding { finding(t) }

    /// The kind one DNS transaction makes, if any.
    public func kind(_ t: DNSTransaction) -> FindingKind? {
        if !t.answered { return .dnsUnanswered }
        if t.rcode != 0 { return .dnsError }
        if t.answerTime &- t.firstTime >= Int64(thresholds.dnsSlowSeconds * 1e9) { return .dnsSlow }
        return nil
    }

    public func finding(_ t: DNSTransaction) -> Finding {
        let name = String(decoding: t.nameBytes, as: UTF8.self)   // escaped by each report writer
        let server = FlowFacts.endpoint(t.server, t.serverPort), client = FlowFacts.endpoint(t.client, t.clientPort)
        let q = "\(name) (\(Self.qtype(t.qtype)))"
        var facts = DNSEvidence(qname: name, qtype: Self.qtype(t.qtype), queries: t.queries, overTCP: t.overTCP, answer: .none,
                                truncatedAnswer: t.truncatedAnswer, retriedOverTCP: t.retriedOverTCP)
        let kind = kind(t)!
        let summary: String
        var severity: Severity
        var frames = [t.firstFrame]
        switch kind {
        case .dnsUnanswered:
            let span = FlowFacts.seconds(t.lastQueryTime &- t.firstTime)
            summary = "\(client) asked \(server) for \(q) \(t.queries) time\(t.queries == 1 ? "" : "s")\(t.queries > 1 ? " over \(span)" : "") and got no answer"
            severity = .error
        case .dnsError:
            let r = Self.rcode(t.rcode)
            summary = "\(server) answered \(r) to \(client) for \(q)" + (t.rcode == 3 ? ": the name does not exist" : "")
            facts.answer = .error(rcode: t.rcode, name: r)
            severity = t.rcode == 3 ? .warning : .error
            frames.append(t.answerFrame)
        default:
            let wait = t.answerTime &- t.firstTime
            summary = "\(server) took \(FlowFacts.seconds(wait)) to answer \(client) for \(q)\(t.queries > 1 ? " (\(t.queries) queries)" : "")"
            facts.answer = .slow(latencyMs: FlowFacts.ms(wait))
            severity = .warning
            frames.append(t.answerFrame)
        }
        let ip = t.client.isIPv4 ? "ip" : "ipv6"
        return Finding(kind: kind, severity: severity, summary: summary, frames: frames, firstTime: t.firstTime,
                       lastTime: max(t.lastQueryTime, t.answerTime), facts: .dns(facts), filter: "\(ip).addr==\(t.client) && \(ip).addr==\(t.server) && dns",
                       flow: FlowRef(transport: t.overTCP ? "tcp" : "udp",
                                     client: Endpoint(ip: t.client.description, port: Int(t.clientPort)),
                                     server: Endpoint(ip: t.server.description, port: Int(t.serverPort))))
    }
}
