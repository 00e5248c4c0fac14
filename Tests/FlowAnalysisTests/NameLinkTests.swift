import Diagnosis
import PacketDecoding
import Reporting
import TestSupport
import Testing

/// DNS, ICMP and ARP on crafted packets: the other reasons a client never connects.
@Suite("DNS, ICMP and ARP") struct NameLinkTests {
    static func name(_ n: String) -> [UInt8] { n.split(separator: ".").flatMap { [UInt8($0.count)] + Array($0.utf8) } + [0] }

    /// A DNS message: header, one question (or raw `question` bytes), `answers` claimed.
    static func dns(id: UInt16, response: Bool = false, rcode: UInt8 = 0, tc: Bool = false, qname: String = "app.example",
                    qtype: UInt16 = 1, question: [UInt8]? = nil, answers: UInt16 = 0) -> [UInt8] {
        let flags: UInt16 = (response ? 0x8000 : 0) | (tc ? 0x0200 : 0) | 0x0100 | UInt16(rcode)
        let q = question ?? (name(qname) + [UInt8(qtype >> 8), UInt8(qtype & 0xff), 0, 1])
        return [UInt8(id >> 8), UInt8(id & 0xff), UInt8(flags >> 8), UInt8(flags & 0xff), 0, 1, UInt8(answers >> 8), UInt8(answers & 0xff), 0, 0, 0, 0] + q
    }

    func query(_ s: inout Scenario, _ msg: [UInt8]) { s.add(B.udp(s.client, 40053, s.server, 53, payload: msg)) }
    func answer(_ s: inout Scenario, _ msg: [UInt8]) { s.add(B.udp(s.server, 53, s.client, 40053, payload: msg), fromClient: false) }

    @Test("retries of one question are one unanswered transaction") func unanswered() throws {
        var s = Scenario()
        for id in [1, 2, 3] as [UInt16] { query(&s, Self.dns(id: id)); s.wait(1) }
        let r = try s.analyze()
        let f = try #require(r.only(.dnsUnanswered).first)
        #expect(r.only(.dnsUnanswered).count == 1)
        #expect(f.evidence["queries"] == .int(3) && f.evidence["qname"] == .string("app.example") && f.flow?.server.port == 53)
        #expect(r.services.first { $0.port == 53 }?.dns?.answered == 0)
    }

    @Test("NXDOMAIN is a warning, SERVFAIL an error, a late answer slow") func answers() throws {
        var s = Scenario()
        query(&s, Self.dns(id: 7, qname: "gone.example")); answer(&s, Self.dns(id: 7, response: true, rcode: 3, qname: "gone.example"))
        query(&s, Self.dns(id: 8, qname: "broken.example")); answer(&s, Self.dns(id: 8, response: true, rcode: 2, qname: "broken.example"))
        query(&s, Self.dns(id: 9, qname: "far.example")); s.wait(1.5)
        answer(&s, Self.dns(id: 9, response: true, qname: "far.example", answers: 1))
        let r = try s.analyze()
        let errors = r.only(.dnsError)
        #expect(errors.first { $0.evidence["rcode"] == .string("NXDOMAIN") }?.severity == .warning)
        #expect(errors.first { $0.evidence["rcode"] == .string("SERVFAIL") }?.severity == .error)
        #expect(r.only(.dnsSlow).first?.evidence["qname"] == .string("far.example"))
        let d = try #require(r.services.first { $0.port == 53 }?.dns)
        #expect(d.queries == 3 && d.answered == 3 && d.answerRatePercent == 100)
    }

