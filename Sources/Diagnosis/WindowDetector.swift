import FlowAnalysis
import PacketDecoding

/// Receive windows closed to zero (DESIGN.md §3 tcp.zero-window): a receiver that stopped
/// reading. Every zero-window advertisement is counted as Wireshark counts it; a finding is
/// raised when a window stayed closed long enough to matter (until the end counts), or closed
/// again and again. A brief closure is flow control doing its job.
public struct WindowDetector: FlowDetector {
    public static let raises: [FindingKind] = [.zeroWindow]
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    struct Closure {
        var role: EndpointRole
        var ads: UInt32
        var total: Int64
        var longest: Int64
        var stillClosed: Bool
        var probes: UInt32
        var firstFrame: UInt64
    }

    func closures(_ f: Flow) -> [Closure] {
        var out: [Closure] = []
        for (role, p) in [(EndpointRole.client, f.client), (.server, f.server)] where p.zeroWindowAds > 0 {
            var total = p.zeroWindowTotal, longest = p.zeroWindowLongest
            if p.zeroWindowClosed {
                let d = max(f.lastTime - p.zeroWindowClosedSince, 0)
                total += d; longest = max(longest, d)
            }
            out.append(Closure(role: role, ads: p.zeroWindowAds, total: total, longest: longest,
                               stillClosed: p.zeroWindowClosed, probes: p.zeroWindowProbes, firstFrame: p.zeroWindowFirstFrame))
        }
        return out
    }

    public func kind(_ f: Flow) -> FindingKind? {
        guard f.isTCP, f.client.zeroWindowAds > 0 || f.server.zeroWindowAds > 0 else { return nil }
        let limit = Int64(thresholds.zeroWindowMinSeconds * 1e9)
        return closures(f).contains { $0.total >= limit || Int($0.ads) >= thresholds.zeroWindowMinAdvertisements } ? .zeroWindow : nil
    }

    public func judge(_ f: Flow, _ j: inout FlowJudgement) {
        if let k = kind(f) { j.kinds.append(k) }
    }

    public func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding { finding(f) }

    public func finding(_ f: Flow) -> Finding {
        let cs = closures(f).sorted { $0.total > $1.total }
        let w = cs[0]
        let who = w.role == .client ? FlowFacts.client(f) : FlowFacts.server(f)
        let peer = w.role == .client ? FlowFacts.server(f) : FlowFacts.client(f)
        var summary = "\(who) closed its receive window to zero \(w.ads) time\(w.ads == 1 ? "" : "s") for \(FlowFacts.seconds(w.total)) in all"
        if w.ads > 1 { summary += " (longest \(FlowFacts.seconds(w.longest)))" }
        summary += w.stillClosed ? ", and it was still closed at the end: " : ": "
        summary += "the application on \(who) stopped reading while \(peer) had data to send"
        let facts = FindingFacts.transport(.zeroWindow(.init(
            closedBy: w.role, advertisements: Int(w.ads), closedSeconds: FlowFacts.ms(w.total) / 1000,
            longestSeconds: FlowFacts.ms(w.longest) / 1000, stillClosedAtEnd: w.stillClosed, probes: Int(w.probes),
            bothDirections: cs.count > 1)))
        return Finding(kind: .zeroWindow, severity: .warning, summary: summary, frames: [w.firstFrame],
                       firstTime: f.firstTime, lastTime: f.lastTime, facts: facts,
                       filter: FlowFacts.filter(f) + " && tcp.analysis.zero_window", flow: FlowFacts.ref(f))
    }
}
