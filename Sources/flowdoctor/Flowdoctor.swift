import ArgumentParser
import Diagnosis
import FlowdoctorCore
import Foundation
import PacketCapture
import Reporting
import SensorMetrics

@main
struct Flowdoctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowdoctor",
        abstract: "Why can't this client talk to that server? A diagnosis from packets.",
        version: flowdoctorVersion,
        subcommands: [Analyze.self, Capture.self, Interfaces.self, Explain.self])

    /// Usage and input errors exit 2 with one line on stderr (DESIGN.md §1), not ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as CaptureError {
            FileHandle.standardError.write(Data("flowdoctor: \(TextEscape.line(e.description))\n".utf8))
            Foundation.exit(2)
        } catch let e as ExitCode {
            Foundation.exit(e.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl, md, html
}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse capture files (pcap / pcapng); several files are one capture, read in time order.")

    @Argument(help: "Capture files (.pcap, .pcapng).")
    var files: [String]

    @Option(name: [.short, .long], help: "A libpcap (BPF) filter applied before analysis.")
    var filter: String?

    @Option(help: "Report format: text (for people), json (one document), jsonl (one finding per line), md (for a ticket) or html (one self-contained file with charts).")
    var format: OutputFormat = .text

    @Flag(help: "Text and md: every finding in the details, not the first few of each group.")
    var verbose = false

    @Option(help: "Also write the packets of the flows that have findings to this pcap file.")
    var evidence: String?

    @Option(name: [.short, .long], help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(help: "Exit 1 when a finding at or above this severity exists (warning or error).")
    var failOn: Severity?

    @Option(help: "Leave out findings below this severity (info, warning, error).")
    var minSeverity: Severity = .info

    @Option(help: "Seconds a SYN (or SYN-ACK) may go unanswered before it counts as failed.")
    var synTimeout: Double?

    @Option(help: "Seconds of silence before a RST counts as reset.after-idle.")
    var idleReset: Double?

    @Option(help: "Flows held at once; past it the oldest are finalised early (reported in limits).")
    var maxFlows: Int?

    @Option(help: "Analysis threads: flows are sharded by host pair over this many workers (each with maxFlows / N), read and decoded on one more; the report is the same as with 1.")
    var threads: Int = 1

    func validate() throws {
        if threads < 1 || threads > 64 { throw ValidationError("--threads must be between 1 and 64") }
        guard !files.isEmpty else { throw ValidationError("give at least one capture file") }
        if let s = synTimeout, !(s > 0) { throw ValidationError("--syn-timeout must be above 0") }
        if let s = idleReset, !(s > 0) { throw ValidationError("--idle-reset must be above 0") }
        if let m = maxFlows, m < 1 { throw ValidationError("--max-flows must be at least 1") }
    }

    func run() throws {
        var options = OfflineAnalysis.Options(filter: filter)
        if let s = synTimeout { options.thresholds.synTimeoutSeconds = s }
        if let s = idleReset { options.thresholds.idleResetSeconds = s }
        if let m = maxFlows { options.analyzer.maxFlows = m }
        options.threads = threads
        let progress = Progress.onTerminal()
        if let p = progress { options.progress = { @Sendable fraction in p.show(fraction) } }
        var report = try OfflineAnalysis.run(paths: files, options: options)
        progress?.done()
        if let evidence {
            let written = try OfflineAnalysis.writeEvidence(paths: files, options: options, report: report, to: evidence)
            FileHandle.standardError.write(Data("flowdoctor: \(TextEscape.line(written.description))\n".utf8))
        }
        report.findings.removeAll { $0.severity < minSeverity }
        report.rebuildIncidents()
        let data: Data
        switch format {
        case .json: data = Data(JSONReport.bytes(report))
        case .jsonl: data = Data(JSONReport.lines(report))
        case .md: data = Data(MarkdownReport.render(report).utf8)
        case .html:
            // The incidents' key flows, read again from the files, drawn in their cards.
            let ladders = (try? OfflineAnalysis.ladders(paths: files, options: options, report: report)) ?? [:]
            data = Data(HTMLReport.render(report, ladders: ladders).utf8)
        case .text:
            // Colour and wrapping only for a terminal (and colour only when NO_COLOR is unset).
            let tty = output == nil && isatty(STDOUT_FILENO) == 1
            let env = ProcessInfo.processInfo.environment
            let style = TextStyle(color: tty && env["NO_COLOR"].map(\.isEmpty) ?? true, width: tty ? Terminal.width() : nil,
                                  verbose: verbose)
            data = Data(TextReport.render(report, style: style).utf8)
        }
        if let output {
            do { try data.write(to: URL(fileURLWithPath: output)) } catch {
                throw CaptureError.unreadable(output, "cannot write the report: \(error.localizedDescription)")
            }
        } else {
            FileHandle.standardOutput.write(data)
        }
        if let failOn, report.findings.contains(where: { $0.severity >= failOn }) { throw ExitCode(1) }
    }
}

/// The terminal's width: the window size, else $COLUMNS, else 100.
enum Terminal {
    static func width() -> Int {
        var w = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 0 { return c }
        return 100
    }
}

/// A progress bar on stderr for long files, only when stderr is a terminal.
final class Progress: @unchecked Sendable {
    private var shown = -1
    private let started = Date()

    static func onTerminal() -> Progress? { isatty(STDERR_FILENO) == 1 ? Progress() : nil }

    func show(_ fraction: Double) {
        // Quiet for the first second: short files need no bar.
        guard Date().timeIntervalSince(started) > 1 else { return }
        let pct = Int((max(0, min(fraction, 1)) * 100).rounded(.down))
        guard pct != shown else { return }
        shown = pct
        let filled = pct / 4
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 25 - filled)
        FileHandle.standardError.write(Data("\rflowdoctor: [\(bar)] \(pct)%".utf8))
    }

    func done() {
        if shown >= 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

extension Severity: ExpressibleByArgument {}

enum StreamFormat: String, ExpressibleByArgument, CaseIterable {
    case text, jsonl, json, md, html
}

struct Capture: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture live from an interface; findings stream as they are decided, the report comes at the end (Ctrl-C).")

    @Option(name: [.short, .customLong("interface")], help: "The interface to capture on (`flowdoctor interfaces` lists them).")
    var interface: String

    @Option(name: [.short, .long], help: "A libpcap (BPF) filter.")
    var filter: String?

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Option(help: "Stop after this many packets.")
    var count: UInt64?

    @Option(help: "Bytes kept of each packet.")
    var snaplen: Int = 262_144

    @Flag(help: "Do not put the interface in promiscuous mode.")
    var noPromiscuous = false

    @Option(name: .customLong("buffer-mib"), help: "Kernel capture buffer, in MiB.")
    var bufferMiB: Int = 32

    @Option(help: "Also write every packet to this pcap, rotated past --rotate-mib.")
    var write: String?

    @Option(name: .customLong("rotate-mib"), help: "Rotate the --write file past this many MiB.")
    var rotateMiB: Int = 1024

    @Option(help: "At the end, write the packets of the flows with findings here (needs --write).")
    var evidence: String?

    @Option(help: "Streamed findings and final report: text or jsonl stream; json, md or html are written at the end only.")
    var format: StreamFormat = .text

    @Option(name: [.short, .long], help: "Write the final report to this file instead of standard output.")
    var output: String?

    @Option(help: "When started as root, switch to this user once the interface is open.")
    var user: String = "nobody"

    @Option(help: "Exit 1 when a finding at or above this severity exists (warning or error).")
    var failOn: Severity?

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics while capturing (e.g. 127.0.0.1:9464, [::]:9464, :9464 for all addresses).")
    var metricsListen: String?

    @Option(help: "This sensor's name in metrics and streamed jsonl lines (default: the host name).")
    var sensor: String?

    @Option(help: "Servers (ip:port) with their own metrics label, the busiest ones; the rest count as `other`.")
    var metricsServices: Int = 20

    @Option(help: "Also append each finding as it is decided to this file as one JSON line (with time, sensor and kind), for a log shipper.")
    var findingsOut: String?

    func validate() throws {
        if let m = metricsListen, ListenAddress(m) == nil {
            throw ValidationError("--metrics-listen wants HOST:PORT (e.g. 127.0.0.1:9464 or [::1]:9464), not '\(m)'")
        }
        if !(0...1000).contains(metricsServices) { throw ValidationError("--metrics-services must be between 0 and 1000") }
        if let s = sensor, s.isEmpty || s.utf8.count > 128 { throw ValidationError("--sensor must be 1 to 128 bytes") }
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be above 0") }
        if snaplen < 64 { throw ValidationError("--snaplen must be at least 64") }
        if evidence != nil && write == nil { throw ValidationError("--evidence needs --write: the evidence is cut from the written packets") }
    }

    func run() throws {
        var o = LiveAnalysis.Options()
        o.analysis.filter = filter
        o.live.filter = filter
        o.live.snaplen = snaplen
        o.live.promiscuous = !noPromiscuous
        o.live.bufferBytes = bufferMiB << 20
        o.duration = duration
        o.count = count
        o.write = write
        o.writeMaxBytes = rotateMiB << 20
        o.user = getuid() == 0 ? user : nil
        o.laterOutputs = [evidence, output].compactMap { $0 }
        o.announce = { line in FileHandle.standardError.write(Data("flowdoctor: \(line)\n".utf8)) }
        let tty = output == nil && isatty(STDOUT_FILENO) == 1
        let style = TextStyle(color: tty && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true,
                              width: tty ? Terminal.width() : nil)
        let sensorName = sensor ?? hostName()
        // Opened before root is dropped; appended to line by line (O_APPEND), as log shippers tail it.
        let findingsFile = try findingsOut.map { path throws(CaptureError) -> FileHandle in
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw CaptureError.cannotWrite(path, String(cString: strerror(errno))) }
            return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        }
        var server: MetricsServer?
        if let listen = metricsListen.flatMap(ListenAddress.init) {
            let metrics = SensorMetrics(sensor: sensorName, version: flowdoctorVersion, topServices: metricsServices)
            do {
                server = try MetricsServer(host: listen.host, port: listen.port, registry: metrics.registry)
            } catch {
                FileHandle.standardError.write(Data("flowdoctor: cannot listen for metrics on \(TextEscape.line(metricsListen ?? "")): \(TextEscape.line("\(error)"))\n".utf8))
                throw ExitCode(2)
            }
            o.metrics = metrics
            let shown = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
            FileHandle.standardError.write(Data("flowdoctor: metrics at http://\(shown):\(server!.port)/metrics\n".utf8))
        }
        defer { server?.stop() }
        let stream: (Finding) -> Void = { f in
            // Microseconds: what the wall clock really resolves.
            let now = Int64((Date().timeIntervalSince1970 * 1e6).rounded()) * 1000
            if let findingsFile { findingsFile.write(Data(JSONReport.line(f, sensor: sensorName, time: now))) }
            switch format {
            case .jsonl:
                FileHandle.standardOutput.write(Data(JSONReport.line(f, sensor: sensorName, time: now)))
            case .text:
                FileHandle.standardOutput.write(Data(TextReport.line(f, style: style).utf8))
            default:
                break
            }
        }
        let opened: (Incident) -> Void = { i in
            let now = Int64((Date().timeIntervalSince1970 * 1e6).rounded()) * 1000
            if let findingsFile { findingsFile.write(Data(JSONReport.line(i, sensor: sensorName, time: now))) }
            if format == .jsonl { FileHandle.standardOutput.write(Data(JSONReport.line(i, sensor: sensorName, time: now))) }
        }
        let report = try LiveAnalysis.run(interface: interface, options: o, stream: stream, incidents: opened)
        if let evidence, let write {
            _ = try OfflineAnalysis.writeEvidence(paths: [write], options: OfflineAnalysis.Options(filter: filter), report: report, to: evidence)
        }
        let data: Data
        switch format {
        case .json: data = Data(JSONReport.bytes(report))
        case .jsonl: data = Data()
        case .md: data = Data(MarkdownReport.render(report).utf8)
        case .html: data = Data(HTMLReport.render(report).utf8)
        case .text: data = Data(("\n" + TextReport.render(report, style: style)).utf8)
        }
        if let output {
            try data.write(to: URL(fileURLWithPath: output))
        } else {
            FileHandle.standardOutput.write(data)
        }
        if let failOn, report.findings.contains(where: { $0.severity >= failOn }) { throw ExitCode(1) }
    }
}

