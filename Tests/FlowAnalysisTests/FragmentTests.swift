import Diagnosis
import PacketDecoding
import Reporting
import TestSupport
import Testing

/// IP fragments end to end: the tracker's records become findings, and reassembled datagrams
/// reach the flow analysis whole.
@Suite("IP fragments") struct FragmentTests {
    /// `datagram` (a transport header and data) cut at `cuts` (offsets, multiples of 8).
    func fragments(_ s: Scenario, _ datagram: [UInt8], cuts: [Int], id: UInt16, proto: UInt8 = 17) -> [[UInt8]] {
        let bounds = [0] + cuts + [datagram.count]
        return (0..<(bounds.count - 1)).map { i in
            B.ipv4(src: s.client, dst: s.server, proto: proto, payload: Array(datagram[bounds[i]..<bounds[i + 1]]), id: id,
                   dontFragment: false, moreFragments: i < bounds.count - 2, fragmentOffset: bounds[i])
        }
    }

    func udp(_ s: Scenario, size: Int, fill: UInt8 = 0x55) -> [UInt8] {
        B.udpDatagram(src: s.client, dst: s.server, sport: 40000, dport: 9000, payload: Array(repeating: fill, count: size))
    }

    @Test("complete sets are reassembled: the flow counts whole datagrams, ip.fragmented says how") func complete() throws {
        var s = Scenario()
        for id in 1...3 { for f in fragments(s, udp(s, size: 3000), cuts: [1480, 2960], id: UInt16(id)).reversed() { s.add(f) } }
        let r = try s.analyze()
        let f = try #require(r.only(.ipFragmented).first)
        #expect(f.severity == .info && f.evidence["datagrams"] == .int(3) && f.evidence["completed"] == .int(3))
        #expect(f.flow?.server.port == 9000)
        #expect(r.only(.fragmentsIncomplete).isEmpty)
        #expect(r.flows.first?.clientBytes == 9000)                                      // 3 × 3000, not 3 × 1472
    }

    @Test("a lost fragment: the set never completes, with what arrived and what is missing") func incomplete() throws {
        var s = Scenario()
        let frags = fragments(s, udp(s, size: 3000), cuts: [1480, 2960], id: 7)
        s.add(frags[0]); s.add(frags[2])
        let r = try s.analyze()
        let f = try #require(r.only(.fragmentsIncomplete).first)
        #expect(f.evidence["incomplete"] == .int(1))
        guard case .array(let ex)? = f.evidence["examples"], case .string(let e)? = ex.first else { Issue.record("no example"); return }
        #expect(e.contains("missing 1480-2959"))
        #expect(r.flows.isEmpty)                                                         // nothing reached the application
    }

    @Test("overlapping fragments with different bytes are an error, with the same bytes a warning") func overlap() throws {
        var s = Scenario()
        let frags = fragments(s, udp(s, size: 2000), cuts: [1000], id: 9)
        s.add(frags[0])
        // The same range again, with other bytes: IDS evasion territory.
        s.add(B.ipv4(src: s.client, dst: s.server, proto: 17, payload: Array(repeating: 0x66, count: 504), id: 9,
                     dontFragment: false, moreFragments: true, fragmentOffset: 504))
        s.add(frags[1])
        var t = Scenario()
        let same = fragments(t, udp(t, size: 2000), cuts: [1000], id: 10)
        t.add(same[0]); t.add(same[0]); t.add(same[1])
        let r = try s.analyze(), q = try t.analyze()
        let f = try #require(r.only(.fragmentsOverlap).first)
        #expect(f.severity == .error && f.evidence["differentBytes"] == .int(1))
        let g = try #require(q.only(.fragmentsOverlap).first)
        #expect(g.severity == .warning && g.evidence["sameBytes"] == .int(1))
    }

