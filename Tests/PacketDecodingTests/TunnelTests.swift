import PacketDecoding
import TestSupport
import Testing

// Tunnel endpoints and the hosts inside the tunnel.
let o4a: Addr = "198.51.100.1", o4b: Addr = "203.0.113.1"
let o6a: Addr = "2001:db8::a", o6b: Addr = "2001:db8::b"
let i4a: Addr = "192.168.1.1", i4b: Addr = "192.168.1.2"
let i6a: Addr = "fd10::1", i6b: Addr = "fd10::2"

@Suite("Tunnels") struct TunnelTests {
    struct TunnelCase: Sendable, CustomTestStringConvertible {
        let name: String
        let frame: [UInt8]
        let kind: TunnelKind
        let outerV6: Bool
        let innerV6: Bool
        let tcp: Bool
        let overhead: Int
        let key: UInt32?
        var testDescription: String { name }
    }

    /// What each encapsulation adds after the outer IP header, and how it wraps an inner IP packet.
    static let encapsulations: [(name: String, kind: TunnelKind, extra: Int, key: UInt32?,
                                 wrap: @Sendable (Addr, Addr, [UInt8]) -> [UInt8])] = [
        ("ip-in-ip", .ipInIP, 0, nil, { B.ipInIP(outerSrc: $0, outerDst: $1, inner: $2) }),
        ("gre", .gre, 4, nil, { B.gre(outerSrc: $0, outerDst: $1, inner: $2) }),
        ("gre with key", .gre, 8, 0xDEAD_BEEF, { B.gre(outerSrc: $0, outerDst: $1, key: 0xDEAD_BEEF, inner: $2) }),
        ("gretap", .gre, 4 + 14, nil, { B.gre(outerSrc: $0, outerDst: $1, protocolType: 0x6558, inner: B.innerFrame($2)) }),
        ("vxlan", .vxlan, 8 + 8 + 14, 5001, { B.vxlan(outerSrc: $0, outerDst: $1, vni: 5001, innerFrame: B.innerFrame($2)) }),
        ("erspan II", .erspan, 8 + 8 + 14, 300, { B.erspanII(outerSrc: $0, outerDst: $1, session: 300, innerFrame: B.innerFrame($2)) }),
        ("erspan III", .erspan, 8 + 12 + 14, 301, { B.erspanIII(outerSrc: $0, outerDst: $1, session: 301, innerFrame: B.innerFrame($2)) }),
    ]

    static let cases: [TunnelCase] = {
        var out: [TunnelCase] = []
        for e in encapsulations {
            for outerV6 in [false, true] {
                for innerV6 in [false, true] {
                    for tcp in [true, false] {
                        let (a, b) = innerV6 ? (i6a, i6b) : (i4a, i4b)
                        let inner = tcp ? B.tcp(a, 40000, b, 443, flags: [.syn], options: [.mss(1400)])
                                        : B.udp(a, 5353, b, 53, payload: [1, 2, 3, 4])
                        let (oa, ob) = outerV6 ? (o6a, o6b) : (o4a, o4b)
                        let name = "\(e.name) over IPv\(outerV6 ? 6 : 4) carrying IPv\(innerV6 ? 6 : 4) \(tcp ? "TCP" : "UDP")"
                        out.append(TunnelCase(name: name, frame: B.frame(.ethernet, e.wrap(oa, ob, inner)), kind: e.kind,
                                              outerV6: outerV6, innerV6: innerV6, tcp: tcp,
                                              overhead: (outerV6 ? 40 : 20) + e.extra, key: e.key))
                    }
                }
            }
        }
        return out
    }()

