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
        subcommands: [Analyze.self])

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

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one capture file") }
    }

    func run() throws {
        var report = try OfflineAnalysis.run(paths: files, options: .init(filter: filter))
        report.findings.removeAll { $0.severity < minSeverity }
        report.summary = Summary(findings: report.findings)
        let text = format == .json ? try JSONReport.render(report) : TextReport.render(report)
        if let output {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output)) } catch {
                throw CaptureError.unreadable(output, "cannot write the report: \(error.localizedDescription)")
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        if let failOn, report.findings.contains(where: { $0.severity >= failOn }) { throw ExitCode(1) }
    }
}

extension Severity: ExpressibleByArgument {}