/// `--metrics-listen`: HOST:PORT, [IPv6]:PORT, or :PORT for every address.
struct ListenAddress {
    var host: String
    var port: Int
    init?(_ s: String) {
        guard let colon = s.lastIndex(of: ":"), let p = Int(s[s.index(after: colon)...]), (0...65_535).contains(p) else { return nil }
        var h = String(s[..<colon])
        if h.hasPrefix("[") && h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) } else if h.contains(":") { return nil }
        host = h.isEmpty ? "0.0.0.0" : h
        port = p
    }
}

/// The host name: the default sensor name.
func hostName() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    guard gethostname(&buf, buf.count - 1) == 0 else { return "flowdoctor" }
    let name = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return name.isEmpty ? "flowdoctor" : name
}

struct Interfaces: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the interfaces libpcap can capture on, with their addresses.")

    func run() throws {
        for i in try NetworkInterface.list() {
            var state: [String] = [i.isUp ? "up" : "down"]
            if i.isRunning { state.append("running") }
            if i.isLoopback { state.append("loopback") }
            if i.isWireless { state.append("wireless") }
            let addresses = i.addresses.isEmpty ? "" : "  " + i.addresses.joined(separator: ", ")
            print("\(i.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(state.joined(separator: ",").padding(toLength: 22, withPad: " ", startingAt: 0))\(addresses)")
        }
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What a finding means, how it is detected, its likely causes and what to check next.")

    @Argument(help: "A finding kind, e.g. tcp.handshake.refused; omit it to list them.")
    var kind: String?

    func run() throws {
        let kinds = FindingKind.allCases.filter { DetectorCatalog.implemented.contains($0) }
        guard let name = kind else {
            for k in kinds { print("\(k.rawValue.padding(toLength: 28, withPad: " ", startingAt: 0)) \(k.info.title)") }
            return
        }
        guard let k = FindingKind(rawValue: name), DetectorCatalog.implemented.contains(k) else {
            throw ValidationError("unknown finding kind '\(name)'; `flowdoctor explain` lists them")
        }
        print(ExplainText.render(k.info))
    }
}
