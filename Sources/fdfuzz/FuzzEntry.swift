import Foundation
import Diagnosis
import FlowAnalysis
import FlowdoctorCore
import Glibc
import PacketDecoding
import Reporting

/// The fuzz entry points, one per link type plus one for whole capture files. Built two ways:
/// `Scripts/fuzz` compiles this target with `-sanitize=fuzzer,address -DFUZZING` and `main` runs
/// libFuzzer's driver; a plain `swift build` gets a replay tool (`fdfuzz TARGET FILE...`) that
/// runs saved inputs through the same code without the sanitizers.
enum FuzzTarget: String, CaseIterable {
    case ethernet, sll, sll2, null, loop, raw, ipv4, ipv6, file
    /// One campaign over all of them: the first byte picks the target, the rest is its input.
    case any

    var link: LinkType? {
        switch self {
        case .ethernet: .ethernet
        case .sll: .linuxSLL
        case .sll2: .linuxSLL2
        case .null: .null
        case .loop: .loop
        case .raw: .rawLinux
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        case .file, .any: nil
        }
    }

    static let concrete = allCases.filter { $0 != .any }

    /// Runs one input. Anything that returns is a pass; a trap or a sanitizer report is a finding.
    /// Returns what happened, for the replay tool.
    @discardableResult
    func run(_ data: UnsafeRawBufferPointer) -> String {
        switch self {
        case .any:
            guard let first = data.first else { return "empty" }
            let t = Self.concrete[Int(first) % Self.concrete.count]
            return t.rawValue + ": " + t.run(UnsafeRawBufferPointer(rebasing: data.dropFirst()))
        case .file:
            return runFile(data)
        default:
            return runPacket(data, link: link!)
        }
    }
}

extension AnalyzerConfig {
    /// Small bounds: each input gets fresh tables (cheap to make), and small inputs reach the caps
    /// and their eviction paths.
    static var fuzzing: AnalyzerConfig {
        var c = AnalyzerConfig()
        c.maxFlows = 64
        c.fragments.maxDatagrams = 16
        c.fragments.maxHeldBytes = 16 << 10
        return c
    }
}

/// A packet as one frame of the link type: decoded, then analysed twice (a flow's first packet and
/// a repeat a second later, so retransmission and duplicate paths run) through the diagnoser.
func runPacket(_ data: UnsafeRawBufferPointer, link: LinkType) -> String {
    let bytes = WireBytes(data)
    let p = Dissector.dissect(bytes, link: link)
    _ = p.error
    let config = AnalyzerConfig.fuzzing
    final class Box: AnalysisSink {
        var d = Diagnoser()
        func flowEnded(_ f: Flow, now: Int64) { d.flowEnded(f, asOf: now) }
        func attemptEnded(_ a: HalfOpen, now: Int64) { d.halfOpenEnded(a, asOf: now) }
        func fragmented(_ x: FragmentedDatagram) { d.fragmented(x) }
        func dnsTransaction(_ t: DNSTransaction) { d.dnsTransaction(t) }
        func arpRecord(_ r: ARPRecord) { d.arpRecord(r) }
    }
    let box = Box()
    var a = Analyzer(config: config, sink: box)
    a.process(bytes, wireLength: data.count, time: 1_000_000_000, link: link)
    a.process(bytes, wireLength: data.count &+ 10, time: 2_000_000_000, link: link)
    a.finish()
    let findings = box.d.finish().findings.count
    return p.error.map { "stopped at \($0.layer.name)" } ?? "decoded, \(findings) findings"
}

/// A scratch file, unlinked at once and reached through /proc/self/fd: nothing stays on disk.
let scratch: Int32 = {
    var template = Array((NSTemporaryDirectory() + "fdfuzz-XXXXXX").utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else { fatalError("mkstemp: \(errno)") }
    unlink(template)
    return fd
}()

/// Bytes as a capture file, through libpcap, the whole analysis and every report format; the
/// JSON must parse.
func runFile(_ data: UnsafeRawBufferPointer) -> String {
    let fd = scratch
    guard ftruncate(fd, 0) == 0 else { fatalError("ftruncate: \(errno)") }
    var off = 0
    while off < data.count {
        let n = pwrite(fd, data.baseAddress! + off, data.count - off, off_t(off))
        guard n > 0 else { fatalError("write: \(errno)") }
        off += n
    }
    var options = OfflineAnalysis.Options()
    options.analyzer = .fuzzing
    let report: Report
    do { report = try OfflineAnalysis.run(paths: ["/proc/self/fd/\(fd)"], options: options) } catch {
        return "not analysed: \(error.description)"
    }
    _ = TextReport.render(report)
    _ = MarkdownReport.render(report)
    _ = HTMLReport.render(report)
    let json = JSONReport.bytes(report)
    guard (try? JSONSerialization.jsonObject(with: Data(json))) != nil else {
        fatalError("invalid JSON report: \(String(decoding: json, as: UTF8.self))")
    }
    return "\(report.capture.packets) packets, \(report.findings.count) findings"
}

#if FUZZING
let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FDFUZZ_TARGET"] ?? "any"
    guard let t = FuzzTarget(rawValue: name) else {
        fatalError("FDFUZZ_TARGET=\(name): one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return t
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selected.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

/// libFuzzer's driver (compiler-rt). SwiftPM points an executable's `main` at the module's own
/// entry point, so libFuzzer's `main` is not used: this one hands over to the driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<Int32>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
    }
}
#else
@main
struct Replay {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard let name = args.first, let target = FuzzTarget(rawValue: name), args.count >= 2 else {
            FileHandle.standardError.write(Data(("usage: fdfuzz TARGET FILE... (TARGET: "
                + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ") + ")\n").utf8))
            exit(2)
        }
        for path in args.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("\(path): cannot read\n".utf8))
                exit(2)
            }
            let said = data.withUnsafeBytes { target.run($0) }
            print("ok \(path): \(said)")
        }
    }
}
#endif
