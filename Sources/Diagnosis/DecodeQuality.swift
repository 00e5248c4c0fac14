import FlowAnalysis
import PacketDecoding

/// Capture-wide decode problems: `decode.malformed` when any packet could not be decoded
/// because of what the sender put on the wire (not because of our snaplen).
public enum DecodeQualityDetector {
    public static func findings(_ s: CaptureStats) -> [Finding] {
        let counters = s.malformedCounters
        guard !counters.isEmpty, let first = s.firstTime, let last = s.maxTime else { return [] }
        var byReason: [String: EvidenceValue] = [:]
        for c in counters { byReason["\(c.layer.name).\(c.reason.name)"] = .int(Int64(c.count)) }
        let total = s.totalMalformed
        let top = counters.max { $0.count < $1.count }!
        return [Finding(
            kind: .decodeMalformed, severity: .warning,
            summary: "\(total) packet\(total == 1 ? "" : "s") could not be decoded (most: \(top.layer.name) \(top.reason.name), \(top.count))",
            frames: Array(s.malformedFrames), firstTime: first, lastTime: last,
            evidence: ["total": .int(Int64(total)), "byReason": .object(byReason)],
            causes: ["a sender, middlebox or tunnel writes invalid headers",
                     "the capture was taken on an interface with an unexpected encapsulation",
                     "corruption in the capture file or on the capture path"],
            checks: ["open the listed frames in Wireshark and look at the layer named in the reason",
                     "check the capture's link type and any encapsulation (VLAN, tunnels) on that interface"],
            filter: "_ws.malformed || _ws.expert.severity == error",
            flow: nil)]
    }
}
