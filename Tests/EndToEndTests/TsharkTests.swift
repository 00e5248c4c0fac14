import Diagnosis
import FlowdoctorCore
import Foundation
import Testing

/// tshark on PATH (the test command installs it).
let tsharkPath: String? = ((ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin").split(separator: ":")
    .map { "\($0)/tshark" }.first { FileManager.default.isExecutableFile(atPath: $0) }

/// All ten Wireshark-compatible counters against tshark itself, run on the same file: every lab
/// fixture, and every corpus capture (whose reference TSV has only seven of the columns).
@Suite("tshark itself", .enabled(if: tsharkPath != nil, "needs tshark"))
struct TsharkLiveTests {
    struct Capture: Sendable, CustomTestStringConvertible {
        let path: String
        let name: String
        var testDescription: String { name }
    }

    static func captures() -> [Capture] {
        let fm = FileManager.default
        let fixtures = repositoryRoot.appendingPathComponent("Fixtures")
        var out = ((try? fm.contentsOfDirectory(atPath: fixtures.path)) ?? []).filter { $0.hasSuffix(".pcap") }.sorted()
            .map { Capture(path: fixtures.appendingPathComponent($0).path, name: "Fixtures/" + $0) }
        if let dir = corpusDirectory, let text = try? String(contentsOf: dir.appendingPathComponent("tshark-reference.tsv"), encoding: .utf8) {
            for line in text.split(separator: "\n").dropFirst() {
                let file = String(line.split(separator: "\t").first ?? "")
                if !file.isEmpty { out.append(Capture(path: dir.appendingPathComponent(file).path, name: file)) }
            }
        }
        return out
    }

    /// Where flowdoctor's counters and tshark 4.0's differ, and why.
    static let exceptions: [String: [String: String]] = [
        "rst/ndpi-ethereum.pcap": ["lost_segment": "tshark flags one in-order segment (frame 1490) that follows the peer's RST; flowdoctor does not"],
        "mixed/chrissanders-http_espn.pcapng": ["ack_lost_segment": "frame 892 repeats frame 615's ACK of unseen bytes; tshark flags only the first, flowdoctor flags again a later packet that still ACKs beyond what was seen"],
        "mtu-frag/zeek-ipv6-http-atomic-frag.pcap": ["ack_lost_segment": "frame 7 repeats frame 6's ACK of bytes not yet captured; tshark flags only the first"],
    ]

    /// tshark's count of frames matching each tcp.analysis.<name> filter, in one pass.
    static func tsharkCounts(_ path: String) throws -> [String: Int] {
        let names = WiresharkCounters.names
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tsharkPath!)
        p.arguments = ["-n", "-r", path, "-Y", "tcp.analysis.flags", "-T", "fields"] + names.flatMap { ["-e", "tcp.analysis.\($0)"] }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var counts = Dictionary(uniqueKeysWithValues: names.map { ($0, 0) })
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            for (i, field) in line.split(separator: "\t", omittingEmptySubsequences: false).enumerated() where i < names.count && !field.isEmpty {
                counts[names[i], default: 0] += 1
            }
        }
        return counts
    }

    @Test("the ten tcp.analysis counters", arguments: captures())
    func counters(_ c: Capture) throws {
        let want = try Self.tsharkCounts(c.path)
        let r = try OfflineAnalysis.run(paths: [c.path])
        #expect(r.limits.flowsOmittedFromReport == 0)
        for name in WiresharkCounters.names {
            let got = r.flows.filter { $0.transport == "tcp" }.reduce(0) { $0 + Int($1.counters[name]!) }
            if let why = Self.exceptions[c.name]?[name] {
                #expect(got != want[name], "documented difference no longer differs (\(why)): remove the exception")
            } else {
                #expect(got == want[name], "\(name): flowdoctor \(got), tshark \(want[name] ?? -1)")
            }
        }
    }
}

/// Every finding's Wireshark filter is one tshark accepts, and it shows the finding's evidence
/// frames: a user can paste it and look at the packets.
@Suite("Wireshark filters", .enabled(if: tsharkPath != nil, "needs tshark"))
struct WiresharkFilterTests {
    static func fixtures() -> [String] {
        let dir = repositoryRoot.appendingPathComponent("Fixtures")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".pcap") }.sorted()
    }

    /// Frame numbers the filter selects in the file; nil when tshark rejects the filter.
    static func select(_ path: String, _ filter: String) throws -> Set<UInt64>? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tsharkPath!)
        p.arguments = ["-n", "-r", path, "-Y", filter, "-T", "fields", "-e", "frame.number"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        _ = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return Set(String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { UInt64($0) })
    }

    @Test("tshark accepts each filter and it selects the evidence frames", arguments: fixtures())
    func filters(_ name: String) throws {
        let path = repositoryRoot.appendingPathComponent("Fixtures/" + name).path
        let r = try OfflineAnalysis.run(paths: [path])
        for f in r.findings {
            let selected = try Self.select(path, f.filter)
            #expect(selected != nil, "\(f.kind.rawValue): tshark rejects \(f.filter)")
            guard let selected else { continue }
            for frame in f.frames {
                #expect(selected.contains(frame), "\(f.kind.rawValue): frame \(frame) not selected by \(f.filter)")
            }
        }
    }
}
