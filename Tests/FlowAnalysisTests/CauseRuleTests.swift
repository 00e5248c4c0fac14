import Diagnosis
import PacketDecoding
import Reporting
import TestSupport
import Testing

/// The cause rules on crafted packets: each rule fires on the evidence that raises it, and a near
/// miss (the same finding with one fact changed) gives another cause or drops it.
@Suite("Cause rules") struct CauseRuleTests {
    func first(_ r: Report, _ k: FindingKind) throws -> Cause {
        let f = try #require(r.only(k).first, "no \(k.rawValue) in \(r.kinds())")
        return try #require(f.causes.first, "\(k.rawValue) has no cause")
    }

    // MARK: TLS alerts, by description, sender and stage

    struct AlertCase: Sendable, CustomTestStringConvertible {
        var description: UInt8
        var fromClient: Bool
        var afterServerHello: Bool
        var cause: String
        var testDescription: String { "\(description) from the \(fromClient ? "client" : "server")\(afterServerHello ? " after the ServerHello" : "") → \(cause)" }
    }

    static let alertCases: [AlertCase] = [
        .init(description: 70, fromClient: false, afterServerHello: false, cause: "version-mismatch"),
        .init(description: 40, fromClient: false, afterServerHello: false, cause: "no-shared-parameters"),
        .init(description: 71, fromClient: false, afterServerHello: false, cause: "no-shared-parameters"),
        .init(description: 40, fromClient: true, afterServerHello: true, cause: "client-refused-parameters"),
        .init(description: 40, fromClient: false, afterServerHello: true, cause: "client-cert-rejected"),
        .init(description: 48, fromClient: true, afterServerHello: true, cause: "server-cert-untrusted"),
        .init(description: 42, fromClient: true, afterServerHello: true, cause: "server-cert-untrusted"),
        .init(description: 46, fromClient: true, afterServerHello: true, cause: "server-cert-untrusted"),
        .init(description: 45, fromClient: true, afterServerHello: true, cause: "server-cert-expired"),
        .init(description: 44, fromClient: true, afterServerHello: true, cause: "server-cert-revoked"),
        .init(description: 48, fromClient: false, afterServerHello: true, cause: "client-cert-rejected"),
        .init(description: 45, fromClient: false, afterServerHello: true, cause: "client-cert-rejected"),
        .init(description: 116, fromClient: false, afterServerHello: true, cause: "client-cert-missing"),
        .init(description: 112, fromClient: false, afterServerHello: false, cause: "sni-unknown"),
        .init(description: 120, fromClient: false, afterServerHello: false, cause: "alpn-mismatch"),
        .init(description: 50, fromClient: false, afterServerHello: false, cause: "stack-or-middlebox"),
        .init(description: 47, fromClient: true, afterServerHello: true, cause: "stack-or-middlebox"),
        .init(description: 20, fromClient: false, afterServerHello: true, cause: "stack-or-middlebox"),
        .init(description: 49, fromClient: false, afterServerHello: true, cause: "access-denied"),
        .init(description: 80, fromClient: false, afterServerHello: false, cause: "internal-error"),
        .init(description: 90, fromClient: true, afterServerHello: true, cause: "user-canceled"),
        .init(description: 86, fromClient: false, afterServerHello: false, cause: "fallback-detected"),
        .init(description: 111, fromClient: false, afterServerHello: false, cause: "other-alert"),
    ]

    @Test("each TLS alert is read by its description, sender and stage", arguments: alertCases)
    func alert(_ a: AlertCase) throws {
        var v = TLSTests.Conversation()
        v.client(T.record(version: 0x0301, body: T.clientHello(sni: "shop.example", alpn: ["h2"])))
        if a.afterServerHello { v.server(T.record(body: T.serverHello(cipher: 0xC02F) + T.certificate(ders: []) + T.handshake(type: 14, body: []))) }
        let record = T.record(type: .alert, body: T.alert(description: a.description))
        if a.fromClient { v.client(record) } else { v.server(record) }
        let r = try v.s.analyze()
        let c = try first(r, .tlsAlert)
        #expect(c.id == "tls.alert/\(a.cause)", "\(c.id): \(c.text)")
        #expect(c.because.contains { $0.contains("(\(a.description))") && $0.contains("frame") }, "\(c.because)")
        #expect(CauseCatalog.causes(of: .tlsAlert).contains { $0.id == c.id })
    }

