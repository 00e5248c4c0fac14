import FlowAnalysis
import PacketDecoding

/// No forward progress with data outstanding (DESIGN.md §3 tcp.stall): the longest wait, per
/// side, between data being outstanding and the peer acknowledging more of it, with its cause.
/// A stall explained by a zero window that is already tcp.zero-window is not reported twice.
public struct StallDetector: FlowDetector {
    public static let raises: [FindingKind] = [.stall]
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    struct Stall {
        var role: EndpointRole
        var wait: Int64
        var cause: StallCause
        var unrecovered: Bool
        var endFrame: UInt64
    }

    func longest(_ f: Flow, asOf now: Int64) -> Stall? {
        var best: Stall?
        for (role, p, peer) in [(EndpointRole.client, f.client, f.server), (.server, f.server, f.client)] {
            var s = Stall(role: role, wait: p.stallLongest, cause: StallCause(rawValue: p.stallLongestCause) ?? .none,
                          unrecovered: false, endFrame: p.stallLongestEndFrame)
            // Still waiting at the flow's last packet (a RST ends it otherwise). A side whose peer
            // sent nothing at all is a one-sided capture, not a stall.
            guard peer.packets > 0 else { continue }
            if p.stallMark != 0 && f.reset == nil && f.lastTime &- p.stallMark > s.wait {
                s = Stall(role: role, wait: f.lastTime &- p.stallMark,
                          cause: p.stallCause(peerZeroWindows: peer.zeroWindowAds, peerClosed: peer.zeroWindowClosed),
                          unrecovered: true, endFrame: f.lastFrame)
            }
            if s.wait > (best?.wait ?? 0) { best = s }
        }
        return best
    }

    public func kind(_ f: Flow, asOf now: Int64, zeroWindowReported: Bool) -> FindingKind? {
        guard f.isTCP, let s = longest(f, asOf: now), s.wait >= Int64(thresholds.stallSeconds * 1e9) else { return nil }
        if s.cause == .zeroWindow && zeroWindowReported { return nil }
        return .stall
    }

    public func judge(_ f: Flow, _ j: inout FlowJudgement) {
        if let k = kind(f, asOf: j.now, zeroWindowReported: j.kinds.contains(.zeroWindow)) { j.kinds.append(k) }
    }

    public func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding { finding(f, asOf: j.now) }

    public func finding(_ f: Flow, asOf now: Int64) -> Finding {
        let s = longest(f, asOf: now)!
        let who = s.role == .client ? FlowFacts.client(f) : FlowFacts.server(f)
        let peer = s.role == .client ? FlowFacts.server(f) : FlowFacts.client(f)
        let why: String
        switch s.cause {
        case .zeroWindow: why = "\(peer) had closed its receive window"
        case .retransmissionsUnacked: why = "\(who) retransmitted and nothing was acknowledged"
        default: why = "\(peer) acknowledged nothing"
        }
        var summary = "\(who)'s data to \(peer) made no progress for \(FlowFacts.seconds(s.wait)): \(why)"
        if s.unrecovered { summary += "; still stuck at the flow's last packet" }
        let facts = FindingFacts.transport(.stall(.init(sender: s.role, stalledSeconds: FlowFacts.ms(s.wait) / 1000,
                                                        cause: s.cause, recovered: !s.unrecovered)))
        return Finding(kind: .stall, severity: .error, summary: summary, frames: s.endFrame == 0 ? [] : [s.endFrame],
                       firstTime: f.firstTime, lastTime: f.lastTime,
                       facts: facts,
                       filter: FlowFacts.filter(f), flow: FlowFacts.ref(f))
    }
}
