import PacketDecoding
import TestSupport
import Testing

/// Every prefix of every sample frame decodes or stops with an error — never traps — and a cut
/// of a valid packet is always reported as truncation, never as the sender's fault.
@Suite("Prefix sweep") struct PrefixSweepTests {
    struct Sample: Sendable, CustomTestStringConvertible {
        let name: String
        let link: Int32
        let bytes: [UInt8]
        var testDescription: String { name }
    }

    static let samples: [Sample] = {
        let syn = B.tcp(c4, 40000, s4, 443, flags: [.syn], options: [.mss(1460), .sackPermitted, .timestamps(1, 0), .nop, .windowScale(7)])
        let data6 = B.tcp(c6, 40000, s6, 443, flags: [.ack, .psh], payload: Array(repeating: 0x16, count: 40))
        let ext6 = B.ipv6(src: c6, dst: s6, proto: 17, payload: B.udpDatagram(src: c6, dst: s6, sport: 1, dport: 53, payload: [1, 2, 3]),
                          extensions: [ext(0, []), ext(43, [4, 0, 0, 0, 0, 0]), ext(44, B.fragmentBody(offset: 0, more: false, id: 5)), ext(51, [])])
        let frag = B.icmpv4(type: 3, code: 4, rest: 1400, body: Array(B.tcp(c4, 1, s4, 2, flags: [.ack], payload: [1, 2, 3]).prefix(28)))
        let ptb = B.icmpv6(src: s6, dst: c6, type: 2, code: 0, rest: 1280, body: data6)
        let arp = B.arp(op: 1, senderMAC: 1, senderIP: c4, targetMAC: 0, targetIP: s4)
        // Tunnels: outer endpoints o4/o6, the inner flow on c4/s4 and c6/s6.
        let o4: (Addr, Addr) = ("198.51.100.1", "203.0.113.1"), o6: (Addr, Addr) = ("2001:db8::a", "2001:db8::b")
        let udp4 = B.udp(c4, 5353, s4, 53, payload: [1, 2, 3])
        let greAll = B.gre(outerSrc: o4.0, outerDst: o4.1, checksum: true, key: 7, seq: 9, inner: data6)
        let gretap = B.gre(outerSrc: o6.0, outerDst: o6.1, protocolType: 0x6558, key: 8, inner: B.innerFrame(syn, vlans: [10, 20]))
        let vxlan = B.vxlan(outerSrc: o4.0, outerDst: o4.1, vni: 5001, innerFrame: B.innerFrame(syn))
        let nested = B.vxlan(outerSrc: o6.0, outerDst: o6.1, vni: 1,
                             innerFrame: B.innerFrame(B.gre(outerSrc: o4.0, outerDst: o4.1, inner: B.ipInIP(outerSrc: o6.0, outerDst: o6.1, inner: udp4))))
        return [
            Sample(name: "ethernet SYN with options", link: 1, bytes: B.frame(.ethernet, syn)),
            Sample(name: "QinQ IPv6 data", link: 1, bytes: B.frame(.ethernet, data6, vlans: [10, 20])),
            Sample(name: "IPv6 extension chain", link: 1, bytes: B.frame(.ethernet, ext6)),
            Sample(name: "ICMP frag-needed", link: 1, bytes: B.frame(.ethernet, B.ipv4(src: s4, dst: c4, proto: 1, payload: frag))),
            Sample(name: "ICMPv6 packet too big", link: 229, bytes: B.ipv6(src: s6, dst: c6, proto: 58, payload: ptb)),
            Sample(name: "ARP", link: 1, bytes: B.frame(.ethernet, arp, etherType: 0x0806)),
            Sample(name: "SLL", link: 113, bytes: B.frame(.linuxSLL, syn)),
            Sample(name: "SLL2", link: 276, bytes: B.frame(.linuxSLL2, data6)),
            Sample(name: "NULL", link: 0, bytes: B.frame(.null, syn)),
            Sample(name: "LOOP", link: 108, bytes: B.frame(.loop, data6)),
            Sample(name: "raw", link: 12, bytes: syn),
            Sample(name: "IPv4 options + UDP", link: 228,
                   bytes: B.ipv4(src: c4, dst: s4, proto: 17, payload: B.udpDatagram(src: c4, dst: s4, sport: 1, dport: 2, payload: [1]), options: [1, 7, 7, 4, 0, 0, 0, 0])),
            Sample(name: "IPv4 in IPv6", link: 1, bytes: B.frame(.ethernet, B.ipInIP(outerSrc: o6.0, outerDst: o6.1, inner: syn))),
            Sample(name: "IPv6 in IPv4", link: 228, bytes: B.ipInIP(outerSrc: o4.0, outerDst: o4.1, inner: data6)),
            Sample(name: "GRE checksum+key+seq", link: 1, bytes: B.frame(.ethernet, greAll)),
            Sample(name: "GRE Ethernet with VLANs", link: 229, bytes: gretap),
            Sample(name: "VXLAN", link: 1, bytes: B.frame(.ethernet, vxlan, vlans: [5])),
            Sample(name: "ERSPAN II", link: 12, bytes: B.erspanII(outerSrc: o4.0, outerDst: o4.1, session: 3, innerFrame: B.innerFrame(udp4))),
            Sample(name: "ERSPAN III with subheader", link: 229,
                   bytes: B.erspanIII(outerSrc: o6.0, outerDst: o6.1, session: 4, platformSubheader: true, innerFrame: B.innerFrame(data6))),
            Sample(name: "VXLAN > GRE > IP-in-IP", link: 1, bytes: B.frame(.ethernet, nested)),
        ]
    }()

    @Test(arguments: samples) func everyPrefix(_ s: Sample) {
        let link = LinkType(rawValue: s.link)
        dissect(s.bytes, link: link) { p in #expect(p.error == nil, "the whole sample decodes") }
        for n in 0..<s.bytes.count {
            dissect(Array(s.bytes.prefix(n)), link: link) { p in
                if case .malformed(let l, let r)? = p.error {
                    Issue.record("prefix \(n) of \(s.name) reported malformed \(l) \(r)")
                }
            }
        }
    }

    @Test("random bytes on every link type never trap") func randomBytes() {
        var rng = SplitMix(seed: 0x5eed)
        let links: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .rawLinux, .ipv4, .ipv6]
        for i in 0..<20_000 {
            let n = Int(rng.next() % 120)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Bias towards plausible IP so deeper layers get exercised too.
            if n > 0 && i % 2 == 0 { bytes[0] = i % 4 == 0 ? 0x45 : 0x60 }
            _ = WireBytes.with(bytes) { Dissector.dissect($0, link: links[i % links.count]) }
        }
    }
}