    @Test("a fragment after its datagram completed, within the timeout, with other bytes in the overlap: an overlap error; the same bytes: a warning; after the timeout: a new set")
    func lateOverlap() throws {
        func run(fill: UInt8?, wait: Double) throws -> Report {
            var s = Scenario()
            let frags = fragments(s, udp(s, size: 2000), cuts: [1000], id: 21)
            s.add(frags[0]); s.add(frags[1])                                          // complete: delivered
            s.wait(wait)
            if let fill {
                s.add(B.ipv4(src: s.client, dst: s.server, proto: 17, payload: Array(repeating: fill, count: 504), id: 21,
                             dontFragment: false, moreFragments: true, fragmentOffset: 504))
            } else {
                s.add(frags[1])
            }
            return try s.analyze()
        }
        let late = try run(fill: 0x66, wait: 2)
        let f = try #require(late.only(.fragmentsOverlap).first, "\(late.kinds())")
        #expect(f.severity == .error && f.evidence["differentBytes"] == .int(1) && f.evidence["afterCompletion"] == .int(1))
        #expect(f.summary.contains("after the datagram had completed"))
        #expect(f.causes.first?.id == "ip.fragments.overlap/overlap" && f.causes.first?.confidence == .high)
        #expect(late.only(.fragmentsIncomplete).isEmpty, "the late fragment is not a new, incomplete datagram")
        #expect(try #require(late.only(.ipFragmented).first).evidence["datagrams"] == .int(1))
        // Near misses: the same bytes again (a duplicate), and a fragment after the timeout.
        let dup = try run(fill: nil, wait: 2)
        #expect(dup.only(.fragmentsOverlap).first?.severity == .warning)
        let old = try run(fill: 0x66, wait: 40)
        #expect(old.only(.fragmentsOverlap).isEmpty && !old.only(.fragmentsIncomplete).isEmpty)
    }

    @Test("abnormal fragments: a first fragment too short for the TCP header, DF on a fragment") func anomalies() throws {
        var s = Scenario()
        let seg = B.tcpSegment(src: s.client, dst: s.server, sport: 40000, dport: 80, flags: [.syn])
        s.add(B.ipv4(src: s.client, dst: s.server, proto: 6, payload: Array(seg[0..<8]), id: 3, dontFragment: true,
                     moreFragments: true, fragmentOffset: 0))
        s.add(B.ipv4(src: s.client, dst: s.server, proto: 6, payload: Array(seg[8...]), id: 3, dontFragment: false,
                     moreFragments: false, fragmentOffset: 8))
        let r = try s.analyze()
        let f = try #require(r.only(.fragmentsAnomaly).first)
        guard case .array(let names)? = f.evidence["anomalies"] else { Issue.record("no names"); return }
        #expect(names.contains(.string("tiny")) && names.contains(.string("df-on-fragment")))
    }

    @Test("TCP carried in fragments is analysed after reassembly and called out") func tcpInFragments() throws {
        var s = Scenario()
        s.handshake()
        let seg = B.tcpSegment(src: s.client, dst: s.server, sport: s.cport, dport: s.sport, seq: s.cisn + 1, ack: s.sisn + 1,
                               flags: [.ack, .psh], payload: Array(repeating: 0x41, count: 2000))
        for f in fragments(s, seg, cuts: [1480], id: 42, proto: 6) { s.add(f) }
        s.s([.ack], seq: s.sisn + 1, ack: s.cisn + 2001)
        let r = try s.analyze()
        let f = try #require(r.only(.ipFragmented).first)
        #expect(f.severity == .warning && f.evidence["tcpInFragments"] == .bool(true))
        #expect(r.flows.first?.clientBytes == 2000)
        #expect(r.flows.first?.missedBytes == 0 && r.only(.captureGap).isEmpty)
    }

    @Test("a flood of sets that never complete stays bounded, and a finding says the cap was hit") func flood() throws {
        var s = Scenario()
        for i in 0..<20_000 {
            // First fragments only, from many sources: nothing ever completes.
            let src: Addr = .v4([10, 1, UInt8(i >> 8 & 0xff), UInt8(i & 0xff)])
            s.add(B.ipv4(src: src, dst: s.server, proto: 17, payload: B.udpDatagram(src: src, dst: s.server, sport: 1234,
                         dport: 9000, payload: Array(repeating: 0, count: 64)), id: UInt16(i & 0xffff),
                         dontFragment: false, moreFragments: true, fragmentOffset: 0))
        }
        let r = try s.analyze { $0.analyzer.fragments.maxDatagrams = 1000 }
        let cap = try #require(r.only(.fragmentsIncomplete).first { $0.flow == nil })
        #expect(cap.severity == .error)
        #expect(cap.evidence["forcedOutByCap"] == .int(19_000) && cap.evidence["trackerCap"] == .int(1000))
        #expect(r.only(.fragmentsIncomplete).count <= r.thresholds.maxFindingsPerGroup + 1)
        #expect((r.summary.suppressed[FindingKind.fragmentsIncomplete.rawValue] ?? 0) > 0)
    }
}
