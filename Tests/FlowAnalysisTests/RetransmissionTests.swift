import Diagnosis
import PacketDecoding
import Reporting
import TestSupport
import Testing

/// Wireshark's classification on crafted segments, and tcp.retransmissions over it.
@Suite("Retransmissions") struct RetransmissionTests {
    /// A handshake, then the client sends `n` 1000-byte segments; `body` adds what follows.
    func upload(_ n: Int, _ body: (inout Scenario, UInt32) -> Void = { _, _ in }) -> Scenario {
        var s = Scenario()
        s.handshake()
        let base = s.cisn + 1
        for i in 0..<n { s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000) }
        body(&s, base)
        return s
    }

    @Test("a timeout retransmission, a fast one after dup ACKs, a spurious one") func kinds() throws {
        var s = upload(10) { s, base in
            // Segment 2 is lost: the server ACKs up to it three times, then the client resends it fast.
            for _ in 0..<3 { s.s([.ack], seq: s.sisn + 1, ack: base + 2000) }
            s.c([.ack, .psh], seq: base + 2000, ack: s.sisn + 1, payload: 1000)
            s.s([.ack], seq: s.sisn + 1, ack: base + 10_000)
            // After everything was ACKed, segment 5 again: spurious.
            s.c([.ack, .psh], seq: base + 5000, ack: s.sisn + 1, payload: 1000)
            // Segment 10, sent, then resent a second later with no dup ACKs: a timeout.
            s.c([.ack, .psh], seq: base + 10_000, ack: s.sisn + 1, payload: 1000)
            s.wait(1)
            s.c([.ack, .psh], seq: base + 10_000, ack: s.sisn + 1, payload: 1000)
        }
        s.wait(0.1)
        let r = try s.analyze()
        let f = try #require(r.flows.first)
        #expect(f.counters.retransmission == 3)
        #expect(f.counters.fastRetransmission == 1)
        #expect(f.counters.spuriousRetransmission == 1)
        #expect(f.counters.duplicateAck == 2)                                         // the 2nd and 3rd identical ACK
        let x = try #require(r.only(.retransmissions).first)
        #expect(x.evidence["sender"] == .string("client"))
        #expect(x.evidence["retransmissions"] == .int(3))
        #expect(x.evidence["fast"] == .int(1) && x.evidence["spurious"] == .int(1) && x.evidence["timeout"] == .int(1))
        #expect(x.evidence["retransmittedBytes"] == .int(3000))
        #expect(x.severity == .error)                                        // 3 of 13 segments
    }

    @Test("near miss: one retransmission in a long transfer is below the thresholds") func belowThreshold() throws {
        var s = upload(200) { s, base in
            s.wait(0.5)
            s.c([.ack, .psh], seq: base + 100_000, ack: s.sisn + 1, payload: 1000)
        }
        s.end(after: 0.1)
        let r = try s.analyze()
        #expect(r.flows.first?.counters.retransmission == 1)
        #expect(r.only(.retransmissions).isEmpty)
    }

    @Test("out of order within the RTT, a gap, and a keep-alive are not retransmissions") func notRetransmissions() throws {
        var s = Scenario()
        s.handshake()
        let base = s.cisn + 1
        s.c([.ack, .psh], seq: base + 1000, ack: s.sisn + 1, payload: 1000)     // a gap: 0…999 not seen yet
        s.c([.ack, .psh], seq: base, ack: s.sisn + 1, payload: 1000)            // …arrives 1 ms later: out of order
        s.wait(5)
        s.c([.ack], seq: base + 1999, ack: s.sisn + 1)                          // keep-alive: one below nextseq
        let r = try s.analyze()
        let f = try #require(r.flows.first)
        #expect(f.counters.lostSegment == 1)
        #expect(f.counters.outOfOrder == 1)
        #expect(f.counters.retransmission == 0)
    }

    @Test("a resent SYN counts as Wireshark counts it, but not as data loss") func synRetry() throws {
        var s = Scenario()
        s.c([.syn]); s.wait(1); s.handshake()
        let r = try s.analyze()
        #expect(r.flows.first?.counters.retransmission == 1)
        #expect(r.only(.retransmissions).isEmpty)
    }
}

@Suite("Capture copies") struct CaptureCopyTests {
    @Test("segments seen twice are counted once, in one capture-wide finding") func copies() throws {
        var s = Scenario()
        s.serverID = 100; s.serverIDStep = 1
        s.handshake()
        for i in 0..<5 {
            // The server's data, each segment captured twice 100 µs apart (same IP ID).
            let seq = s.sisn + 1 + UInt32(i * 1000)
            let id = s.serverID
            s.s([.ack, .psh], seq: seq, ack: s.cisn + 1, payload: 1000, id: id)
            s.t -= 900_000
            s.s([.ack, .psh], seq: seq, ack: s.cisn + 1, payload: 1000, id: id)
        }
        s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 5001)
        let r = try s.analyze()
        let f = try #require(r.only(.captureDuplicates).first)
        #expect(f.evidence["copies"] == .int(5))
        #expect(f.flow == nil && f.severity == .info)
        #expect(r.only(.retransmissions).isEmpty)
        #expect(r.flows.first?.counters.retransmission == 5)                         // tshark's view is kept
    }
}

@Suite("Reordering") struct ReorderingTests {
    /// 20 segments where each of `swaps` pairs arrives swapped, 1 ms apart.
    func scenario(swaps: Int) -> Scenario {
        var s = Scenario()
        s.handshake()
        let base = s.cisn + 1
        var i = 0
        while i < 20 {
            if i / 2 < swaps && i % 2 == 0 {
                s.c([.ack, .psh], seq: base + UInt32((i + 1) * 1000), ack: s.sisn + 1, payload: 1000)
                s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000)
                i += 2
            } else {
                s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000)
                i += 1
            }
        }
        return s
    }

    @Test("repeated reordering is reported with its share") func reordered() throws {
        let r = try scenario(swaps: 3).analyze()
        let f = try #require(r.only(.outOfOrder).first)
        #expect(f.evidence["outOfOrder"] == .int(3))
        #expect(f.evidence["sender"] == .string("client"))
        #expect(r.flows.first?.counters.outOfOrder == 3 && r.flows.first?.counters.retransmission == 0)
    }

    @Test("near miss: one swapped pair is below the threshold") func once() throws {
        let r = try scenario(swaps: 1).analyze()
        #expect(r.flows.first?.counters.outOfOrder == 1)
        #expect(r.only(.outOfOrder).isEmpty)
    }
}
