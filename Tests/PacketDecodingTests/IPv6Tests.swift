import PacketDecoding
import TestSupport
import Testing

@Suite("IPv6 and extension headers") struct IPv6Tests {
    static let seg = B.tcpSegment(src: c6, dst: s6, sport: 40000, dport: 443, flags: [.syn], options: [.mss(1440)])

    struct ExtCase: Sendable, CustomTestStringConvertible {
        let name: String
        let chain: [Ext]
        var testDescription: String { name }
    }
    static let chains: [ExtCase] = [
        .init(name: "none", chain: []),
        .init(name: "hop-by-hop", chain: [ext(0, [1, 4, 0, 0, 0, 0])]),
        .init(name: "routing (type 4, segments left 0)", chain: [ext(43, [4, 0, 0, 0, 0, 0])]),
        .init(name: "destination options", chain: [ext(60, [1, 4, 0, 0, 0, 0])]),
        .init(name: "atomic fragment", chain: [ext(44, B.fragmentBody(offset: 0, more: false, id: 77))]),
        .init(name: "AH", chain: [ext(51, [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]),
        .init(name: "all kinds chained", chain: [ext(0, []), ext(60, []), ext(43, [4, 0, 0, 0, 0, 0]), ext(44, B.fragmentBody(offset: 0, more: false, id: 1)), ext(51, []), ext(60, [])]),
    ]

    @Test(arguments: chains) func chain(_ c: ExtCase) {
        let pkt = B.ipv6(src: c6, dst: s6, proto: 6, payload: Self.seg, extensions: c.chain)
        dissect(pkt, link: .ipv6) { p in
            #expect(p.error == nil)
            #expect(p.ipv6ExtensionCount == UInt8(c.chain.count))
            #expect(p.transportProtocol == .tcp)
            #expect(p.tcp?.destinationPort == 443)
            #expect(p.tcp?.options.summary.mss == 1440)
            #expect(p.ipv6?.source.description == "fd00::1")
        }
    }

    @Test func fixedHeader() {
        #expect(viewError([0x60, 0, 0]) { try IPv6Header($0) } == .truncated(.ipv6, needed: 40, have: 3))
        var bad = B.ipv6(src: c6, dst: s6, proto: 59, payload: [])
        bad[0] = 0x40
        #expect(viewError(bad) { try IPv6Header($0) } == .malformed(.ipv6, .badVersion))
        let padded = B.ipv6(src: c6, dst: s6, proto: 59, payload: [1, 2]) + [0, 0, 0]
        WireBytes.with(padded) { w in #expect((try? IPv6Header(w))?.bytes.count == 42) }
    }

    @Test("a hostile chain of 100 extension headers stops at the cap") func longChain() {
        let chain = Array(repeating: ext(60, []), count: 100)
        let pkt = B.ipv6(src: c6, dst: s6, proto: 6, payload: Self.seg, extensions: chain)
        dissect(pkt, link: .ipv6) { p in
            #expect(p.error == .malformed(.ipv6Ext, .extensionChainTooLong))
            #expect(p.tcp == nil)
        }
    }

    @Test("an extension header cut by the capture is truncation") func truncatedChain() {
        let pkt = B.ipv6(src: c6, dst: s6, proto: 6, payload: Self.seg, extensions: [ext(60, [1, 12] + Array(repeating: 0, count: 12))])
        dissect(Array(pkt.prefix(44)), link: .ipv6) { p in
            #expect(p.error == .truncated(.ipv6Ext, needed: 8, have: 4))
        }
    }

    @Test("fragments: offset, M flag and id; non-first fragments carry no transport") func fragments() {
        let first = B.ipv6(src: c6, dst: s6, proto: 17, payload: [0, 53, 0, 53, 0, 100, 0, 0],
                           extensions: [ext(44, B.fragmentBody(offset: 0, more: true, id: 0xabcdef))])
        dissect(first, link: .ipv6) { p in
            #expect(p.fragment == FragmentInfo(identification: 0xabcdef, offset: 0, moreFragments: true))
            #expect(p.udp?.length == 100)
            #expect(p.error == nil)
        }
        let later = B.ipv6(src: c6, dst: s6, proto: 17, payload: [1, 2, 3, 4, 5, 6, 7, 8],
                           extensions: [ext(44, B.fragmentBody(offset: 1232, more: false, id: 0xabcdef))])
        dissect(later, link: .ipv6) { p in
            #expect(p.fragment?.offset == 1232)
            #expect(p.udp == nil && p.error == nil)
        }
    }

    @Test("address text follows RFC 5952") func addressText() {
        #expect(IPAddress(high: 0x2001_0db8_0000_0000, low: 0x0000_0000_0000_0001).description == "2001:db8::1")
        #expect(IPAddress(high: 0, low: 1).description == "::1")
        #expect(IPAddress(high: 0x2001_0db8_0000_0001, low: 0x0000_0001_0000_0001).description == "2001:db8:0:1:0:1:0:1")
        #expect(IPAddress(high: 0xfe80_0000_0000_0000, low: 0x0200_00ff_fe00_0001).description == "fe80::200:ff:fe00:1")
    }
}
