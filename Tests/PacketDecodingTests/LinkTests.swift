import PacketDecoding
import TestSupport
import Testing

@Suite("Link layers") struct LinkTests {
    static let ip4 = B.tcp(c4, 40000, s4, 80, flags: [.syn])
    static let ip6 = B.tcp(c6, 40000, s6, 80, flags: [.syn])

    struct LinkCase: Sendable, CustomTestStringConvertible {
        let link: Int32
        let frame: [UInt8]
        let v6: Bool
        var testDescription: String { "link \(link) \(v6 ? "IPv6" : "IPv4")" }
    }
    static let cases: [LinkCase] = {
        var out: [LinkCase] = []
        for link: LinkType in [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .rawLinux, .rawOpenBSD, .rawLinktype] {
            out.append(.init(link: link.rawValue, frame: B.frame(link, ip4), v6: false))
            out.append(.init(link: link.rawValue, frame: B.frame(link, ip6), v6: true))
        }
        out.append(.init(link: LinkType.ipv4.rawValue, frame: ip4, v6: false))
        out.append(.init(link: LinkType.ipv6.rawValue, frame: ip6, v6: true))
        return out
    }()

    @Test(arguments: cases) func decodesToTCP(_ c: LinkCase) {
        dissect(c.frame, link: LinkType(rawValue: c.link)) { p in
            #expect(p.error == nil)
            #expect((p.ipv6 != nil) == c.v6)
            #expect(p.tcp?.destinationPort == 80)
            #expect(p.tcp?.flags == [.syn])
        }
    }

    @Test("802.1Q and QinQ tags are walked and recorded") func vlans() {
        dissect(B.frame(.ethernet, Self.ip4, vlans: [100])) { p in
            #expect(p.vlanCount == 1 && p.outerVLAN == 100 && p.innerVLAN == nil && p.tcp != nil)
        }
        dissect(B.frame(.ethernet, Self.ip6, vlans: [200, 300])) { p in
            #expect(p.vlanCount == 2 && p.outerVLAN == 200 && p.innerVLAN == 300 && p.tcp != nil)
        }
        dissect(B.frame(.ethernet, Self.ip4, vlans: [1, 2, 3, 4, 5])) { p in
            #expect(p.error == .malformed(.vlan, .vlanTooDeep))
        }
    }

    @Test func ethernetFields() {
        dissect(B.frame(.ethernet, Self.ip4, src: 0x0a0b0c0d0e0f, dst: 0xffffffffffff)) { p in
            #expect(p.sourceMAC?.description == "0a:0b:0c:0d:0e:0f")
            #expect(p.destinationMAC?.value == 0xffffffffffff)
        }
        // 802.3 with LLC (spanning tree) is not IP and not an error.
        dissect(B.frame(.ethernet, [0x42, 0x42, 0x03, 0, 0], etherType: 0x0026)) { p in
            #expect(p.error == nil && p.ipv4 == nil && p.etherType == nil)
        }
    }

    @Test func sllSourceAddress() {
        dissect(B.frame(.linuxSLL, Self.ip4, src: 0x020000000099), link: .linuxSLL) { p in
            #expect(p.sourceMAC?.value == 0x020000000099)
        }
        dissect(B.frame(.linuxSLL2, Self.ip4, src: 0x020000000098), link: .linuxSLL2) { p in
            #expect(p.sourceMAC?.value == 0x020000000098)
        }
    }

    @Test("BSD NULL in either byte order; LOOP in network order; unknown family is malformed") func loopback() {
        let be: [UInt8] = [0, 0, 0, 2] + Self.ip4
        dissect(be, link: .null) { p in #expect(p.ipv4 != nil) }
        for af: UInt8 in [10, 24, 28, 30] {
            dissect([af, 0, 0, 0] + Self.ip6, link: .null) { p in #expect(p.ipv6 != nil) }
        }
        dissect([0, 0, 0, 24] + Self.ip6, link: .loop) { p in #expect(p.ipv6 != nil) }
        dissect([7, 0, 0, 0] + Self.ip4, link: .null) { p in #expect(p.error == .malformed(.null, .unknownFamily)) }
    }

    @Test func arp() {
        let req = B.arp(op: 1, senderMAC: 0x020000000001, senderIP: c4, targetMAC: 0, targetIP: "10.0.0.77")
        dissect(B.frame(.ethernet, req, etherType: 0x0806, dst: 0xffffffffffff)) { p in
            #expect(p.arp?.operation == 1)
            #expect(p.arp?.senderIP.description == "10.0.0.1")
            #expect(p.arp?.targetIP.description == "10.0.0.77")
            #expect(p.arp?.senderMAC.value == 0x020000000001)
        }
        var bad = req
        bad[1] = 6
        dissect(B.frame(.ethernet, bad, etherType: 0x0806)) { p in #expect(p.error == .malformed(.arp, .badHardwareType)) }
    }

    @Test("raw link with a non-IP first nibble is malformed") func rawGarbage() {
        dissect([0x10, 0, 0, 0], link: .rawLinux) { p in #expect(p.error == .malformed(.link, .badVersion)) }
    }
}
