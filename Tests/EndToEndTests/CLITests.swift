import Diagnosis
import FlowdoctorCore
import Foundation
import PacketDecoding
import TestSupport
import Testing

@Suite("Command line") struct CLITests {
    static func goodCapture() throws -> String {
        let dir = temporaryDirectory()
        let c: Addr = "192.0.2.1", s: Addr = "192.0.2.2"
        let pkts = [PacketBuilder.tcp(c, 40000, s, 443, flags: [.syn]), PacketBuilder.tcp(s, 443, c, 40000, flags: [.rst, .ack], seq: 0, ack: 1001)]
        let frames = pkts.enumerated().map { CapturedFrame(PacketBuilder.frame(.ethernet, $1), time: 1_600_000_000_000_000_000 + Int64($0) * 1000) }
        try PCAPWriter(linkType: 1).write(frames, to: dir + "/ok.pcap")
        return dir + "/ok.pcap"
    }

    @Test func textReport() throws {
        let r = try runFlowdoctor(["analyze", try Self.goodCapture()])
        #expect(r.status == 0)
        #expect(r.stdout.contains("packets    2"))
        #expect(r.stdout.contains("2020-09-13T12:26:40.000000Z"))
        #expect(r.stderr.isEmpty)
    }

    @Test func jsonReport() throws {
        let path = try Self.goodCapture()
        let r = try runFlowdoctor(["analyze", "--format", "json", path])
        #expect(r.status == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(doc["schema"] as? String == "flowdoctor.report/2")
        let capture = try #require(doc["capture"] as? [String: Any])
        #expect(capture["packets"] as? Int == 2)
        #expect(capture["truncated"] as? Bool == false)
        #expect(capture["linkTypes"] as? [String] == ["ethernet"])
        #expect((capture["files"] as? [[String: Any]])?.first?["path"] as? String == path)
        for key in ["bytes", "firstTime", "lastTime", "protocols", "decode"] { #expect(capture[key] != nil, "capture.\(key)") }
        for key in ["summary", "services", "findings", "flows"] { #expect(doc[key] != nil, "\(key)") }
    }

    @Test func outputFile() throws {
        let out = temporaryDirectory() + "/report.json"
        let r = try runFlowdoctor(["analyze", "--format", "json", "-o", out, try Self.goodCapture()])
        #expect(r.status == 0 && r.stdout.isEmpty)
        #expect(FileManager.default.contents(atPath: out).map { String(decoding: $0, as: UTF8.self).contains("flowdoctor.report/2") } == true)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let name: String
        let args: @Sendable (String) throws -> [String]
        let message: String
        var testDescription: String { name }
    }
    static let bad: [Bad] = [
        .init(name: "missing file", args: { ["analyze", $0 + "/missing.pcap"] }, message: "no such file"),
        .init(name: "directory", args: { ["analyze", $0] }, message: "is a directory"),
        .init(name: "empty file", args: { try writeFile($0 + "/e.pcap", []); return ["analyze", $0 + "/e.pcap"] }, message: "empty file"),
        .init(name: "not a capture", args: { try writeFile($0 + "/x.pcap", Array(repeating: 0x41, count: 100)); return ["analyze", $0 + "/x.pcap"] },
              message: "not a pcap or pcapng capture"),
        .init(name: "unknown link type", args: { try PCAPWriter(linkType: 147).write([], to: $0 + "/u.pcap"); return ["analyze", $0 + "/u.pcap"] },
              message: "link type 147"),
        .init(name: "invalid filter", args: { _ in ["analyze", "-f", "tcp port banana", try CLITests.goodCapture()] }, message: "invalid filter 'tcp port banana'"),
        .init(name: "no file", args: { _ in ["analyze"] }, message: "Missing expected argument"),
        .init(name: "unknown format", args: { _ in ["analyze", "--format", "xml", try CLITests.goodCapture()] }, message: "xml"),
        .init(name: "unknown option", args: { _ in ["analyze", "--frobnicate", try CLITests.goodCapture()] }, message: "frobnicate"),
    ]

    @Test("bad input: one clear line on stderr, exit 2, no crash", arguments: bad)
    func badInput(_ c: Bad) throws {
        let r = try runFlowdoctor(try c.args(temporaryDirectory()))
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(c.message))
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Backtrac"))
        if c.name != "no file" && c.name != "unknown format" && c.name != "unknown option" {
            #expect(r.stderr.split(separator: "\n").count == 1)
            #expect(r.stderr.hasPrefix("flowdoctor: "))
        }
    }

    @Test("a file cut mid-packet: analysed, reported truncated, exit 0") func truncated() throws {
        let path = try Self.goodCapture()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: path))
        let r = try runFlowdoctor(["analyze", "--format", "json", path])
        #expect(r.status == 0)
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let capture = doc?["capture"] as? [String: Any]
        #expect(capture?["truncated"] as? Bool == true)
        #expect(capture?["packets"] as? Int == 1)
        let text = try runFlowdoctor(["analyze", path])
        #expect(text.status == 0 && text.stdout.contains("TRUNCATED"))
    }

    @Test("--fail-on turns findings into exit 1; --min-severity hides them") func failOn() throws {
        let dir = temporaryDirectory()
        var bad = PacketBuilder.tcp("192.0.2.1", 1, "192.0.2.2", 2, flags: [.syn])
        bad[32] = 0x10
        try PCAPWriter(linkType: 1).write([CapturedFrame(PacketBuilder.frame(.ethernet, bad), time: 0)], to: dir + "/m.pcap")
        #expect(try runFlowdoctor(["analyze", dir + "/m.pcap"]).status == 0)
        #expect(try runFlowdoctor(["analyze", "--fail-on", "warning", dir + "/m.pcap"]).status == 1)
        #expect(try runFlowdoctor(["analyze", "--fail-on", "error", dir + "/m.pcap"]).status == 0)
        let hidden = try runFlowdoctor(["analyze", "--min-severity", "error", "--fail-on", "warning", dir + "/m.pcap"])
        #expect(hidden.status == 0 && hidden.stdout.contains("Findings: 0"))
    }

    @Test("every format from the real binary: text first screen, jsonl, md, html, evidence") func formats() throws {
        let pcap = repositoryRoot.appendingPathComponent("Fixtures/tls-unknown-ca-client.pcap").path
        let text = try runFlowdoctor(["analyze", pcap])
        // Not a terminal here: no colour codes; the answer comes first.
        #expect(text.status == 0 && !text.stdout.contains("\u{1B}["))
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let answer = try #require(lines.firstIndex { $0 == "Answer" })
        #expect(answer < 5 && lines[answer + 1].hasPrefix("1. ERROR") && lines[answer + 1].contains("10.99.2.2:8403"), "\(lines.prefix(8))")
        #expect(lines[answer + 2].hasPrefix("   run on the client (10.99.1.2): openssl s_client"), "\(lines.prefix(8))")
        let diagnosis = try #require(lines.firstIndex { $0.hasPrefix("Diagnosis") })
        #expect(lines[diagnosis + 2].contains("tls.alert") && lines[diagnosis + 2].contains("10.99.2.2:8403"))
        // JSON: the incident and its finding name each other.
        let json = try runFlowdoctor(["analyze", "--format", "json", pcap])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let incidents = try #require(report["incidents"] as? [[String: Any]])
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(incidents.count == 1 && (incidents[0]["findings"] as? [String]) == ["f1"] && findings[0]["incident"] as? String == "i1")
        #expect((incidents[0]["rootCause"] as? [String: Any])?["id"] as? String == "tls.alert/server-cert-untrusted")
        let jsonl = try runFlowdoctor(["analyze", "--format", "jsonl", pcap])
        let objects = jsonl.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == 1 && objects.allSatisfy { $0?["kind"] as? String == "tls.alert" })
        let md = try runFlowdoctor(["analyze", "--format", "md", pcap])
        #expect(md.stdout.hasPrefix("# flowdoctor diagnosis") && md.stdout.contains("| error | tls | `tls.alert` | 10.99.2.2:8403 |"))
        let html = try runFlowdoctor(["analyze", "--format", "html", pcap])
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>") && html.stdout.contains("tls.alert"))
        let out = temporaryDirectory() + "/evidence.pcap"
        let ev = try runFlowdoctor(["analyze", "--evidence", out, "--format", "json", pcap])
        #expect(ev.status == 0 && FileManager.default.fileExists(atPath: out))
        // The ARP exchange at the start has no finding: it is left out.
        let back = try runFlowdoctor(["analyze", "--format", "json", out])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(back.stdout.utf8)) as? [String: Any])
        #expect((doc["capture"] as? [String: Any])?["packets"] as? Int == 9)
    }

    @Test func helpAndVersion() throws {
        let h = try runFlowdoctor(["--help"])
        #expect(h.status == 0 && h.stdout.contains("analyze"))
        let v = try runFlowdoctor(["--version"])
        #expect(v.status == 0 && v.stdout.contains(flowdoctorVersion))
    }
}

