import Diagnosis
import PacketDecoding
import Reporting
import TestSupport
import Testing

/// Path MTU problems on crafted packets: router messages, black holes, MSS and offload.
@Suite("Path MTU") struct MTUTests {
    static let router: Addr = "10.0.0.254"

    /// A router's fragmentation-needed quoting `quoted` (the client's packet as sent).
    func fragNeeded(_ s: inout Scenario, mtu: UInt16, quoting quoted: [UInt8]) {
        let body = Array(quoted.prefix(48))
        s.add(B.ipv4(src: Self.router, dst: s.client, proto: 1, payload: B.icmpv4(type: 3, code: 4, rest: UInt32(mtu), body: body)),
              fromClient: false)
    }

    func clientSegment(_ s: Scenario, seq: UInt32, payload: Int) -> [UInt8] {
        B.tcp(s.client, s.cport, s.server, s.sport, flags: [.ack, .psh], seq: seq, ack: s.sisn + 1,
              payload: Array(repeating: 0x41, count: payload))
    }

    /// Handshake, a small request that is acknowledged, then three full-size segments.
    func start() -> (Scenario, UInt32) {
        var s = Scenario()
        s.handshake()
        let base = s.cisn + 1
        s.c([.ack, .psh], seq: base, ack: s.sisn + 1, payload: 100)
        s.s([.ack], seq: s.sisn + 1, ack: base + 100)
        for i in 0..<3 { s.c([.ack, .psh], seq: base + 100 + UInt32(i * 1460), ack: s.sisn + 1, payload: 1460) }
        return (s, base + 100)
    }

    @Test("a valid message, honoured: the sender resends smaller and carries on") func honoured() throws {
        var (s, d) = start()
        fragNeeded(&s, mtu: 1280, quoting: clientSegment(s, seq: d, payload: 1460))
        // The three segments again in 1280-byte packets: 3 × 1240 + 660 bytes.
        for i in 0..<3 { s.c([.ack, .psh], seq: d + UInt32(i * 1240), ack: s.sisn + 1, payload: 1240) }
        s.c([.ack, .psh], seq: d + 3720, ack: s.sisn + 1, payload: 660)
        s.s([.ack], seq: s.sisn + 1, ack: d + 4380)
        s.wait(0.1)
        let r = try s.analyze()
        let f = try #require(r.only(.fragNeeded).first)
        #expect(f.severity == .info)
        #expect(f.evidence["mtu"] == .int(1280) && f.evidence["reporter"] == .string("10.0.0.254"))
        #expect(f.evidence["quotedLength"] == .int(1500) && f.evidence["quotedDF"] == .bool(true))
        #expect(f.evidence["honoured"] == .bool(true) && f.evidence["suspicious"] == .bool(false))
        #expect(f.evidence["sender"] == .string("client"))
        #expect(f.frames == [9])
        #expect(r.only(.fragNeededIgnored).isEmpty && r.only(.retransmissions).isEmpty && r.only(.blackhole).isEmpty)
    }

    @Test("a message the sender ignores: full-size packets keep coming a round trip later") func ignored() throws {
        var (s, d) = start()
        fragNeeded(&s, mtu: 1280, quoting: clientSegment(s, seq: d, payload: 1460))
        s.wait(0.05)
        for i in 3..<6 { s.c([.ack, .psh], seq: d + UInt32(i * 1460), ack: s.sisn + 1, payload: 1460) }
        let r = try s.analyze()
        let f = try #require(r.only(.fragNeededIgnored).first)
        #expect(f.severity == .error)
        #expect(f.evidence["oversizedAfter"] == .int(3) && f.evidence["largestAfter"] == .int(1500))
        #expect(r.only(.fragNeeded).first?.evidence["honoured"] == .bool(false))
    }

    @Test("RFC 1191's old router reports MTU 0: the plateau below the quoted length is assumed") func zeroMTU() throws {
        var (s, d) = start()
        fragNeeded(&s, mtu: 0, quoting: clientSegment(s, seq: d, payload: 1460))
        let r = try s.analyze()
        let f = try #require(r.only(.fragNeeded).first)
        #expect(f.evidence["reportedMTU"] == .int(0) && f.evidence["mtu"] == .int(1492))
        #expect(f.evidence["suspicious"] == .bool(false))
    }

    @Test("a forged message: sequence outside the window, MTU below the minimum") func suspicious() throws {
        var (s, d) = start()
        fragNeeded(&s, mtu: 40, quoting: clientSegment(s, seq: d &+ 5_000_000, payload: 1460))
        let r = try s.analyze()
        let f = try #require(r.only(.fragNeeded).first)
        #expect(f.severity == .warning)
        #expect(f.evidence["suspicious"] == .bool(true) && f.evidence["honoured"] == .bool(false))
        guard case .array(let reasons)? = f.evidence["suspicionReasons"] else { Issue.record("no reasons"); return }
        #expect(reasons.count == 2)
        #expect(r.only(.fragNeededIgnored).isEmpty)
    }

    /// After `start`, the first full-size segment is resent at `waits` and never acknowledged.
    func blackhole(waits: [Double], then: (inout Scenario, UInt32) -> Void = { _, _ in }) -> Scenario {
        var (s, d) = start()
        for w in waits {
            s.wait(w)
            s.c([.ack, .psh], seq: d, ack: s.sisn + 1, payload: 1460)
        }
        then(&s, d)
        return s
    }

