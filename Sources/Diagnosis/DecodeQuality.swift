import FlowAnalysis
import PacketDecoding

/// Capture-wide decode problems: `decode.malformed` when any packet could not be decoded
/// because of what the sender put on the wire (not because of our snaplen).
public enum DecodeQualityDetector: Detector {
    public static let raises: [FindingKind] = [.decodeMalformed]
    public static func findings(_ s: CaptureStats) -> [Finding] {
        let counters = s.malformedCounters
        guard !counters.isEmpty, let first = s.firstTime, let last = s.maxTime else { return [] }
        var byReason: [String: Int] = [:]
        for c in counters { byReason["\(c.layer.name).\(c.reason.name)"] = Int(c.count) }
        let total = s.totalMalformed
        let top = counters.max { $0.count < $1.count }!
        var f = Finding(
            kind: .decodeMalformed, severity: .warning,
            summary: "\(total) packet\(total == 1 ? "" : "s") could not be decoded (most: \(top.layer.name) \(top.reason.name), \(top.count))",
            frames: Array(s.malformedFrames), firstTime: first, lastTime: last,
            facts: .capture(.malformed(total: Int(total), byReason: byReason)),
            filter: "_ws.malformed || _ws.expert.severity == error",
            flow: nil)
        CauseRules.diagnose(&f)
        return [f]
    }
}

/// Packets libpcap dropped during a live capture (capture.dropped): the analysis misses them.
public enum CaptureDropDetector: Detector {
    public static let raises: [FindingKind] = [.captureDropped]

    public static func finding(received: UInt64, droppedByKernel: UInt64, droppedByInterface: UInt64) -> Finding? {
        let dropped = droppedByKernel &+ droppedByInterface
        guard dropped > 0 else { return nil }
        let facts = FindingFacts.capture(.dropped(received: Int(received), droppedByKernel: Int(droppedByKernel),
                                                  droppedByInterface: Int(droppedByInterface)))
        var f = Finding(
            kind: .captureDropped, severity: dropped * 100 >= max(received, 1) ? .error : .warning,
            summary: "libpcap dropped \(dropped) packets (\(droppedByKernel) in the kernel buffer, \(droppedByInterface) at the interface) of \(received) received: the analysis misses them, and gaps in flows may be the capture's",
            frames: [], firstTime: 0, lastTime: 0, facts: facts, filter: "", flow: nil)
        CauseRules.diagnose(&f)
        return f
    }
}
