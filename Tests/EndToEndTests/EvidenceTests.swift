import Diagnosis
import FlowdoctorCore
import Foundation
import PacketCapture
import PacketDecoding
import Reporting
import TestSupport
import Testing

/// `--evidence`: a second pass that writes only the packets of flows with findings, with their
/// original timestamps and lengths.
@Suite("evidence pcap") struct EvidenceTests {
    typealias PB = PacketBuilder

    /// A record as read back, comparable.
    struct Rec: Equatable, CustomStringConvertible {
        var bytes: [UInt8]
        var wireLength: Int
        var time: Int64
        var description: String { "\(time) \(bytes.count)/\(wireLength)" }
    }

    struct ReadBack {
        var linkType: LinkType
        var format: CaptureFormat
        var records: [Rec]
    }

    static func read(_ path: String) throws -> ReadBack {
        let f = try OfflineFile(path: path)
        var out: [Rec] = []
        f.forEach { r, _ in out.append(Rec(bytes: r.bytes.copyBytes(), wireLength: r.wireLength, time: r.time)) }
        return ReadBack(linkType: f.linkType, format: f.format, records: out)
    }

    /// Frames tagged with the conversation they belong to, written as one capture.
    struct Capture {
        var frames: [CapturedFrame] = []
        var tags: [String] = []
        var t: Int64 = 1_700_000_000_123_456_789      // odd nanoseconds: a µs file would lose them
        var link: LinkType = .ethernet

        mutating func add(_ ip: [UInt8], _ tag: String, padding: Int = 0) {
            let bytes = PB.frame(link, ip)
            frames.append(CapturedFrame(bytes, time: t, wireLength: bytes.count + padding))
            tags.append(tag)
            t += 1_000_017                                                    // ~1 ms, not a whole µs
        }

        func records(_ selected: Set<String>) -> [Rec] {
            zip(frames, tags).filter { selected.contains($0.1) }.map { Rec(bytes: $0.0.bytes, wireLength: $0.0.wireLength, time: $0.0.time) }
        }

        func write(_ dir: String, _ name: String = "in.pcap", nanosecond: Bool = true) throws -> String {
            let path = dir + "/" + name
            try PCAPWriter(linkType: link.rawValue == 12 ? 101 : link.rawValue, nanosecond: nanosecond).write(frames, to: path)
            return path
        }
    }

    static let client: Addr = "10.1.0.1", server: Addr = "10.2.0.2"

    /// A: refused (SYN, RST-ACK). A2: unreachable (SYN; "A2 icmp", a host unreachable quoting it).
    /// B: a clean connection. U: unrelated UDP. N: an ICMP error about a packet of no flow.
    static func mixed(link: LinkType = .ethernet) -> Capture {
        var c = Capture(link: link)
        let (cl, sv) = (client, server)
        // B opens.
        c.add(PB.tcp(cl, 40001, sv, 9000, flags: [.syn], seq: 100, options: [.mss(1460)]), "B")
        c.add(PB.tcp(sv, 9000, cl, 40001, flags: [.syn, .ack], seq: 500, ack: 101, options: [.mss(1460)]), "B")
        c.add(PB.tcp(cl, 40001, sv, 9000, flags: [.ack], seq: 101, ack: 501), "B")
        // A is refused; the RST's frame had padding the capture did not keep.
        c.add(PB.tcp(cl, 40000, sv, 8080, flags: [.syn], seq: 7000, options: [.mss(1460)]), "A")
        c.add(PB.udp(cl, 5000, "10.3.0.3", 6000, payload: [1, 2, 3]), "U")
        c.add(PB.tcp(sv, 8080, cl, 40000, flags: [.rst, .ack], seq: 0, ack: 7001, window: 0), "A", padding: 6)
        // B carries data.
        c.add(PB.tcp(cl, 40001, sv, 9000, flags: [.ack, .psh], seq: 101, ack: 501, payload: Array(repeating: 0x41, count: 100)), "B")
        c.add(PB.tcp(sv, 9000, cl, 40001, flags: [.ack, .psh], seq: 501, ack: 201, payload: Array(repeating: 0x42, count: 300)), "B")
        c.add(PB.udp("10.3.0.3", 6000, cl, 5000, payload: [4, 5, 6]), "U")
        // A2's SYN meets a router that cannot reach the host.
        let syn = PB.tcp(cl, 40002, sv, 8443, flags: [.syn], seq: 9000, options: [.mss(1460)])
        c.add(syn, "A2")
        c.add(PB.ip("10.1.0.254", cl, proto: 1, PB.icmpv4(type: 3, code: 1, body: Array(syn.prefix(48)))), "A2 icmp")
        // An error about a datagram no flow of the capture sent.
        let stray = PB.udp(cl, 45555, "10.4.0.4", 53, payload: Array(repeating: 0, count: 20))
        c.add(PB.ip("10.1.0.254", cl, proto: 1, PB.icmpv4(type: 3, code: 1, body: Array(stray.prefix(28)))), "N")
        // B closes.
        c.add(PB.tcp(cl, 40001, sv, 9000, flags: [.ack], seq: 201, ack: 801), "B")
        c.add(PB.tcp(cl, 40001, sv, 9000, flags: [.fin, .ack], seq: 201, ack: 801), "B")
        c.add(PB.tcp(sv, 9000, cl, 40001, flags: [.fin, .ack], seq: 801, ack: 202), "B")
        c.add(PB.tcp(cl, 40001, sv, 9000, flags: [.ack], seq: 202, ack: 802), "B")
        return c
    }

