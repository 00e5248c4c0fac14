import PacketDecoding
import TestSupport
import Testing

@Suite("ICMPv4 and ICMPv6") struct ICMPTests {
    static let syn4 = B.tcp(c4, 40000, s4, 443, flags: [.syn], seq: 0x0102_0304, options: [.mss(1460)])
    static let data4 = B.tcp(c4, 40000, s4, 443, flags: [.ack, .psh], seq: 5000, ack: 1, payload: Array(repeating: 1, count: 1400))

    @Test("fragmentation needed: next-hop MTU and the quoted segment") func fragNeeded() {
        let quote = Array(Self.data4.prefix(28))                                // IP header + 8 bytes, as RFC 792 asks
        let icmp = B.icmpv4(type: 3, code: 4, rest: 1400, body: quote)
        let pkt = B.ipv4(src: "10.0.0.254", dst: c4, proto: 1, payload: icmp, ttl: 63)
        dissect(B.frame(.ethernet, pkt)) { p in
            let m = p.icmpv4
            #expect(m?.isError == true && m?.isFragmentationNeeded == true)
            #expect(m?.nextHopMTU == 1400)
            let q = m?.quoted
            #expect(q?.proto == .tcp)
            #expect(q?.source.description == "10.0.0.1" && q?.destination.description == "10.0.0.2")
            #expect(q?.sourcePort == 40000 && q?.destinationPort == 443)
            #expect(q?.tcpSequence == SeqNum(5000))
            #expect(q?.tcpFlags == nil)                                         // only 8 bytes quoted
            #expect(q?.originalLength == 1440)
            #expect(q?.ipv4?.dontFragment == true)
            #expect(p.error == nil)
        }
    }

    @Test("port unreachable quoting a whole SYN (Linux quotes up to 576 bytes)") func unreachable() {
        let icmp = B.icmpv4(type: 3, code: 3, body: Self.syn4)
        dissect(B.ipv4(src: s4, dst: c4, proto: 1, payload: icmp), link: .ipv4) { p in
            #expect(p.icmpv4?.quoted?.tcpFlags == [.syn])
            #expect(p.icmpv4?.quoted?.tcpSequence == SeqNum(0x0102_0304))
        }
    }

    @Test("echo is not an error and quotes nothing") func echo() {
        dissect(B.ipv4(src: c4, dst: s4, proto: 1, payload: B.icmpv4(type: 8, code: 0, rest: 0x0001_0002)), link: .ipv4) { p in
            #expect(p.icmpv4?.isError == false)
            #expect(p.icmpv4?.quoted == nil)
            #expect(p.icmpv4?.identifier == 1 && p.icmpv4?.sequence == 2)
        }
    }

    @Test("an ICMP error quoting an ICMP error is decoded one level only") func nested() {
        let inner = B.ipv4(src: c4, dst: s4, proto: 1, payload: B.icmpv4(type: 3, code: 1, body: Array(Self.syn4.prefix(28))))
        let outer = B.ipv4(src: s4, dst: c4, proto: 1, payload: B.icmpv4(type: 11, code: 0, body: inner))
        dissect(outer, link: .ipv4) { p in
            #expect(p.icmpv4?.quoted?.proto == .icmp)
            #expect(p.icmpv4?.quoted?.icmpType == 3)
            #expect(p.icmpv4?.quoted?.sourcePort == nil)
        }
    }

    @Test("packet too big with MTU and a quoted IPv6 TCP segment") func packetTooBig() {
        let data6 = B.tcp(c6, 40000, s6, 443, flags: [.ack], seq: 777, payload: Array(repeating: 2, count: 1400))
        let icmp = B.icmpv6(src: "fd00::fe", dst: c6, type: 2, code: 0, rest: 1280, body: Array(data6.prefix(1232)))
        dissect(B.ipv6(src: "fd00::fe", dst: c6, proto: 58, payload: icmp), link: .ipv6) { p in
            #expect(p.icmpv6?.isPacketTooBig == true)
            #expect(p.icmpv6?.mtu == 1280)
            #expect(p.icmpv6?.quoted?.destinationPort == 443)
            #expect(p.icmpv6?.quoted?.tcpSequence == SeqNum(777))
            #expect(p.icmpv6?.quoted?.originalLength == data6.count)
        }
    }

    @Test func neighborSolicitation() {
        let ns = B.icmpv6(src: c6, dst: "ff02::1:ff00:2", type: 135, code: 0, body: s6.bytes)
        dissect(B.ipv6(src: c6, dst: "ff02::1:ff00:2", proto: 58, payload: ns, hopLimit: 255), link: .ipv6) { p in
            #expect(p.icmpv6?.neighborTarget?.description == "fd00::2")
            #expect(p.icmpv6?.isError == false)
        }
    }

    @Test func shortMessages() {
        #expect(viewError([3, 4, 0]) { try ICMPv4Message($0) } == .truncated(.icmpv4, needed: 8, have: 3))
        #expect(viewError([2, 0, 0, 0, 0]) { try ICMPv6Message($0) } == .truncated(.icmpv6, needed: 8, have: 5))
        // A quote that is not IP yields no quoted packet rather than garbage.
        WireBytes.with(B.icmpv4(type: 3, code: 1, body: [0x99, 1, 2])) { w in #expect((try? ICMPv4Message(w))?.quoted == nil) }
    }
}
