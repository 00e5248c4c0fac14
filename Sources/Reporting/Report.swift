import Diagnosis
import FlowAnalysis
import PacketDecoding

/// The report document (`flowdoctor.report/2`). Field names are an interface: add, never rename.
public struct Report: Codable, Sendable {
    public static let schemaID = "flowdoctor.report/2"
    public var schema = Report.schemaID
    public var generator: Generator
    public var capture: CaptureSummary
    public var summary: Summary
    public var thresholds: Thresholds
    public var limits: Limits
    public var services: [ServiceSummary]
    public var findings: [Finding]
    /// The findings grouped by root cause, most impact first (Incidents.swift); the answer first.
    public var incidents: [Incident]
    public var flows: [FlowEntry]

    public init(generator: Generator, capture: CaptureSummary, thresholds: Thresholds, limits: Limits,
                findings: [Finding], services: [ServiceSummary], flows: [FlowEntry], suppressed: [FindingKind: Int] = [:]) {
        self.generator = generator
        self.capture = capture
        self.thresholds = thresholds
        self.limits = limits
        // Worst first; then by time, then kind, so equal inputs give equal reports.
        self.findings = findings.sorted {
            ($0.severity, $1.firstTime, $1.kind.rawValue, $1.summary) > ($1.severity, $0.firstTime, $0.kind.rawValue, $0.summary)
        }
        self.services = services
        self.flows = flows
        self.incidents = Incidents.build(&self.findings, flows: flows)
        self.summary = Summary(findings: self.findings, suppressed: suppressed)
    }

    /// After findings were added or removed: incidents and the summary made again.
    public mutating func rebuildIncidents() {
        let suppressed = summary.suppressed
        incidents = Incidents.build(&findings, flows: flows)
        summary = Summary(findings: findings)
        summary.suppressed = suppressed
    }
}

public struct Generator: Codable, Sendable {
    public var name = "flowdoctor"
    public var version: String
    public var libpcap: String
    public init(version: String, libpcap: String) { self.version = version; self.libpcap = libpcap }
}

public struct CaptureFile: Codable, Sendable {
    public var path: String
    public var format: String
    public var linkType: String
    public var linkTypeNumber: Int
    public var snapshotLength: Int
    public var packets: UInt64
    public var truncated: Bool
    /// What libpcap said when the file ended early.
    public var readError: String?
    public init(path: String, format: String, linkType: String, linkTypeNumber: Int, snapshotLength: Int,
                packets: UInt64, truncated: Bool, readError: String?) {
        self.path = path; self.format = format; self.linkType = linkType; self.linkTypeNumber = linkTypeNumber
        self.snapshotLength = snapshotLength; self.packets = packets; self.truncated = truncated
        self.readError = readError
    }
}

public struct DecodeCounter: Codable, Sendable, Equatable {
    public var layer: String
    public var reason: String?
    public var count: UInt64
    public init(layer: String, reason: String?, count: UInt64) { self.layer = layer; self.reason = reason; self.count = count }
}

public struct CaptureSummary: Codable, Sendable {
    public var files: [CaptureFile]
    public var linkTypes: [String]
    public var filter: String?
    /// Frames read, as capinfos counts them.
    public var packets: UInt64
    /// Frames that passed the filter and were analysed.
    public var analyzedPackets: UInt64
    /// Bytes on the wire (original lengths).
    public var bytes: UInt64
    public var capturedBytes: UInt64
    public var firstTime: String?
    public var lastTime: String?
    public var durationSeconds: Double
    public var truncated: Bool
    public var snaplenCutPackets: UInt64
    public var timestampsOutOfOrder: UInt64
    public var protocols: [String: UInt64]
    public var decode: DecodeSummary
    /// Where the capture sat (client, server, path, link, router), as most flows say.
    public var vantage: CaptureVantage?

    public struct DecodeSummary: Codable, Sendable {
        public var malformed: [DecodeCounter]
        public var truncated: [DecodeCounter]
    }

