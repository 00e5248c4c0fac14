import FlowdoctorCore
import Foundation
import Testing

/// Live capture end to end: Scripts/live-check builds two namespaces, runs `flowdoctor capture`
/// on one end while connections are refused, reset and left unanswered, and stops it with SIGINT.
@Suite("Live capture", .enabled(if: labCanRun, "needs root, iproute2, nftables and python3"))
struct LiveTests {
    @Test("findings stream while capturing; SIGINT ends it with the report; root is dropped", .timeLimit(.minutes(2)))
    func live() throws {
        let out = NSTemporaryDirectory() + "flowdoctor-live-\(getpid())"
        let run = try runScript(["bash", repositoryRoot.appendingPathComponent("Scripts/live-check").path, flowdoctorBinary.path, out],
                                log: out + ".log")
        func read(_ name: String) -> String { (try? String(contentsOfFile: out + "/" + name, encoding: .utf8)) ?? "" }
        #expect(run.status == 0, "live-check: \(run.log)")
        #expect(read("status").trimmingCharacters(in: .whitespacesAndNewlines) == "0", "exit status; stderr: \(read("live.err"))")
        // Streamed before the stop: the findings, and no final report yet.
        let streamed = read("streamed.txt")
        for kind in ["tcp.handshake.refused", "tcp.handshake.unanswered", "tcp.reset"] {
            #expect(streamed.contains(kind), "\(kind) not streamed: \(streamed)")
        }
        #expect(!streamed.contains("Diagnosis"))
        // After SIGINT: the final report, with the same findings.
        let final = read("live.txt")
        #expect(final.contains("Diagnosis") && final.contains("tcp.handshake.refused") && final.contains("tcp.handshake.unanswered"))
        #expect(read("live.err").contains("as nobody"), "stderr: \(read("live.err"))")
        // The final report judges what `analyze` judges on the same packets (kept by --write).
        let offline = try OfflineAnalysis.run(paths: [out + "/raw.pcap"])
        #expect(!offline.findings.isEmpty)
        for f in offline.findings { #expect(final.contains(f.kind.rawValue), "\(f.kind.rawValue) missing from the live report") }
        #expect(FileManager.default.fileExists(atPath: out + "/evidence.pcap"))
        // Nothing left behind.
        let left = try namespacesLeft("fdlive-")
        #expect(left.isEmpty, "namespaces left behind: \(left)")
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: out + ".log")
    }
}
