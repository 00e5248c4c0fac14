import Diagnosis
import PacketDecoding
import Reporting
import TestSupport
import Testing

@Suite("TCP handshakes") struct HandshakeTests {
    @Test("SYNs with no reply: one unanswered finding with retry intervals") func unanswered() throws {
        var s = Scenario()
        s.c([.syn]); s.wait(1); s.c([.syn]); s.wait(2); s.c([.syn]); s.wait(4)
        let r = try s.analyze()
        let f = try #require(r.only(.handshakeUnanswered).first)
        #expect(r.findings.count == 1)
        #expect(f.severity == .error)
        #expect(f.frames == [1, 2, 3])
        #expect(f.evidence["synCount"] == .int(3))
        #expect(f.evidence["exponentialBackoff"] == .bool(true))
        #expect(f.flow?.server == Endpoint(ip: "10.0.0.2", port: 80))
        #expect(f.flow?.client == Endpoint(ip: "10.0.0.1", port: 40000))
        #expect(f.filter.contains("tcp.port==80"))
        #expect(r.flows.first?.connState == "S0")
        #expect(r.flows.first?.history == "S")
        #expect(r.services.first?.failed["unanswered"] == 1)
    }

    @Test("near miss: one SYN just before the capture ends is not yet unanswered") func pending() throws {
        var s = Scenario()
        s.c([.syn]); s.wait(0.5)
        let r = try s.analyze()
        #expect(r.findings.isEmpty)
        #expect(r.flows.first?.outcome == "pending")
    }

    @Test("refused: SYN answered by RST/ACK; retries of one attempt are one finding") func refused() throws {
        var s = Scenario()
        for _ in 0..<3 { s.c([.syn]); s.s([.rst, .ack], seq: 0, ack: s.cisn + 1); s.wait(0.5) }
        let r = try s.analyze()
        #expect(r.kinds() == ["tcp.handshake.refused"])
        let f = r.findings[0]
        #expect(f.evidence["synCount"] == .int(3))
        #expect(f.evidence["rstValidity"] == .string("exact"))
        #expect(f.frames.contains(2))
        #expect(r.flows.count == 1 && r.flows[0].connState == "REJ")
        #expect(r.services.first?.failed["refused"] == 1)
    }

    @Test("unreachable: the SYN is answered by an ICMP error that quotes it") func unreachable() throws {
        var s = Scenario()
        s.c([.syn])
        let syn = B.tcp(s.client, s.cport, s.server, s.sport, flags: [.syn], seq: s.cisn)
        s.add(B.ipv4(src: "10.0.0.254", dst: s.client, proto: 1, payload: B.icmpv4(type: 3, code: 13, body: syn), ttl: 64), fromClient: false)
        s.wait(5)
        let r = try s.analyze()
        let f = try #require(r.only(.handshakeUnreachable).first)
        #expect(r.findings.count == 1)
        #expect(f.evidence["icmpName"] == .string("communication administratively prohibited"))
        #expect(f.evidence["reportedBy"] == .string("10.0.0.254"))
        #expect(f.frames == [1, 2])
    }

    @Test("unreachable over IPv6: admin-prohibited quoting the SYN") func unreachable6() throws {
        var s = Scenario(v6: true)
        s.c([.syn])
        let syn = B.tcp(s.client, s.cport, s.server, s.sport, flags: [.syn], seq: s.cisn)
        s.add(B.ipv6(src: "fd00::fe", dst: s.client, proto: 58, payload: B.icmpv6(src: "fd00::fe", dst: s.client, type: 1, code: 1, body: syn)), fromClient: false)
        let r = try s.analyze()
        #expect(r.only(.handshakeUnreachable).first?.evidence["icmpName"] == .string("administratively prohibited"))
        #expect(r.only(.handshakeUnreachable).first?.flow?.server.ip == "fd00::2")
    }

    @Test("incomplete: SYN-ACK resent and never acknowledged") func incomplete() throws {
        var s = Scenario()
        s.c([.syn]); s.s([.syn, .ack], ack: s.cisn + 1); s.wait(1); s.s([.syn, .ack], ack: s.cisn + 1); s.wait(2); s.s([.syn, .ack], ack: s.cisn + 1)
        let r = try s.analyze()
        let f = try #require(r.only(.handshakeIncomplete).first)
        #expect(r.findings.count == 1)
        #expect(f.evidence["synAckCount"] == .int(3))
        #expect(f.evidence["clientAcked"] == .bool(false))
    }