    /// The server ports of the TCP flows the findings name.
    static func tcpFindingPorts(_ r: Report) -> Set<Int> {
        Set(r.findings.compactMap(\.flow).filter { $0.transport == "tcp" }.compactMap(\.server.port))
    }

    @Test("a lab fixture: the refused connection's packets only, µs timestamps and link type kept")
    func fixture() throws {
        let input = repositoryRoot.appendingPathComponent("Fixtures/refused-client.pcap").path
        let out = temporaryDirectory("evidence") + "/refused.pcap"
        let report = try OfflineAnalysis.run(paths: [input])
        #expect(report.findings.contains { $0.kind == .handshakeRefused })
        let summary = try OfflineAnalysis.writeEvidence(paths: [input], options: .init(), report: report, to: out)
        let original = try Self.read(input), evidence = try Self.read(out)
        // The capture is ARP, ARP, SYN, RST-ACK: the two TCP packets are the flow's.
        let expected = original.records.filter { r in
            WireBytes.with(r.bytes) { b in
                let p = Dissector.dissect(b, link: original.linkType)
                return p.tcp?.destinationPort == 8006 || p.tcp?.sourcePort == 8006
            }
        }
        #expect(expected.count == 2)
        #expect(evidence.records == expected)
        #expect(summary.packetsWritten == 2 && summary.flows == 1 && summary.skippedLinkTypes.isEmpty)
        #expect(evidence.linkType == original.linkType && summary.linkType == "ethernet")
        #expect(original.format == .pcap && evidence.format == .pcap && !summary.nanosecond)
    }

    @Test("a mixed capture: only the flows with findings, with their ICMP error; nanoseconds kept")
    func mixedCapture() throws {
        let dir = temporaryDirectory("evidence")
        let c = Self.mixed()
        let input = try c.write(dir)
        let report = try OfflineAnalysis.run(paths: [input])
        // The premise: A and A2 have findings, B and the UDP do not.
        #expect(Self.tcpFindingPorts(report) == [8080, 8443])
        #expect(!report.findings.contains { $0.flow?.transport == "udp" || $0.flow?.server.port == 9000 })
        let out = dir + "/evidence.pcap"
        let summary = try OfflineAnalysis.writeEvidence(paths: [input], options: .init(), report: report, to: out)
        let evidence = try Self.read(out)
        let expected = c.records(["A", "A2", "A2 icmp"])
        #expect(expected.count == 4)                                          // SYN, RST; SYN, ICMP (and not N)
        #expect(evidence.records == expected)
        #expect(evidence.records.contains { $0.wireLength == $0.bytes.count + 6 })
        #expect(evidence.linkType == .ethernet && evidence.format == .pcapNanosecond && summary.nanosecond)
        #expect(summary.packetsWritten == 4 && summary.flows == 2)
        #expect(summary.description.hasPrefix("wrote 4 packets of 2 flows with findings to "))
    }

