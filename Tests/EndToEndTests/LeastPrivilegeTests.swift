import Foundation
import Testing

/// What the real binary writes and with which rights: only the paths it was given, and a live
/// capture runs as `--user` once the device is open. Run with empty working, home and temporary
/// directories so any stray file shows.
@Suite("Least privilege") struct LeastPrivilegeTests {
    struct Sandbox {
        let root: String
        var cwd: String { root + "/cwd" }
        var home: String { root + "/home" }
        var tmp: String { root + "/tmp" }
        var out: String { root + "/out" }
        init() throws {
            root = NSTemporaryDirectory() + "flowdoctor-priv-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            for d in [root + "/cwd", root + "/home", root + "/tmp", root + "/out"] {
                try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            }
            // The capture's user must be able to reach the output folder.
            chmod(root, 0o755); chmod(root + "/out", 0o777)
        }
        func contents(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }
        func remove() { try? FileManager.default.removeItem(atPath: root) }

        func start(_ args: [String]) throws -> (Process, Pipe, Pipe) {
            let p = Process()
            p.executableURL = flowdoctorBinary
            p.arguments = args
            p.currentDirectoryURL = URL(fileURLWithPath: cwd)
            var env = ProcessInfo.processInfo.environment
            env["HOME"] = home; env["TMPDIR"] = tmp; env["XDG_CACHE_HOME"] = home + "/.cache"
            p.environment = env
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            return (p, out, err)
        }
    }

    @Test("analyze writes the report and the evidence it was asked for, nothing else") func analyzeWritesOnlyOutputs() throws {
        let s = try Sandbox()
        defer { s.remove() }
        let fixture = repositoryRoot.appendingPathComponent("Fixtures/loss-retrans-client.pcap").path
        let (p, _, err) = try s.start(["analyze", fixture, "--format", "html", "-o", s.out + "/report.html",
                                       "--evidence", s.out + "/evidence.pcap"])
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(String(decoding: e, as: UTF8.self))")
        #expect(s.contents(s.out) == ["evidence.pcap", "report.html"])
        #expect(s.contents(s.cwd).isEmpty && s.contents(s.home).isEmpty && s.contents(s.tmp).isEmpty)
    }

    /// The ids and capabilities of a running process, from /proc.
    static func credentials(_ pid: Int32) -> [String: String] {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in status.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, ["Uid", "Gid", "Groups", "CapEff", "CapPrm"].contains(String(parts[0])) {
                out[String(parts[0])] = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            }
        }
        return out
    }

    @Test("capture as root: the device opened, then every id is nobody's, no capability left, and only the given files written",
          .enabled(if: getuid() == 0 && getpwnam("nobody") != nil, "needs root and a nobody account"), .timeLimit(.minutes(3)))
    func captureDropsRoot() throws {
        let s = try Sandbox()
        defer { s.remove() }
        let pw = try #require(getpwnam("nobody")).pointee
        let (uid, gid) = (pw.pw_uid, pw.pw_gid)
        // A filter nothing matches: other tests' loopback traffic (live, metrics) must not make
        // this capture's work, and its time, depend on what runs beside it.
        let (p, _, err) = try s.start(["capture", "-i", "lo", "-f", "udp port 9 and udp port 10", "--duration", "3", "--format", "json",
                                       "-o", s.out + "/report.json", "--write", s.out + "/raw.pcap"])
        // Sample the running process until it has dropped root (it opens lo first).
        var seen: [String: String] = [:]
        let deadline = Date().addingTimeInterval(2.5)
        while Date() < deadline {
            seen = Self.credentials(p.processIdentifier)
            if let u = seen["Uid"], !u.hasPrefix("0 ") { break }
            usleep(20_000)
        }
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let stderr = String(decoding: e, as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(stderr)")
        // Real, effective, saved and filesystem ids; no supplementary groups; no capabilities.
        #expect(seen["Uid"] == Array(repeating: "\(uid)", count: 4).joined(separator: " "), "\(seen)")
        #expect(seen["Gid"] == Array(repeating: "\(gid)", count: 4).joined(separator: " "), "\(seen)")
        #expect(seen["Groups"] == "", "\(seen)")
        #expect(seen["CapEff"] == "0000000000000000" && seen["CapPrm"] == "0000000000000000", "\(seen)")
        #expect(stderr.contains("as nobody"))
        #expect(s.contents(s.out) == ["raw.pcap", "report.json"])
        #expect(s.contents(s.cwd).isEmpty && s.contents(s.home).isEmpty && s.contents(s.tmp).isEmpty)
        // The report, written after the drop, is the user's; it parses.
        let attrs = try FileManager.default.attributesOfItem(atPath: s.out + "/report.json")
        #expect((attrs[.ownerAccountID] as? NSNumber)?.uint32Value == uid)
        let data = try Data(contentsOf: URL(fileURLWithPath: s.out + "/report.json"))
        #expect((try? JSONSerialization.jsonObject(with: data)) != nil)
    }
}
