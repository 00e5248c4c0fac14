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
    let p = Process()
    p.executableURL = flowdoctorBinary
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