    @Test("incomplete seen from the client: it ACKs, the server keeps resending SYN-ACK") func incompleteClientSide() throws {
        var s = Scenario()
        s.handshake(); s.wait(1); s.s([.syn, .ack], ack: s.cisn + 1); s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 1)
        s.wait(2); s.s([.syn, .ack], ack: s.cisn + 1); s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 1)
        let r = try s.analyze()
        #expect(r.only(.handshakeIncomplete).first?.evidence["clientAcked"] == .bool(true))
    }

    @Test("incomplete: the client resets after the SYN-ACK") func clientResetsAfterSynAck() throws {
        var s = Scenario()
        s.c([.syn]); s.s([.syn, .ack], ack: s.cisn + 1); s.c([.rst], seq: s.cisn + 1)
        let r = try s.analyze()
        #expect(r.kinds() == ["tcp.handshake.incomplete"])
        #expect(r.findings[0].evidence["clientReset"] == .bool(true))
    }

    @Test("slow: completed after a SYN retransmission; the delay is reported") func slow() throws {
        var s = Scenario()
        s.c([.syn]); s.wait(1); s.handshake(); s.exchange()
        let r = try s.analyze()
        let f = try #require(r.only(.handshakeSlow).first)
        #expect(r.findings.count == 1)
        #expect(f.severity == .warning)
        if case .double(let d)? = f.evidence["addedDelaySeconds"] { #expect(d > 0.99 && d < 1.01) } else { Issue.record("no delay") }
        #expect(r.flows.count == 1)                                             // a SYN retry is not a new attempt
        #expect(r.services.first?.established == 1 && r.services.first?.slowHandshakes == 1)
    }

    @Test("invalid: a SYN-ACK that acknowledges the wrong sequence number") func invalid() throws {
        var s = Scenario()
        s.c([.syn]); s.s([.syn, .ack], ack: s.cisn + 77); s.end(after: 4)
        let r = try s.analyze()
        #expect(r.only(.handshakeInvalid).first?.evidence["synAckBadAck"] == .bool(true))
    }

    @Test("a clean connection has no findings, conn_state SF and an RTT") func clean() throws {
        var s = Scenario()
        s.handshake(); s.exchange()
        s.c([.fin, .ack], seq: s.cisn + 1, ack: s.sisn + 1); s.s([.fin, .ack], seq: s.sisn + 1, ack: s.cisn + 2)
        s.c([.ack], seq: s.cisn + 2, ack: s.sisn + 2)
        let r = try s.analyze()
        #expect(r.findings.isEmpty)
        #expect(r.flows.first?.connState == "SF")
        #expect(r.flows.first?.history == "ShADdFf")
        let svc = try #require(r.services.first)
        #expect(svc.attempts == 1 && svc.established == 1 && svc.failed.isEmpty)
        #expect(svc.handshakeRTTms?.p50 == 2.0)
    }

    @Test("near miss: a capture that starts mid-connection is not a failed handshake") func midstream() throws {
        var s = Scenario()
        s.exchange(); s.exchange()
        let r = try s.analyze()
        #expect(r.findings.isEmpty)
        #expect(r.flows.first?.connState == "OTH")
        #expect(r.flows.first?.outcome == "midstream")
        #expect(r.flows.first?.server.port == 80)                               // lower port is the server
    }

    @Test("the history's 24-letter cap is reported, not silently hit") func historyCap() throws {
        var s = Scenario()
        s.c([.syn])
        // Each SYN with a new ISN within the retry window is recorded again (Zeek's rule).
        for i in 1...30 { s.c([.syn], seq: s.cisn + UInt32(i) * 1000) }
        let r = try s.analyze()
        #expect(r.flows.first?.history.count == 24)
        #expect(r.flows.first?.historyTruncated == true)
        #expect(r.flows.first?.connState == "S0")
    }

    @Test("port reuse: a new SYN with a new ISN after a closed connection is a new flow") func portReuse() throws {
        var s = Scenario()
        s.handshake(); s.exchange()
        s.c([.rst, .ack], seq: s.cisn + 1, ack: s.sisn + 1)
        s.wait(10)
        s.cisn = 900_000; s.sisn = 700_000
        s.handshake()
        let r = try s.analyze()
        #expect(r.flows.count == 2)
        #expect(r.flows.map(\.connState) == ["RSTO", "S1"])
    }

    @Test("SYN flood: one aggregate finding per server, capped per-flow findings") func synFlood() throws {
        var s = Scenario()
        for i in 0..<400 {
            s.client = .v4([198, 51, UInt8(i / 250), UInt8(i % 250 + 1)])
            s.cport = UInt16(1024 + i)
            s.c([.syn])
        }
        s.end(after: 5)
        let r = try s.analyze()
        #expect(r.only(.synFlood).count == 1)
        let f = try #require(r.only(.synFlood).first)
        #expect(f.evidence["halfOpen"] == .int(400))
        #expect(f.evidence["sources"] == .int(400))
        #expect(f.flow?.client == nil && f.flow?.server.port == 80)
        #expect(r.only(.handshakeUnanswered).count == Thresholds().maxFindingsPerGroup)
        #expect(r.summary.suppressed["tcp.handshake.unanswered"] == 400 - Thresholds().maxFindingsPerGroup)
    }

    @Test("near miss: a port scan from one source is not a SYN flood") func scanIsNotFlood() throws {
        var s = Scenario()
        for p in 1...300 { s.sport = UInt16(p); s.c([.syn]) }
        s.end(after: 5)
        let r = try s.analyze()
        #expect(r.only(.synFlood).isEmpty)
        // It is a port scan: one info finding, its probes folded in, none left over the cap.
        #expect(r.only(.portScan).count == 1 && r.only(.handshakeUnanswered).isEmpty && r.summary.suppressed.isEmpty, "\(r.kinds())")
    }

    @Test("the flow table is bounded: eviction is reported, nothing crashes") func bounded() throws {
        var s = Scenario()
        for i in 0..<1000 { s.cport = UInt16(2000 + i); s.c([.syn]) }
        s.end(after: 5)
        let r = try s.analyze { $0.analyzer.maxFlows = 100 }
        #expect(r.limits.flowsEvicted == 900)
        #expect(r.limits.peakHalfOpen == 100)
        #expect(r.limits.peakFlows == 1)
        #expect(r.limits.flows == 1001)
    }
}