    public init(files: [CaptureFile], filter: String?, stats s: CaptureStats) {
        self.files = files
        var seen: [String] = []
        for f in files where !seen.contains(f.linkType) { seen.append(f.linkType) }
        linkTypes = seen
        self.filter = filter
        packets = s.packets
        analyzedPackets = s.matched
        bytes = s.wireBytes
        capturedBytes = s.capturedBytes
        firstTime = s.firstTime.map(Timestamps.iso8601)
        lastTime = s.maxTime.map(Timestamps.iso8601)
        durationSeconds = Double((s.maxTime ?? 0) &- (s.firstTime ?? 0)) / 1e9
        truncated = files.contains { $0.truncated }
        snaplenCutPackets = s.snaplenCut
        timestampsOutOfOrder = s.timeWentBackwards
        var protocols: [String: UInt64] = [:]
        for (p, n) in s.protocolCounters { protocols[p.name] = n }
        self.protocols = protocols
        decode = DecodeSummary(
            malformed: s.malformedCounters.map { DecodeCounter(layer: $0.layer.name, reason: $0.reason.name, count: $0.count) },
            truncated: s.truncatedCounters.map { DecodeCounter(layer: $0.layer.name, reason: nil, count: $0.count) })
    }
}

/// What the flow table's bounds did to this analysis (all zero on ordinary captures).
public struct Limits: Codable, Sendable {
    /// Each bound separately: flows, and attempts that sent only SYNs.
    public var maxFlows: Int
    public var peakFlows: Int
    public var peakHalfOpen: Int
    /// Flows finalised early because the table was full.
    public var flowsEvicted: UInt64
    public var flows: Int
    public var flowsOmittedFromReport: Int
    public var servicesOmitted: Int
    /// The trackers' own caps: fragment sets forced out (65,536 held), DNS transactions and ARP
    /// requests handed over early (4,096 held), sequence-space holes forgotten (4 per direction of
    /// a flow: their bytes then count as seen), flows whose history outgrew its 24 letters.
    public var fragmentSetsEvicted: UInt64
    public var namesEvicted: UInt64
    public var holesForgotten: UInt64
    public var historyTruncatedFlows: Int
    public init(maxFlows: Int, peakFlows: Int, peakHalfOpen: Int, flowsEvicted: UInt64, flows: Int, flowsOmittedFromReport: Int,
                servicesOmitted: Int, fragmentSetsEvicted: UInt64 = 0, namesEvicted: UInt64 = 0, holesForgotten: UInt64 = 0,
                historyTruncatedFlows: Int = 0) {
        self.fragmentSetsEvicted = fragmentSetsEvicted; self.namesEvicted = namesEvicted
        self.holesForgotten = holesForgotten; self.historyTruncatedFlows = historyTruncatedFlows
        self.maxFlows = maxFlows; self.peakFlows = peakFlows; self.peakHalfOpen = peakHalfOpen
        self.flowsEvicted = flowsEvicted; self.flows = flows
        self.flowsOmittedFromReport = flowsOmittedFromReport; self.servicesOmitted = servicesOmitted
    }
}

public struct Summary: Codable, Sendable {
    public var findings: Int
    public var errors: Int
    public var warnings: Int
    public var info: Int
    public var byKind: [String: Int]
    /// Findings beyond the per-(kind, server) cap: counted here, not listed.
    public var suppressed: [String: Int]
    public init(findings f: [Finding], suppressed: [FindingKind: Int] = [:]) {
        self.suppressed = Dictionary(uniqueKeysWithValues: suppressed.map { ($0.key.rawValue, $0.value) })
        findings = f.count
        errors = f.filter { $0.severity == .error }.count
        warnings = f.filter { $0.severity == .warning }.count
        info = f.filter { $0.severity == .info }.count
        var k: [String: Int] = [:]
        for x in f { k[x.kind.rawValue, default: 0] += 1 }
        byKind = k
    }
}

public enum Timestamps {
    /// UTC ISO 8601 with microseconds, or nanoseconds when the value has them.
    public static func iso8601(_ nanos: Int64) -> String {
        var secs = nanos / 1_000_000_000
        var frac = nanos % 1_000_000_000
        if frac < 0 { frac += 1_000_000_000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = CivilDate.from(days: days)
        func pad(_ v: Int64, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        let fraction = frac % 1000 == 0 ? pad(frac / 1000, 6) : pad(frac, 9)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem / 60 % 60, 2)):\(pad(rem % 60, 2)).\(fraction)Z"
    }
}
