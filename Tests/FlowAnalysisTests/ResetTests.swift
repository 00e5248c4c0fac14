import Diagnosis
import PacketDecoding
import Reporting
import TestSupport
import Testing

@Suite("TCP resets") struct ResetTests {
    @Test("abort: the server resets an established connection after the request") func abort() throws {
        var s = Scenario()
        s.handshake()
        s.c([.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1, payload: 200)
        s.s([.rst, .ack], seq: s.sisn + 1, ack: s.cisn + 201)
        let r = try s.analyze()
        #expect(r.kinds() == ["tcp.reset.abort"])
        let f = r.findings[0]
        #expect(f.evidence["sender"] == .string("server"))
        #expect(f.evidence["phase"] == .string("established"))
        #expect(f.evidence["validity"] == .string("exact"))
        #expect(f.evidence["clientBytesBefore"] == .int(200))
        #expect(f.summary.contains("no response"))
        #expect(f.frames == [5])
        #expect(r.flows.first?.connState == "RSTR")
        #expect(r.services.first?.resets["tcp.reset.abort"] == 1)
    }

    @Test("middlebox: a RST with a TTL the server never uses") func middleboxTTL() throws {
        var s = Scenario()
        s.handshake(); s.exchange()
        s.s([.rst, .ack], seq: s.sisn + 1, ack: s.cisn + 1, ttl: 64)
        let r = try s.analyze()
        #expect(r.kinds() == ["tcp.reset.middlebox"])
        #expect(r.findings[0].evidence["forgeryEvidence"] == .array([.string("ttl")]))
    }

    @Test("near miss: a RST off the sender's IP ID sequence alone is not called forged") func ipIDIsEvidenceOnly() throws {
        var s = Scenario()
        s.serverID = 0x5000; s.serverIDStep = 1
        s.handshake(); for _ in 0..<5 { s.exchange() }
        var next = s
        s.s([.rst, .ack], seq: s.sisn + 1, ack: s.cisn + 1, id: 0x1234)
        let r = try s.analyze()
        #expect(r.kinds() == ["tcp.reset.abort"])
        #expect(r.findings.first?.evidence["rstIPIDInSequence"] == .bool(false))
        #expect(r.findings.first?.evidence["senderLastIPID"] == .int(0x5005))
        next.s([.rst, .ack], seq: next.sisn + 1, ack: next.cisn + 1)
        #expect(try next.analyze().findings.first?.evidence["rstIPIDInSequence"] == .bool(true))
    }

    @Test("middlebox: a RST from another MAC on the same segment") func middleboxMAC() throws {
        var s = Scenario()
        s.handshake(); s.exchange()
        s.s([.rst, .ack], seq: s.sisn + 1, ack: s.cisn + 1, mac: 0x0200_0000_00ee)
        let r = try s.analyze()
        #expect(r.only(.resetMiddlebox).first?.evidence["forgeryEvidence"] == .array([.string("source-mac")]))
    }

    @Test("middlebox: a RST far outside the receiver's window") func middleboxWindow() throws {
        var s = Scenario()
        s.handshake(); s.exchange()
        s.s([.rst], seq: s.sisn &+ 50_000_000)
        let r = try s.analyze()
        #expect(r.only(.resetMiddlebox).first?.evidence["validity"] == .string("out-of-window"))
    }

    @Test("after idle: a RST after a long silence") func afterIdle() throws {
        var s = Scenario()
        s.handshake(); s.exchange(); s.wait(400)
        s.s([.rst, .ack], seq: s.sisn + 1, ack: s.cisn + 1)
        let r = try s.analyze()
        #expect(r.kinds() == ["tcp.reset.after-idle"])
        // A lower threshold set from outside applies.
        var q = Scenario()
        q.handshake(); q.exchange(); q.wait(20)
        var z = q
        q.s([.rst, .ack], seq: q.sisn + 1, ack: q.cisn + 1)
        #expect(try q.analyze().kinds() == ["tcp.reset.abort"])
        z.s([.rst, .ack], seq: z.sisn + 1, ack: z.cisn + 1, id: 0)
        #expect(try z.analyze().kinds() == ["tcp.reset.abort"])
        #expect(try q.analyze { $0.thresholds.idleResetSeconds = 10 }.kinds() == ["tcp.reset.after-idle"])
    }

    @Test("near miss: a RST after FIN is an abortive close, not an abort") func afterClose() throws {
        var s = Scenario()
        s.handshake(); s.exchange()
        s.s([.fin, .ack], seq: s.sisn + 1, ack: s.cisn + 1)
        s.c([.rst, .ack], seq: s.cisn + 1, ack: s.sisn + 2)
        let r = try s.analyze()
        #expect(r.kinds() == ["tcp.reset.after-close"])
        #expect(r.findings[0].severity == .info)
    }

    @Test("near miss: a RST during the handshake is the handshake's finding, not a reset finding") func handshakeReset() throws {
        var s = Scenario()
        s.c([.syn]); s.s([.rst, .ack], seq: 0, ack: s.cisn + 1)
        #expect(try s.analyze().kinds() == ["tcp.handshake.refused"])
    }
}