    @Test(arguments: cases) func decapsulates(_ c: TunnelCase) {
        dissect(c.frame) { p in
            #expect(p.error == nil)
            // The layers are the inner packet's…
            #expect((p.ipv6 != nil) == c.innerV6 && (p.ipv4 != nil) == !c.innerV6)
            #expect(p.sourceAddress?.description == (c.innerV6 ? "fd10::1" : "192.168.1.1"))
            #expect(p.destinationAddress?.description == (c.innerV6 ? "fd10::2" : "192.168.1.2"))
            #expect(p.fragment == nil && p.ipv6ExtensionCount == 0)
            if c.tcp {
                #expect(p.transportProtocol == .tcp)
                #expect(p.tcp?.sourcePort == 40000 && p.tcp?.destinationPort == 443)
                #expect(p.tcp?.options.summary.mss == 1400)
                #expect(p.udp == nil)
                #expect(p.transportWireLength == 24)
            } else {
                #expect(p.transportProtocol == .udp)
                #expect(p.udp?.sourcePort == 5353 && p.udp?.destinationPort == 53)
                #expect(p.payload?.count == 4)
                #expect(p.tcp == nil)
                #expect(p.transportWireLength == 12)
            }
            // …the tunnel is described once, and the link is still the capture's.
            #expect(p.tunnel?.kind == c.kind)
            #expect(p.tunnel?.outerSource.description == (c.outerV6 ? "2001:db8::a" : "198.51.100.1"))
            #expect(p.tunnel?.outerDestination.description == (c.outerV6 ? "2001:db8::b" : "203.0.113.1"))
            #expect(p.tunnel?.overhead == c.overhead)
            #expect(p.tunnel?.totalOverhead == c.overhead)
            #expect(p.tunnel?.key == c.key)
            #expect(p.tunnel?.depth == 1)
            #expect(p.sourceMAC?.value == PacketBuilder.clientMAC)
            #expect(p.etherType == (c.outerV6 ? .ipv6 : .ipv4))
            #expect(p.vlanCount == 0)
        }
    }

    @Test("overheads named in the brief: IPv4 in IPv4 20, GRE 24, VXLAN 50") func knownOverheads() {
        let inner = B.tcp(i4a, 1, i4b, 2, flags: [.syn])
        dissect(B.ipInIP(outerSrc: o4a, outerDst: o4b, inner: inner), link: .rawLinux) { #expect($0.tunnel?.overhead == 20) }
        dissect(B.gre(outerSrc: o4a, outerDst: o4b, inner: inner), link: .rawLinux) { #expect($0.tunnel?.overhead == 24) }
        dissect(B.vxlan(outerSrc: o4a, outerDst: o4b, vni: 1, innerFrame: B.innerFrame(inner)), link: .rawLinux) {
            #expect($0.tunnel?.overhead == 50)
        }
    }

    @Test("nested tunnels: the outermost is described, the innermost packet decoded") func nested() {
        let inner = B.tcp(i4a, 40000, i4b, 22, flags: [.syn])
        let gre6 = B.gre(outerSrc: o6a, outerDst: o6b, key: 7, inner: inner)
        let frame = B.frame(.ethernet, B.vxlan(outerSrc: o4a, outerDst: o4b, vni: 9000, innerFrame: B.innerFrame(gre6)))
        dissect(frame) { p in
            #expect(p.error == nil)
            #expect(p.tunnel?.kind == .vxlan && p.tunnel?.depth == 2 && p.tunnel?.key == 9000)
            // VXLAN over IPv4 (50), then IPv6 (40) and GRE with a key (8).
            #expect(p.tunnel?.overhead == 50 && p.tunnel?.totalOverhead == 50 + 40 + 8)
            #expect(p.tunnel?.outerSource.description == "198.51.100.1")
            #expect(p.tunnel?.outerDestination.description == "203.0.113.1")
            #expect(p.sourceAddress?.description == "192.168.1.1")
            #expect(p.tcp?.destinationPort == 22)
        }
        // IPv4 in IPv4 in IPv6.
        let ipip = B.ipInIP(outerSrc: o6a, outerDst: o6b, inner: B.ipInIP(outerSrc: o4a, outerDst: o4b, inner: inner))
        dissect(ipip, link: .ipv6) { p in
            #expect(p.error == nil)
            #expect(p.tunnel?.kind == .ipInIP && p.tunnel?.depth == 2)
            #expect(p.tunnel?.overhead == 40 && p.tunnel?.totalOverhead == 60)
            #expect(p.tunnel?.outerSource.description == "2001:db8::a")
            #expect(p.ipv4?.source.description == "192.168.1.1" && p.tcp != nil)
        }
    }

    @Test("nesting is capped") func depthCap() {
        let inner = B.udp(i4a, 1, i4b, 2, payload: [9])
        var pkt = inner
        for _ in 0..<Dissector.maximumTunnelDepth { pkt = B.ipInIP(outerSrc: o4a, outerDst: o4b, inner: pkt) }
        dissect(pkt, link: .ipv4) { p in
            #expect(p.error == nil)
            #expect(p.tunnel?.depth == Dissector.maximumTunnelDepth)
            #expect(p.tunnel?.totalOverhead == 20 * Dissector.maximumTunnelDepth)
            #expect(p.udp?.destinationPort == 2)
        }
        pkt = B.ipInIP(outerSrc: o4a, outerDst: o4b, inner: pkt)
        dissect(pkt, link: .ipv4) { p in
            #expect(p.error == .malformed(.tunnel, .tunnelTooDeep))
            #expect(p.tunnel?.depth == Dissector.maximumTunnelDepth)
            #expect(p.udp == nil && p.transportProtocol == .ipip)
        }
        #expect(DecodeError.Reason.tunnelTooDeep.name == "tunnel-nesting-too-deep")
    }

    @Test("an outer fragment is not opened: the inner packet is incomplete") func outerFragment() {
        let inner = B.tcp(i4a, 40000, i4b, 443, flags: [.syn])
        let gre = B.greMessage(protocolType: 0x0800, payload: inner)
        let first = B.ipv4(src: o4a, dst: o4b, proto: 47, payload: gre, id: 5, dontFragment: false, moreFragments: true)
        dissect(first, link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel == nil)
            #expect(p.transportProtocol == .gre)
            #expect(p.ipv4?.source.description == "198.51.100.1")
            #expect(p.fragment == FragmentInfo(identification: 5, offset: 0, moreFragments: true))
        }
        let later = B.ipv4(src: o4a, dst: o4b, proto: 4, payload: inner, id: 5, dontFragment: false, fragmentOffset: 16)
        dissect(later, link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel == nil && p.transportProtocol == .ipip && p.tcp == nil)
        }
        let udp = B.udpDatagram(src: o6a, dst: o6b, sport: 1, dport: 4789,
                                payload: [8, 0, 0, 0, 0, 0, 1, 0] + B.innerFrame(inner))
        let v6first = B.ipv6(src: o6a, dst: o6b, proto: 17, payload: udp,
                             extensions: [ext(44, B.fragmentBody(offset: 0, more: true, id: 6))])
        dissect(v6first, link: .ipv6) { p in
            #expect(p.error == nil && p.tunnel == nil)
            #expect(p.udp?.destinationPort == 4789 && p.ipv6?.source.description == "2001:db8::a")
        }
        // An atomic fragment (offset 0, M clear) is a whole datagram: opened.
        let atomic = B.ipv6(src: o6a, dst: o6b, proto: 4, payload: inner,
                            extensions: [ext(44, B.fragmentBody(offset: 0, more: false, id: 7))])
        dissect(atomic, link: .ipv6) { p in
            #expect(p.error == nil && p.tunnel?.kind == .ipInIP && p.tunnel?.overhead == 48)
            #expect(p.fragment == nil && p.ipv6ExtensionCount == 0 && p.tcp != nil)
        }
    }

