import PacketDecoding
import TestSupport
import Testing

struct HeaderCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let expected: DecodeError?
    var testDescription: String { name }
}

@Suite("IPv4") struct IPv4Tests {
    static let udp = B.udpDatagram(src: c4, dst: s4, sport: 5000, dport: 53, payload: [1, 2, 3, 4])
    static let cases: [HeaderCase] = [
        .init(name: "minimal", bytes: B.ipv4(src: c4, dst: s4, proto: 17, payload: udp), expected: nil),
        .init(name: "with options (NOP, record route)",
              bytes: B.ipv4(src: c4, dst: s4, proto: 17, payload: udp, options: [1, 7, 7, 4, 0, 0, 0, 0]), expected: nil),
        .init(name: "snaplen cut in header", bytes: Array(B.ipv4(src: c4, dst: s4, proto: 17, payload: udp).prefix(12)),
              expected: .truncated(.ipv4, needed: 20, have: 12)),
        .init(name: "version 5", bytes: B.ipv4(src: c4, dst: s4, proto: 17, payload: udp, version: 5),
              expected: .malformed(.ipv4, .badVersion)),
        .init(name: "IHL < 5", bytes: B.ipv4(src: c4, dst: s4, proto: 17, payload: udp, ihl: 4),
              expected: .malformed(.ipv4, .headerTooShort)),
        .init(name: "total length < IHL", bytes: B.ipv4(src: c4, dst: s4, proto: 17, payload: udp, totalLength: 12),
              expected: .malformed(.ipv4, .totalLessThanHeader)),
        .init(name: "option length 0", bytes: B.ipv4(src: c4, dst: s4, proto: 17, payload: udp, options: [7, 0, 0, 0]),
              expected: .malformed(.ipv4, .optionLength)),
        .init(name: "option longer than header", bytes: B.ipv4(src: c4, dst: s4, proto: 17, payload: udp, options: [7, 9, 4, 0]),
              expected: .malformed(.ipv4, .optionLength)),
        .init(name: "IHL beyond capture", bytes: Array(B.ipv4(src: c4, dst: s4, proto: 17, payload: udp, options: [1, 1, 1, 1, 1, 1, 1, 1]).prefix(24)),
              expected: .truncated(.ipv4, needed: 28, have: 24)),
    ]

    @Test(arguments: cases) func decode(_ c: HeaderCase) {
        #expect(viewError(c.bytes) { try IPv4Header($0) } == c.expected)
    }

    @Test func fields() throws {
        let pkt = B.ipv4(src: c4, dst: s4, proto: 17, payload: Self.udp, ttl: 57, id: 0x1234, dontFragment: true)
        try WireBytes.with(pkt) { w in
            let h = try IPv4Header(w)
            #expect(h.headerLength == 20)
            #expect(h.ttl == 57)
            #expect(h.identification == 0x1234)
            #expect(h.dontFragment && !h.moreFragments && !h.isFragment)
            #expect(h.proto == .udp)
            #expect(h.source.description == "10.0.0.1")
            #expect(h.destination.description == "10.0.0.2")
            #expect(h.payload.count == Self.udp.count)
            #expect(!h.payloadIsTruncated)
            #expect(PacketBuilder.checksum(Array(pkt.prefix(20))) == 0)
        }
    }

    @Test("Ethernet padding is trimmed off the IP datagram") func padding() {
        let ip = B.tcp(c4, 40000, s4, 80, flags: [.ack], seq: 1, ack: 1)
        let frame = B.frame(.ethernet, ip, padTo: 60)
        #expect(frame.count == 60 && ip.count == 40)
        dissect(frame) { p in
            #expect(p.ipv4?.bytes.count == 40)
            #expect(p.payload?.count == 0)
            #expect(p.error == nil)
        }
    }

    @Test("total length 0 (TSO capture) takes what was captured") func tso() {
        let seg = B.tcpSegment(src: c4, dst: s4, sport: 1, dport: 2, flags: [.ack], payload: [UInt8](repeating: 7, count: 3000))
        let ip = B.ipv4(src: c4, dst: s4, proto: 6, payload: seg, totalLength: 0)
        dissect(ip, link: .rawLinux) { p in
            #expect(p.error == nil)
            #expect(p.payload?.count == 3000)
        }
    }

    @Test("fragments: first carries the transport header, later ones do not") func fragments() {
        let first = B.ipv4(src: c4, dst: s4, proto: 17, payload: Array(Self.udp.prefix(8)), id: 9, dontFragment: false, moreFragments: true)
        dissect(first, link: .rawLinux) { p in
            #expect(p.fragment == FragmentInfo(identification: 9, offset: 0, moreFragments: true))
            #expect(p.udp?.destinationPort == 53)
            #expect(p.error == nil)
        }
        let later = B.ipv4(src: c4, dst: s4, proto: 17, payload: [1, 2, 3, 4], id: 9, dontFragment: false, fragmentOffset: 8)
        dissect(later, link: .rawLinux) { p in
            #expect(p.fragment == FragmentInfo(identification: 9, offset: 8, moreFragments: false))
            #expect(p.udp == nil && p.error == nil)
        }
        // A tiny first fragment that cuts the TCP header is a fragmentation matter, not a decode error.
        let tiny = B.ipv4(src: c4, dst: s4, proto: 6, payload: Array(B.tcpSegment(src: c4, dst: s4, sport: 1, dport: 2, flags: [.syn]).prefix(8)),
                          dontFragment: false, moreFragments: true)
        dissect(tiny, link: .rawLinux) { p in #expect(p.error == nil && p.tcp == nil) }
    }
}