    @Test("protocol_version names the versions: a client offering only TLS 1.0 is told to upgrade; one offering 1.2 is not")
    func versionWording() throws {
        for (version, old) in [(UInt16(0x0301), true), (0x0303, false)] {
            var v = TLSTests.Conversation()
            v.client(T.record(version: 0x0301, body: T.clientHello(version: version)))
            v.server(T.record(type: .alert, body: T.alert(description: 70)))
            let c = try first(try v.s.analyze(), .tlsAlert)
            #expect(c.text.contains("offers at most TLS 1.0") == old, "\(c.text)")
            #expect(c.because.contains { $0.contains("the client offered up to \(old ? "TLS 1.0" : "TLS 1.2")") })
        }
    }

    struct OfferCase: Sendable, CustomTestStringConvertible {
        var suites: [UInt16]
        var groups: [UInt16]?
        var sni: String?
        var id: String
        var says: String
        var confidence: Confidence
        var testDescription: String { "\(suites.map { String($0, radix: 16) }) \(groups.map { $0.map { String($0, radix: 16) } } ?? []) → \(id): \(says)" }
    }

    static let offerCases: [OfferCase] = [
        .init(suites: [0x0035, 0x00FF], groups: nil, sni: "shop.example", id: "no-shared-parameters", says: "only RSA key exchange", confidence: .high),
        .init(suites: [0x0001, 0x0002, 0xC010], groups: nil, sni: "shop.example", id: "no-shared-parameters", says: "NULL, RC4, 3DES", confidence: .high),
        .init(suites: [0x1301, 0xC02F], groups: [0x11EC], sni: "shop.example", id: "no-shared-parameters", says: "post-quantum", confidence: .high),
        .init(suites: [0xC02F], groups: [0x0009, 0x000A], sni: "shop.example", id: "no-shared-parameters", says: "legacy or unusual key-exchange groups", confidence: .high),
        .init(suites: [0xC027, 0xC013], groups: [0x001D], sni: "shop.example", id: "no-shared-parameters", says: "only CBC suites", confidence: .medium),
        // Near misses: a current offer is no fault of the client's; without SNI, SNI is the suspect.
        .init(suites: [0x1301, 0xC02F], groups: [0x001D, 0x0017], sni: "shop.example", id: "no-shared-parameters", says: "accepts none of what the client offered", confidence: .medium),
        .init(suites: [0x1301, 0xC02F], groups: [0x001D, 0x0017], sni: nil, id: "sni-missing", says: "no server name (SNI)", confidence: .medium),
    ]

    @Test("handshake_failure before a ServerHello is read against the client's offer: suites, groups, SNI", arguments: offerCases)
    func offer(_ o: OfferCase) throws {
        var v = TLSTests.Conversation()
        v.client(T.record(version: 0x0301, body: T.clientHello(sni: o.sni, cipherSuites: o.suites, groups: o.groups)))
        v.server(T.record(type: .alert, body: T.alert(description: 40)))
        let r = try v.s.analyze()
        let f = try #require(r.only(.tlsAlert).first)
        let c = try #require(f.causes.first)
        #expect(c.id == "tls.alert/\(o.id)" && c.text.contains(o.says) && c.confidence == o.confidence, "\(c.id) \(c.confidence): \(c.text)")
        #expect(c.because.contains { $0.hasPrefix("the ClientHello (frame") && $0.contains("offered") }, "\(c.because)")
        guard case .array(let suites)? = f.evidence["offeredCipherSuites"] else { Issue.record("no offeredCipherSuites"); return }
        #expect(suites.count == o.suites.count)
    }