    @Test("DNS over TCP: a length-prefixed query and its SERVFAIL") func overTCP() throws {
        var s = Scenario()
        s.sport = 53
        s.handshake()
        let q = Self.dns(id: 21, qname: "tcp.example"), a = Self.dns(id: 21, response: true, rcode: 2, qname: "tcp.example")
        s.add(B.tcp(s.client, s.cport, s.server, 53, flags: [.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1,
                    payload: [0, UInt8(q.count)] + q))
        s.add(B.tcp(s.server, 53, s.client, s.cport, flags: [.ack, .psh], seq: s.sisn + 1, ack: s.cisn + 1 + UInt32(q.count + 2),
                    payload: [0, UInt8(a.count)] + a), fromClient: false)
        let r = try s.analyze()
        let f = try #require(r.only(.dnsError).first)
        #expect(f.evidence["transport"] == .string("tcp") && f.evidence["qname"] == .string("tcp.example"))
    }

    @Test("hostile names: compression loops and forward pointers are malformed, never followed") func hostileNames() throws {
        var s = Scenario()
        // A name that points at itself (offset 12), one that points forward, and one too long.
        query(&s, Self.dns(id: 31, question: [0xC0, 12, 0, 1, 0, 1]))
        query(&s, Self.dns(id: 32, question: [0xC0, 40, 0, 1, 0, 1] + Array(repeating: 0, count: 40)))
        query(&s, Self.dns(id: 33, question: Array(repeating: [63] + Array(repeating: 0x61, count: 63), count: 5).flatMap { $0 } + [0, 0, 1, 0, 1]))
        let r = try s.analyze()
        #expect(r.findings.filter { $0.kind.rawValue.hasPrefix("dns.") }.isEmpty)
    }

    @Test("a truncated (TC) answer is counted for its server") func truncatedAnswer() throws {
        var s = Scenario()
        query(&s, Self.dns(id: 41, qname: "big.example")); answer(&s, Self.dns(id: 41, response: true, tc: true, qname: "big.example"))
        let r = try s.analyze()
        #expect(r.services.first { $0.port == 53 }?.dns?.truncatedAnswers == 1)
    }

    @Test("ARP: unanswered requests, and one address claimed by two MACs") func arp() throws {
        var s = Scenario()
        for _ in 0..<3 {
            s.frames.append(CapturedFrame(B.frame(.ethernet, B.arp(op: 1, senderMAC: B.clientMAC, senderIP: "10.0.0.1", targetMAC: 0,
                                                                    targetIP: "10.0.0.99"), etherType: 0x0806,
                                                  src: B.clientMAC, dst: 0xFFFF_FFFF_FFFF), time: s.t))
            s.wait(1)
        }
        for mac: UInt64 in [0x02_00_00_00_00_0A, 0x02_00_00_00_00_0B] {
            s.frames.append(CapturedFrame(B.frame(.ethernet, B.arp(op: 2, senderMAC: mac, senderIP: "10.0.0.50", targetMAC: B.clientMAC,
                                                                    targetIP: "10.0.0.1"), etherType: 0x0806,
                                                  src: mac, dst: B.clientMAC), time: s.t))
            s.wait(0.1)
        }
        let r = try s.analyze()
        #expect(r.only(.arpUnanswered).first?.evidence["requests"] == .int(3))
        let c = try #require(r.only(.arpConflict).first)
        guard case .array(let macs)? = c.evidence["macs"] else { Issue.record("no MACs"); return }
        #expect(macs.count == 2 && c.evidence["address"] == .string("10.0.0.50"))
    }

    @Test("a connection that fails just after the client's DNS lookup failed is told with the lookup first") func correlated() throws {
        var s = Scenario()
        query(&s, Self.dns(id: 51, qname: "shop.example")); answer(&s, Self.dns(id: 51, response: true, rcode: 2, qname: "shop.example"))
        s.wait(0.5)
        s.c([.syn]); s.s([.rst, .ack], seq: 0, ack: s.cisn + 1)
        let r = try s.analyze()
        let f = try #require(r.only(.handshakeRefused).first)
        #expect(f.summary.hasPrefix("After this client's DNS lookup of shop.example failed (SERVFAIL)"))
        #expect(f.evidence["precededByDNS"] != nil)
    }

    @Test("the same packets seen again with a lower TTL: a routing loop, without any ICMP") func loop() throws {
        var s = Scenario()
        // A SYN going round a loop past the capture point: TTL 60, 58, 56…
        for ttl: UInt8 in [60, 58, 56, 54] {
            s.add(B.tcp(s.client, s.cport, s.server, s.sport, flags: [.syn], seq: s.cisn, ttl: ttl))
        }
        let r = try s.analyze()
        let f = try #require(r.only(.icmpTTLExceeded).first)
        #expect(f.evidence["loopedPackets"] == .int(3))
    }

    @Test("ICMP time exceeded about a flow's packets: a routing loop or a path too long") func ttlExceeded() throws {
        var s = Scenario()
        let datagram = B.udp(s.client, 40000, s.server, 33434, payload: Array(repeating: 0, count: 20), ttl: 1)
        s.add(datagram)
        s.add(B.ipv4(src: "192.0.2.1", dst: s.client, proto: 1, payload: B.icmpv4(type: 11, code: 0, body: Array(datagram.prefix(28)))),
              fromClient: false)
        let r = try s.analyze()
        let f = try #require(r.only(.icmpTTLExceeded).first)
        #expect(f.evidence["reporter"] == .string("192.0.2.1") && f.flow?.server.port == 33434)
    }
}