    @Test("a black hole: full-size segments resent and never acknowledged, small ones through, no ICMP") func blackholeOpen() throws {
        let r = try blackhole(waits: [0.2, 0.4, 0.8]).analyze()
        let f = try #require(r.only(.blackhole).first)
        #expect(f.severity == .error)
        #expect(f.evidence["retransmissions"] == .int(3) && f.evidence["failingPacketSize"] == .int(1500))
        #expect(f.evidence["largestAcknowledgedSize"] == .int(140))              // the 100-byte request
        #expect(f.evidence["recovered"] == .bool(false) && f.evidence["vantage"] == .string("sender"))
    }

    @Test("a black hole the sender recovers from by resending smaller (tcp_mtu_probing)") func blackholeRecovered() throws {
        let r = try blackhole(waits: [0.2, 0.4, 0.8]) { s, d in
            s.wait(1.6)
            s.c([.ack, .psh], seq: d, ack: s.sisn + 1, payload: 700)
            s.c([.ack, .psh], seq: d + 700, ack: s.sisn + 1, payload: 760)
            s.s([.ack], seq: s.sisn + 1, ack: d + 1460)
        }.analyze()
        let f = try #require(r.only(.blackhole).first)
        #expect(f.severity == .warning)
        #expect(f.evidence["recovered"] == .bool(true) && f.evidence["recoveredWithSize"] == .int(740))
        #expect(f.summary.contains("between 140 and 1499"))
    }

    @Test("inside a tunnel, the finding names it and its overhead") func tunnelled() throws {
        var s = Scenario()
        s.wrap = { B.gre(outerSrc: "192.0.2.1", outerDst: "192.0.2.2", key: 7, inner: $0) }
        s.handshake()
        let base = s.cisn + 1
        s.c([.ack, .psh], seq: base, ack: s.sisn + 1, payload: 100)
        s.s([.ack], seq: s.sisn + 1, ack: base + 100)
        for w in [0.0, 0.2, 0.4, 0.8] {
            s.wait(w)
            s.c([.ack, .psh], seq: base + 100, ack: s.sisn + 1, payload: 1460)
        }
        let r = try s.analyze()
        let f = try #require(r.only(.blackhole).first)
        #expect(f.evidence["tunnel"] == .string("gre") && f.evidence["tunnelOverhead"] == .int(28))
        #expect(f.summary.contains("inside a gre tunnel that adds 28 bytes"))
        #expect(r.flows.first?.tunnel == "gre" && r.flows.first?.pathMTUBelow == 1500)
        #expect(r.flows.first?.client.ip == "10.0.0.1")                                 // the inner flow
    }

    @Test("seen from the receiver: small packets arrive past data that never does, and dup ACKs ask for it")
    func blackholeAtReceiver() throws {
        var s = Scenario()
        s.handshake()
        let base = s.cisn + 1
        s.c([.ack, .psh], seq: base, ack: s.sisn + 1, payload: 100)
        s.s([.ack], seq: s.sisn + 1, ack: base + 100)
        // Two full-size segments die on the path; the 300-byte tail gets through, three times.
        for w in [0.0, 0.2, 0.4] {
            s.wait(w)
            s.c([.ack, .psh], seq: base + 100 + 2920, ack: s.sisn + 1, payload: 300)
            s.s([.ack], seq: s.sisn + 1, ack: base + 100)
        }
        let r = try s.analyze()
        let f = try #require(r.only(.blackhole).first)
        #expect(f.evidence["vantage"] == .string("receiver") && f.evidence["missingBytes"] == .int(2920))
        #expect(f.evidence["largestArrivedSize"] == .int(340))
    }

    @Test("near miss: two resends, then the full-size segment is acknowledged: loss, not a black hole") func notBlackhole() throws {
        let r = try blackhole(waits: [0.2, 0.4]) { s, d in
            s.s([.ack], seq: s.sisn + 1, ack: d + 3 * 1460)
        }.analyze()
        #expect(r.only(.blackhole).isEmpty)
    }

    @Test("near miss: a valid message for the flow means it is PMTUD, not a black hole") func notBlackholeWithICMP() throws {
        let r = try blackhole(waits: [0.2, 0.4, 0.8]) { s, d in
            fragNeeded(&s, mtu: 1280, quoting: clientSegment(s, seq: d, payload: 1460))
        }.analyze()
        #expect(r.only(.blackhole).isEmpty && r.only(.fragNeeded).count == 1)
    }

    @Test("segments above the peer's MSS, and offload super-segments that are not") func mss() throws {
        var s = Scenario()
        s.c([.syn])
        s.s([.syn, .ack], ack: s.cisn + 1, opts: [.mss(1360), .sackPermitted, .windowScale(7)])
        s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 1)
        let base = s.cisn + 1
        for i in 0..<3 { s.c([.ack, .psh], seq: base + UInt32(i * 1448), ack: s.sisn + 1, payload: 1448) }
        s.c([.ack, .psh], seq: base + 4344, ack: s.sisn + 1, payload: 14480)           // TSO on the capture host
        s.s([.ack], seq: s.sisn + 1, ack: base + 4344 + 14480)
        let r = try s.analyze()
        let m = try #require(r.only(.mssExceeded).first)
        #expect(m.evidence["segments"] == .int(3) && m.evidence["announcedMSS"] == .int(1360))
        #expect(m.evidence["largestPayload"] == .int(1448) && m.evidence["mssDiffers"] == .bool(true))
        let o = try #require(r.only(.captureOffload).first)
        #expect(o.evidence["segments"] == .int(1) && o.evidence["largestPayload"] == .int(14480) && o.flow == nil)
    }
}
