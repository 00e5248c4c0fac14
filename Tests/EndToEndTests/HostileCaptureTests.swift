import Diagnosis
import Foundation
import FlowdoctorCore
import PacketDecoding
import Reporting
import TestSupport
import Testing

/// Captures an attacker could hand us, made with the builders and read through the whole pipeline
/// (libpcap, analysis, every report format). Each must end in a count or a finding, with any cap
/// it hit reported, and the reports must stay well-formed.
@Suite("Hostile captures") struct HostileCaptureTests {
    typealias B = PacketBuilder
    typealias T = TLSBuilder
    static let client: Addr = "10.0.0.1", server: Addr = "10.0.0.2"
    static let start: Int64 = 1_700_000_000_000_000_000

    /// The analysis of `frames` (Ethernet, or the given writer) and its text, JSON and HTML forms.
    struct Analysed {
        var report: Report
        var text: String
        var json: [String: Any]
        var html: String
        func only(_ k: FindingKind) -> [Finding] { report.findings.filter { $0.kind == k } }
        func malformed(_ layer: String, _ reason: String) -> UInt64 {
            report.capture.decode.malformed.first { $0.layer == layer && $0.reason == reason }?.count ?? 0
        }
    }

    static func analyse(_ bytes: [UInt8], _ tune: (inout OfflineAnalysis.Options) -> Void = { _ in }) throws -> Analysed {
        let path = temporaryDirectory("hostile") + "/h.pcap"
        try writeFile(path, bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var o = OfflineAnalysis.Options()
        tune(&o)
        let r = try OfflineAnalysis.run(paths: [path], options: o)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(JSONReport.bytes(r))) as? [String: Any])
        let html = HTMLReport.render(r)
        #expect(!html.contains("\u{1b}"))
        return Analysed(report: r, text: TextReport.render(r), json: json, html: html)
    }

    static func analyse(_ frames: [CapturedFrame], _ tune: (inout OfflineAnalysis.Options) -> Void = { _ in }) throws -> Analysed {
        try analyse(PCAPWriter(linkType: 1).bytes(frames), tune)
    }

    /// Ethernet frames of IP packets, 10 µs apart.
    static func frames(_ packets: [[UInt8]], from: Int64 = start) -> [CapturedFrame] {
        packets.enumerated().map { i, p in CapturedFrame(B.frame(.ethernet, p), time: from + Int64(i) * 10_000) }
    }

    // MARK: fragments

    @Test("a flood of fragment sets that never complete: bounded by the tracker's cap, and the cap is reported")
    func fragmentFlood() throws {
        var packets: [[UInt8]] = []
        for i in 0..<30_000 {
            let src: Addr = .v4([10, 2, UInt8(i >> 8 & 0xff), UInt8(i & 0xff)])
            packets.append(B.ipv4(src: src, dst: Self.server, proto: 17, payload: Array(repeating: 0x55, count: 64),
                                  id: UInt16(i & 0xffff), dontFragment: false, moreFragments: true, fragmentOffset: 0))
        }
        let a = try Self.analyse(Self.frames(packets)) { $0.analyzer.fragments.maxDatagrams = 4096 }
        let cap = try #require(a.only(.fragmentsIncomplete).first { $0.flow == nil })
        #expect(cap.evidence["trackerCap"] == .int(4096))
        #expect(cap.evidence["forcedOutByCap"] == .int(30_000 - 4096))
        #expect(a.report.capture.protocols["ipv4-fragment"] == 30_000)
        #expect(a.only(.fragmentsIncomplete).count <= a.report.thresholds.maxFindingsPerGroup + 1)
        #expect(a.text.contains("ip.fragments.incomplete"))
    }

    @Test("overlapping fragments with different bytes: an error finding, the datagram not trusted")
    func overlappingFragments() throws {
        let first = B.ipv4(src: Self.client, dst: Self.server, proto: 17, payload: Array(repeating: 0x41, count: 64), id: 77,
                           dontFragment: false, moreFragments: true, fragmentOffset: 0)
        // Starts inside the first piece (offset 32) with other bytes: the classic overlap attack.
        let second = B.ipv4(src: Self.client, dst: Self.server, proto: 17, payload: Array(repeating: 0x42, count: 64), id: 77,
                            dontFragment: false, moreFragments: false, fragmentOffset: 32)
        let a = try Self.analyse(Self.frames([first, second]))
        let f = try #require(a.only(.fragmentsOverlap).first)
        #expect(f.severity == .error)
        #expect(a.text.contains("ip.fragments.overlap"))
    }

    // MARK: TCP

    @Test("a SYN flood from 1,000,000 sources: one aggregate finding, the flow table bounded, evictions reported",
          .timeLimit(.minutes(3)))
    func millionSourceSYNFlood() throws {
        let n = 1_000_000
        let template = B.frame(.ethernet, B.tcp("10.0.0.0", 1024, Self.server, 443, flags: [.syn], seq: 1))
        let writer = PCAPWriter(linkType: 1)
        var file = writer.fileHeader()
        let record = writer.record(CapturedFrame(template, time: Self.start))
        file.reserveCapacity(file.count + n * record.count)
        // One record copied and patched per source (address in 10.0.0.0/8, port, time):
        // the builder per packet would take minutes in a debug build.
        let ipSource = 16 + 14 + 12, tcpSourcePort = 16 + 14 + 20, usec = 4
        record.withUnsafeBufferPointer { r in
            for i in 0..<n {
                let base = file.count
                file.append(contentsOf: r)
                let host = i + 1
                file[base + ipSource + 1] = UInt8(host >> 16 & 0xff)
                file[base + ipSource + 2] = UInt8(host >> 8 & 0xff)
                file[base + ipSource + 3] = UInt8(host & 0xff)
                let port = 1024 + i % 60_000
                file[base + tcpSourcePort] = UInt8(port >> 8)
                file[base + tcpSourcePort + 1] = UInt8(port & 0xff)
                let us = UInt32(i % 1_000_000)                                  // 1 µs apart, within one second
                for k in 0..<4 { file[base + usec + k] = UInt8(us >> (8 * UInt32(k)) & 0xff) }
            }
        }
        let a = try Self.analyse(file) { $0.analyzer.maxFlows = 65_536 }
        #expect(a.report.capture.packets == UInt64(n))
        let flood = a.only(.synFlood)
        #expect(flood.count == 1)
        #expect(flood.first?.flow?.server.port == 443)
        #expect(a.report.limits.peakHalfOpen <= 65_536)
        #expect(a.report.limits.flowsEvicted >= UInt64(n - 65_536))
        #expect(a.text.contains("limits     the flow table held 65536 flows"))
        #expect(a.report.findings.count < 100, "an aggregate, not a million lines")
        let limits = try #require(a.json["limits"] as? [String: Any])
        #expect((limits["flowsEvicted"] as? Int ?? 0) >= n - 65_536)
    }

    @Test("TCP options of length 0 and 1: counted as malformed, the segment still analysed")
    func tcpOptionLengths() throws {
        let c = Self.client, s = Self.server
        let packets = [
            B.tcp(c, 40000, s, 80, flags: [.syn], seq: 100, options: [.raw([2, 0, 0, 0])]),           // MSS, length 0
            B.tcp(s, 80, c, 40000, flags: [.syn, .ack], seq: 900, ack: 101, options: [.raw([3, 1, 0, 0])]),   // length 1
            B.tcp(c, 40000, s, 80, flags: [.ack], seq: 101, ack: 901),
        ]
        let a = try Self.analyse(Self.frames(packets))
        #expect(a.malformed("tcp-option", "bad-option-length") == 2)
        #expect(a.report.flows.first?.connState == "S1" || a.report.flows.first?.connState == "SF")
        let f = try #require(a.only(.decodeMalformed).first)
        #expect(f.frames == [1, 2])
        #expect(a.text.contains("malformed  tcp-option bad-option-length  2"))
    }

    // MARK: TLS

    @Test("TLS messages claiming 2^24 bytes and records past 2^14: counted, never buffered")
    func hugeTLSLengths() throws {
        let c = Self.client, s = Self.server
        var packets = [B.tcp(c, 40000, s, 443, flags: [.syn], seq: 100),
                       B.tcp(s, 443, c, 40000, flags: [.syn, .ack], seq: 900, ack: 101),
                       B.tcp(c, 40000, s, 443, flags: [.ack], seq: 101, ack: 901)]
        var seq: UInt32 = 101
        // A handshake message whose 24-bit length is 0xFFFFFF, then a record header claiming 65535
        // bytes (RFC 8446 5.1: at most 2^14 + 256), each followed by some bytes.
        for payload in [T.record(body: [1, 0xFF, 0xFF, 0xFF] + Array(repeating: 0, count: 200)),
                        [22, 3, 3, 0xFF, 0xFF] + Array(repeating: 0, count: 1000)] {
            packets.append(B.tcp(c, 40000, s, 443, flags: [.ack, .psh], seq: seq, ack: 901, payload: payload))
            seq &+= UInt32(payload.count)
        }
        let a = try Self.analyse(Self.frames(packets))
        let tls = a.report.capture.decode.malformed.filter { $0.layer == "tls" }
        #expect(!tls.isEmpty, "\(a.report.capture.decode.malformed)")
        #expect(a.only(.decodeMalformed).count == 1)
        #expect(a.text.contains("malformed  tls"))
    }

    // MARK: ICMP

    @Test("an ICMP error quoting an ICMP error: counted as malformed, attached to nothing")
    func icmpAboutICMP() throws {
        let c = Self.client, s = Self.server
        let syn = B.tcp(c, 40000, s, 80, flags: [.syn], seq: 100)
        let unreachable = B.ipv4(src: s, dst: c, proto: 1, payload: B.icmpv4(type: 3, code: 3, body: syn))
        // A time-exceeded about that unreachable, and an IPv6 one about a packet-too-big.
        let aboutIt = B.ipv4(src: "10.0.0.254", dst: s, proto: 1, payload: B.icmpv4(type: 11, code: 0, body: unreachable))
        let c6: Addr = "fd00::1", s6: Addr = "fd00::2"
        let ptb = B.ipv6(src: s6, dst: c6, proto: 58, payload: B.icmpv6(src: s6, dst: c6, type: 2, code: 0, rest: 1280, body: B.tcp(c6, 1, s6, 2, flags: [.ack])))
        let about6 = B.ipv6(src: "fd00::fe", dst: s6, proto: 58, payload: B.icmpv6(src: "fd00::fe", dst: s6, type: 1, code: 0, body: ptb))
        let a = try Self.analyse(Self.frames([syn, unreachable, aboutIt, ptb, about6]))
        #expect(a.malformed("icmp", "error-about-icmp-error") == 1)
        #expect(a.malformed("icmpv6", "error-about-icmp-error") == 1)
        // The real unreachable still explains the SYN; the one about it adds nothing.
        #expect(a.only(.handshakeUnreachable).count == 1)
        #expect(a.only(.icmpTTLExceeded).isEmpty)
        #expect(a.only(.decodeMalformed).first?.frames == [3, 5])
    }

    // MARK: IPv6

    @Test("an IPv6 chain of 100 extension headers stops at the cap and is counted")
    func extensionChain() throws {
        let c6: Addr = "fd00::1", s6: Addr = "fd00::2"
        let seg = B.tcpSegment(src: c6, dst: s6, sport: 40000, dport: 80, flags: [.syn])
        let chain = Array(repeating: (type: UInt8(60), body: [UInt8]()), count: 100)
        let p = B.ipv6(src: c6, dst: s6, proto: 6, payload: seg, extensions: chain)
        let a = try Self.analyse(Self.frames([p, p]))
        #expect(a.malformed("ipv6-ext", "extension-chain-too-long") == 2)
        #expect(a.report.flows.isEmpty, "nothing past the cap is trusted")
        #expect(a.only(.decodeMalformed).first?.evidence["total"] == .int(2))
    }

    // MARK: DNS

    @Test("DNS names with compression loops, forward pointers and too many labels: counted, never followed")
    func dnsCompressionLoops() throws {
        func dns(_ id: UInt8, _ question: [UInt8]) -> [UInt8] { [0, id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + question }
        let c = Self.client, s = Self.server
        let messages = [
            dns(1, [0xC0, 12, 0, 1, 0, 1]),                                            // points at itself
            dns(2, [1, 0x61, 0xC0, 14, 0, 1, 0, 1]),                                   // a label, then back to it
            dns(3, [0xC0, 40, 0, 1, 0, 1] + Array(repeating: 0, count: 40)),           // points forward
            dns(4, Array(repeating: [63] + Array(repeating: 0x61, count: 63), count: 5).flatMap { $0 } + [0, 0, 1, 0, 1]),
        ]
        let a = try Self.analyse(Self.frames(messages.map { B.udp(c, 40053, s, 53, payload: $0) }))
        #expect(a.malformed("dns", "bad-length") == 4, "\(a.report.capture.decode.malformed)")
        #expect(a.report.findings.filter { $0.kind.rawValue.hasPrefix("dns.") }.isEmpty)
    }

    // MARK: the file itself

    @Test("caplen larger than the file's snaplen, or than the wire length: read as libpcap allows, counted")
    func caplenPastSnaplen() throws {
        let p = B.tcp(Self.client, 40000, Self.server, 80, flags: [.syn], seq: 100)
        let frame = B.frame(.ethernet, p)
        let w = PCAPWriter(linkType: 1, snaplen: 40)
        // Records claim their full 54 bytes against a snaplen of 40; the second also says it was
        // shorter on the wire than captured.
        let bytes = w.fileHeader() + w.record(CapturedFrame(frame, time: Self.start))
            + w.record(CapturedFrame(frame, time: Self.start + 1000, wireLength: 20))
        let a = try Self.analyse(bytes)
        #expect(a.report.capture.packets == 2)
        #expect(a.report.capture.files.first?.truncated == false)
        // libpcap keeps the snaplen's 40 bytes of each; the first is then cut short, the second a
        // record that captured more than the wire carried; the TCP headers are both cut.
        #expect(a.report.capture.capturedBytes == 80)
        #expect(a.report.capture.snaplenCutPackets == 1)
        #expect(a.malformed("link", "bad-length") == 1)
        #expect(a.report.capture.decode.truncated.first { $0.layer == "tcp" }?.count == 2)
        #expect(a.text.contains("malformed  link bad-length  1"))
        // A record claiming more than any snaplen (libpcap's 256 KiB maximum) ends the file there.
        var huge = w.fileHeader() + w.record(CapturedFrame(frame, time: Self.start))
        var bad = w.record(CapturedFrame(frame, time: Self.start + 1000))
        bad[8] = 0xFF; bad[9] = 0xFF; bad[10] = 0xFF; bad[11] = 0x7F                  // caplen 2^31 - 1
        huge += bad
        let h = try Self.analyse(huge)
        #expect(h.report.capture.packets == 1)
        #expect(h.report.capture.truncated)
        #expect(h.text.contains("TRUNCATED"))
    }

    // MARK: output safety

    /// Terminal control (ESC sequences, BEL, NUL, C1 CSI), markup, quotes and bytes that are not UTF-8.
    static let hostileName: [UInt8] = Array("x\u{1b}]0;pwned\u{7}\u{1b}[31m<script>alert(1)</script>\"'&".utf8) + [0x00, 0x9b, 0xff, 0xfe, 0x41]

    /// Checks the three outputs of a report holding hostile strings.
    static func checkSafe(_ a: Analysed, mustMention needle: String) throws {
        let md = MarkdownReport.render(a.report)
        for bad in ["\u{1b}", "\u{7}", "\u{0}", "\u{9b}"] {
            #expect(!a.text.contains(bad), "raw control character in the text report")
            #expect(!a.html.contains(bad), "raw control character in the HTML report")
            #expect(!md.contains(bad), "raw control character in the Markdown report")
        }
        #expect(!md.contains("<script>"))
        #expect(!a.html.contains("<script>alert"))
        #expect(a.text.contains(needle) && a.html.contains(needle))
        let json = JSONReport.bytes(a.report)
        #expect(String(validating: json, as: UTF8.self) != nil, "the JSON is valid UTF-8")
        #expect(!json.contains(0x1b) && !json.contains(0x07) && !json.contains(0x00), "control characters escaped in JSON")
    }

    @Test("a hostile SNI in a ClientHello that is reset: escaped in text and HTML, valid UTF-8 JSON")
    func hostileSNI() throws {
        let c = Self.client, s = Self.server
        // The SNI's bytes as they came, not as a Swift string would make them.
        let sni = T.serverNameData([(type: 0, name: Self.hostileName)])
        let record = T.record(body: T.clientHello(extraExtensions: [(type: 0, data: sni)]))
        let packets = [B.tcp(c, 40000, s, 443, flags: [.syn], seq: 100),
                       B.tcp(s, 443, c, 40000, flags: [.syn, .ack], seq: 900, ack: 101),
                       B.tcp(c, 40000, s, 443, flags: [.ack], seq: 101, ack: 901),
                       B.tcp(c, 40000, s, 443, flags: [.ack, .psh], seq: 101, ack: 901, payload: record),
                       B.tcp(s, 443, c, 40000, flags: [.rst, .ack], seq: 901, ack: 101 + UInt32(record.count))]
        let a = try Self.analyse(Self.frames(packets))
        #expect(a.report.capture.decode.malformed.isEmpty, "\(a.report.capture.decode.malformed)")
        let names = a.report.services.flatMap { $0.tls?.serverNames ?? [] }
        #expect(names.count == 1 && names[0].contains("pwned"), "\(names)")
        #expect(!a.report.findings.isEmpty)
        try Self.checkSafe(a, mustMention: "pwned")
    }

    @Test("a hostile DNS name that is never answered: escaped in text and HTML, valid UTF-8 JSON")
    func hostileDNSName() throws {
        let label = Self.hostileName
        let question = [UInt8(label.count)] + label + [7] + Array("example".utf8) + [0, 0, 1, 0, 1]
        let query = [0, 9, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + question
        var frames: [CapturedFrame] = []
        for i in 0..<3 {
            frames.append(CapturedFrame(B.frame(.ethernet, B.udp(Self.client, 40053, Self.server, 53, payload: query)),
                                        time: Self.start + Int64(i) * 1_000_000_000))
        }
        frames.append(CapturedFrame(B.frame(.ethernet, B.udp("192.0.2.1", 1, "192.0.2.2", 2, payload: [1])),
                                    time: Self.start + 30_000_000_000))
        let a = try Self.analyse(frames)
        let f = try #require(a.only(.dnsUnanswered).first)
        guard case .string(let qname)? = f.evidence["qname"] else { Issue.record("no qname"); return }
        #expect(qname.contains("pwned") && qname.hasSuffix(".example"))
        try Self.checkSafe(a, mustMention: "pwned")
    }
}