    @Test("a client refusing the server's choice: a suite it never offered is a bug or a rewrite; one it offered is its policy")
    func clientRefusedChoice() throws {
        for (chosen, offered) in [(UInt16(0xC030), false), (0xC02F, true)] {
            var v = TLSTests.Conversation()
            v.client(T.record(version: 0x0301, body: T.clientHello(sni: "shop.example", cipherSuites: [0x1301, 0xC02F])))
            v.server(T.record(body: T.serverHello(cipher: chosen)))
            v.client(T.record(type: .alert, body: T.alert(description: 40)))
            let c = try first(try v.s.analyze(), .tlsAlert)
            #expect(c.id == "tls.alert/client-refused-parameters")
            #expect(c.text.contains("never offered") == !offered, "\(c.text)")
            #expect(c.confidence == (offered ? .medium : .high))
        }
    }

    @Test("a silent server after the ClientHello is not a certificate problem; a reset after it is a rejection")
    func abortedStages() throws {
        var silent = TLSTests.Conversation()
        silent.client(T.record(version: 0x0301, body: T.clientHello(sni: "shop.example")))
        silent.s.wait(5)
        silent.clientFIN()
        let c = try first(try silent.s.analyze(), .tlsAborted)
        #expect(c.id == "tls.handshake.aborted/server-silent")
        #expect(!c.text.contains("certificate"))

        var reset = TLSTests.Conversation()
        reset.client(T.record(version: 0x0301, body: T.clientHello(sni: "shop.example")))
        reset.s.s([.rst, .ack], seq: reset.s.sisn + 1, ack: reset.s.cisn + 1 + UInt32(reset.c))
        #expect(try first(try reset.s.analyze(), .tlsAborted).id == "tls.handshake.aborted/server-rejected-hello")
    }

    // MARK: handshakes

    @Test("refused: a RST with the server's own TTL is no listener; with another TTL a device in between rejected it")
    func refusedByTTL() throws {
        func run(rstTTL: UInt8) throws -> Finding {
            var s = Scenario()
            s.sport = 443; s.handshake(); s.exchange()                 // the server answers on 443 with TTL 63
            s.cport = 40001; s.sport = 8443; s.cisn = 9000
            s.c([.syn]); s.s([.rst, .ack], seq: 0, ack: s.cisn + 1, ttl: rstTTL)
            return try #require(try s.analyze().only(.handshakeRefused).first)
        }
        let same = try run(rstTTL: 63)
        #expect(same.causes.first?.id == "tcp.handshake.refused/no-listener" && same.causes.first?.confidence == .high)
        #expect(same.causes.first?.because.contains { $0.contains("arrive with 63") } == true)
        let other = try run(rstTTL: 60)
        #expect(other.causes.first?.id == "tcp.handshake.refused/reject-rule" && other.causes.first?.confidence == .high)
        #expect(!other.causes.contains { $0.id.hasSuffix("/no-listener") }, "ruled out: another device answered")
    }

    @Test("refused at the client by a RST that crossed no router: the client's own link rejected it")
    func refusedOnLink() throws {
        var s = Scenario()
        s.c([.syn]); s.s([.rst, .ack], seq: 0, ack: s.cisn + 1, ttl: 64)
        let c = try first(try s.analyze(), .handshakeRefused)
        #expect(c.id == "tcp.handshake.refused/reject-rule" && c.text.contains("client's own link"))
        var near = Scenario()
        near.c([.syn]); near.s([.rst, .ack], seq: 0, ack: near.cisn + 1, ttl: 61)
        #expect(try first(try near.analyze(), .handshakeRefused).id == "tcp.handshake.refused/no-listener")
    }

