import Diagnosis
import PacketDecoding
import Reporting
import TestSupport
import Testing

@Suite("Stalls") struct StallTests {
    @Test("data retransmitted for seconds and never acknowledged (a black hole)") func unacked() throws {
        var s = Scenario()
        s.handshake()
        let seq = s.cisn + 1
        s.c([.ack, .psh], seq: seq, ack: s.sisn + 1, payload: 1400)
        for gap in [0.2, 0.4, 0.8, 1.6] { s.wait(gap); s.c([.ack, .psh], seq: seq, ack: s.sisn + 1, payload: 1400) }
        let r = try s.analyze()
        let f = try #require(r.only(.stall).first)
        #expect(f.evidence["cause"] == .string("retransmissions-unacked"))
        #expect(f.evidence["recovered"] == .bool(false))
        #expect(f.evidence["sender"] == .string("client"))
        if case .double(let d)? = f.evidence["stalledSeconds"] { #expect(d > 2.9 && d < 3.2) } else { Issue.record("no duration") }
    }

    @Test("a receiver that acknowledges only after seconds") func slowAck() throws {
        var s = Scenario()
        s.handshake()
        s.c([.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1, payload: 100)
        s.wait(2.5)
        s.s([.ack], seq: s.sisn + 1, ack: s.cisn + 101)
        let r = try s.analyze()
        let f = try #require(r.only(.stall).first)
        #expect(f.evidence["cause"] == .string("no-acknowledgment"))
        #expect(f.evidence["recovered"] == .bool(true))
    }

    @Test("near miss: silence with nothing outstanding is idle, not a stall") func idle() throws {
        var s = Scenario()
        s.handshake(); s.exchange(); s.wait(10); s.exchange()
        #expect(try s.analyze().findings.isEmpty)
    }

    @Test("near miss: a one-sided capture (the peer never seen) is not a stall") func oneSided() throws {
        var s = Scenario()
        s.c([.ack, .psh], seq: 1, ack: 1, payload: 100)
        s.wait(5)
        s.c([.ack, .psh], seq: 101, ack: 1, payload: 100)
        #expect(try s.analyze().only(.stall).isEmpty)
    }
}
