import Foundation
import Diagnosis
import SensorMetrics
import FlowAnalysis
import PacketCapture
import PacketDecoding
import Reporting

public let flowdoctorVersion = "0.1.0"

/// Reads capture files as one capture and builds the report.
public enum OfflineAnalysis {
    public struct Options: Sendable {
        public var filter: String?
        public var thresholds: Thresholds
        public var analyzer: AnalyzerConfig
        /// Called now and then with the share of the input read so far (a progress bar).
        public var progress: (@Sendable (Double) -> Void)?
        /// Analysis workers: 1 analyses on the calling thread; more shard flows by host pair over
        /// that many threads, with the reading and decoding on the calling thread.
        public var threads = 1
        public init(filter: String? = nil, thresholds: Thresholds = Thresholds(), analyzer: AnalyzerConfig = AnalyzerConfig()) {
            self.filter = filter; self.thresholds = thresholds; self.analyzer = analyzer
        }
    }

    /// Opens every file first, so a bad file or filter fails before any work is done. Files are
    /// read in the order of their first packet's time (a split capture given by a glob sorts
    /// file10 before file2); files without packets keep their place at the end.
    public static func run(paths: [String], options: Options = Options()) throws(CaptureError) -> Report {
        var files: [OfflineFile] = []
        var starts: [Int64?] = []
        for p in paths {
            let probe = try OfflineFile(path: p)
            starts.append(probe.firstPacketTime())
            files.append(try OfflineFile(path: p, filter: options.filter))
        }
        let order = files.indices.sorted { a, b in
            switch (starts[a], starts[b]) {
            case let (x?, y?): return x != y ? x < y : a < b
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a < b
            }
        }
        if options.threads > 1 {
            return try ShardedAnalysis.run(files: order.map { files[$0] }, options: options)
        }
        let diagnosis = DiagnosisSink(Diagnoser(thresholds: options.thresholds))
        diagnosis.diagnoser.fragmentSetCap = options.analyzer.fragments.maxDatagrams
        var analyzer = Analyzer(config: options.analyzer, sink: diagnosis)
        var summaries: [CaptureFile] = []
        var meter = ProgressMeter(options.progress, paths: paths)
        for i in order {
            let f = files[i]
            let before = analyzer.frameNumber
            let link = f.linkType
            let end = f.forEach { rec, matched in
                analyzer.process(rec.bytes, wireLength: rec.wireLength, time: rec.time, link: link, matched: matched)
                meter.read(rec.bytes.count, frame: analyzer.frameNumber)
            }
            summaries.append(summary(of: f, packets: analyzer.frameNumber - before, end: end))
        }
        analyzer.finish()
        return report(files: summaries, options: options, analyzer: analyzer, diagnoser: diagnosis.diagnoser)
    }

    /// What the report says of one file once it has been read.
    static func summary(of f: OfflineFile, packets: UInt64, end: ReadEnd) -> CaptureFile {
        var readError: String?
        if case .truncated(let m) = end { readError = m }
        return CaptureFile(path: f.path, format: f.format.rawValue, linkType: f.linkType.name,
                           linkTypeNumber: Int(f.linkType.rawValue), snapshotLength: f.snapshotLength,
                           packets: packets, truncated: readError != nil, readError: readError)
    }

    /// The report once the analyzer has finished: shared by offline files and live capture.
    static func report(files: [CaptureFile], options: Options, analyzer: Analyzer, diagnoser: Diagnoser) -> Report {
        report(files: files, options: options, stats: analyzer.stats, peakFlows: analyzer.flows.peak,
               peakHalfOpen: analyzer.halfOpen.peak, flowsEvicted: analyzer.flowsEvicted,
               fragmentSetsEvicted: analyzer.fragments.evicted, namesEvicted: analyzer.names.evicted, diagnoser: diagnoser)
    }

    static func report(files: [CaptureFile], options: Options, stats: CaptureStats, peakFlows: Int, peakHalfOpen: Int,
                       flowsEvicted: UInt64, fragmentSetsEvicted: UInt64, namesEvicted: UInt64,
                       diagnoser: Diagnoser) -> Report {
        let d = diagnoser.finish()
        let limits = Limits(maxFlows: options.analyzer.maxFlows, peakFlows: peakFlows,
                            peakHalfOpen: peakHalfOpen, flowsEvicted: flowsEvicted,
                            flows: diagnoser.flowCount, flowsOmittedFromReport: diagnoser.flowsOmitted,
                            servicesOmitted: diagnoser.servicesOmitted, fragmentSetsEvicted: fragmentSetsEvicted,
                            namesEvicted: namesEvicted, holesForgotten: diagnoser.holesForgotten,
                            historyTruncatedFlows: diagnoser.historyTruncatedFlows)
        var capture = CaptureSummary(files: files, filter: options.filter, stats: stats)
        capture.vantage = diagnoser.captureVantage
        return Report(generator: Generator(version: flowdoctorVersion, libpcap: libpcapVersion),
                      capture: capture,
                      thresholds: options.thresholds, limits: limits,
                      findings: DecodeQualityDetector.findings(stats) + d.findings, services: d.services, flows: d.flows,
                      suppressed: d.suppressed)
    }
}

/// Calls the progress callback now and then with the share of the input read: record header
/// plus captured bytes, close to the files' own layout.
struct ProgressMeter {
    let progress: (@Sendable (Double) -> Void)?
    let total: UInt64
    var done: UInt64 = 0

    init(_ progress: (@Sendable (Double) -> Void)?, paths: [String]) {
        self.progress = progress
        total = progress == nil ? 0 : paths.reduce(0) { sum, p in
            sum + ((try? FileManager.default.attributesOfItem(atPath: p)[.size] as? UInt64) ?? 0)
        }
    }

    mutating func read(_ captured: Int, frame: UInt64) {
        guard let progress else { return }
        done &+= UInt64(captured) &+ 16
        if frame & 0xFFFF == 0 { progress(Double(done) / Double(max(total, 1))) }
    }
}

/// The diagnoser as the analyzer's sink (offline and live capture): everything the analyzer
/// finalises goes to it in place; live capture also counts each finalised flow in its metrics.
final class DiagnosisSink: AnalysisSink {
    var diagnoser: Diagnoser
    let metrics: SensorMetrics?
    init(_ diagnoser: Diagnoser, metrics: SensorMetrics? = nil) {
        self.diagnoser = diagnoser
        self.metrics = metrics
    }
    func flowEnded(_ f: Flow, now: Int64) {
        diagnoser.flowEnded(f, asOf: now)
        metrics?.flowFinished(f)
    }
    func attemptEnded(_ a: HalfOpen, now: Int64) { diagnoser.halfOpenEnded(a, asOf: now) }
    func fragmented(_ d: FragmentedDatagram) { diagnoser.fragmented(d) }
    func dnsTransaction(_ t: DNSTransaction) { diagnoser.dnsTransaction(t) }
    func arpRecord(_ r: ARPRecord) { diagnoser.arpRecord(r) }
}