    @Test("unanswered: the host answers other ports, so a filter drops this one; near miss: another host answered")
    func unansweredPortFilter() throws {
        func run(otherServer: Addr?) throws -> Finding {
            var s = Scenario()
            let real = s.server
            if let o = otherServer { s.server = o }
            s.sport = 22; s.handshake(); s.exchange()
            s.server = real; s.cport = 40002; s.sport = 8080; s.cisn = 7000
            s.c([.syn]); s.wait(1); s.c([.syn]); s.wait(2); s.c([.syn])
            s.end(after: 5)
            return try #require(try s.analyze().only(.handshakeUnanswered).first)
        }
        let f = try run(otherServer: nil)
        #expect(f.causes.first?.id == "tcp.handshake.unanswered/port-filtered" && f.causes.first?.confidence == .high)
        #expect(f.causes.first?.because.first?.contains("port 22") == true, "\(f.causes.first?.because ?? [])")
        #expect(!f.causes.contains { $0.id.hasSuffix("/host-down") }, "ruled out: the host answered")
        let near = try run(otherServer: "10.0.0.9")
        #expect(near.causes.first?.id == "tcp.handshake.unanswered/path-filter")
        #expect(near.causes.contains { $0.id.hasSuffix("/host-down") })
        #expect(near.causes.first?.tellApart != nil, "two causes stay: the finding says what tells them apart")
    }

    @Test("unreachable by ICMP code and delay: admin-prohibited, an immediate host unreachable (a rule), a late one (ARP), no route, port unreachable to TCP")
    func unreachableCodes() throws {
        let cases: [(code: UInt8, delay: Double, cause: String)] = [
            (13, 0, "admin-prohibited"), (9, 0, "admin-prohibited"), (1, 0, "reject-rule"), (1, 3, "no-neighbour"),
            (0, 0, "no-route"), (3, 0, "reject-rule"),
        ]
        for k in cases {
            var s = Scenario()
            let syn = B.tcp(s.client, s.cport, s.server, s.sport, flags: [.syn], seq: s.cisn)
            s.add(syn)
            s.wait(k.delay)
            s.add(B.ipv4(src: "10.0.0.254", dst: s.client, proto: 1, payload: B.icmpv4(type: 3, code: k.code, body: Array(syn.prefix(28)))),
                  fromClient: false)
            let c = try first(try s.analyze(), .handshakeUnreachable)
            #expect(c.id == "tcp.handshake.unreachable/\(k.cause)", "code \(k.code) after \(k.delay) s: \(c.id)")
            #expect(c.checks.first?.on.contains("10.0.0.254") == true, "the check names the router that answered")
        }
    }

