import Diagnosis
import FlowAnalysis
import Foundation
import PacketCapture
import PacketDecoding
import Reporting
import SensorMetrics

/// Live capture: the same analysis as `OfflineAnalysis`, fed from an interface, with findings
/// streamed as soon as a flow's outcome is decided. The final report judges every flow when it
/// really ends, as `analyze` would on the same packets; the streamed ones are early looks.
public enum LiveAnalysis {
    public struct Options: Sendable {
        public var analysis = OfflineAnalysis.Options()
        public var live = LiveOptions()
        /// Stop after this many seconds, or this many packets.
        public var duration: Double?
        public var count: UInt64?
        /// Keep every packet in this pcap (rotated past `writeMaxBytes`).
        public var write: String?
        public var writeMaxBytes: Int = 1 << 30
        /// Drop root for this user once the device and files are open (nil: keep).
        public var user: String?
        /// Files written after the drop (the final report, the evidence): created beforehand and
        /// handed to that user, so it can write them.
        public var laterOutputs: [String] = []
        /// How often flows are looked at for findings to stream, in seconds.
        public var tick = 0.5
        /// Told once the interface is open (and root dropped): a line for the user.
        public var announce: (@Sendable (String) -> Void)?
        /// Updated each tick, per streamed finding and per finalised flow (never per packet).
        public var metrics: SensorMetrics?
        public init() {}
    }

    /// A streamed finding is said once per flow and kind.
    struct Said: Hashable { var key: FlowKey; var firstFrame: UInt64; var kind: FindingKind }

    /// `incidents`: each incident as it opens (a finding at a new place with a new first cause);
    /// the streamed findings name theirs.
    public static func run(interface: String, options: Options, stream: (Finding) -> Void,
                           incidents: (Incident) -> Void = { _ in }) throws(CaptureError) -> Report {
        let cap = try LiveCapture(interface: interface, options: options.live)
        let writer = try options.write.map { path throws(CaptureError) in
            try RotatingWriter(path: path, linkType: cap.linkType, snapshotLength: cap.snapshotLength, maxBytes: options.writeMaxBytes)
        }
        if let user = options.user {
            if let pw = getpwnam(user) {
                for path in options.laterOutputs {
                    let fd = open(path, O_WRONLY | O_CREAT, 0o644)
                    guard fd >= 0 else { throw CaptureError.cannotWrite(path, String(cString: strerror(errno))) }
                    _ = fchown(fd, pw.pointee.pw_uid, pw.pointee.pw_gid)
                    close(fd)
                }
            }
            try Privileges.drop(to: user)
        }
        let who = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(geteuid())"
        options.announce?("capturing on \(interface) (\(cap.linkType.name)) as \(who); Ctrl-C ends it with the report")
        StopSignals.install()
        defer { StopSignals.clear() }

        let metrics = options.metrics
        let diagnosis = DiagnosisSink(Diagnoser(thresholds: options.analysis.thresholds), metrics: metrics)
        diagnosis.diagnoser.fragmentSetCap = options.analysis.analyzer.fragments.maxDatagrams
        var analyzer = Analyzer(config: options.analysis.analyzer, sink: diagnosis)
        let link = cap.linkType
        let started = Date()
        var lastTick = started
        var said = Set<Said>()
        var saidOrder: [Said] = []
        var scans = LiveScanFilter(thresholds: options.analysis.thresholds)
        var live = LiveIncidents()
        var failure: String?
        var writeError: CaptureError?

        loop: while !StopSignals.requested {
            if let d = options.duration, Date().timeIntervalSince(started) >= d { break }
            if let c = options.count, analyzer.frameNumber >= c { break }
            let result = cap.next { rec in
                if let c = options.count, analyzer.frameNumber >= c { return }
                analyzer.process(rec.bytes, wireLength: rec.wireLength, time: rec.time, link: link, matched: true)
                if writeError == nil, let w = writer { do throws(CaptureError) { try w.write(rec) } catch { writeError = error } }
            }
            if let e = writeError { throw e }
            switch result {
            case .stopped: break loop
            case .error(let m): failure = m; break loop
            default: break
            }
            // Timers run on the wall clock, so decisions come even when no packets do.
            let now = Date()
            guard now.timeIntervalSince(lastTick) >= options.tick else { continue }
            lastTick = now
            let nowNs = Int64(now.timeIntervalSince1970 * 1e9)
            let t = options.analysis.thresholds
            func emit(_ fs: [Finding]) {
                for var f in fs {
                    if let i = live.place(&f) { incidents(i) }
                    metrics?.finding(f); stream(f)
                }
            }
            func consider(_ f: Flow) {
                for finding in diagnosis.diagnoser.preview(f, asOf: nowNs) {
                    let s = Said(key: f.key, firstFrame: f.firstFrame, kind: finding.kind)
                    guard !said.contains(s) else { continue }
                    said.insert(s); saidOrder.append(s)
                    // Bounded: the oldest memories go first.
                    if saidOrder.count > 65_536 { said.remove(saidOrder.removeFirst()) }
                    // A failed attempt waits a moment: a scanner's probes become one scan finding.
                    emit(scans.offer(finding, now: nowNs))
                }
            }
            emit(scans.due(now: nowNs))
            // Decided flows only: closed ones, and attempts unanswered for the SYN timeout.
            let synTimeout = Int64(t.synTimeoutSeconds * 1e9)
            // Tested in place: only the decided flows are copied out.
            for s in analyzer.flows.liveSlots {
                let i = Int(s)
                if analyzer.flows.slots[i].isClosed
                    || (!analyzer.flows.slots[i].handshakeCompleted && nowNs &- analyzer.flows.slots[i].lastTime >= synTimeout) {
                    consider(analyzer.flows.slots[i])
                }
            }
            for s in analyzer.halfOpen.liveSlots where nowNs &- analyzer.halfOpen.slots[Int(s)].syns.lastTime >= synTimeout {
                consider(analyzer.halfOpen.slots[Int(s)].flow())
            }
            if let metrics {
                let st = cap.stats()
                metrics.tick(analyzer, droppedByKernel: st.droppedByKernel, droppedByInterface: st.droppedByInterface)
            }
        }
        // What was held back when the capture stopped goes out now.
        for var f in scans.drain() {
            if let i = live.place(&f) { incidents(i) }
            metrics?.finding(f); stream(f)
        }
        let packets = analyzer.frameNumber
        analyzer.finish()
        try writer?.close()
        let stats = cap.stats()
        var report = OfflineAnalysis.report(
            files: [CaptureFile(path: "live:\(interface)", format: "live", linkType: link.name,
                                linkTypeNumber: Int(link.rawValue), snapshotLength: cap.snapshotLength, packets: packets,
                                truncated: failure != nil, readError: failure)],
            options: options.analysis, analyzer: analyzer, diagnoser: diagnosis.diagnoser)
        if let drop = CaptureDropDetector.finding(received: stats.received, droppedByKernel: stats.droppedByKernel,
                                                  droppedByInterface: stats.droppedByInterface) {
            report.findings.insert(drop, at: 0)
            report.rebuildIncidents()
        }
        return report
    }
}