    @Test("the same BPF filter as the analysis: packets it rejects are not evidence")
    func filter() throws {
        let dir = temporaryDirectory("evidence")
        let c = Self.mixed()
        let input = try c.write(dir)
        let options = OfflineAnalysis.Options(filter: "not host 10.1.0.254")   // no ICMP errors
        // As the CLI does it: the filtered analysis no longer sees why A2 failed (one SYN, no finding).
        let report = try OfflineAnalysis.run(paths: [input], options: options)
        #expect(Self.tcpFindingPorts(report) == [8080])
        let out = dir + "/evidence.pcap"
        let summary = try OfflineAnalysis.writeEvidence(paths: [input], options: options, report: report, to: out)
        #expect(try Self.read(out).records == c.records(["A"]) && summary.packetsWritten == 2)
        // The filter is applied by the evidence pass itself: A2 selected, its ICMP error filtered out.
        let unfiltered = try OfflineAnalysis.run(paths: [input])
        _ = try OfflineAnalysis.writeEvidence(paths: [input], options: options, report: unfiltered, to: out)
        #expect(try Self.read(out).records == c.records(["A", "A2"]))
        #expect(c.records(["A", "A2"]).count == 3)
    }

    /// UDP client:50000 → server:9999 in fragments (F), and another fragmented flow between the
    /// same hosts (G, port 50001) whose findings are removed from the report.
    static func fragmented(v6: Bool) -> Capture {
        var c = Capture()
        let cl: Addr = v6 ? "fd00::1:1" : client, sv: Addr = v6 ? "fd00::2:2" : server
        func pieces(_ datagram: [UInt8], id: UInt32) -> [[UInt8]] {
            let cuts = v6 ? [0, 1448, 2896, datagram.count] : [0, 1480, 2960, datagram.count]
            return (0..<3).map { i in
                let piece = Array(datagram[cuts[i]..<cuts[i + 1]])
                if v6 {
                    return PB.ipv6(src: cl, dst: sv, proto: 17, payload: piece,
                                   extensions: [(44, PB.fragmentBody(offset: cuts[i], more: i < 2, id: id))])
                }
                return PB.ipv4(src: cl, dst: sv, proto: 17, payload: piece, id: UInt16(id), dontFragment: false,
                               moreFragments: i < 2, fragmentOffset: cuts[i])
            }
        }
        let f1 = PB.udpDatagram(src: cl, dst: sv, sport: 50000, dport: 9999, payload: Array(repeating: 0x61, count: 3000))
        let f2 = PB.udpDatagram(src: cl, dst: sv, sport: 50000, dport: 9999, payload: Array(repeating: 0x62, count: 3000))
        let g = PB.udpDatagram(src: cl, dst: sv, sport: 50001, dport: 9999, payload: Array(repeating: 0x63, count: 3000))
        let gPieces = pieces(g, id: 3)
        c.add(gPieces[0], "G")
        // F's first datagram arrives last piece first (as Linux sends them), G's interleaved.
        let p1 = pieces(f1, id: 1)
        c.add(p1[2], "F"); c.add(gPieces[2], "G"); c.add(p1[1], "F"); c.add(p1[0], "F")
        c.add(gPieces[1], "G")
        c.add(PB.udp(sv, 9999, cl, 50000, payload: [9]), "F")
        c.add(PB.udp("10.3.0.3", 6000, "10.3.0.4", 6000, payload: [1]), "U")
        for p in pieces(f2, id: 2) { c.add(p, "F") }
        return c
    }

    @Test("a fragmented datagram of the flow is written whole, even last piece first; another datagram between the same hosts is not",
          arguments: [false, true])
    func fragments(v6: Bool) throws {
        let dir = temporaryDirectory("evidence")
        let c = Self.fragmented(v6: v6)
        let input = try c.write(dir)
        var report = try OfflineAnalysis.run(paths: [input])
        #expect(report.findings.contains { $0.kind == .ipFragmented && $0.flow?.client?.port == 50000 })
        report.findings.removeAll { $0.flow?.client?.port == 50001 || $0.flow?.server.port == 50001 }
        #expect(!report.findings.isEmpty)
        let out = dir + "/evidence.pcap"
        let summary = try OfflineAnalysis.writeEvidence(paths: [input], options: .init(), report: report, to: out)
        let expected = c.records(["F"])
        #expect(expected.count == 7)
        #expect(try Self.read(out).records == expected)
        #expect(summary.packetsWritten == 7)
    }

