import FlowAnalysis
import PacketDecoding

/// ICMP errors about a flow that no handshake finding already explains (icmp.unreachable,
/// icmp.ttl-exceeded), and routing loops seen as the same packets passing again with a lower TTL.
public struct ICMPDetector: FlowDetector {
    public static let raises: [FindingKind] = [.icmpUnreachable, .icmpTTLExceeded]
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    public func judge(_ f: Flow, _ j: inout FlowJudgement) {
        if let k = icmpKind(f, explained: j.kinds.contains(.handshakeUnreachable)) { j.kinds.append(k) }
    }

    public func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding { icmpFinding(k, f) }

    /// ICMP errors about a flow that no handshake finding already explains.
    public func icmpKind(_ f: Flow, explained: Bool) -> FindingKind? {
        // Packets seen again with a lower TTL: a loop, whether or not a router said so.
        if f.client.loopedPackets &+ f.server.loopedPackets >= 2 { return .icmpTTLExceeded }
        guard let e = f.icmp, !explained else { return nil }
        if e.v6 {
            if e.type == 1 { return .icmpUnreachable }
            if e.type == 3 && e.code <= 1 { return .icmpTTLExceeded }
        } else {
            if e.type == 3 && e.code != 4 { return .icmpUnreachable }
            if e.type == 11 && e.code <= 1 { return .icmpTTLExceeded }
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
                           facts: .icmp(loop),
                           filter: FlowFacts.filter(f), flow: FlowFacts.ref(f))
        }
        let name = FlowFacts.icmpName(v6: e.v6, type: e.type, code: e.code)
        let sender = e.aboutClientPacket ? FlowFacts.client(f) : FlowFacts.server(f)
        let peer = e.aboutClientPacket ? FlowFacts.server(f) : FlowFacts.client(f)
        let proto = f.isTCP ? "TCP" : (f.key.proto == .udp ? "UDP" : "IP")
        var summary = "\(e.reporter) answered \(sender)'s \(proto) packets to \(peer) with ICMP \(name)"
        if f.icmpCount > 1 { summary += " (\(f.icmpCount) times)" }
        if k == .icmpUnreachable && !e.v6 && e.code == 3 && f.key.proto == .udp { summary += ": nothing listens on that port (the service is down)" }
        if k == .icmpTTLExceeded { summary += e.code == 1 ? ": it gave up reassembling a fragmented datagram (a fragment never came)" : ": the packets ran out of hops (a routing loop, or a path longer than their TTL)" }
        let facts = ICMPEvidence(message: .init(type: e.type, code: e.code, name: name, reporter: e.reporter.description,
                                                count: Int(f.icmpCount)),
                                 loopedPackets: Int(looped), ttlMin: nil)
        // The flow's filter finds ICMP errors quoting its ports; one quoting a later fragment has none.
        return Finding(kind: k, severity: .error, summary: summary, frames: [e.frame], firstTime: f.firstTime, lastTime: f.lastTime,
                       facts: .icmp(facts),
                       filter: "(\(FlowFacts.filter(f))) || frame.number==\(e.frame)", flow: FlowFacts.ref(f))
    }
}
