import Diagnosis
import TestSupport

/// Cause rule cases (RuleCoverageTests.swift): transport, path MTU, fragments, the capture itself.
/// tcp.retransmissions/congestion and /blackout describe the resends' pattern beside where the loss
/// was, which always leads: their cases check that they are listed, not first.
extension RuleCoverage {
    static let path: [RuleCase] = [
        // tcp.retransmissions: where the originals were, and whether the resends were needed.
        RuleCase(id: "tcp.retransmissions/loss-upstream",
                 fires: { try holesResent(originalsSeen: false).findings() },
                 nearMiss: { try holesResent(originalsSeen: true).findings() }),
        RuleCase(id: "tcp.retransmissions/loss-downstream",
                 fires: { try holesResent(originalsSeen: true).findings() },
                 nearMiss: { try holesResent(originalsSeen: false).findings() }),
        RuleCase(id: "tcp.retransmissions/spurious",
                 fires: { try resends(afterAck: true).findings() },
                 nearMiss: { try resends(afterAck: false).findings() }),

        // Congestion and blackout say what the resends looked like; they sit beside where the
        // loss was (which leads), so they are listed, not first.
        RuleCase(id: "tcp.retransmissions/congestion",
                 fires: { try holesResent(originalsSeen: false).findings() },
                 nearMiss: { try resends(afterAck: false).findings() }, leads: false),   // timeouts, not fast resends
        RuleCase(id: "tcp.retransmissions/blackout",
                 fires: { try resends(afterAck: false).findings() },
                 nearMiss: { try holesResent(originalsSeen: false).findings() }, leads: false),

        // tcp.stall: what the wait for an ACK looked like (a window briefly zero, resends, or nothing).
        // A zero window longer than half a second is tcp.zero-window and the stall is left out:
        // with that threshold raised, the stall is told, and the window shut throughout it is why.
        RuleCase(id: "tcp.stall/slow-reader",
                 fires: { try stall(window: 0, reopen: false).findings { $0.thresholds.zeroWindowMinSeconds = 10 } },
                 nearMiss: { try stall(window: 0).findings() }),                // shut 0.1 s of 2.6 s: peer-silent leads
        RuleCase(id: "tcp.stall/path-loss",
                 fires: { try stall(resent: true).findings() },
                 nearMiss: { try stall(resent: false).findings() }),
        RuleCase(id: "tcp.stall/peer-silent",
                 fires: { try stall(resent: false).findings() },
                 nearMiss: { try stall(resent: true).findings() }),

        // A window closed for 2 s; near miss: 20 ms, flow control at work (no finding).
        RuleCase(id: "tcp.zero-window/slow-reader",
                 fires: { try zeroWindow(closed: 2).findings() },
                 nearMiss: { try zeroWindow(closed: 0.02).findings() }),
        // Three swapped pairs; near miss: one, below the threshold.
        RuleCase(id: "tcp.out-of-order/reordering",
                 fires: { try reordered(swaps: 3).findings() },
                 nearMiss: { try reordered(swaps: 1).findings() }),

        // mtu.frag-needed: the message, honoured.
        RuleCase(id: "mtu.frag-needed/narrow-link",
                 fires: { try fragNeeded().findings() },
                 nearMiss: { try fragNeeded(forged: true).findings() }),
        RuleCase(id: "mtu.frag-needed/tunnel",
                 fires: { try fragNeeded(tunnel: true).findings() },
                 nearMiss: { try fragNeeded(tunnel: false).findings() }),
        RuleCase(id: "mtu.frag-needed/forged",
                 fires: { try fragNeeded(forged: true).findings() },
                 nearMiss: { try fragNeeded(forged: false).findings() }),
        // Full-size packets a round trip after the message; near miss: the later packets fit.
        RuleCase(id: "mtu.frag-needed-ignored/sender-ignores-icmp",
                 fires: { try afterMessage(payload: 1460).findings() },
                 nearMiss: { try afterMessage(payload: 1240).findings() }),
        // Near miss: the same resends, but a valid message for the flow reached the capture.
        RuleCase(id: "mtu.blackhole/icmp-blocked",
                 fires: { try blackhole(icmp: false).findings() },
                 nearMiss: { try blackhole(icmp: true).findings() }),
        // Server MSS 1360: 1448-byte segments exceed it; near miss: 1360 fit.
        RuleCase(id: "mtu.mss-exceeded/offload-or-clamp",
                 fires: { try segments(payload: 1448).findings() },
                 nearMiss: { try segments(payload: 1360).findings() }),

        // Fragments of a 3000-byte UDP datagram.
        RuleCase(id: "ip.fragmented/large-datagrams",
                 fires: { try fragmented(cuts: [1480, 2960]).findings() },
                 nearMiss: { try fragmented(cuts: []).findings() }),
        RuleCase(id: "ip.fragments.incomplete/fragment-lost",
                 fires: { try fragmented(cuts: [1480, 2960], lose: 1).findings() },
                 nearMiss: { try fragmented(cuts: [1480, 2960]).findings() }),
        RuleCase(id: "ip.fragments.overlap/overlap",
                 fires: { try overlapping(fill: 0x66).findings() },
                 nearMiss: { try overlapping(fill: 0x55).findings() }),
        RuleCase(id: "ip.fragments.overlap/duplicates",
                 fires: { try overlapping(fill: 0x55).findings() },
                 nearMiss: { try overlapping(fill: 0x66).findings() }),
        RuleCase(id: "ip.fragments.anomaly/odd-fragments",
                 fires: { try fragmented(cuts: [1480], dontFragment: true).findings() },
                 nearMiss: { try fragmented(cuts: [1480]).findings() }),

        // capture.*: the capture's own faults.
        RuleCase(id: "capture.gap/capture-loss",
                 fires: { try acknowledgedUpload(captured: false).findings() },
                 nearMiss: { try acknowledgedUpload(captured: true).findings() }),
        RuleCase(id: "capture.duplicates/double-capture",
                 fires: { try download(capturedTwice: true).findings() },
                 nearMiss: { try download(capturedTwice: false).findings() }),
        RuleCase(id: "capture.dropped/kernel-drops",
                 fires: { [CaptureDropDetector.finding(received: 10_000, droppedByKernel: 120, droppedByInterface: 3)].compactMap { $0 } },
                 nearMiss: { [CaptureDropDetector.finding(received: 10_000, droppedByKernel: 0, droppedByInterface: 0)].compactMap { $0 } }),
        // A 14480-byte segment no link carries; near miss: MSS-sized segments.
        RuleCase(id: "capture.offload/offload",
                 fires: { try segments(payload: 14480).findings() },
                 nearMiss: { try segments(payload: 1360).findings() }),
        // A TCP header claiming 12 bytes (data offset 3); near miss: the same segment, offset 5.
        RuleCase(id: "decode.malformed/bad-headers",
                 fires: { try segment(dataOffset: 3).findings() },
                 nearMiss: { try segment(dataOffset: nil).findings() }),
    ]

