import Diagnosis
import Foundation
import PacketDecoding
import Reporting
import TestSupport
import Testing

/// Incidents on built captures: each chain and grouping the diagnosis makes, and near misses
/// where one link is missing (two unrelated failures close in time stay two incidents).
@Suite("Incidents") struct IncidentTests {
    func only(_ r: Report) throws -> Incident {
        #expect(r.incidents.count == 1, "\(r.incidents.map { "\($0.title): \($0.chain.map(\.kind?.rawValue))" })")
        return try #require(r.incidents.first)
    }

    /// `client` asks `resolver` for app.example and gets `rcode` (nil: no answer).
    static func lookup(_ s: inout Scenario, client: Addr, resolver: Addr, rcode: UInt8?, id: UInt16 = 7) {
        s.add(B.udp(client, 40053, resolver, 53, payload: NameLinkTests.dns(id: id, qname: "app.example")))
        if let rcode {
            s.add(B.udp(resolver, 53, client, 40053, payload: NameLinkTests.dns(id: id, response: true, rcode: rcode, qname: "app.example")),
                  fromClient: false)
        }
    }

    @Test("a failed lookup, then the same client's unanswered connection: one incident, the lookup first")
    func dnsChain() throws {
        var s = Scenario()
        Self.lookup(&s, client: s.client, resolver: "10.0.0.53", rcode: 2)
        s.wait(0.5)
        s.c([.syn]); s.wait(1); s.c([.syn]); s.wait(2); s.c([.syn])
        s.end(after: 5)
        let i = try only(try s.analyze())
        #expect(i.chain.map(\.kind) == [.dnsError, .handshakeUnanswered] && i.rootCause.id == "dns.error/upstream-failure", "\(i.chain)")
        #expect(i.layer == "dns")
    }

    @Test("near miss: another client's connection failing after the lookup is its own incident")
    func dnsNearMiss() throws {
        var s = Scenario()
        Self.lookup(&s, client: "10.0.0.7", resolver: "10.0.0.53", rcode: 2)
        s.wait(0.5)
        s.c([.syn]); s.wait(1); s.c([.syn]); s.wait(2); s.c([.syn])
        s.end(after: 5)
        #expect(try s.analyze().incidents.count == 2)
    }

    @Test("a resolver answering SERVFAIL while its own questions upstream go unanswered: the dead upstream is the root")
    func deadUpstream() throws {
        var s = Scenario()
        Self.lookup(&s, client: "10.0.0.5", resolver: "10.0.0.53", rcode: nil, id: 1)
        s.wait(0.1)
        for id: UInt16 in [11, 12] {
            s.add(B.udp("10.0.0.53", 41000, "192.0.2.53", 53, payload: NameLinkTests.dns(id: id, qname: "app.example")))
            s.wait(1)
        }
        s.add(B.udp("10.0.0.53", 53, "10.0.0.5", 40053, payload: NameLinkTests.dns(id: 1, response: true, rcode: 2, qname: "app.example")),
              fromClient: false)
        s.end(after: 5)
        let i = try only(try s.analyze())
        #expect(i.chain.first?.kind == .dnsUnanswered && i.chain.contains { $0.kind == .dnsError }, "\(i.chain)")
    }

    @Test("a SYN flood and the genuine clients unanswered at the same service: one incident, the flood first")
    func flood() throws {
        let r = try RuleCoverage.flood(sources: 400, attempts: 400).analyze()
        let i = try only(r)
        #expect(i.chain.first?.kind == .synFlood && i.findings.count == r.findings.count)
    }

    @Test("one place, one cause: clients refused at one server and port are one incident with its blast radius; another port is another")
    func samePlace() throws {
        var s = Scenario()
        for n in 0..<5 {
            s.client = .v4([10, 0, 3, UInt8(n + 1)]); s.cport = 42000 + UInt16(n)
            s.c([.syn]); s.s([.rst, .ack], seq: 0, ack: s.cisn + 1)
        }
        s.sport = 81
        s.client = "10.0.3.99"
        s.c([.syn]); s.s([.rst, .ack], seq: 0, ack: s.cisn + 1)
        let r = try s.analyze()
        #expect(r.incidents.count == 2)
        let big = try #require(r.incidents.first)
        #expect(big.place == "10.0.0.2:80" && big.affected.clients == 5 && big.rootCause.id.hasPrefix("tcp.handshake.refused/"), "\(big)")
    }