@Suite("explain") struct ExplainTests {
    @Test("every implemented kind has a complete explanation") func allKinds() throws {
        for k in Diagnosis.FindingKind.allCases where Diagnosis.DetectorCatalog.implemented.contains(k) {
            let r = try runFlowdoctor(["explain", k.rawValue])
            #expect(r.status == 0)
            for section in ["What it means", "How flowdoctor detects it", "Likely causes", "What to check next"] {
                #expect(r.stdout.contains(section), "\(k.rawValue): \(section)")
            }
            #expect(r.stdout.hasPrefix(k.rawValue + ": "))
        }
        let list = try runFlowdoctor(["explain"])
        #expect(list.status == 0 && list.stdout.contains("tcp.handshake.refused"))
    }

    @Test func unknownKind() throws {
        let r = try runFlowdoctor(["explain", "tcp.nonsense"])
        #expect(r.status == 2 && r.stderr.contains("unknown finding kind"))
    }
}

@Suite("README") struct ReadmeTests {
    @Test("the README's sample answer is the real output of make demo")
    func demoSample() throws {
        let makefile = try String(contentsOf: repositoryRoot.appendingPathComponent("Makefile"), encoding: .utf8)
        // DEMO ?= a b \ c d: the files, continuation lines included.
        let demo = try #require(makefile.range(of: "DEMO ?= "))
        var files: [String] = []
        for line in makefile[demo.upperBound...].split(separator: "\n") {
            files += line.split(separator: " ").map(String.init).filter { $0.hasSuffix(".pcap") }
            if !line.hasSuffix("\\") { break }
        }
        #expect(files.count == 5)
        let run = try runFlowdoctor(["analyze", "-f", "not arp"] + files.map { repositoryRoot.appendingPathComponent($0).path })
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: "Answer"))
        let end = try #require(lines[start...].firstIndex { $0.hasPrefix("Diagnosis") })
        let answer = lines[start..<end].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("```\n" + answer + "\n```"), "the README's sample differs from:\n\(answer)")
        // The README speaks of the repository only.
        #expect(!readme.contains("../shared"))
    }
}
