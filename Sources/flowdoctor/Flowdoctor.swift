import ArgumentParser
import Diagnosis
import FlowdoctorCore
import Foundation
import PacketCapture
import Reporting

@main
struct Flowdoctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowdoctor",
        abstract: "Why can't this client talk to that server? A diagnosis from packets.",
        version: flowdoctorVersion,
        subcommands: [Analyze.self, Explain.self])

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
    case text, json
}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse capture files (pcap / pcapng); several files are one capture, read in time order.")

    @Argument(help: "Capture files (.pcap, .pcapng).")
    var files: [String]

    @Option(name: [.short, .long], help: "A libpcap (BPF) filter applied before analysis.")
    var filter: String?

    @Option(help: "Report format: text or json.")
    var format: OutputFormat = .text

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

    func validate() throws {
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
        var report = try OfflineAnalysis.run(paths: files, options: options)
        let suppressed = report.summary.suppressed
        report.findings.removeAll { $0.severity < minSeverity }
        report.summary = Summary(findings: report.findings)
        report.summary.suppressed = suppressed
        let data = format == .json ? Data(JSONReport.bytes(report)) : Data(TextReport.render(report).utf8)
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

extension Severity: ExpressibleByArgument {}

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