    @Test("incomplete: at the server, a SYN-ACK resent after the client's ACK arrived is a full accept queue; at the client it may be the ACK lost")
    func acceptQueue() throws {
        func run(atServer: Bool) throws -> Cause {
            var s = Scenario()
            s.clientTTL = atServer ? 63 : 64; s.serverTTL = atServer ? 64 : 63
            s.c([.syn]); s.wait(0.01)
            s.s([.syn, .ack], ack: s.cisn + 1); s.wait(0.01)
            s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 1)
            s.wait(1); s.s([.syn, .ack], ack: s.cisn + 1)
            s.wait(2); s.s([.syn, .ack], ack: s.cisn + 1)
            s.end(after: 5)
            return try first(try s.analyze(), .handshakeIncomplete)
        }
        let server = try run(atServer: true)
        #expect(server.id == "tcp.handshake.incomplete/accept-queue-full" && server.confidence == .high)
        #expect(server.checks.contains { $0.run.contains("ListenOverflows") })
        #expect(try run(atServer: false).id == "tcp.handshake.incomplete/ack-lost")
    }

    // MARK: resets, DNS

    @Test("a server reset after a request with no response is the application failing; after a response it is an abort mid-exchange")
    func resets() throws {
        var s = Scenario()
        s.handshake()
        s.c([.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1, payload: 200)
        s.s([.rst, .ack], seq: s.sisn + 1, ack: s.cisn + 201)
        #expect(try first(try s.analyze(), .resetAbort).id == "tcp.reset.abort/unanswered-request")
        var n = Scenario()
        n.handshake(); n.exchange()
        n.s([.rst, .ack], seq: n.sisn + 1, ack: n.cisn + 1)
        #expect(try first(try n.analyze(), .resetAbort).id == "tcp.reset.abort/server-abort")
    }

    @Test("DNS rcodes: SERVFAIL keeps upstream and DNSSEC with what tells them apart; REFUSED is an ACL; NXDOMAIN a missing name")
    func dnsRcodes() throws {
        for (rcode, cause) in [(UInt8(2), "upstream-failure"), (5, "refused"), (3, "nxdomain"), (1, "formerr"), (4, "notimp")] {
            var s = Scenario()
            s.add(B.udp(s.client, 40053, s.server, 53, payload: NameLinkTests.dns(id: 5, qname: "it's.example", qtype: 28)))
            s.add(B.udp(s.server, 53, s.client, 40053, payload: NameLinkTests.dns(id: 5, response: true, rcode: rcode, qname: "it's.example", qtype: 28)),
                  fromClient: false)
            let f = try #require(try s.analyze().only(.dnsError).first)
            #expect(f.causes.first?.id == "dns.error/\(cause)")
            // The name came from a packet: shell-quoted in the command, type filled in.
            #expect(f.checks.contains { $0.hasPrefix("on the client (10.0.0.1): ") && $0.hasSuffix(" 'it'\\''s.example' AAAA") }, "\(f.checks)")
            if rcode == 2 {
                #expect(f.causes.map(\.id) == ["dns.error/upstream-failure", "dns.error/dnssec"])
                #expect(f.causes[0].tellApart?.contains("dig +cd") == true)
            }
        }
    }

    // MARK: vantage: a router's two copies are forwarding; a loop is more

    @Test("a router capturing on both interfaces: every packet twice, one hop lower: forwarding, not a loop")
    func routerCopies() throws {
        var s = Scenario()
        func twice(_ body: (inout Scenario, UInt8) -> Void, fromClient: Bool) {
            body(&s, 64); body(&s, 63)
        }
        twice({ s, t in s.c([.syn], ttl: t) }, fromClient: true)
        twice({ s, t in s.s([.syn, .ack], ack: s.cisn + 1, ttl: t) }, fromClient: false)
        twice({ s, t in s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 1, ttl: t) }, fromClient: true)
        for i in 0..<4 {
            let off = UInt32(i * 100)
            twice({ s, t in s.c([.ack, .psh], seq: s.cisn + 1 + off, ack: s.sisn + 1, payload: 100, ttl: t, id: UInt16(10 + i)) }, fromClient: true)
            twice({ s, t in s.s([.ack], seq: s.sisn + 1, ack: s.cisn + 101 + off, ttl: t, id: UInt16(20 + i)) }, fromClient: false)
        }
        let r = try s.analyze()
        #expect(r.only(.icmpTTLExceeded).isEmpty && r.only(.retransmissions).isEmpty, "\(r.kinds())")
        #expect(r.capture.vantage?.point == .router, "\(String(describing: r.capture.vantage))")
        #expect(r.only(.captureDuplicates).count == 1)
        // Near miss: the same packets going round a loop (two hops lower each time) are a loop.
        var loop = Scenario()
        for t: UInt8 in [64, 62, 60, 58] { loop.c([.syn], ttl: t) }
        #expect(try loop.analyze().only(.icmpTTLExceeded).first?.causes.first?.id == "icmp.ttl-exceeded/routing-loop")
    }

    @Test("capture vantage: at the client the client's packets are undecremented; at the server the server's")
    func vantage() throws {
        for atServer in [false, true] {
            var s = Scenario()
            s.clientTTL = atServer ? 61 : 64; s.serverTTL = atServer ? 64 : 61
            s.handshake(); s.exchange()
            let v = try #require(try s.analyze().capture.vantage)
            #expect(v.point == (atServer ? .server : .client) && v.host == (atServer ? "10.0.0.2" : "10.0.0.1"), "\(v)")
        }
    }

    // MARK: commands

    @Test("shell quoting: plain words stay, anything else is single-quoted, control bytes never reach a command")
    func quoting() {
        #expect(Shell.quote("server.lab.test") == "server.lab.test")
        #expect(Shell.quote("fd00::2") == "fd00::2")
        #expect(Shell.quote("a b") == "'a b'")
        #expect(Shell.quote("x'; rm -rf /; '") == "'x'\\''; rm -rf /; '\\'''")
        #expect(Shell.quote("$(id)`id`") == "'$(id)`id`'")
        #expect(Shell.quote("a\u{1b}[31m\nb") == "'a?[31m?b'")
        #expect(Shell.quote("") == "''")
        #expect(Shell.hostPort("fd00::2", 443) == "[fd00::2]:443" && Shell.hostPort("10.0.0.2", 443) == "10.0.0.2:443")
    }

    @Test("a hostile SNI reaches the openssl command quoted, never as shell syntax")
    func hostileSNI() throws {
        var v = TLSTests.Conversation()
        v.client(T.record(version: 0x0301, body: T.clientHello(sni: "a.example;touch x")))
        v.server(T.record(type: .alert, body: T.alert(description: 112)))
        let f = try #require(try v.s.analyze().only(.tlsAlert).first)
        #expect(f.checks.contains { $0.contains("-servername 'a.example;touch x'") }, "\(f.checks)")
    }
}

