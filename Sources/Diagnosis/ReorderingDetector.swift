import FlowAnalysis
import PacketDecoding

/// Reordering per flow (DESIGN.md §3 tcp.out-of-order), from the Wireshark-compatible counter.
public struct ReorderingDetector: FlowDetector {
    public static let raises: [FindingKind] = [.outOfOrder]
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    func rate(_ p: TCPPeer) -> Double {
        let n = RetransmissionDetector.segments(p)
        return n == 0 ? 0 : Double(p.loss.reordered) / Double(n)
    }
    func over(_ p: TCPPeer) -> Bool { Int(p.loss.reordered) >= thresholds.outOfOrderMinCount && rate(p) >= thresholds.outOfOrderMinRate }

    public func kind(_ f: Flow) -> FindingKind? { f.isTCP && (over(f.client) || over(f.server)) ? .outOfOrder : nil }

    public func judge(_ f: Flow, _ j: inout FlowJudgement) {
        if let k = kind(f) { j.kinds.append(k) }
    }

    public func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding { finding(f) }

    public func finding(_ f: Flow) -> Finding {
        let clientWorse = FlowFacts.clientIsWorse(f, over: over, rate: rate)
        let p = clientWorse ? f.client : f.server
        let who = clientWorse ? FlowFacts.client(f) : FlowFacts.server(f)
        let peer = clientWorse ? FlowFacts.server(f) : FlowFacts.client(f)
        let pct = rate(p) * 100
        let facts = FindingFacts.transport(.outOfOrder(.init(
            sender: clientWorse ? .client : .server, outOfOrder: Int(p.loss.reordered), dataSegments: Int(RetransmissionDetector.segments(p)),
            ratePercent: (pct * 100).rounded() / 100, wiresharkOutOfOrder: Int(p.outOfOrder))))
        return Finding(kind: .outOfOrder, severity: .warning,
                       summary: "\(p.loss.reordered) of \(RetransmissionDetector.segments(p)) data segments from \(who) to \(peer) arrived out of order (\(pct < 10 ? String(format1: pct) : "\(Int(pct.rounded()))")%)",
                       frames: [], firstTime: f.firstTime, lastTime: f.lastTime,
                       facts: facts,
                       filter: FlowFacts.filter(f) + " && tcp.analysis.out_of_order", flow: FlowFacts.ref(f))
    }
}
