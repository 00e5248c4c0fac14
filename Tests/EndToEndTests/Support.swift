import Foundation
import TestSupport

/// The repository root, from this file's place in it.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `../shared/corpus` beside the checkout, when present.
let corpusDirectory: URL? = {
    let u = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    return FileManager.default.fileExists(atPath: u.appendingPathComponent("MANIFEST.tsv").path) ? u : nil
}()

/// The `flowdoctor` executable built beside this test bundle.
let flowdoctorBinary: URL = {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return exe.deletingLastPathComponent().appendingPathComponent("flowdoctor")
}()

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the real binary, as a user would.
func runFlowdoctor(_ args: [String], environment: [String: String] = [:]) throws -> RunResult {
    try runProgram(flowdoctorBinary, args, environment: environment)
}

/// Runs a program built beside the tests, collecting its output.
func runProgram(_ program: URL, _ args: [String], environment: [String: String] = [:]) throws -> RunResult {
    let p = Process()
    p.executableURL = program
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// Network namespaces whose names contain `prefix` (a test's leftovers, if any).
func namespacesLeft(_ prefix: String) throws -> String {
    let ns = Process()
    ns.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    ns.arguments = ["ip", "netns", "list"]
    let pipe = Pipe()
    ns.standardOutput = pipe
    try ns.run()
    let listed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    ns.waitUntilExit()
    return listed.split(separator: "\n").filter { $0.contains(prefix) }.joined(separator: "\n")
}

/// Runs a script as a child with an unblocked signal mask (the test process blocks signals on its
/// threads and a child inherits that, which would leave its timeouts and kills without effect),
/// its output in `log`. Returns the exit status and what it wrote.
func runScript(_ arguments: [String], log: String) throws -> (status: Int32, log: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])"]
        + arguments
    // Output goes to a file: a pipe nobody reads would fill up and stall the script.
    FileManager.default.createFile(atPath: log, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    p.standardOutput = handle
    p.standardError = handle
    p.standardInput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    try handle.close()
    return (p.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
}