/// Causes that need the rest of the capture.
@Suite("Cause rules across findings") struct CauseContextTests {
    @Test("an IPv6 refusal while the same host reaches the port over IPv4: an IPv4-only service; near miss: another port")
    func ipv4Only() throws {
        for samePort in [true, false] {
            var s = Scenario()
            s.sport = 8080; s.handshake(); s.exchange()
            var v6 = Scenario(v6: true)
            v6.t = s.t
            v6.sport = samePort ? 8080 : 9090; v6.cport = 40009
            v6.c([.syn]); v6.s([.rst, .ack], seq: 0, ack: v6.cisn + 1)
            s.frames += v6.frames
            let f = try #require(try s.analyze().only(.handshakeRefused).first)
            #expect((f.causes.first?.id == "tcp.handshake.refused/ipv4-only") == samePort, "\(f.causes.map(\.id))")
            if samePort { #expect(f.causes[0].because[0].contains("10.0.0.2:8080")) }
        }
    }

    @Test("an unanswered DNS server while another answered the same client: that server, high; none other: medium")
    func dnsOtherServer() throws {
        for other in [true, false] {
            var s = Scenario()
            s.add(B.udp(s.client, 40053, s.server, 53, payload: NameLinkTests.dns(id: 1, qname: "a.example")))
            s.wait(1)
            s.add(B.udp(s.client, 40053, s.server, 53, payload: NameLinkTests.dns(id: 2, qname: "a.example")))
            if other {
                s.add(B.udp(s.client, 40054, "10.0.0.53", 53, payload: NameLinkTests.dns(id: 3, qname: "a.example")))
                s.add(B.udp("10.0.0.53", 53, s.client, 40054, payload: NameLinkTests.dns(id: 3, response: true, qname: "a.example", answers: 1)),
                      fromClient: false)
            }
            s.end(after: 5)
            let f = try #require(try s.analyze().only(.dnsUnanswered).first)
            let c = try #require(f.causes.first)
            #expect(c.confidence == (other ? .high : .medium), "\(c)")
            #expect(c.because.contains { $0.contains(other ? "10.0.0.53" : "no other DNS server") })
        }
    }
}

@Suite("Cause catalog") struct CauseCatalogTests {
    @Test("every kind a detector raises has cause rules, each id under its kind, once, with what raises it and what rules it out")
    func everyKind() {
        var seen = Set<String>()
        for k in FindingKind.allCases where DetectorCatalog.implemented.contains(k) {
            let rules = CauseCatalog.causes(of: k)
            #expect(!rules.isEmpty, "\(k.rawValue) has no cause rule")
            for r in rules {
                #expect(r.id.hasPrefix(k.rawValue + "/") && seen.insert(r.id).inserted, "\(r.id)")
                #expect(!r.title.isEmpty && !r.raisedBy.isEmpty && !r.ruledOutBy.isEmpty, "\(r.id)")
            }
        }
    }
}

@Suite("Cause rules, more families") struct MoreCauseRuleTests {
    @Test("time exceeded for traceroute's low-TTL probes is traceroute; for an ordinary packet a loop")
    func traceroute() throws {
        for (ttl, port, cause) in [(UInt8(1), UInt16(33434), "traceroute"), (UInt8(64), UInt16(5000), "routing-loop")] {
            var s = Scenario()
            let probe = B.udp(s.client, 40000, s.server, port, payload: Array(repeating: 0, count: 20), ttl: ttl)
            s.add(probe)
            s.add(B.ipv4(src: "192.0.2.1", dst: s.client, proto: 1, payload: B.icmpv4(type: 11, code: 0, body: Array(probe.prefix(28)))),
                  fromClient: false)
            let f = try #require(try s.analyze().only(.icmpTTLExceeded).first)
            #expect(f.causes.first?.id == "icmp.ttl-exceeded/\(cause)", "\(f.causes.map(\.id))")
        }
    }

