import FlowAnalysis
import PacketDecoding

/// Capture-wide decode problems: `decode.malformed` when any packet could not be decoded
/// because of what the sender put on the wire (not because of our snaplen).
public enum DecodeQualityDetector {
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
            evidence: [:], facts: .capture(.malformed(total: Int(total), byReason: byReason)),
            filter: "_ws.malformed || _ws.expert.severity == error",
            flow: nil)
        f.evidence = f.facts!.json
        CauseRules.diagnose(&f)
        return [f]
    }
}
