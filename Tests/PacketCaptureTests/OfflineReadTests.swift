import FlowAnalysis
import FlowdoctorCore
import PacketCapture
import PacketDecoding
import Reporting
import TestSupport
import Testing

typealias B = PacketBuilder
let c4: Addr = "10.1.0.1", s4: Addr = "10.1.0.2"
let c6: Addr = "fd01::1", s6: Addr = "fd01::2"
let t0: Int64 = 1_700_000_000_123_456_789

/// A short TCP exchange plus UDP, ICMP and ARP, as IP packets.
func conversation(v6: Bool = false) -> [[UInt8]] {
    let (c, s) = v6 ? (c6, s6) : (c4, s4)
    return [
        B.tcp(c, 40000, s, 80, flags: [.syn], seq: 100, options: [.mss(1460)]),
        B.tcp(s, 80, c, 40000, flags: [.syn, .ack], seq: 500, ack: 101, options: [.mss(1460)]),
        B.tcp(c, 40000, s, 80, flags: [.ack], seq: 101, ack: 501),
        B.tcp(c, 40000, s, 80, flags: [.ack, .psh], seq: 101, ack: 501, payload: Array("GET / HTTP/1.0\r\n\r\n".utf8)),
        B.udp(c, 5353, s, 53, payload: [0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ]
}

func frames(_ packets: [[UInt8]], link: LinkType, step: Int64 = 1_000_000) -> [CapturedFrame] {
    packets.enumerated().map { i, p in CapturedFrame(B.frame(link, p), time: t0 + Int64(i) * step) }
}

@Suite("Reading capture files") struct OfflineReadTests {
    struct LinkCase: Sendable, CustomTestStringConvertible {
        let dlt: Int32
        let expectedName: String
        var testDescription: String { "DLT \(dlt)" }
    }
    static let links: [LinkCase] = [
        .init(dlt: 1, expectedName: "ethernet"), .init(dlt: 113, expectedName: "linux-sll"),
        .init(dlt: 276, expectedName: "linux-sll2"), .init(dlt: 0, expectedName: "null"),
        .init(dlt: 108, expectedName: "loop"), .init(dlt: 101, expectedName: "raw"),
        .init(dlt: 228, expectedName: "raw-ipv4"), .init(dlt: 229, expectedName: "raw-ipv6"),
        .init(dlt: 12, expectedName: "raw"), .init(dlt: 14, expectedName: "raw"),
    ]

    @Test("one end-to-end file per link type", arguments: links)
    func linkType(_ c: LinkCase) throws {
        let dir = temporaryDirectory()
        let link = LinkType(rawValue: c.dlt)
        let v6 = c.dlt == 229
        let packets = c.dlt == 228 ? conversation() : (v6 ? conversation(v6: true) : conversation() + conversation(v6: true))
        let path = dir + "/link.pcap"
        try PCAPWriter(linkType: c.dlt).write(frames(packets, link: link), to: path)
        let r = try OfflineAnalysis.run(paths: [path])
        #expect(r.capture.packets == UInt64(packets.count))
        #expect(r.capture.linkTypes == [c.expectedName])
        #expect(r.capture.decode.malformed.isEmpty && r.capture.decode.truncated.isEmpty)
        let perStack = UInt64(c.dlt == 228 || v6 ? 1 : 2)
        #expect(r.capture.protocols["tcp"] == 4 * perStack)
        #expect(r.capture.protocols["udp"] == perStack)
        #expect(r.capture.truncated == false)
    }

    @Test("802.1Q and QinQ frames are counted as VLAN and decoded") func vlan() throws {
        let path = temporaryDirectory() + "/vlan.pcap"
        let fs = conversation().enumerated().map { i, p in CapturedFrame(B.frame(.ethernet, p, vlans: i % 2 == 0 ? [10] : [10, 20]), time: t0) }
        try PCAPWriter(linkType: 1).write(fs, to: path)
        let r = try OfflineAnalysis.run(paths: [path])
        #expect(r.capture.protocols["vlan"] == 5 && r.capture.protocols["tcp"] == 4)
    }

    struct FormatCase: Sendable, CustomTestStringConvertible {
        let pcapng: Bool, nano: Bool, bigEndian: Bool
        var testDescription: String { "\(pcapng ? "pcapng" : "pcap") \(nano ? "ns" : "µs") \(bigEndian ? "big" : "little")-endian" }
    }
    static let formats: [FormatCase] = [false, true].flatMap { ng in [false, true].flatMap { ns in [false, true].map { be in FormatCase(pcapng: ng, nano: ns, bigEndian: be) } } }

    @Test("pcap and pcapng, µs and ns, both byte orders", arguments: formats)
    func format(_ c: FormatCase) throws {
        let path = temporaryDirectory() + (c.pcapng ? "/f.pcapng" : "/f.pcap")
        let fs = frames(conversation(), link: .ethernet, step: 1_500)
        if c.pcapng { try PCAPNGWriter(linkType: 1, nanosecond: c.nano, bigEndian: c.bigEndian).write(fs, to: path) }
        else { try PCAPWriter(linkType: 1, nanosecond: c.nano, bigEndian: c.bigEndian).write(fs, to: path) }
        let r = try OfflineAnalysis.run(paths: [path])
        #expect(r.capture.packets == 5)
        #expect(r.capture.files.first?.format == (c.pcapng ? "pcapng" : (c.nano ? "pcap-ns" : "pcap")))
        // Nanosecond files keep every digit; microsecond files keep microseconds.
        #expect(r.capture.firstTime == (c.nano ? "2023-11-14T22:13:20.123456789Z" : "2023-11-14T22:13:20.123456Z"))
        #expect(r.capture.lastTime == (c.nano ? "2023-11-14T22:13:20.123462789Z" : "2023-11-14T22:13:20.123462Z"))
        #expect(r.capture.protocols["tcp"] == 4)
    }

    @Test("several files are one capture, ordered by their first packet") func severalFiles() throws {
        let dir = temporaryDirectory()
        let early = frames(conversation(), link: .ethernet)
        let late = early.map { CapturedFrame($0.bytes, time: $0.time + 60_000_000_000) }
        try PCAPWriter(linkType: 1).write(late, to: dir + "/a-late.pcap")
        try PCAPWriter(linkType: 113).write(frames(conversation(), link: .linuxSLL), to: dir + "/b-early.pcap")
        let r = try OfflineAnalysis.run(paths: [dir + "/a-late.pcap", dir + "/b-early.pcap"])
        #expect(r.capture.files.map(\.path) == [dir + "/b-early.pcap", dir + "/a-late.pcap"])
        #expect(r.capture.packets == 10)
        #expect(r.capture.linkTypes == ["linux-sll", "ethernet"])
        #expect(r.capture.timestampsOutOfOrder == 0)
        #expect(r.capture.durationSeconds > 59.9 && r.capture.durationSeconds < 60.1)
    }

    @Test("a BPF filter selects packets but frames keep counting") func filter() throws {
        let path = temporaryDirectory() + "/f.pcap"
        try PCAPWriter(linkType: 1).write(frames(conversation(), link: .ethernet), to: path)
        let r = try OfflineAnalysis.run(paths: [path], options: .init(filter: "udp port 53"))
        #expect(r.capture.packets == 5)
        #expect(r.capture.analyzedPackets == 1)
        #expect(r.capture.protocols["udp"] == 1 && r.capture.protocols["tcp"] == nil)
        #expect(r.capture.filter == "udp port 53")
    }

    @Test func invalidFilter() throws {
        let path = temporaryDirectory() + "/f.pcap"
        try PCAPWriter(linkType: 1).write(frames(conversation(), link: .ethernet), to: path)
        #expect {
            _ = try OfflineAnalysis.run(paths: [path], options: .init(filter: "tcp port banana"))
        } throws: { e in
            guard case .invalidFilter(let f, let m) = e as? CaptureError else { return false }
            return f == "tcp port banana" && !m.isEmpty
        }
    }

    @Test("a file cut mid-packet is analysed up to the cut and reported truncated") func truncatedFile() throws {
        let dir = temporaryDirectory()
        let bytes = PCAPWriter(linkType: 1).bytes(frames(conversation(), link: .ethernet))
        for cut in [bytes.count - 3, bytes.count - 60] {
            try writeFile(dir + "/cut.pcap", Array(bytes.prefix(cut)))
            let r = try OfflineAnalysis.run(paths: [dir + "/cut.pcap"])
            #expect(r.capture.truncated)
            #expect(r.capture.packets == 4)
            #expect(r.capture.files[0].readError?.contains("truncated") == true)
        }
        let ng = PCAPNGWriter(linkType: 1).bytes(frames(conversation(), link: .ethernet))
        try writeFile(dir + "/cut.pcapng", Array(ng.prefix(ng.count - 10)))
        let r = try OfflineAnalysis.run(paths: [dir + "/cut.pcapng"])
        #expect(r.capture.truncated && r.capture.packets == 4)
    }

    @Test("snaplen-cut packets are counted, and their missing layers are truncation") func snaplen() throws {
        let path = temporaryDirectory() + "/s.pcap"
        let fs = frames(conversation(), link: .ethernet).map { CapturedFrame(Array($0.bytes.prefix(40)), time: $0.time, wireLength: $0.bytes.count) }
        try PCAPWriter(linkType: 1, snaplen: 40).write(fs, to: path)
        let r = try OfflineAnalysis.run(paths: [path])
        #expect(r.capture.snaplenCutPackets == 5)
        #expect(r.capture.decode.malformed.isEmpty)
        #expect(r.capture.decode.truncated.first?.layer == "tcp")
        #expect(r.capture.bytes > r.capture.capturedBytes)
    }

    @Test("malformed packets are counted by layer and reason and raise decode.malformed") func malformed() throws {
        let path = temporaryDirectory() + "/m.pcap"
        var bad = B.tcp(c4, 1, s4, 2, flags: [.syn])
        bad[32] = 0x20                                                          // data offset 2 words
        let fs = [CapturedFrame(B.frame(.ethernet, bad), time: t0), CapturedFrame(B.frame(.ethernet, conversation()[0]), time: t0 + 1),
                  CapturedFrame(B.frame(.ethernet, [0x46, 0, 0, 20] + Array(repeating: 0, count: 16)), time: t0 + 2)]
        try PCAPWriter(linkType: 1).write(fs, to: path)
        let r = try OfflineAnalysis.run(paths: [path])
        #expect(r.capture.decode.malformed.contains(DecodeCounter(layer: "tcp", reason: "bad-data-offset", count: 1)))
        #expect(r.capture.decode.malformed.contains(DecodeCounter(layer: "ipv4", reason: "total-length-less-than-header", count: 1)))
        let f = r.findings.first { $0.kind == .decodeMalformed }
        #expect(f?.frames == [1, 3])
        #expect(f?.flow == nil)
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        let name: String
        let make: @Sendable (String) throws -> String
        let check: @Sendable (CaptureError) -> Bool
        var testDescription: String { name }
    }
    static let badInputs: [BadInput] = [
        .init(name: "missing file", make: { $0 + "/nope.pcap" }, check: { if case .noSuchFile = $0 { true } else { false } }),
        .init(name: "directory", make: { $0 }, check: { if case .isDirectory = $0 { true } else { false } }),
        .init(name: "empty file", make: { try writeFile($0 + "/e.pcap", []); return $0 + "/e.pcap" },
              check: { if case .emptyFile = $0 { true } else { false } }),
        .init(name: "text file", make: { try writeFile($0 + "/t.pcap", Array("hello, this is not a capture\n".utf8)); return $0 + "/t.pcap" },
              check: { if case .notACapture = $0 { true } else { false } }),
        .init(name: "header cut short", make: { try writeFile($0 + "/h.pcap", Array(PCAPWriter(linkType: 1).fileHeader().prefix(10))); return $0 + "/h.pcap" },
              check: { if case .notACapture = $0 { true } else { false } }),
        .init(name: "unsupported link type (USB)", make: { try PCAPWriter(linkType: 189).write([], to: $0 + "/u.pcap"); return $0 + "/u.pcap" },
              check: { if case .unsupportedLinkType(_, 189, _) = $0 { true } else { false } }),
    ]

    @Test(arguments: badInputs) func badInput(_ c: BadInput) throws {
        let path = try c.make(temporaryDirectory())
        #expect { _ = try OfflineAnalysis.run(paths: [path]) } throws: { e in
            guard let ce = e as? CaptureError else { return false }
            return c.check(ce) && !ce.description.contains("\n")
        }
    }
}
