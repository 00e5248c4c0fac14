import Diagnosis
import PacketDecoding
import Reporting
import TestSupport
import Testing

/// flowdoctor's own, byte-accurate loss analysis on crafted segments: where the loss was, what
/// triggered each resend, and what the capture itself missed.
@Suite("Loss analysis") struct LossTests {
    /// A handshake (iRTT 2 ms), then the client's 1000-byte segments `0..<n`, except `skip`.
    func upload(_ n: Int, skip: Set<Int> = [], _ body: (inout Scenario, UInt32) -> Void = { _, _ in }) -> Scenario {
        var s = Scenario()
        s.handshake()
        let base = s.cisn + 1
        for i in 0..<n where !skip.contains(i) {
            s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(10 + i))
        }
        body(&s, base)
        return s
    }

    @Test("holes filled a round trip later: lost before the capture point, resent fast after dup ACKs") func lostUpstream() throws {
        var s = upload(20, skip: [3, 8, 13]) { s, base in
            for hole in [3, 8, 13] {
                for _ in 0..<3 { s.s([.ack], seq: s.sisn + 1, ack: base + UInt32(hole * 1000)) }
                s.wait(0.01)
                s.c([.ack, .psh], seq: base + UInt32(hole * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(100 + hole))
            }
            s.s([.ack], seq: s.sisn + 1, ack: base + 20_000)
        }
        s.wait(0.1)
        let r = try s.analyze()
        let x = try #require(r.only(.retransmissions).first)
        #expect(x.evidence["retransmissions"] == .int(3))
        #expect(x.evidence["fast"] == .int(3))
        #expect(x.evidence["lostBeforeCapturePoint"] == .int(3))
        #expect(x.evidence["lossLocation"] == .string("before-capture-point"))
        #expect(x.evidence["retransmittedBytes"] == .int(3000))
        #expect(r.only(.captureGap).isEmpty && r.only(.outOfOrder).isEmpty)
        #expect(r.flows.first?.counters.lostSegment == 3)                  // tshark: "previous segment not captured"
        #expect(r.flows.first?.history.contains("T") == true)               // Zeek's retransmission letter
    }

    @Test("an original seen, then resent after one dup ACK whose SACK shows later data: fast, lost after the capture point")
    func sackTriggered() throws {
        var s = upload(10) { s, base in
            for hole in [2, 5, 7] {
                s.s([.ack], seq: s.sisn + 1, ack: base + UInt32(hole * 1000),
                    opts: [.nop, .nop, .sack([(base + UInt32(hole * 1000 + 1000), base + 10_000)])])
                s.c([.ack, .psh], seq: base + UInt32(hole * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(100 + hole))
            }
            s.s([.ack], seq: s.sisn + 1, ack: base + 10_000)
        }
        s.wait(0.1)
        let r = try s.analyze()
        let x = try #require(r.only(.retransmissions).first)
        #expect(x.evidence["fast"] == .int(3) && x.evidence["timeout"] == .int(0))
        #expect(x.evidence["lossLocation"] == .string("after-capture-point"))
        #expect(x.evidence["originalSeenByCapture"] == .int(3))
    }

    @Test("timeouts with backoff: the waits and the attempts at one segment") func backoff() throws {
        var s = upload(5) { s, base in
            s.s([.ack], seq: s.sisn + 1, ack: base + 2000)
            for wait in [0.2, 0.4, 0.8] {
                s.wait(wait)
                s.c([.ack, .psh], seq: base + 2000, ack: s.sisn + 1, payload: 1000, id: 50)
            }
            s.s([.ack], seq: s.sisn + 1, ack: base + 5000)
        }
        s.wait(0.1)
        let r = try s.analyze()
        let x = try #require(r.only(.retransmissions).first)
        #expect(x.evidence["timeout"] == .int(3))
        #expect(x.evidence["maxAttemptsOfOneSegment"] == .int(3))
        // The last wait is the 0.8 s backoff plus the 1 ms the scenario adds per packet.
        if case .double(let ms)? = x.evidence["longestTimeoutMs"] { #expect(ms > 800 && ms < 802) } else { Issue.record("no longestTimeoutMs") }
        #expect(x.summary.contains("up to 3 attempts"))
    }

    @Test("the last segment resent early with no dup ACK is a tail-loss probe") func tailLossProbe() throws {
        var s = upload(3) { s, base in
            for i in 3..<6 {
                s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(10 + i))
                s.wait(0.02)
                s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(20 + i))
                s.s([.ack], seq: s.sisn + 1, ack: base + UInt32(i * 1000 + 1000))
            }
        }
        s.wait(0.1)
        let r = try s.analyze()
        let x = try #require(r.only(.retransmissions).first)
        #expect(x.evidence["tailLossProbes"] == .int(3))
        #expect(x.evidence["timeout"] == .int(0) && x.evidence["fast"] == .int(0))
    }

    @Test("spurious resends confirmed by D-SACK and by timestamps (Eifel)") func spuriousConfirmed() throws {
        var s = Scenario()
        s.handshake()
        let base = s.cisn + 1
        for i in 0..<4 {
            s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(10 + i),
                opts: [.nop, .nop, .timestamps(100 + UInt32(i), 50)])
        }
        // A timeout resend of segment 0; the server's ACK echoes the original's TSval: the
        // original had arrived, the resend was not needed.
        s.wait(0.3)
        s.c([.ack, .psh], seq: base, ack: s.sisn + 1, payload: 1000, id: 20, opts: [.nop, .nop, .timestamps(400, 50)])
        s.s([.ack], seq: s.sisn + 1, ack: base + 4000, opts: [.nop, .nop, .timestamps(60, 100)])
        // Two more resends of already-delivered data; the server reports each with a D-SACK block.
        for i in 1..<3 {
            s.wait(0.3)
            s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(20 + i),
                opts: [.nop, .nop, .timestamps(700 + UInt32(i), 60)])
            s.s([.ack], seq: s.sisn + 1, ack: base + 4000,
                opts: [.nop, .nop, .sack([(base + UInt32(i * 1000), base + UInt32(i * 1000 + 1000))])])
        }
        s.wait(0.1)
        let r = try s.analyze()
        let x = try #require(r.only(.retransmissions).first)
        #expect(x.evidence["retransmissions"] == .int(3))
        #expect(x.evidence["spuriousConfirmedByTimestamps"] == .int(1))
        #expect(x.evidence["spuriousConfirmedByDSACK"] == .int(2))
        #expect(x.evidence["spurious"] == .int(2))                            // those two were ACKed before the resend
    }

    @Test("bytes the receiver ACKed that the capture never saw are a capture gap, not loss") func captureGap() throws {
        var s = upload(10, skip: [4, 5]) { s, base in
            s.s([.ack], seq: s.sisn + 1, ack: base + 10_000)
        }
        s.wait(0.1)
        let r = try s.analyze()
        let g = try #require(r.only(.captureGap).first)
        #expect(g.evidence["bytes"] == .int(2000))
        #expect(g.evidence["flows"] == .int(1))
        #expect(g.flow == nil)
        #expect(r.flows.first?.missedBytes == 2000)
        #expect(r.only(.retransmissions).isEmpty)
        #expect(r.flows.first?.counters.ackLostSegment == 1)
        #expect(r.flows.first?.history.contains("G") == true)                // Zeek's gap letter, on the side whose data is missing
    }

    @Test("data the capture saw only after its ACK is neither a retransmission nor a gap") func seenAfterAck() throws {
        var s = upload(3) { s, base in
            s.s([.ack], seq: s.sisn + 1, ack: base + 4000)
            s.c([.ack, .psh], seq: base + 3000, ack: s.sisn + 1, payload: 1000, id: 13)
        }
        s.wait(0.1)
        let r = try s.analyze()
        #expect(r.flows.first?.missedBytes == 0)
        #expect(r.only(.captureGap).isEmpty && r.only(.retransmissions).isEmpty)
    }

    @Test("a late original is reordering when its TSval or IP ID is older, however late it comes") func reorderedByStamps() throws {
        var s = Scenario()
        s.handshake()
        let base = s.cisn + 1
        for pair in 0..<4 {
            let i = pair * 2
            // Segment i+1 overtakes segment i, which turns up 20 ms (ten RTTs) later.
            s.c([.ack, .psh], seq: base + UInt32((i + 1) * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(11 + i),
                opts: [.nop, .nop, .timestamps(200 + UInt32(i) * 10 + 1, 50)])
            s.wait(0.02)
            s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(10 + i),
                opts: [.nop, .nop, .timestamps(200 + UInt32(i) * 10, 50)])
        }
        s.s([.ack], seq: s.sisn + 1, ack: base + 8000)
        s.wait(0.1)
        let r = try s.analyze()
        let o = try #require(r.only(.outOfOrder).first)
        #expect(o.evidence["outOfOrder"] == .int(4))
        #expect(r.only(.retransmissions).isEmpty)
        #expect(r.flows.first?.counters.retransmission == 4)                   // tshark's time rule calls them retransmissions
    }
}