    @Test("GRE with checksum, key and sequence number") func greAllFields() {
        let inner = B.udp(i6a, 1000, i6b, 2000, payload: [1, 2, 3])
        let msg = B.greMessage(protocolType: 0x86DD, checksum: true, key: 0x0102_0304, seq: 77, payload: inner)
        #expect(PacketBuilder.checksum(msg) == 0)
        WireBytes.with(msg) { w in
            guard let g = try? GREHeader(w) else { Issue.record("GRE header did not decode"); return }
            #expect(g.isVersion0 && g.hasChecksum && g.hasKey && g.hasSequence)
            #expect(g.headerLength == 16)
            #expect(g.checksum != nil && g.key == 0x0102_0304 && g.sequence == 77)
            #expect(g.protocolType == .ipv6)
            #expect(g.payload.count == inner.count)
        }
        dissect(B.ip(o4a, o4b, proto: 47, msg), link: .ipv4) { p in
            #expect(p.error == nil)
            #expect(p.tunnel?.kind == .gre && p.tunnel?.overhead == 36 && p.tunnel?.key == 0x0102_0304)
            #expect(p.udp?.destinationPort == 2000 && p.ipv6?.source.description == "fd10::1")
        }
        // Sequence number alone.
        dissect(B.gre(outerSrc: o4a, outerDst: o4b, seq: 1, inner: inner), link: .ipv4) { p in
            #expect(p.tunnel?.overhead == 28 && p.tunnel?.key == nil && p.udp != nil)
        }
    }

