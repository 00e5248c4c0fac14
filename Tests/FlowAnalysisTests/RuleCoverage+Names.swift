import Diagnosis
import PacketDecoding
import TestSupport
import Testing

/// Cause rule cases (RuleCoverageTests.swift) for DNS, ARP and ICMP. dns.error/dnssec and the
/// truncated-no-tcp causes sit beside the rcode or latency cause, which leads: their cases check
/// that they are listed.
extension RuleCoverage {
    static let names: [RuleCase] = [
        // DNS rcodes: the near miss changes only the rcode of the answer.
        RuleCase(id: "dns.error/nxdomain", fires: { try answer(rcode: 3).findings() }, nearMiss: { try answer(rcode: 2).findings() }),
        RuleCase(id: "dns.error/upstream-failure", fires: { try answer(rcode: 2).findings() }, nearMiss: { try answer(rcode: 3).findings() }),
        RuleCase(id: "dns.error/refused", fires: { try answer(rcode: 5).findings() }, nearMiss: { try answer(rcode: 3).findings() }),
        RuleCase(id: "dns.error/formerr", fires: { try answer(rcode: 1).findings() }, nearMiss: { try answer(rcode: 4).findings() }),
        RuleCase(id: "dns.error/notimp", fires: { try answer(rcode: 4).findings() }, nearMiss: { try answer(rcode: 1).findings() }),
        // NOTAUTH (9) is none of the rcodes with a rule of their own; REFUSED is.
        RuleCase(id: "dns.error/other-rcode", fires: { try answer(rcode: 9).findings() }, nearMiss: { try answer(rcode: 5).findings() }),
        // Retries never answered; near miss: the server answers the last one.
        RuleCase(id: "dns.unanswered/server-unreachable", fires: { try unanswered(answerLast: false).findings() },
                 nearMiss: { try unanswered(answerLast: true).findings() }),
        // An answer after 1.5 s (dnsSlowSeconds is 1); near miss: after 0.5 s.
        RuleCase(id: "dns.slow/slow-upstream", fires: { try answer(rcode: 0, after: 1.5).findings() },
                 nearMiss: { try answer(rcode: 0, after: 0.5).findings() }),

        // ARP: three requests with no reply; near miss: the target replies.
        RuleCase(id: "arp.unanswered/host-absent", fires: { try arpRequests(replied: false).findings() },
                 nearMiss: { try arpRequests(replied: true).findings() }),
        // Two MACs claim one address; near miss: the same MAC twice.
        RuleCase(id: "arp.conflict/address-conflict", fires: { try arpClaims([0x02_00_00_00_00_0A, 0x02_00_00_00_00_0B]).findings() },
                 nearMiss: { try arpClaims([0x02_00_00_00_00_0A, 0x02_00_00_00_00_0A]).findings() }),

        // ICMP unreachable about a UDP datagram (no handshake finding explains it).
        RuleCase(id: "icmp.unreachable/admin-prohibited", fires: { try unreachable(code: 13).findings() },
                 nearMiss: { try unreachable(code: 1).findings() }),                            // host unreachable: a reject rule
        RuleCase(id: "icmp.unreachable/reject-rule", fires: { try unreachable(code: 1).findings() },
                 nearMiss: { try unreachable(code: 1, after: 3).findings() }),                  // late: a neighbour lookup ran out
        RuleCase(id: "icmp.unreachable/no-neighbour", fires: { try unreachable(code: 1, after: 3).findings() },
                 nearMiss: { try unreachable(code: 1).findings() }),                            // at once: a rule
        RuleCase(id: "icmp.unreachable/no-route", fires: { try unreachable(code: 0).findings() },
                 nearMiss: { try unreachable(code: 1).findings() }),                            // host, not network, unreachable
        RuleCase(id: "icmp.unreachable/port-closed", fires: { try unreachable(code: 3, fromServer: true).findings() },
                 nearMiss: { try unreachable(code: 3).findings() }),                            // a router, not the server, said so

        // Beside the cause that leads: listed, and gone when the one fact is not there.
        RuleCase(id: "dns.error/dnssec", fires: { try answer(rcode: 2).findings() },
                 nearMiss: { try answer(rcode: 3).findings() }, leads: false),
        RuleCase(id: "dns.error/truncated-no-tcp", fires: { try answer(rcode: 3, tc: true).findings() },
                 nearMiss: { try answer(rcode: 3, tc: true, retryOverTCP: true).findings() }, leads: false),  // asked again over TCP
        RuleCase(id: "dns.slow/truncated-no-tcp", fires: { try answer(rcode: 0, after: 1.5, tc: true).findings() },
                 nearMiss: { try answer(rcode: 0, after: 1.5, tc: true, retryOverTCP: true).findings() }, leads: false),
        // The capture sits on the DNS server (its other flows say so): the queries reached it.
        RuleCase(id: "dns.unanswered/server-dropped", fires: { try dnsUnansweredAtServer(true).findings() },
                 nearMiss: { try dnsUnansweredAtServer(false).findings() }),

        // Time exceeded: an ordinary port is a loop; traceroute's port with TTL 1 is traceroute.
        RuleCase(id: "icmp.ttl-exceeded/reassembly-timeout", fires: { try timeExceeded(port: 5000, ttl: 64, code: 1).findings() },
                 nearMiss: { try timeExceeded(port: 5000, ttl: 64).findings() }),               // in transit: a loop
        RuleCase(id: "icmp.ttl-exceeded/routing-loop", fires: { try timeExceeded(port: 5000, ttl: 64).findings() },
                 nearMiss: { try timeExceeded(port: 33434, ttl: 1).findings() }),
        RuleCase(id: "icmp.ttl-exceeded/traceroute", fires: { try timeExceeded(port: 33434, ttl: 1).findings() },
                 nearMiss: { try timeExceeded(port: 5000, ttl: 1).findings() }),
    ]

