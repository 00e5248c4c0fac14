import FlowAnalysis
import PacketDecoding

/// The capture's own quality, flow by flow (capture.duplicates, capture.gap, capture.offload):
/// copies of one packet (SPAN, or a router capturing on both interfaces), bytes receivers
/// acknowledged that the capture never saw, and segments merged by the capture host's offload.
/// Each becomes one capture-wide finding when the diagnosis closes.
struct CaptureQualityDetector: Detector {
    static let raises: [FindingKind] = [.captureDuplicates, .captureGap, .captureOffload]
    /// TCP segments the capture saw twice (SYN copies and data copies), and where.
    var copies: UInt64 = 0
    var copyFlows = 0
    var copyExamples: [FlowRef] = []
    var copyFirst: Int64 = .max
    var copyLast: Int64 = .min
    /// Bytes receivers acknowledged that the capture never saw (capture.gap), and where.
    var gapBytes: UInt64 = 0
    var gapEvents: UInt64 = 0
    var gapFlows = 0
    var gapExamples: [(flow: FlowRef, bytes: UInt64)] = []
    var gapFirst: Int64 = .max
    var gapLast: Int64 = .min
    /// Segments larger than any link carries: the capture host's offload (capture.offload).
    var offloadSegments: UInt64 = 0
    var offloadLargest = 0
    var offloadFlows = 0
    var offloadExamples: [FlowRef] = []
    var offloadFirst: Int64 = .max
    var offloadLast: Int64 = .min

    mutating func flowEnded(_ f: Flow) {
        let c = UInt64(f.client.captureCopies) + UInt64(f.server.captureCopies) + UInt64(f.duplicateSYNs)
        if c > 0 { countCopies(c, time: f.firstTime, last: f.lastTime, flow: FlowFacts.ref(f)) }
        let offloaded = UInt64(f.client.mtu.offloaded) &+ UInt64(f.server.mtu.offloaded)
        if offloaded > 0 {
            offloadSegments &+= offloaded
            offloadLargest = max(offloadLargest, Int(max(f.client.mtu.offloadLargest, f.server.mtu.offloadLargest)))
            offloadFlows += 1
            offloadFirst = min(offloadFirst, f.firstTime); offloadLast = max(offloadLast, f.lastTime)
            if offloadExamples.count < 5 { offloadExamples.append(FlowFacts.ref(f)) }
        }
        let missed = f.client.loss.missedBytes &+ f.server.loss.missedBytes
        if f.isTCP && missed > 0 {
            gapBytes &+= missed
            gapEvents &+= UInt64(f.client.loss.gapEvents) &+ UInt64(f.server.loss.gapEvents)
            gapFlows += 1
            gapFirst = min(gapFirst, f.firstTime); gapLast = max(gapLast, f.lastTime)
            // The five flows that lost the most.
            if gapExamples.count < 5 || missed > gapExamples[gapExamples.count - 1].bytes {
                if gapExamples.count == 5 { gapExamples.removeLast() }
                let i = gapExamples.firstIndex { $0.bytes < missed } ?? gapExamples.count
                gapExamples.insert((FlowFacts.ref(f), missed), at: i)
            }
        }
    }

    mutating func countCopies(_ n: UInt64, time: Int64, last: Int64, flow: FlowRef?) {
        copies += n
        copyFlows += 1
        copyFirst = min(copyFirst, time); copyLast = max(copyLast, last)
        if let flow, copyExamples.count < 5 { copyExamples.append(flow) }
    }

    /// "client:port -> server:port", as the examples print flows.
    static func name(_ r: FlowRef) -> String {
        "\(r.client.map { "\($0.ip):\($0.port ?? 0)" } ?? "?") -> \(r.server.ip):\(r.server.port ?? 0)"
    }

    func findings() -> [Finding] {
        var out: [Finding] = []
        if copies > 0 {
            let facts = FindingFacts.capture(.duplicates(copies: Int(copies), flows: Int(copyFlows), examples: copyExamples.map(Self.name)))
            out.append(Finding(
                kind: .captureDuplicates, severity: .info,
                summary: "\(copies) TCP segment\(copies == 1 ? " was" : "s were") captured twice (identical segments milliseconds apart) in \(copyFlows) flow\(copyFlows == 1 ? "" : "s"): counted once, not as retransmissions",
                frames: [], firstTime: copyFirst, lastTime: copyLast,
                facts: facts,
                filter: "tcp.analysis.retransmission", flow: nil))
        }
        if gapBytes > 0 {
            let facts = FindingFacts.capture(.gap(bytes: Int(gapBytes), flows: Int(gapFlows), gaps: Int(gapEvents),
                                                  largest: gapExamples.map { .init(flow: Self.name($0.flow), bytes: Int($0.bytes)) }))
            out.append(Finding(
                kind: .captureGap, severity: .warning,
                summary: "The capture is missing \(gapBytes) byte\(gapBytes == 1 ? "" : "s") of TCP data in \(gapFlows) flow\(gapFlows == 1 ? "" : "s") that the receivers acknowledged: packets the capture did not record, not network loss",
                frames: [], firstTime: gapFirst, lastTime: gapLast,
                facts: facts,
                filter: "tcp.analysis.ack_lost_segment", flow: nil))
        }
        if offloadSegments > 0 {
            let facts = FindingFacts.capture(.offload(segments: Int(offloadSegments), largestPayload: Int(offloadLargest), flows: Int(offloadFlows),
                                                      examples: offloadExamples.map(Self.name)))
            out.append(Finding(
                kind: .captureOffload, severity: .info,
                summary: "\(offloadSegments) TCP segment\(offloadSegments == 1 ? "" : "s") of up to \(offloadLargest) bytes of payload in \(offloadFlows) flow\(offloadFlows == 1 ? "" : "s") are larger than the MSS and any link: the capture host's segmentation or receive offload (TSO/GSO/GRO) merged them, so sizes here are not what crossed the wire",
                frames: [], firstTime: offloadFirst, lastTime: offloadLast,
                facts: facts,
                filter: "tcp.len > 1460", flow: nil))
        }
        return out
    }
}
