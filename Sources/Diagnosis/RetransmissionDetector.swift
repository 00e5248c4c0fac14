import FlowAnalysis
import PacketDecoding

/// Data retransmissions per flow (DESIGN.md §3 tcp.retransmissions), counted as Wireshark counts
/// them (the per-flow counters match tshark on the reference corpus). SYN and FIN retries are the
/// handshake's and close's business and are left out here.
public struct RetransmissionDetector: Sendable {
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    func rate(_ p: TCPPeer) -> Double { p.dataSegments == 0 ? 0 : Double(p.dataRetransmissions) / Double(p.dataSegments) }

    func over(_ p: TCPPeer) -> Bool {
        Int(p.dataRetransmissions) >= thresholds.retransmissionMinCount && rate(p) >= thresholds.retransmissionMinRate
    }

    public func kind(_ f: Flow) -> FindingKind? {
        guard f.isTCP, over(f.client) || over(f.server) else { return nil }
        return .retransmissions
    }

    public func finding(_ f: Flow) -> Finding {
        let clientWorse = FlowFacts.clientIsWorse(f, over: over, rate: rate)
        let p = clientWorse ? f.client : f.server
        let who = clientWorse ? FlowFacts.client(f) : FlowFacts.server(f)
        let peer = clientWorse ? FlowFacts.server(f) : FlowFacts.client(f)
        let pct = rate(p) * 100
        let pctText = pct < 10 ? String(format1: pct) : "\(Int(pct.rounded()))"
        let timeouts = Int(p.dataRetransmissions) - Int(p.fastRetransmissions) - Int(p.spuriousRetransmissions)
        var summary = "\(who) retransmitted \(p.dataRetransmissions) of \(p.dataSegments) data segments to \(peer) (\(pctText)%)"
        summary += ": \(p.fastRetransmissions) fast, \(max(timeouts, 0)) after a timeout, \(p.spuriousRetransmissions) spurious"
        var ev: [String: EvidenceValue] = [
            "sender": .string(clientWorse ? "client" : "server"),
            "retransmissions": .int(Int64(p.dataRetransmissions)), "dataSegments": .int(Int64(p.dataSegments)),
            "ratePercent": .double((pct * 100).rounded() / 100), "retransmittedBytes": .int(Int64(p.retransmittedBytes)),
            "fast": .int(Int64(p.fastRetransmissions)), "spurious": .int(Int64(p.spuriousRetransmissions)),
            "timeoutOrOther": .int(Int64(max(timeouts, 0))), "outOfOrder": .int(Int64(p.outOfOrder)),
            "previousSegmentNotCaptured": .int(Int64(p.lostSegments)),
            "duplicateAcksFromPeer": .int(Int64(clientWorse ? f.server.duplicateAcks : f.client.duplicateAcks)),
        ]
        if p.captureCopies > 0 { ev["captureCopiesSetApart"] = .int(Int64(p.captureCopies)) }
        let other = clientWorse ? f.server : f.client
        if other.dataRetransmissions > 0 { ev["otherDirectionRetransmissions"] = .int(Int64(other.dataRetransmissions)) }
        return Finding(kind: .retransmissions, severity: pct >= 5 ? .error : .warning, summary: summary, frames: [],
                       firstTime: f.firstTime, lastTime: f.lastTime, evidence: ev,
                       causes: FindingKind.retransmissions.info.causes, checks: FindingKind.retransmissions.info.checks,
                       filter: FlowFacts.filter(f) + " && tcp.analysis.retransmission", flow: FlowFacts.ref(f))
    }
}

/// Reordering per flow (DESIGN.md §3 tcp.out-of-order), from the Wireshark-compatible counter.
public struct ReorderingDetector: Sendable {
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    func rate(_ p: TCPPeer) -> Double { p.dataSegments == 0 ? 0 : Double(p.outOfOrder) / Double(p.dataSegments) }
    func over(_ p: TCPPeer) -> Bool { Int(p.outOfOrder) >= thresholds.outOfOrderMinCount && rate(p) >= thresholds.outOfOrderMinRate }

    public func kind(_ f: Flow) -> FindingKind? { f.isTCP && (over(f.client) || over(f.server)) ? .outOfOrder : nil }

    public func finding(_ f: Flow) -> Finding {
        let clientWorse = FlowFacts.clientIsWorse(f, over: over, rate: rate)
        let p = clientWorse ? f.client : f.server
        let who = clientWorse ? FlowFacts.client(f) : FlowFacts.server(f)
        let peer = clientWorse ? FlowFacts.server(f) : FlowFacts.client(f)
        let pct = rate(p) * 100
        return Finding(kind: .outOfOrder, severity: .warning,
                       summary: "\(p.outOfOrder) of \(p.dataSegments) data segments from \(who) to \(peer) arrived out of order (\(pct < 10 ? String(format1: pct) : "\(Int(pct.rounded()))")%)",
                       frames: [], firstTime: f.firstTime, lastTime: f.lastTime,
                       evidence: ["sender": .string(clientWorse ? "client" : "server"), "outOfOrder": .int(Int64(p.outOfOrder)),
                                  "dataSegments": .int(Int64(p.dataSegments)), "ratePercent": .double((pct * 100).rounded() / 100)],
                       causes: FindingKind.outOfOrder.info.causes, checks: FindingKind.outOfOrder.info.checks,
                       filter: FlowFacts.filter(f) + " && tcp.analysis.out_of_order", flow: FlowFacts.ref(f))
    }
}