    @Test("GRE that is not version 0, or carries another protocol, stays an unknown transport") func greLeftAlone() {
        let inner = B.tcp(i4a, 1, i4b, 2, flags: [.syn])
        // PPTP's enhanced GRE (RFC 2637): version 1, K and S set, PPP inside.
        let pptp = B.gre(outerSrc: o4a, outerDst: o4b, protocolType: 0x880B, key: 0x0010_0001, seq: 1, version: 1, inner: inner)
        // RFC 1701 routing present, a version 0 with a strict-source-route bit, MPLS in GRE.
        let routing = B.gre(outerSrc: o4a, outerDst: o4b, flags: 0x4000, inner: inner)
        let strict = B.gre(outerSrc: o4a, outerDst: o4b, flags: 0x0800, inner: inner)
        let mpls = B.gre(outerSrc: o4a, outerDst: o4b, protocolType: 0x8847, inner: [0, 0, 0x11, 0x40] + inner)
        for pkt in [pptp, routing, strict, mpls] {
            dissect(pkt, link: .ipv4) { p in
                #expect(p.error == nil && p.tunnel == nil)
                #expect(p.transportProtocol == .gre && p.ipv4?.source.description == "198.51.100.1")
                #expect(p.tcp == nil)
            }
        }
        // RFC 2784: bits 6–12 are ignored on receipt, so they do not stop decapsulation.
        dissect(B.gre(outerSrc: o4a, outerDst: o4b, flags: 0x00F8, inner: inner), link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel?.kind == .gre && p.tcp != nil)
        }
    }

    @Test("an inner packet that fails to decode gives the usual typed error") func innerErrors() {
        let inner4 = B.tcp(i4a, 40000, i4b, 443, flags: [.syn])
        let inner6 = B.tcp(i6a, 40000, i6b, 443, flags: [.syn])
        // Snaplen cut inside the inner IPv4 header.
        let ipip = B.frame(.ethernet, B.ipInIP(outerSrc: o4a, outerDst: o4b, inner: inner4))
        dissect(Array(ipip.prefix(14 + 20 + 10))) { p in
            #expect(p.error == .truncated(.ipv4, needed: 20, have: 10))
            #expect(p.tunnel?.kind == .ipInIP && p.ipv4 == nil && p.transportProtocol == nil)
        }
        // Cut inside the inner TCP header.
        let gre = B.gre(outerSrc: o6a, outerDst: o6b, inner: inner4)
        dissect(Array(gre.prefix(40 + 4 + 20 + 12)), link: .ipv6) { p in
            #expect(p.error == .truncated(.tcp, needed: 20, have: 12))
            #expect(p.tunnel?.kind == .gre && p.ipv4?.source.description == "192.168.1.1")
        }
        // Cut inside the inner Ethernet frame and inside the tunnel headers themselves.
        let vx = B.vxlan(outerSrc: o4a, outerDst: o4b, vni: 1, innerFrame: B.innerFrame(inner4))
        dissect(Array(vx.prefix(20 + 8 + 8 + 6)), link: .ipv4) { p in
            #expect(p.error == .truncated(.ethernet, needed: 14, have: 6))
            #expect(p.tunnel?.kind == .vxlan && p.udp == nil)
        }
        dissect(Array(vx.prefix(20 + 8 + 5)), link: .ipv4) { p in
            #expect(p.error == .truncated(.vxlan, needed: 8, have: 5))
            #expect(p.tunnel == nil && p.udp?.destinationPort == 4789)
        }
        let keyed = B.gre(outerSrc: o4a, outerDst: o4b, key: 1, inner: inner4)
        dissect(Array(keyed.prefix(20 + 6)), link: .ipv4) { p in
            #expect(p.error == .truncated(.gre, needed: 8, have: 6) && p.tunnel == nil)
        }
        let e2 = B.erspanII(outerSrc: o4a, outerDst: o4b, session: 1, innerFrame: B.innerFrame(inner4))
        dissect(Array(e2.prefix(20 + 8 + 3)), link: .ipv4) { p in
            #expect(p.error == .truncated(.erspan, needed: 8, have: 3))
        }
        // The wrong inner version for the protocol number is the sender's fault.
        dissect(B.ip(o4a, o4b, proto: 4, inner6), link: .ipv4) { p in
            #expect(p.error == .malformed(.ipv4, .badVersion) && p.tunnel?.kind == .ipInIP)
        }
        dissect(B.gre(outerSrc: o4a, outerDst: o4b, protocolType: 0x86DD, inner: inner4), link: .ipv4) { p in
            #expect(p.error == .malformed(.ipv6, .badVersion))
        }
        // A broken inner TCP header.
        let badTCP = B.ip(i4a, i4b, proto: 6, B.tcpSegment(src: i4a, dst: i4b, sport: 1, dport: 2, flags: [.syn], dataOffset: 3))
        dissect(B.vxlan(outerSrc: o6a, outerDst: o6b, vni: 2, innerFrame: B.innerFrame(badTCP)), link: .ipv6) { p in
            #expect(p.error == .malformed(.tcp, .badDataOffset) && p.tunnel?.kind == .vxlan)
        }
        #expect(DecodeError.Layer.gre.name == "gre" && DecodeError.Layer.vxlan.name == "vxlan")
        #expect(DecodeError.Layer.erspan.name == "erspan" && DecodeError.Layer.tunnel.name == "tunnel")
    }

    @Test("VXLAN only on its port, with the I flag, and long enough") func vxlanLeftAlone() {
        let frame = B.innerFrame(B.tcp(i4a, 1, i4b, 2, flags: [.syn]))
        dissect(B.vxlan(outerSrc: o4a, outerDst: o4b, vni: 1, innerFrame: frame, dport: 8472), link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel == nil)
            #expect(p.udp?.destinationPort == 8472 && p.payload?.count == 8 + frame.count && p.tcp == nil)
        }
        dissect(B.vxlan(outerSrc: o4a, outerDst: o4b, vni: 1, innerFrame: frame, flags: 0), link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel == nil && p.udp != nil)
        }
        dissect(B.udp(o4a, 1, o4b, 4789, payload: [8, 0, 0, 0]), link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel == nil && p.udp != nil)
        }
    }

    @Test("an overlay frame's VLAN tags add to the overhead but are not the link's") func innerVLANs() {
        let inner = B.innerFrame(B.udp(i4a, 1, i4b, 2, payload: [1]), vlans: [10, 20])
        let frame = B.frame(.ethernet, B.vxlan(outerSrc: o4a, outerDst: o4b, vni: 3, innerFrame: inner), vlans: [100])
        dissect(frame) { p in
            #expect(p.error == nil)
            #expect(p.vlanCount == 1 && p.outerVLAN == 100 && p.innerVLAN == nil)
            #expect(p.tunnel?.overhead == 50 + 8 && p.udp?.destinationPort == 2)
        }
        let deep = B.innerFrame(B.udp(i4a, 1, i4b, 2, payload: [1]), vlans: [1, 2, 3, 4, 5])
        dissect(B.gre(outerSrc: o4a, outerDst: o4b, protocolType: 0x6558, inner: deep), link: .ipv4) { p in
            #expect(p.error == .malformed(.vlan, .vlanTooDeep))
        }
    }

    @Test("ARP and non-IP frames inside an overlay") func innerNonIP() {
        let arp = B.arp(op: 1, senderMAC: 0x0a, senderIP: i4a, targetMAC: 0, targetIP: i4b)
        dissect(B.vxlan(outerSrc: o4a, outerDst: o4b, vni: 4, innerFrame: B.innerFrame(arp, etherType: 0x0806)), link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel?.kind == .vxlan)
            #expect(p.arp?.targetIP.description == "192.168.1.2" && p.ipv4 == nil && p.udp == nil)
        }
        // LLDP: decapsulated, nothing further to decode.
        dissect(B.vxlan(outerSrc: o4a, outerDst: o4b, vni: 4, innerFrame: B.innerFrame([2, 7, 4, 0, 0, 0, 0, 0, 1], etherType: 0x88CC)),
                link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel?.overhead == 50 && p.ipv4 == nil && p.transportProtocol == nil)
        }
    }

    @Test("ERSPAN types I and III") func erspanVariants() {
        let inner = B.innerFrame(B.tcp(i4a, 1, i4b, 2, flags: [.syn]))
        // Type I: GRE 0x88BE without a sequence number, the frame straight after.
        dissect(B.gre(outerSrc: o4a, outerDst: o4b, protocolType: 0x88BE, inner: inner), link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel?.kind == .erspan && p.tunnel?.overhead == 20 + 4 + 14)
            #expect(p.tunnel?.key == nil && p.tcp != nil)
        }
        dissect(B.erspanIII(outerSrc: o4a, outerDst: o4b, session: 1023, platformSubheader: true, innerFrame: inner), link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel?.overhead == 20 + 8 + 20 + 14 && p.tunnel?.key == 1023 && p.tcp != nil)
        }
        // Type III mirroring IP rather than Ethernet, and a type III header under the type II number.
        dissect(B.erspanIII(outerSrc: o4a, outerDst: o4b, session: 1, frameType: 2, innerFrame: inner), link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel == nil && p.transportProtocol == .gre)
        }
        var wrongVersion = B.erspanII(outerSrc: o4a, outerDst: o4b, session: 1, innerFrame: inner)
        wrongVersion[20 + 8] = 0x20
        dissect(wrongVersion, link: .ipv4) { p in
            #expect(p.error == nil && p.tunnel == nil)
        }
    }

    @Test func names() {
        #expect(TunnelKind.allCases.map(\.name) == ["ip-in-ip", "gre", "vxlan", "erspan"])
    }
}