    // MARK: transport

    /// Handshake (iRTT 2 ms), then the client's 1000-byte segments `0..<n` but `skip`, each with its own IP ID.
    private static func upload(_ n: Int, skip: Set<Int> = []) -> (Scenario, UInt32) {
        var s = Scenario()
        s.handshake()
        let base = s.cisn + 1
        for i in 0..<n where !skip.contains(i) {
            s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(10 + i))
        }
        return (s, base)
    }

    /// Three holes, each asked for by 3 dup ACKs and resent fast; the originals reached the capture or not.
    private static func holesResent(originalsSeen: Bool) -> Scenario {
        let holes = [3, 8, 13]
        var (s, base) = upload(20, skip: originalsSeen ? [] : Set(holes))
        for hole in holes {
            for _ in 0..<3 { s.s([.ack], seq: s.sisn + 1, ack: base + UInt32(hole * 1000)) }
            s.wait(0.01)
            s.c([.ack, .psh], seq: base + UInt32(hole * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(100 + hole))
        }
        s.s([.ack], seq: s.sisn + 1, ack: base + 20_000)
        s.wait(0.1)
        return s
    }

    /// Three segments resent after a timeout; the server had acknowledged them all before, or none.
    private static func resends(afterAck: Bool) -> Scenario {
        var (s, base) = upload(10)
        s.s([.ack], seq: s.sisn + 1, ack: afterAck ? base + 10_000 : base)
        for i in 0..<3 {
            s.wait(0.3)
            s.c([.ack, .psh], seq: base + UInt32(i * 1000), ack: s.sisn + 1, payload: 1000, id: UInt16(100 + i))
        }
        s.s([.ack], seq: s.sisn + 1, ack: base + 10_000)
        s.wait(0.1)
        return s
    }

    /// 1400 bytes acknowledged only 2.6 s later, while the client resends them (or not). With
    /// `window`, the server sends a window update of that size 0.1 s in and reopens 0.1 s later:
    /// a zero window that brief is no tcp.zero-window, so the stall itself is reported (a longer
    /// one is tcp.zero-window, and the stall is left out).
    private static func stall(resent: Bool = false, window: UInt16? = nil, reopen: Bool = true) -> Scenario {
        var s = Scenario()
        s.handshake()
        let seq = s.cisn + 1
        s.c([.ack, .psh], seq: seq, ack: s.sisn + 1, payload: 1400, id: 10)
        if let window {
            s.wait(0.1)
            s.s([.ack], seq: s.sisn + 1, ack: seq, window: window)
            if reopen {
                s.wait(0.1)
                s.s([.ack], seq: s.sisn + 1, ack: seq)
            }
        }
        for (i, gap) in [0.2, 0.4, 0.8].enumerated() {
            s.wait(gap)
            if resent { s.c([.ack, .psh], seq: seq, ack: s.sisn + 1, payload: 1400, id: UInt16(11 + i)) }
        }
        s.wait(1.2)
        s.s([.ack], seq: s.sisn + 1, ack: seq + 1400)
        return s
    }

    /// The server's window closed for `closed` seconds while the client probes (WindowTests).
    private static func zeroWindow(closed: Double) -> Scenario {
        var s = Scenario()
        s.handshake()
        s.c([.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1, payload: 1000)
        s.cisn += 1000
        s.s([.ack], seq: s.sisn + 1, ack: s.cisn + 1, window: 0)
        s.wait(closed / 2)
        s.c([.ack], seq: s.cisn, ack: s.sisn + 1)
        s.s([.ack], seq: s.sisn + 1, ack: s.cisn + 1, window: 0)
        s.wait(closed / 2)
        s.s([.ack], seq: s.sisn + 1, ack: s.cisn + 1, window: 4096)
        return s
    }

    /// 20 segments, of which `swaps` pairs arrive swapped 1 ms apart.
    private static func reordered(swaps: Int) -> Scenario {
        var s = Scenario()
        s.handshake()
        let base = s.cisn + 1
        for pair in 0..<10 {
            let order = pair < swaps ? [1, 0] : [0, 1]
            for k in order { s.c([.ack, .psh], seq: base + UInt32((pair * 2 + k) * 1000), ack: s.sisn + 1, payload: 1000) }
        }
        return s
    }

    // MARK: path MTU

    private static let router: Addr = "10.0.0.254"

    /// Handshake, a small acknowledged request, then three full-size segments (1500-byte packets).
    private static func fullSize(tunnel: Bool = false) -> (Scenario, UInt32) {
        var s = Scenario()
        if tunnel { s.wrap = { B.gre(outerSrc: "192.0.2.1", outerDst: "192.0.2.2", key: 7, inner: $0) } }
        s.handshake()
        let base = s.cisn + 1
        s.c([.ack, .psh], seq: base, ack: s.sisn + 1, payload: 100)
        s.s([.ack], seq: s.sisn + 1, ack: base + 100)
        for i in 0..<3 { s.c([.ack, .psh], seq: base + 100 + UInt32(i * 1460), ack: s.sisn + 1, payload: 1460) }
        return (s, base + 100)
    }

    /// A router's fragmentation-needed (MTU 1280) quoting the client's full-size segment at `seq`.
    private static func icmpFragNeeded(_ s: inout Scenario, seq: UInt32) {
        let quoted = B.tcp(s.client, s.cport, s.server, s.sport, flags: [.ack, .psh], seq: seq, ack: s.sisn + 1,
                           payload: Array(repeating: 0x41, count: 1460))
        s.add(B.ipv4(src: router, dst: s.client, proto: 1, payload: B.icmpv4(type: 3, code: 4, rest: 1280, body: Array(quoted.prefix(48)))),
              fromClient: false)
    }

    /// A fragmentation-needed the client honours (resends in 1280-byte packets, acknowledged);
    /// `forged`: it quotes a sequence number the client never sent.
    private static func fragNeeded(tunnel: Bool = false, forged: Bool = false) -> Scenario {
        var (s, d) = fullSize(tunnel: tunnel)
        icmpFragNeeded(&s, seq: forged ? d &+ 5_000_000 : d)
        for i in 0..<3 { s.c([.ack, .psh], seq: d + UInt32(i * 1240), ack: s.sisn + 1, payload: 1240) }
        s.c([.ack, .psh], seq: d + 3720, ack: s.sisn + 1, payload: 660)
        s.s([.ack], seq: s.sisn + 1, ack: d + 4380)
        s.wait(0.1)
        return s
    }

    /// A valid fragmentation-needed, then three more segments of `payload` bytes 50 ms (many round trips) later.
    private static func afterMessage(payload: Int) -> Scenario {
        var (s, d) = fullSize()
        icmpFragNeeded(&s, seq: d)
        s.wait(0.05)
        for i in 0..<3 { s.c([.ack, .psh], seq: d + 4380 + UInt32(i * payload), ack: s.sisn + 1, payload: payload) }
        return s
    }

    /// The first full-size segment resent with backoff, never acknowledged; `icmp`: a valid
    /// fragmentation-needed for it arrives too.
    private static func blackhole(icmp: Bool) -> Scenario {
        var (s, d) = fullSize()
        for w in [0.2, 0.4, 0.8] {
            s.wait(w)
            s.c([.ack, .psh], seq: d, ack: s.sisn + 1, payload: 1460)
        }
        if icmp { icmpFragNeeded(&s, seq: d) }
        return s
    }

    /// The server announces MSS 1360; the client sends three segments of `payload` bytes, acknowledged.
    private static func segments(payload: Int) -> Scenario {
        var s = Scenario()
        s.c([.syn])
        s.s([.syn, .ack], ack: s.cisn + 1, opts: [.mss(1360), .sackPermitted, .windowScale(7)])
        s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 1)
        let base = s.cisn + 1
        for i in 0..<3 { s.c([.ack, .psh], seq: base + UInt32(i * payload), ack: s.sisn + 1, payload: payload, id: UInt16(10 + i)) }
        s.s([.ack], seq: s.sisn + 1, ack: base + UInt32(3 * payload))
        return s
    }

    // MARK: fragments

    /// A 3000-byte UDP datagram (payload bytes 0x55) cut at `cuts`, without fragment `lose`;
    /// `dontFragment` sets DF on the first fragment.
    private static func fragmented(cuts: [Int], lose: Int? = nil, dontFragment: Bool = false) -> Scenario {
        var s = Scenario()
        let datagram = B.udpDatagram(src: s.client, dst: s.server, sport: 40000, dport: 9000, payload: Array(repeating: 0x55, count: 2992))
        let bounds = [0] + cuts + [datagram.count]
        for i in 0..<(bounds.count - 1) where i != lose {
            s.add(B.ipv4(src: s.client, dst: s.server, proto: 17, payload: Array(datagram[bounds[i]..<bounds[i + 1]]), id: 7,
                         dontFragment: dontFragment && i == 0, moreFragments: i < bounds.count - 2, fragmentOffset: bounds[i]))
        }
        return s
    }

    /// A datagram cut at 1000, with 504 bytes at offset 504 again in between, filled with `fill`
    /// (0x55: the bytes already there).
    private static func overlapping(fill: UInt8) -> Scenario {
        var s = Scenario()
        let datagram = B.udpDatagram(src: s.client, dst: s.server, sport: 40000, dport: 9000, payload: Array(repeating: 0x55, count: 1992))
        let (client, server) = (s.client, s.server)
        func piece(_ bytes: ArraySlice<UInt8>, at offset: Int, more: Bool) -> [UInt8] {
            B.ipv4(src: client, dst: server, proto: 17, payload: Array(bytes), id: 9, dontFragment: false, moreFragments: more, fragmentOffset: offset)
        }
        s.add(piece(datagram[0..<1000], at: 0, more: true))
        s.add(piece(ArraySlice(repeating: fill, count: 504), at: 504, more: true))
        s.add(piece(datagram[1000...], at: 1000, more: false))
        return s
    }

    // MARK: the capture

    /// Ten segments, all acknowledged; segments 4 and 5 are missing from the capture unless `captured`.
    private static func acknowledgedUpload(captured: Bool) -> Scenario {
        var (s, base) = upload(10, skip: captured ? [] : [4, 5])
        s.s([.ack], seq: s.sisn + 1, ack: base + 10_000)
        s.wait(0.1)
        return s
    }

    /// Five server segments, each captured once or twice (the same IP ID, 100 µs apart).
    private static func download(capturedTwice: Bool) -> Scenario {
        var s = Scenario()
        s.serverID = 100; s.serverIDStep = 1
        s.handshake()
        for i in 0..<5 {
            let seq = s.sisn + 1 + UInt32(i * 1000)
            let id = s.serverID
            s.s([.ack, .psh], seq: seq, ack: s.cisn + 1, payload: 1000, id: id)
            if capturedTwice {
                s.t -= 900_000
                s.s([.ack, .psh], seq: seq, ack: s.cisn + 1, payload: 1000, id: id)
            }
        }
        s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 5001)
        return s
    }

    /// A handshake, then the client's request with a TCP data offset of `dataOffset` words.
    private static func segment(dataOffset: Int?) -> Scenario {
        var s = Scenario()
        s.handshake()
        let seg = B.tcpSegment(src: s.client, dst: s.server, sport: s.cport, dport: s.sport, seq: s.cisn + 1, ack: s.sisn + 1,
                               flags: [.ack, .psh], payload: Array(repeating: 0x41, count: 100), dataOffset: dataOffset)
        s.add(B.ip(s.client, s.server, proto: 6, seg))
        s.s([.ack], seq: s.sisn + 1, ack: s.cisn + 101)
        return s
    }
}