    // MARK: recipes

    private static func query(_ s: inout Scenario, id: UInt16, qname: String = "app.example") {
        s.add(B.udp(s.client, 40053, s.server, 53, payload: NameLinkTests.dns(id: id, qname: qname)))
    }
    private static func reply(_ s: inout Scenario, id: UInt16, rcode: UInt8, tc: Bool = false, qname: String = "app.example") {
        s.add(B.udp(s.server, 53, s.client, 40053, payload: NameLinkTests.dns(id: id, response: true, rcode: rcode, tc: tc, qname: qname,
                                                                               answers: rcode == 0 && !tc ? 1 : 0)), fromClient: false)
    }

    /// One question answered with `rcode` after `after` seconds; with `retryOverTCP`, the client asks
    /// it again over TCP.
    static func answer(rcode: UInt8, after: Double = 0, tc: Bool = false, retryOverTCP: Bool = false) -> Scenario {
        var s = Scenario()
        query(&s, id: 5)
        s.wait(after)
        reply(&s, id: 5, rcode: rcode, tc: tc)
        if retryOverTCP {
            s.sport = 53; s.cport = 40054
            s.handshake()
            let q = NameLinkTests.dns(id: 6, qname: "app.example")
            s.c([.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1, payload: 0)
            s.add(B.tcp(s.client, s.cport, s.server, 53, flags: [.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1,
                        payload: [UInt8(q.count >> 8), UInt8(q.count & 0xFF)] + q))
        }
        return s
    }

    /// Queries unanswered at a server whose other flows (TCP, its packets undecremented) put the
    /// capture on its host, or on the client's.
    private static func dnsUnansweredAtServer(_ atServer: Bool) -> Scenario {
        var s = Scenario()
        s.clientTTL = atServer ? 57 : 64; s.serverTTL = atServer ? 64 : 57
        for i in 0..<3 { s.cport = 41000 + UInt16(i); s.cisn = 1000 * UInt32(i + 1); s.handshake(); s.exchange() }
        for id: UInt16 in [1, 2, 3] { query(&s, id: id); s.wait(1) }
        s.end(after: 5)
        return s
    }

    /// One question asked three times, a second apart; the last answered or not.
    private static func unanswered(answerLast: Bool) -> Scenario {
        var s = Scenario()
        for id: UInt16 in [1, 2, 3] { query(&s, id: id); s.wait(1) }
        if answerLast { reply(&s, id: 3, rcode: 0) }
        s.end(after: 5)
        return s
    }

    private static func arpFrame(_ s: Scenario, op: UInt16, mac: UInt64, ip: Addr, targetMAC: UInt64, target: Addr) -> CapturedFrame {
        CapturedFrame(B.frame(.ethernet, B.arp(op: op, senderMAC: mac, senderIP: ip, targetMAC: targetMAC, targetIP: target), etherType: 0x0806,
                              src: mac, dst: op == 1 ? 0xFFFF_FFFF_FFFF : targetMAC), time: s.t)
    }

    /// The client asks who has 10.0.0.99 three times; the host replies to the last, or not.
    private static func arpRequests(replied: Bool) -> Scenario {
        var s = Scenario()
        for _ in 0..<3 {
            s.frames.append(arpFrame(s, op: 1, mac: B.clientMAC, ip: "10.0.0.1", targetMAC: 0, target: "10.0.0.99"))
            s.wait(1)
        }
        if replied { s.frames.append(arpFrame(s, op: 2, mac: 0x02_00_00_00_00_63, ip: "10.0.0.99", targetMAC: B.clientMAC, target: "10.0.0.1")) }
        return s
    }

    /// Replies claiming 10.0.0.50, one from each MAC.
    private static func arpClaims(_ macs: [UInt64]) -> Scenario {
        var s = Scenario()
        for mac in macs {
            s.frames.append(arpFrame(s, op: 2, mac: mac, ip: "10.0.0.50", targetMAC: B.clientMAC, target: "10.0.0.1"))
            s.wait(0.1)
        }
        return s
    }

    /// A UDP datagram to port 5000 answered by ICMP destination unreachable `code`, from the router
    /// 10.0.0.254 or the server itself, `after` seconds later.
    private static func unreachable(code: UInt8, after: Double = 0, fromServer: Bool = false) -> Scenario {
        var s = Scenario()
        let d = B.udp(s.client, 40000, s.server, 5000, payload: Array(repeating: 0, count: 20))
        s.add(d)
        s.wait(after)
        s.add(B.ipv4(src: fromServer ? s.server : "10.0.0.254", dst: s.client, proto: 1,
                     payload: B.icmpv4(type: 3, code: code, body: Array(d.prefix(28)))), fromClient: false)
        return s
    }

    /// A UDP probe to `port` sent with `ttl`, answered by time exceeded in transit from a router.
    private static func timeExceeded(port: UInt16, ttl: UInt8, code: UInt8 = 0) -> Scenario {
        var s = Scenario()
        let probe = B.udp(s.client, 40000, s.server, port, payload: Array(repeating: 0, count: 20), ttl: ttl)
        s.add(probe)
        s.add(B.ipv4(src: "192.0.2.1", dst: s.client, proto: 1, payload: B.icmpv4(type: 11, code: code, body: Array(probe.prefix(28)))),
              fromClient: false)
        return s
    }
}