    @Test("resets: a client dropping an unused connection is not a failure; a RST after FIN is an abortive close")
    func resetKinds() throws {
        var unused = Scenario()
        unused.handshake()
        unused.c([.rst, .ack], seq: unused.cisn + 1, ack: unused.sisn + 1)
        #expect(try unused.analyze().only(.resetAbort).first?.causes.first?.id == "tcp.reset.abort/unused")
        var close = Scenario()
        close.handshake(); close.exchange()
        close.c([.fin, .ack], seq: close.cisn + 1, ack: close.sisn + 1)
        close.s([.rst, .ack], seq: close.sisn + 1, ack: close.cisn + 2)
        #expect(try close.analyze().only(.resetAfterClose).first?.causes.first?.id == "tcp.reset.after-close/abortive-close")
    }

    @Test("TLS aborted: plaintext from the server is not TLS; the client leaving after the server's flight distrusts it")
    func tlsAbortCauses() throws {
        var plain = TLSTests.Conversation()
        plain.client(T.record(version: 0x0301, body: T.clientHello(sni: "shop.example")))
        plain.server(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))
        plain.clientFIN()
        #expect(try plain.s.analyze().only(.tlsAborted).first?.causes.first?.id == "tls.handshake.aborted/not-tls")

        var left = TLSTests.Conversation()
        left.client(T.record(version: 0x0301, body: T.clientHello(sni: "shop.example")))
        left.server(T.record(body: T.serverHello(cipher: 0xC02F) + T.certificate(ders: []) + T.handshake(type: 14, body: [])))
        left.clientFIN()
        let c = try #require(try left.s.analyze().only(.tlsAborted).first?.causes.first)
        #expect(c.id == "tls.handshake.aborted/client-abandoned" && c.text.contains("did not trust"))
    }

    @Test("zero window names the application that stopped reading, on which host")
    func zeroWindow() throws {
        var s = Scenario()
        s.handshake()
        s.c([.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1, payload: 1000)
        for _ in 0..<12 { s.s([.ack], seq: s.sisn + 1, ack: s.cisn + 1001, window: 0); s.wait(0.1) }
        s.s([.ack], seq: s.sisn + 1, ack: s.cisn + 1001, window: 65000)
        let f = try #require(try s.analyze().only(.zeroWindow).first)
        let c = try #require(f.causes.first)
        #expect(c.id == "tcp.zero-window/slow-reader" && c.text.contains("on the server (10.0.0.2)"))
        #expect(c.checks.first?.on == "the server (10.0.0.2)" && c.checks.first?.run == "ss -tnp 'sport = :80'")
    }
}