    @Test("files of another link type are skipped and counted; files are read in time order")
    func mixedLinkTypes() throws {
        let dir = temporaryDirectory("evidence")
        let all = Self.mixed()
        // The first half as Ethernet, the rest (with A2) as raw IP, later in time.
        var eth = Capture(), raw = Capture(link: .rawLinux)
        let cut = all.tags.firstIndex(of: "A2")!
        for (i, f) in all.frames.enumerated() {
            if i < cut {
                eth.frames.append(f); eth.tags.append(all.tags[i])
            } else {
                raw.frames.append(CapturedFrame(Array(f.bytes.dropFirst(14)), time: f.time)); raw.tags.append(all.tags[i])
            }
        }
        let first = try eth.write(dir, "a.pcap"), second = try raw.write(dir, "b.pcap")
        let paths = [second, first]                                           // given out of order
        let report = try OfflineAnalysis.run(paths: paths)
        #expect(Self.tcpFindingPorts(report) == [8080, 8443])
        let out = dir + "/evidence.pcap"
        let summary = try OfflineAnalysis.writeEvidence(paths: paths, options: .init(), report: report, to: out)
        let evidence = try Self.read(out)
        #expect(evidence.linkType == .ethernet && summary.linkType == "ethernet")
        #expect(evidence.records == eth.records(["A", "A2", "A2 icmp"]))
        #expect(summary.skippedLinkTypes == ["raw"])
        #expect(summary.skippedFiles.map(\.path) == [second] && summary.packetsSkipped == 2)
    }

    @Test("capture-wide findings select nothing: an empty but valid pcap")
    func nothingSelected() throws {
        let dir = temporaryDirectory("evidence")
        let input = try Self.mixed().write(dir)
        var report = try OfflineAnalysis.run(paths: [input])
        report.findings = report.findings.filter { $0.flow == nil }
        let out = dir + "/evidence.pcap"
        let summary = try OfflineAnalysis.writeEvidence(paths: [input], options: .init(), report: report, to: out)
        #expect(summary.packetsWritten == 0 && summary.flows == 0)
        let back = try Self.read(out)
        #expect(back.records.isEmpty && back.linkType == .ethernet)
    }

    @Test("tshark reads the evidence: same packets, same nanosecond times", .enabled(if: tsharkPath != nil, "needs tshark"))
    func tsharkReadsIt() throws {
        let dir = temporaryDirectory("evidence")
        let c = Self.mixed()
        let input = try c.write(dir)
        let fixture = repositoryRoot.appendingPathComponent("Fixtures/refused-client.pcap").path
        for (path, expected) in [(input, c.records(["A", "A2", "A2 icmp"])), (fixture, nil)] {
            let report = try OfflineAnalysis.run(paths: [path])
            let out = dir + "/tshark-\(expected == nil ? "fixture" : "mixed").pcap"
            let summary = try OfflineAnalysis.writeEvidence(paths: [path], options: .init(), report: report, to: out)
            let lines = try Self.tshark(["-r", out, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch", "-e", "frame.len"])
            #expect(lines.count == Int(summary.packetsWritten) && summary.packetsWritten > 0)
            let numbers: [String] = lines.map { line in String(line.prefix { $0 != "\t" }) }
            let counted: [String] = (0..<lines.count).map { String($0 + 1) }
            #expect(numbers == counted)
            if let expected {
                for (line, rec) in zip(lines, expected) {
                    let f = line.split(separator: "\t").map(String.init)
                    let time = "\(rec.time / 1_000_000_000)." + String(String(rec.time % 1_000_000_000 + 1_000_000_000).dropFirst())
                    #expect(f.count == 3 && f[1] == time && f[2] == String(rec.wireLength))
                }
            }
        }
    }

    static func tshark(_ args: [String]) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tsharkPath!)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("an output in a missing directory, or over the input: a clean CaptureError, input untouched")
    func badOutput() throws {
        let dir = temporaryDirectory("evidence")
        let input = try Self.mixed().write(dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let report = try OfflineAnalysis.run(paths: [input])
        let missing = dir + "/no/such/dir/out.pcap"
        do {
            _ = try OfflineAnalysis.writeEvidence(paths: [input], options: .init(), report: report, to: missing)
            Issue.record("wrote to a missing directory")
        } catch {
            guard case .cannotWrite(let p, let m) = error else { Issue.record("\(error)"); return }
            #expect(p == missing && m == "No such file or directory")
            #expect(error.description == "\(missing): cannot write: No such file or directory")
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
        let overInput = #expect(throws: CaptureError.self) {
            try OfflineAnalysis.writeEvidence(paths: [input], options: .init(), report: report, to: input)
        }
        #expect(overInput?.description.contains("cannot write") == true && overInput?.description.contains("\n") == false)
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
    }
}
