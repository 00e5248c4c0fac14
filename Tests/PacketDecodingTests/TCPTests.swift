import PacketDecoding
import TestSupport
import Testing

@Suite("TCP header and options") struct TCPTests {
    struct OptionCase: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let expected: [TCPOption]
        let malformed: Bool
        var testDescription: String { name }
    }
    static let options: [OptionCase] = [
        .init(name: "MSS", bytes: [2, 4, 0x05, 0xb4], expected: [.mss(1460)], malformed: false),
        .init(name: "window scale", bytes: [1, 3, 3, 7], expected: [.windowScale(7)], malformed: false),
        .init(name: "SACK permitted", bytes: [4, 2, 1, 1], expected: [.sackPermitted], malformed: false),
        .init(name: "SACK 1 block", bytes: [1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2], expected: [.sack(count: 1)], malformed: false),
        .init(name: "SACK 4 blocks", bytes: [5, 34] + Array(repeating: 1, count: 32) + [1, 1], expected: [.sack(count: 4)], malformed: false),
        .init(name: "timestamps", bytes: [1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6], expected: [.timestamps(value: 5, echo: 6)], malformed: false),
        .init(name: "MD5 signature", bytes: [19, 18] + Array(repeating: 0, count: 16), expected: [.md5Signature], malformed: false),
        .init(name: "user timeout", bytes: [28, 4, 0x80, 0x10], expected: [.userTimeout(0x8010)], malformed: false),
        .init(name: "TCP-AO", bytes: [29, 6, 1, 2, 3, 4], expected: [.authentication], malformed: false),
        .init(name: "MPTCP", bytes: [30, 4, 0, 0], expected: [.multipath], malformed: false),
        .init(name: "fast open cookie", bytes: [34, 10, 1, 2, 3, 4, 5, 6, 7, 8], expected: [.fastOpen(cookieLength: 8)], malformed: false),
        .init(name: "unknown kind", bytes: [99, 4, 0, 0], expected: [.other(kind: 99, length: 4)], malformed: false),
        .init(name: "end of list stops", bytes: [0, 2, 4, 0x05], expected: [], malformed: false),
        .init(name: "typical SYN", bytes: [2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7],
              expected: [.mss(1460), .sackPermitted, .timestamps(value: 1, echo: 0), .windowScale(7)], malformed: false),
        .init(name: "length 0", bytes: [2, 0, 0, 0], expected: [], malformed: true),
        .init(name: "length 1", bytes: [99, 1, 0, 0], expected: [], malformed: true),
        .init(name: "length past the header", bytes: [99, 9, 0, 0], expected: [], malformed: true),
        .init(name: "kind without length byte", bytes: [1, 1, 1, 2], expected: [], malformed: true),
        .init(name: "MSS with length 3", bytes: [2, 3, 5, 0], expected: [], malformed: true),
        .init(name: "SACK of 6 bytes", bytes: [5, 6, 0, 0, 0, 0, 0, 0], expected: [], malformed: true),
        .init(name: "timestamps of 8", bytes: [8, 8, 0, 0, 0, 0, 0, 0], expected: [], malformed: true),
    ]

    @Test(arguments: options) func option(_ c: OptionCase) {
        WireBytes.with(c.bytes) { w in
            var it = TCPOptions(w)
            var got: [TCPOption] = []
            while let o = it.next() { got.append(o) }
            #expect(got == c.expected)
            #expect((it.error != nil) == c.malformed)
            if c.malformed { #expect(it.error == .malformed(.tcpOption, .optionLength)) }
        }
    }

    @Test func summaryAndSACKBlocks() throws {
        let seg = B.tcpSegment(src: c4, dst: s4, sport: 80, dport: 40000, seq: 7, ack: 9, flags: [.ack],
                               options: [.nop, .nop, .timestamps(100, 200), .nop, .nop, .sack([(1000, 2000), (3000, 4000)])])
        try WireBytes.with(seg) { w in
            let t = try TCPHeader(w)
            let s = t.options.summary
            #expect(s.timestamps?.value == 100 && s.timestamps?.echo == 200)
            #expect(s.sackBlockCount == 2)
            #expect(s.sackBlock(0)?.left == SeqNum(1000) && s.sackBlock(0)?.right == SeqNum(2000))
            #expect(s.sackBlock(1)?.left == SeqNum(3000) && s.sackBlock(1)?.right == SeqNum(4000))
            #expect(s.sackBlock(2) == nil)
            #expect(!s.malformed)
            #expect(t.sequence == SeqNum(7) && t.acknowledgment == SeqNum(9))
            #expect(t.flags == [.ack])
            #expect(t.headerLength == 20 + 32)
        }
    }

    /// The common layout (NOP, NOP, Timestamps) takes a shortcut; it must agree with the full walk.
    @Test func timestampsOnlyShortcut() throws {
        let cases: [([BuildOption], UInt32)] = [([.nop, .nop, .timestamps(0xDEAD_BEEF, 7)], 0xDEAD_BEEF),
                                                ([.timestamps(5, 6), .nop, .nop], 5)]
        for (opts, value) in cases {
            let seg = B.tcpSegment(src: c4, dst: s4, sport: 80, dport: 40000, flags: [.ack], options: opts)
            try WireBytes.with(seg) { w in
                let s = try TCPHeader(w).options.summary
                #expect(s.timestamps?.value == value && s.sackBlockCount == 0 && s.mss == nil && !s.malformed)
            }
        }
    }

    /// SYN layouts with a shortcut (MSS alone; Linux's MSS, SACK permitted, Timestamps, NOP,
    /// Window scale) agree with the full walk; near misses take the walk.
    @Test func synShortcuts() throws {
        let cases: [[BuildOption]] = [
            [.mss(1460)],
            [.mss(1400), .sackPermitted, .timestamps(0xA1B2_C3D4, 0), .nop, .windowScale(7)],
            [.mss(1460), .sackPermitted, .timestamps(1, 2), .nop, .windowScale(14)],
            [.mss(536), .nop, .windowScale(2), .sackPermitted, .timestamps(9, 0)],       // same options, other order
            [.mss(1460), .sackPermitted, .timestamps(1, 2), .windowScale(3), .nop],      // NOP after the scale
            [.raw([2, 5, 1, 2, 3])],                                                    // MSS with a bad length
        ]
        for opts in cases {
            let seg = B.tcpSegment(src: c4, dst: s4, sport: 40000, dport: 443, flags: [.syn], options: opts)
            try WireBytes.with(seg) { w in
                let t = try TCPHeader(w)
                let s = t.options.summary
                var it = t.options
                var mss: UInt16?, ws: UInt8?, sackOK = false, ts: (UInt32, UInt32)?
                while let o = it.next() {
                    switch o {
                    case .mss(let v): mss = v
                    case .windowScale(let v): ws = v
                    case .sackPermitted: sackOK = true
                    case .timestamps(let v, let e): ts = (v, e)
                    default: break
                    }
                }
                #expect(s.mss == mss && s.windowScale == ws && s.sackPermitted == sackOK, "\(opts)")
                #expect(s.timestamps?.value == ts?.0 && s.timestamps?.echo == ts?.1, "\(opts)")
                #expect(s.malformed == (it.error != nil), "\(opts)")
            }
        }
    }

    @Test func headerChecks() {
        let syn = B.tcpSegment(src: c4, dst: s4, sport: 1, dport: 2, flags: [.syn, .ece, .cwr])
        WireBytes.with(syn) { w in
            let t = try? TCPHeader(w)
            #expect(t?.flags == [.syn, .ece, .cwr])
        }
        #expect(viewError(Array(syn.prefix(10))) { try TCPHeader($0, wireLength: 20) } == .truncated(.tcp, needed: 20, have: 10))
        #expect(viewError(Array(syn.prefix(10))) { try TCPHeader($0, wireLength: 10) } == .malformed(.tcp, .headerTooShort))
        let shortOffset = B.tcpSegment(src: c4, dst: s4, sport: 1, dport: 2, flags: [.syn], dataOffset: 4)
        #expect(viewError(shortOffset) { try TCPHeader($0) } == .malformed(.tcp, .badDataOffset))
        let longOffset = B.tcpSegment(src: c4, dst: s4, sport: 1, dport: 2, flags: [.syn], dataOffset: 15)
        #expect(viewError(longOffset) { try TCPHeader($0) } == .malformed(.tcp, .badDataOffset))
        #expect(viewError(longOffset) { try TCPHeader($0, wireLength: 60) } == .truncated(.tcp, needed: 60, have: 20))
        // AccECN's AE bit (formerly NS) sits in byte 12.
        let ae = B.tcpSegment(src: c4, dst: s4, sport: 1, dport: 2, flags: [.syn, .ae])
        WireBytes.with(ae) { w in #expect((try? TCPHeader(w))?.flags.contains(.ae) == true) }
    }

    @Test("sequence numbers compare modulo 2^32") func wrap() {
        #expect(SeqNum(0xffff_fff0) < SeqNum(0x10))
        #expect(!(SeqNum(0x10) < SeqNum(0xffff_fff0)))
        #expect(SeqNum(0xffff_ffff) + 2 == SeqNum(1))
        #expect(SeqNum(5) - SeqNum(0xffff_fffb) == 10)
    }

    @Test func udp() {
        let d = B.udpDatagram(src: c4, dst: s4, sport: 5353, dport: 53, payload: [9, 9])
        WireBytes.with(d + [0, 0]) { w in
            let u = try? UDPHeader(w, wireLength: 12)
            #expect(u?.sourcePort == 5353 && u?.destinationPort == 53 && u?.payload.count == 2)
        }
        #expect(viewError(B.udpDatagram(src: c4, dst: s4, sport: 1, dport: 2, payload: [], lengthField: 4)) { try UDPHeader($0) } == .malformed(.udp, .badLength))
        #expect(viewError(B.udpDatagram(src: c4, dst: s4, sport: 1, dport: 2, payload: [1], lengthField: 200)) { try UDPHeader($0) } == .malformed(.udp, .badLength))
        #expect(viewError([0, 1, 0]) { try UDPHeader($0, wireLength: 30) } == .truncated(.udp, needed: 8, have: 3))
    }
}