    @Test("ICMP from one router across services: one incident at the router")
    func router() throws {
        var s = Scenario()
        for (n, server) in ["10.0.9.1", "10.0.9.2", "10.0.9.3"].enumerated() {
            let syn = B.tcp(s.client, 43000 + UInt16(n), Addr(stringLiteral: server), 443, flags: [.syn], seq: 1000)
            s.add(syn)
            s.add(B.ipv4(src: "10.0.0.254", dst: s.client, proto: 1, payload: B.icmpv4(type: 3, code: 13, body: Array(syn.prefix(28)))),
                  fromClient: false)
        }
        let i = try only(try s.analyze())
        #expect(i.place == "router 10.0.0.254" && i.affected.servers == 3, "\(i)")
    }

    @Test("one client failing everywhere while another client works: the client's side; near miss: everyone fails")
    func clientSide() throws {
        func run(otherWorks: Bool) throws -> Report {
            var s = Scenario()
            s.client = "10.0.4.1"
            for (n, server) in ["10.0.8.1", "10.0.8.2", "10.0.8.3"].enumerated() {
                s.server = Addr(stringLiteral: server); s.cport = 44000 + UInt16(n)
                s.c([.syn]); s.wait(1); s.c([.syn])
            }
            s.client = "10.0.4.2"; s.server = "10.0.8.9"; s.cport = 45000
            if otherWorks { s.handshake(); s.exchange() } else { s.c([.syn]); s.wait(1); s.c([.syn]) }
            s.end(after: 5)
            return try s.analyze()
        }
        let r = try run(otherWorks: true)
        let i = try only(r)
        #expect(i.rootCause.id == "incident/client-side" && i.place == "client 10.0.4.1", "\(i)")
        #expect(try run(otherWorks: false).incidents.allSatisfy { $0.rootCause.id != "incident/client-side" })
    }

    @Test("two unrelated failures close in time stay two incidents")
    func unrelated() throws {
        var s = Scenario()
        s.c([.syn]); s.s([.rst, .ack], seq: 0, ack: s.cisn + 1)
        s.client = "10.0.5.5"; s.server = "10.0.6.6"; s.cport = 46000
        s.c([.syn]); s.wait(1); s.c([.syn]); s.wait(2); s.c([.syn])
        s.end(after: 5)
        let r = try s.analyze()
        #expect(r.incidents.count == 2 && r.findings.allSatisfy { $0.incident != nil && $0.id != nil })
    }
}

/// Live capture: incidents open as findings stream, and the jsonl line that announces one.
@Suite("Incidents, live") struct LiveIncidentTests {
    static func refused(_ client: String, _ server: String, port: Int) -> Finding {
        var f = Finding(kind: .handshakeRefused, severity: .error, summary: "refused", frames: [], firstTime: 0, lastTime: 0, evidence: [:],
                        filter: "", flow: FlowRef(transport: "tcp", client: Endpoint(ip: client, port: 40000), server: Endpoint(ip: server, port: port)))
        f.causes = [Cause("tcp.handshake.refused/no-listener", "nothing listens", .high, because: ["a RST"])]
        return f
    }

    @Test("a new place and cause opens an incident; the same again joins it; the jsonl line wraps it")
    func opens() throws {
        var live = LiveIncidents()
        var a = Self.refused("10.0.0.1", "10.0.0.2", port: 80), b = Self.refused("10.0.0.3", "10.0.0.2", port: 80)
        var c = Self.refused("10.0.0.1", "10.0.0.2", port: 81)
        let opened = live.place(&a)
        let first = try #require(opened)
        #expect(first.id == "i1" && first.place == "10.0.0.2:80" && first.rootCause.id == "tcp.handshake.refused/no-listener")
        let joined = live.place(&b), other = live.place(&c)
        #expect(joined == nil && b.incident == "i1" && b.id == "f2")
        #expect(other?.id == "i2")
        let line = String(decoding: JSONReport.line(first, sensor: "s1", time: 1_700_000_000_000_000_000), as: UTF8.self)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((o["incident"] as? [String: Any])?["where"] as? String == "10.0.0.2:80" && o["sensor"] as? String == "s1" && line.hasSuffix("\n"))
    }
}
