import FlowAnalysis
import PacketDecoding

/// Data retransmissions per flow (DESIGN.md §3 tcp.retransmissions), from the byte-accurate loss
/// analysis (FlowAnalysis/LossAnalysis.swift): capture copies, keep-alives and window probes are
/// not retransmissions, late originals are reordering, and each resend is split by its trigger.
/// SYN and FIN retries are the handshake's and close's business and are left out here.
public struct RetransmissionDetector: FlowDetector {
    public static let raises: [FindingKind] = [.retransmissions]
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    /// Data segments this side sent, capture copies left out.
    static func segments(_ p: TCPPeer) -> UInt32 { p.dataSegments &- min(p.captureCopies, p.dataSegments) }

    /// Resends that mean loss: repacketizing after a path MTU message is PMTUD working (mtu.frag-needed).
    static func lossResends(_ p: TCPPeer) -> UInt32 { p.loss.retransmissions &- min(p.loss.pathMTUResends, p.loss.retransmissions) }

    func rate(_ p: TCPPeer) -> Double {
        let n = Self.segments(p)
        return n == 0 ? 0 : Double(Self.lossResends(p)) / Double(n)
    }

    func over(_ p: TCPPeer) -> Bool {
        Int(Self.lossResends(p)) >= thresholds.retransmissionMinCount && rate(p) >= thresholds.retransmissionMinRate
    }

    public func kind(_ f: Flow) -> FindingKind? {
        guard f.isTCP, over(f.client) || over(f.server) else { return nil }
        return .retransmissions
    }

    public func judge(_ f: Flow, _ j: inout FlowJudgement) {
        if let k = kind(f) { j.kinds.append(k) }
    }

    public func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding { finding(f) }

    public func finding(_ f: Flow) -> Finding {
        let clientWorse = FlowFacts.clientIsWorse(f, over: over, rate: rate)
        let p = clientWorse ? f.client : f.server
        let l = p.loss
        let who = clientWorse ? FlowFacts.client(f) : FlowFacts.server(f)
        let peer = clientWorse ? FlowFacts.server(f) : FlowFacts.client(f)
        let pct = rate(p) * 100
        let pctText = pct < 10 ? String(format1: pct) : "\(Int(pct.rounded()))"
        var parts = ["\(l.fast) fast", "\(l.timeout) after a timeout"]
        if l.tailLossProbes > 0 { parts.append("\(l.tailLossProbes) tail-loss probe\(l.tailLossProbes == 1 ? "" : "s")") }
        parts.append("\(l.spurious) spurious")
        var summary = "\(who) retransmitted \(Self.lossResends(p)) of \(Self.segments(p)) data segments to \(peer) (\(pctText)%): "
        summary += parts.joined(separator: ", ")
        let location: TransportEvidence.LossLocation
        if l.lostBeforeCapture == 0 { location = .afterCapturePoint }
        else if l.lostBeforeCapture == l.retransmissions { location = .beforeCapturePoint }
        else { location = .both }
        switch location {
        case .beforeCapturePoint: summary += "; the originals never reached the capture point (lost upstream of it)"
        case .both: summary += "; \(l.lostBeforeCapture) originals never reached the capture point"
        default: summary += "; the capture saw the originals (lost downstream of it, or resent needlessly)"
        }
        if l.pathMTUResends > 0 { summary += "; \(l.pathMTUResends) more were resent smaller after a path MTU message (not counted)" }
        if l.timeout > 0 && l.longestRTO > 0 {
            summary += "; longest wait before a timeout resend \(FlowFacts.seconds(l.longestRTO))"
            if l.maxAttempts > 1 { summary += ", up to \(l.maxAttempts) attempts at one segment" }
        }
        let other = clientWorse ? f.server : f.client
        var r = TransportEvidence.Retransmissions(sender: clientWorse ? .client : .server)
        r.retransmissions = Int(Self.lossResends(p)); r.dataSegments = Int(Self.segments(p))
        r.ratePercent = (pct * 100).rounded() / 100; r.retransmittedBytes = Int(l.retransmittedBytes)
        r.fast = Int(l.fast); r.timeout = Int(l.timeout); r.tailLossProbes = Int(l.tailLossProbes); r.spurious = Int(l.spurious)
        r.location = location
        r.lostBeforeCapturePoint = Int(l.lostBeforeCapture); r.originalSeenByCapture = Int(l.retransmissions - l.lostBeforeCapture)
        r.maxAttemptsOfOneSegment = Int(l.maxAttempts); r.reordered = Int(l.reordered)
        r.duplicateAcksFromPeer = Int(clientWorse ? f.server.duplicateAcks : f.client.duplicateAcks)
        r.wiresharkRetransmissions = Int(p.retransmissions)
        if l.timeout > 0 { r.longestTimeoutMs = FlowFacts.ms(l.longestRTO) }
        r.dsackReports = Int(l.dsackReports); r.spuriousConfirmedByDSACK = Int(l.spuriousByDSACK)
        r.spuriousConfirmedByTimestamps = Int(l.spuriousByTimestamps); r.captureCopiesSetApart = Int(p.captureCopies)
        r.resentAfterPathMTUMessage = Int(l.pathMTUResends); r.synOrFinRetransmissions = Int(l.controlRetransmissions)
        r.capturedAfterTheirAck = Int(l.seenAfterAck); r.bytesMissedByCapture = Int(l.missedBytes)
        r.otherDirectionRetransmissions = Int(other.loss.retransmissions)
        let facts = FindingFacts.transport(.retransmissions(r))
        return Finding(kind: .retransmissions, severity: pct >= 5 ? .error : .warning, summary: summary, frames: [],
                       firstTime: f.firstTime, lastTime: f.lastTime, facts: facts,
                       filter: FlowFacts.filter(f) + " && tcp.analysis.retransmission", flow: FlowFacts.ref(f))
    }
}
