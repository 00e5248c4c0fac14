import FlowAnalysis
import PacketDecoding

/// Resets after the handshake (DESIGN.md §3 tcp.reset.*): who, when, how valid, and whether the
/// endpoint named as sender really sent it. Handshake-time resets belong to HandshakeDetector.
public struct ResetDetector: FlowDetector {
    public static let raises: [FindingKind] = [.resetAbort, .resetMiddlebox, .resetAfterIdle, .resetAfterClose]

    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    /// Signs that a RST did not come from the endpoint whose address it carries.
    public struct Forgery: Sendable {
        public var ttlMismatch = false
        public var ipIDMismatch = false
        public var macMismatch = false
        public var outOfWindow = false
        /// IP ID is compared but never decides: Windows numbers all flows from one counter and
        /// Linux sends a gone socket's RSTs with ID 0, so a RST off the flow's sequence is
        /// ordinary (on the reference corpus it was wrong 23 times out of 23).
        public var any: Bool { ttlMismatch || macMismatch || outOfWindow }
        /// Signs that hold even during the handshake (out-of-window needs the window first).
        public var strong: Bool { ttlMismatch || macMismatch }
        public var reasons: [String] {
            var r: [String] = []
            if ttlMismatch { r.append("ttl") }
            if macMismatch { r.append("source-mac") }
            if outOfWindow { r.append("out-of-window") }
            return r
        }
    }

    public func forgery(_ f: Flow, _ r: ResetInfo) -> Forgery {
        let p = r.sender == .client ? f.client : f.server
        var x = Forgery()
        if p.ttlPackets >= 2 {
            // A stable TTL that the RST does not share means another device built it; a path
            // whose TTL already varies needs a difference of more than one hop.
            x.ttlMismatch = p.ttlMin == p.ttlMax ? r.ttl != p.ttlMin
                                                 : (Int(r.ttl) < Int(p.ttlMin) - 1 || Int(r.ttl) > Int(p.ttlMax) + 1)
        }
        if let m = r.mac, let known = p.mac, !p.macVaries { x.macMismatch = m != known }
        // Supporting evidence only: the RST continues the sender's per-packet ID sequence or not.
        if let id = r.ipID, p.ipIDSequentialSteps >= 3, p.ipIDOtherSteps == 0 {
            let step = id &- p.ipIDLast
            x.ipIDMismatch = !(step >= 1 && step <= 1024)
        }
        x.outOfWindow = r.validity == .outOfWindow
        return x
    }

    /// The reset kind this flow raises, if any (cheap: no text is built).
    public func kind(_ f: Flow, outcome: HandshakeOutcome) -> FindingKind? {
        guard f.isTCP, let r = f.reset else { return nil }
        // Resets during the handshake are the handshake's finding (refused, incomplete, invalid);
        // a lone RST with no connection around it says nothing. Only a forged one is reported.
        let x = forgery(f, r)
        if r.phase == .handshake && !(outcome == .established && x.strong) { return nil }
        if x.any { return .resetMiddlebox }
        if r.idleBefore >= Int64(thresholds.idleResetSeconds * 1e9) && r.phase != .afterFin { return .resetAfterIdle }
        if r.phase == .afterFin { return .resetAfterClose }
        return .resetAbort
    }

    public func judge(_ f: Flow, _ j: inout FlowJudgement) {
        if let k = kind(f, outcome: j.outcome) { j.kinds.append(k) }
    }

    public func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding { finding(k, f) }

    public func finding(_ kind: FindingKind, _ f: Flow) -> Finding {
        let r = f.reset!
        let sender = r.sender == .client ? FlowFacts.client(f) : FlowFacts.server(f)
        let peer = r.sender == .client ? FlowFacts.server(f) : FlowFacts.client(f)
        let p = r.sender == .client ? f.client : f.server
        let x = forgery(f, r)
        let facts = ResetEvidence(f, r, x)
        func make(_ sev: Severity, _ summary: String) -> Finding {
            Finding(kind: kind, severity: sev, summary: summary, frames: [r.frame], firstTime: r.time, lastTime: r.time,
                    facts: .reset(facts), filter: FlowFacts.filter(f), flow: FlowFacts.ref(f))
        }

        switch kind {
        case .resetMiddlebox:
            var why: [String] = []
            if x.ttlMismatch { why.append("TTL \(r.ttl) where \(sender)'s packets arrive with \(p.ttlMin == p.ttlMax ? "\(p.ttlMin)" : "\(p.ttlMin)-\(p.ttlMax)")") }
            if x.macMismatch { why.append("source MAC \(r.mac!) instead of \(p.mac!)") }
            if x.outOfWindow { why.append("a sequence number outside the receiver's window") }
            return make(.error, "A RST claiming to come from \(sender) to \(peer) has \(why.joined(separator: " and ")): most likely forged by a device on the path")
        case .resetAfterIdle:
            return make(.warning, "\(sender) reset the connection with \(peer) after \(FlowFacts.seconds(r.idleBefore)) of silence (idle-timeout pattern)")
        case .resetAfterClose:
            return make(.info, "\(sender) closed the connection with \(peer) abortively: a RST after FIN")
        default:
            let before = r.clientBytesBefore + r.serverBytesBefore
            if before == 0 && r.sender == .client {
                // Browsers and pools open spare connections and drop them unused: not a failure.
                return make(.info, "\(sender) reset its connection to \(peer) before any data was sent (an unused connection)")
            }
            let context = r.sender == .server && r.clientBytesBefore > 0 && r.serverBytesBefore == 0 ? " (the request got no response)" : ""
            return make(.error, "\(sender) reset the established connection with \(peer) after \(before) bytes of data\(context)")
        }
    }
}
