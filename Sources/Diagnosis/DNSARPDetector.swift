import FlowAnalysis
import PacketDecoding

/// The other reasons a client never connects (DESIGN.md §3): names that do not resolve, hosts
/// that are not on the link, and routers that say no.
public struct NameLinkDetector: Sendable {
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    static let rcodes = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
                         "NXRRSET", "NOTAUTH", "NOTZONE"]
    static func rcode(_ c: UInt8) -> String { Int(c) < rcodes.count ? rcodes[Int(c)] : "RCODE\(c)" }
    static let qtypes: [UInt16: String] = [1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT",
                                           28: "AAAA", 33: "SRV", 35: "NAPTR", 43: "DS", 48: "DNSKEY", 64: "SVCB",
                                           65: "HTTPS", 255: "ANY"]
    static func qtype(_ t: UInt16) -> String { qtypes[t] ?? "TYPE\(t)" }

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
                                truncatedAnswer: t.truncatedAnswer)
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
                       lastTime: max(t.lastQueryTime, t.answerTime), evidence: facts.json, facts: .dns(facts), filter: "\(ip).addr==\(t.client) && \(ip).addr==\(t.server) && dns",
                       flow: FlowRef(transport: t.overTCP ? "tcp" : "udp",
                                     client: Endpoint(ip: t.client.description, port: Int(t.clientPort)),
                                     server: Endpoint(ip: t.server.description, port: Int(t.serverPort))))
    }

    /// ARP: asked and never answered; or one address claimed by several MACs.
    public func kinds(_ r: ARPRecord) -> [FindingKind] {
        var out: [FindingKind] = []
        if r.requests > 0 && r.replies == 0 && (r.requests >= 2 || r.lastTime == r.firstTime) { out.append(.arpUnanswered) }
        if r.macs.count > 1 { out.append(.arpConflict) }
        return out
    }

    public func finding(_ k: FindingKind, _ r: ARPRecord) -> Finding {
        if k == .arpConflict {
            let macs = r.macs.map(\.description)
            let facts = FindingFacts.arp(.conflict(address: r.target, macs: macs))
            return Finding(kind: k, severity: .error,
                           summary: "\(r.target) is claimed by \(macs.count) MAC addresses (\(macs.joined(separator: ", "))): an address conflict, or a proxy answering for it",
                           frames: r.firstFrame == 0 ? [] : [r.firstFrame], firstTime: r.firstTime, lastTime: r.lastTime,
                           evidence: facts.json, facts: facts,
                           filter: "arp.src.proto_ipv4==\(r.target)", flow: nil)
        }
        let span = FlowFacts.seconds(r.lastTime &- r.firstTime)
        let facts = FindingFacts.arp(.unanswered(target: r.target, requester: r.requester, requests: Int(r.requests)))
        return Finding(kind: k, severity: .error,
                       summary: "\(r.requester) asked who has \(r.target) \(r.requests) time\(r.requests == 1 ? "" : "s")\(r.requests > 1 ? " over \(span)" : "") and no one answered: the host is down, or not on this link (VLAN, subnet)",
                       frames: [r.firstFrame], firstTime: r.firstTime, lastTime: r.lastTime,
                       evidence: facts.json, facts: facts,
                       filter: "arp.dst.proto_ipv4==\(r.target)", flow: nil)
    }

    /// ICMP errors about a flow that no handshake finding already explains.
    public func icmpKind(_ f: Flow, explained: Bool) -> FindingKind? {
        // Packets seen again with a lower TTL: a loop, whether or not a router said so.
        if f.client.loopedPackets &+ f.server.loopedPackets >= 2 { return .icmpTTLExceeded }
        guard let e = f.icmp, !explained else { return nil }
        if e.v6 {
            if e.type == 1 { return .icmpUnreachable }
            if e.type == 3 && e.code == 0 { return .icmpTTLExceeded }
        } else {
            if e.type == 3 && e.code != 4 { return .icmpUnreachable }
            if e.type == 11 && e.code == 0 { return .icmpTTLExceeded }
        }
        return nil
    }

    public func icmpFinding(_ k: FindingKind, _ f: Flow) -> Finding {
        let looped = f.client.loopedPackets &+ f.server.loopedPackets
        guard let e = f.icmp else {
            let loop = ICMPEvidence(message: nil, loopedPackets: Int(looped), ttlMin: min(f.client.ttlMin, f.server.ttlMin))
            let who = f.client.loopedPackets >= f.server.loopedPackets ? FlowFacts.client(f) : FlowFacts.server(f)
            return Finding(kind: k, severity: .error,
                           summary: "\(looped) packets from \(who) passed the capture point again with a lower TTL: a routing loop carries them round until their TTL runs out",
                           frames: [], firstTime: f.firstTime, lastTime: f.lastTime,
                           evidence: loop.json, facts: .icmp(loop),
                           filter: FlowFacts.filter(f), flow: FlowFacts.ref(f))
        }
        let name = FlowFacts.icmpName(v6: e.v6, type: e.type, code: e.code)
        let sender = e.aboutClientPacket ? FlowFacts.client(f) : FlowFacts.server(f)
        let peer = e.aboutClientPacket ? FlowFacts.server(f) : FlowFacts.client(f)
        let proto = f.isTCP ? "TCP" : (f.key.proto == .udp ? "UDP" : "IP")
        var summary = "\(e.reporter) answered \(sender)'s \(proto) packets to \(peer) with ICMP \(name)"
        if f.icmpCount > 1 { summary += " (\(f.icmpCount) times)" }
        if k == .icmpUnreachable && !e.v6 && e.code == 3 && f.key.proto == .udp { summary += ": nothing listens on that port (the service is down)" }
        if k == .icmpTTLExceeded { summary += ": the packets ran out of hops (a routing loop, or a path longer than their TTL)" }
        let facts = ICMPEvidence(message: .init(type: e.type, code: e.code, name: name, reporter: e.reporter.description,
                                                count: Int(f.icmpCount)),
                                 loopedPackets: Int(looped), ttlMin: nil)
        return Finding(kind: k, severity: .error, summary: summary, frames: [e.frame], firstTime: f.firstTime, lastTime: f.lastTime,
                       evidence: facts.json, facts: .icmp(facts),
                       filter: FlowFacts.filter(f), flow: FlowFacts.ref(f))
    }
}
