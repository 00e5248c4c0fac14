import Diagnosis
import FlowdoctorCore
import Foundation
import Reporting
import Testing

/// The lab's captures (Fixtures/, made by Scripts/lab): every finding a correct analysis must
/// produce is there, and the ports that must stay clean have no errors or warnings. Kinds whose
/// detector is not built yet are known issues; each detector's issue removes its marks.
@Suite("Lab fixtures") struct FixtureTests {
    struct Expected: Decodable, Sendable {
        /// `firstCause`: the cause id the finding must rank first.
        struct Item: Decodable, Sendable { let kind: String; let serverPort: Int?; let firstCause: String? }
        let scenario: String
        let vantage: String
        let description: String
        let findings: [Item]
        let cleanPorts: [Int]
        let extra: [String: ExtraValue]?
    }
    enum ExtraValue: Decodable, Sendable {
        case number(Double), text(String), list([String]), other
        init(from d: any Decoder) throws {
            let c = try d.singleValueContainer()
            if let v = try? c.decode(Double.self) { self = .number(v) } else if let v = try? c.decode(String.self) { self = .text(v) }
            else if let v = try? c.decode([String].self) { self = .list(v) } else { self = .other }
        }
    }
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let pcap: String
        let expected: Expected
        var testDescription: String { name }
    }

    static let fixtureDirectory = repositoryRoot.appendingPathComponent("Fixtures")

    static func cases() -> [Case] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: fixtureDirectory.path) else { return [] }
        return names.filter { $0.hasSuffix(".expected.json") }.sorted().compactMap { n in
            let base = String(n.dropLast(".expected.json".count))
            let pcap = fixtureDirectory.appendingPathComponent(base + ".pcap").path
            guard let data = fm.contents(atPath: fixtureDirectory.appendingPathComponent(n).path),
                  let e = try? JSONDecoder().decode(Expected.self, from: data) else { return nil }
            return Case(name: base, pcap: pcap, expected: e)
        }
    }

    @Test func enoughScenarios() {
        let all = Self.cases()
        #expect(all.count >= 25)
        #expect(Set(all.map(\.expected.scenario)).count >= 25)
        for c in all { #expect(FileManager.default.fileExists(atPath: c.pcap), "\(c.name).pcap") }
    }

    @Test("expectations", arguments: cases())
    func expectations(_ c: Case) throws {
        var options = OfflineAnalysis.Options()
        // The lab's idle is short so the lab stays fast; judge it with a threshold below it.
        if case .number(let idle)? = c.expected.extra?["idleSeconds"] { options.thresholds.idleResetSeconds = idle / 2 }
        let r = try OfflineAnalysis.run(paths: [c.pcap], options: options)
        #expect(r.capture.packets > 0 || c.expected.findings.isEmpty)
        #expect(r.capture.decode.malformed.isEmpty)
        // Where the capture sat, when the capture shows it.
        if let v = r.capture.vantage, v.point != .unknown {
            #expect(v.point.rawValue == c.expected.vantage, "vantage \(v.point.rawValue): \(v.because)")
        }
        for e in c.expected.findings {
            let matching = r.findings.filter { f in
                f.kind.rawValue == e.kind && (e.serverPort == nil || f.flow?.server.port == e.serverPort)
            }
            let found = !matching.isEmpty
            if let want = e.firstCause, let f = matching.first {
                #expect(f.causes.first?.id == want, "\(e.kind): first cause \(f.causes.first?.id ?? "none"), want \(want); \(f.causes.map(\.id))")
            }
            let what = "\(e.kind) on port \(e.serverPort.map(String.init) ?? "-")"
            #expect(FindingKind(rawValue: e.kind).map { DetectorCatalog.implemented.contains($0) } == true, "\(e.kind) has no detector")
            #expect(found, "\(what) missing; got \(r.findings.map { "\($0.kind.rawValue):\($0.flow?.server.port ?? -1)" })")
        }
        // Kinds the scenario must not raise (a router's own copies are not a loop).
        if case .list(let kinds)? = c.expected.extra?["notExpected"] {
            for k in kinds { #expect(!r.findings.contains { $0.kind.rawValue == k }, "\(k) must not be raised") }
        }
        for port in c.expected.cleanPorts {
            let bad = r.findings.filter { $0.flow?.server.port == port && $0.severity >= .warning }
            #expect(bad.isEmpty, "port \(port) should be clean: \(bad.map { "\($0.kind.rawValue): \($0.summary)" })")
        }
    }
}

/// The same lossy upload captured at both ends: the loss analysis must place the loss on the right
/// side of each capture point, which tshark's counters cannot tell.
@Suite("Loss location on the lab's captures") struct LossLocationFixtureTests {
    func retransmissions(_ vantage: String) throws -> Finding {
        let path = repositoryRoot.appendingPathComponent("Fixtures/loss-retrans-\(vantage).pcap").path
        let r = try OfflineAnalysis.run(paths: [path])
        return try #require(r.findings.first { $0.kind == .retransmissions })
    }

    @Test("at the sender every original was seen: the router dropped them after the capture point")
    func senderSide() throws {
        let f = try retransmissions("client")
        #expect(f.evidence["lossLocation"] == .string("after-capture-point"))
        #expect(f.evidence["sender"] == .string("client"))
        #expect(f.evidence["lostBeforeCapturePoint"] == .int(0))
        #expect(f.evidence["fast"] == f.evidence["retransmissions"])          // SACK-driven recovery, no timeouts
    }

    @Test("at the receiver no original was seen: they were lost before the capture point")
    func receiverSide() throws {
        let f = try retransmissions("server")
        #expect(f.evidence["lossLocation"] == .string("before-capture-point"))
        #expect(f.evidence["sender"] == .string("client"))
        #expect(f.evidence["originalSeenByCapture"] == .int(0))
        #expect(f.evidence["reordered"] == .int(0))                            // tshark calls 7 of them out of order
    }
}

/// Every finding of every fixture has causes that say why, ids the catalog lists, and commands
/// with every value filled in, in every report format.
@Suite("Causes on the lab's captures") struct FixtureCauseTests {
    /// Words that would be placeholders in a command (the values must be filled in, or named in words).
    static let placeholder = try! NSRegularExpression(pattern: "\\b(HOST|PORT|NAME|SERVER|DEST|TYPE|IFACE|ADDR|CLIENT|SERVICE|DOMAIN)\\b")

    static func placeholders(_ s: String) -> [String] {
        placeholder.matches(in: s, range: NSRange(s.startIndex..., in: s)).compactMap { Range($0.range, in: s).map { String(s[$0]) } }
    }

    @Test("causes: ranked, explained with facts, listed in the catalog; every error and warning has one", arguments: FixtureTests.cases().map(\.pcap))
    func causes(_ pcap: String) throws {
        let r = try OfflineAnalysis.run(paths: [pcap])
        for f in r.findings {
            #expect(!f.causes.isEmpty || f.severity == .info, "\(f.kind.rawValue) has no cause")
            let catalog = Set(CauseCatalog.causes(of: f.kind).map(\.id))
            for c in f.causes {
                #expect(c.id.hasPrefix(f.kind.rawValue + "/"), "\(c.id) is not under \(f.kind.rawValue)")
                #expect(catalog.contains(c.id), "\(c.id) is missing from the catalog (explain)")
                #expect(!c.because.isEmpty && c.because.allSatisfy { !$0.isEmpty }, "\(c.id) says no because")
            }
            let order = f.causes.map(\.confidence.rank)
            #expect(order == order.sorted(by: >), "\(f.kind.rawValue): causes not ranked by confidence")
        }
    }

    @Test("no command in any format holds a placeholder", arguments: FixtureTests.cases().map(\.pcap))
    func noPlaceholders(_ pcap: String) throws {
        let r = try OfflineAnalysis.run(paths: [pcap])
        for f in r.findings {
            for k in f.checks { #expect(Self.placeholders(k).isEmpty, "\(f.kind.rawValue): \(k)") }   // the JSON's flat list
            for c in f.causes { for k in c.checks { #expect(Self.placeholders(k.run + " " + k.on).isEmpty, "\(c.id): \(k.text)") } }
        }
        for (name, text) in [("text", TextReport.render(r, style: TextStyle(verbose: true))), ("md", MarkdownReport.render(r)),
                             ("html", HTMLReport.render(r))] {
            let lines = text.split(separator: "\n").filter { $0.contains("check") || $0.contains("<code>") }
            for l in lines { #expect(Self.placeholders(String(l)).isEmpty, "\(name): \(l)") }
        }
    }
}

/// Incidents on the lab's captures: the answer block on every fixture, and the chains the lab's
/// real stacks make (a black hole behind its stall and resends; an expired certificate behind the
/// alert it drew).
@Suite("Incidents on the fixtures") struct FixtureIncidentTests {
    @Test("the answer block opens the text report, fits in 25 lines and names every error", arguments: FixtureTests.cases().map(\.pcap))
    func answer(_ pcap: String) throws {
        let r = try OfflineAnalysis.run(paths: [pcap])
        let lines = TextReport.render(r).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("Answer") })
        let end = lines[start...].firstIndex { $0.hasPrefix("Diagnosis") } ?? lines.count
        #expect(start <= 4 && end - start <= 25, "\(lines.prefix(30))")
        let block = lines[start..<end].joined(separator: "\n")
        for i in r.incidents where i.severity == .error { #expect(block.contains(i.title), "\(i.title) not in the answer") }
        for f in r.findings { #expect(f.incident.map { id in r.incidents.contains { $0.id == id && $0.findings.contains(f.id ?? "") } } == true) }
    }

    @Test("a black hole is the root of its stall and resends; an expired certificate of the alert it drew")
    func chains() throws {
        let dir = FixtureTests.fixtureDirectory.path
        let hole = try #require(try OfflineAnalysis.run(paths: [dir + "/pmtud-blackhole-client.pcap"]).incidents.first)
        #expect(hole.chain.first?.kind == .blackhole && Set(hole.chain.map(\.kind)).isSuperset(of: [.stall, .retransmissions]), "\(hole.chain)")
        let cert = try #require(try OfflineAnalysis.run(paths: [dir + "/tls12-cert-expired-alert-client.pcap"]).incidents.first)
        #expect(cert.chain.map(\.kind) == [.certificateExpired, .tlsAlert] && cert.rootCause.id == "tls.certificate.expired/not-renewed", "\(cert.chain)")
    }

    @Test("lab chains: a zero window, then the client's abort (one incident, the window first); a resolver's dead upstream, then its SERVFAIL")
    func labChains() throws {
        let dir = FixtureTests.fixtureDirectory.path
        for v in ["client", "server"] {
            let r = try OfflineAnalysis.run(paths: [dir + "/zero-window-abort-\(v).pcap"])
            #expect(r.incidents.count == 1, "\(v): \(r.incidents.map(\.title))")
            let i = try #require(r.incidents.first)
            #expect(i.chain.first?.kind == .zeroWindow && i.chain.last?.kind == .resetAbort && i.severity == .error, "\(i.chain)")
            let reset = try #require(r.findings.first { $0.kind == .resetAbort })
            #expect(reset.causes.first?.id == "tcp.reset.abort/client-abort" && reset.causes.first?.confidence == .high)
            #expect(reset.causes.first?.text.contains("the zero window caused this reset") == true, "\(reset.causes.map(\.text))")
            #expect(reset.evidence["peerWindowClosedSeconds"] != nil)
        }
        let resolver = try OfflineAnalysis.run(paths: [dir + "/dns-upstream-dead-server.pcap"])
        #expect(resolver.incidents.count == 1, "\(resolver.incidents.map(\.title))")
        #expect(resolver.incidents.first?.chain.map(\.kind) == [.dnsUnanswered, .dnsError])
        let servfail = try #require(resolver.findings.first { $0.kind == .dnsError })
        #expect(servfail.causes.first?.text == "the resolver 10.99.2.2 got no answer from its upstream 192.0.2.53: that server is down, or DNS to it is filtered")
        #expect(servfail.causes.first?.confidence == .high && !servfail.causes.contains { $0.id == "dns.error/dnssec" })
        // At the client only the SERVFAIL is seen: nothing rules out DNSSEC there.
        let client = try OfflineAnalysis.run(paths: [dir + "/dns-upstream-dead-client.pcap"])
        #expect(client.findings.map(\.kind) == [.dnsError] && client.findings.first?.causes.map(\.id) == ["dns.error/upstream-failure", "dns.error/dnssec"])
    }

    @Test("lab groupings: a SYN flood and the genuine client it shut out; five clients refused at one port; one client blocked everywhere while another works; one router rejecting three services")
    func labGroupings() throws {
        let dir = FixtureTests.fixtureDirectory.path
        func run(_ n: String) throws -> Report { try OfflineAnalysis.run(paths: [dir + "/\(n).pcap"]) }
        for v in ["client", "server"] {
            let r = try run("syn-flood-\(v)")
            #expect(r.incidents.count == 1 && r.incidents[0].chain.first?.kind == .synFlood, "\(v): \(r.incidents.map(\.title))")
            // The genuine client's SYNs met the flood's full queue; at the server, SYN-ACKs went to spoofed sources.
            let genuine = try #require(r.findings.first { $0.kind == .handshakeUnanswered && $0.flow?.client?.ip == "10.99.1.2" })
            #expect(genuine.causes.first?.id == "tcp.handshake.unanswered/syn-queue-full" && genuine.causes.first?.confidence == .high)
            for f in r.findings where f.kind == .handshakeIncomplete { #expect(f.causes.first?.id == "tcp.handshake.incomplete/spoofed-source") }
            // ICMP errors about SYN-ACKs name the spoofed destination, not the server.
            for f in r.findings where f.kind == .icmpUnreachable {
                #expect(f.causes.first?.text.contains("no route to \(f.flow?.client?.ip ?? "?")'s network") == true, "\(f.causes.map(\.text))")
            }
        }
        let refused = try run("refused-many-clients-client")
        #expect(refused.incidents.count == 1 && refused.incidents[0].affected.clients == 5 && refused.incidents[0].place == "10.99.2.2:8031")
        let blocked = try run("client-egress-blocked-client")
        #expect(blocked.incidents.count == 1, "\(blocked.incidents.map(\.title))")
        #expect(blocked.incidents.first?.title == "10.99.1.3 reaches none of 3 services" && blocked.incidents.first?.rootCause.id == "incident/client-side")
        #expect(blocked.incidents.first?.firstCheck == "on the client (10.99.1.3): traceroute -n -T -s 10.99.1.3 -p 8032 10.99.2.2")
        let rejected = try run("router-rejects-services-client")
        #expect(rejected.incidents.count == 1 && rejected.incidents.first?.place == "router 10.99.1.1" && rejected.incidents.first?.findings.count == 3,
                "\(rejected.incidents.map { "\($0.title) @ \($0.place)" })")
    }

    @Test("a DNS answer, then a server whose certificate does not name what was asked, then the client's alert: one chain from the answer")
    func dnsAnswerChain() throws {
        for v in ["client", "server"] {
            let r = try OfflineAnalysis.run(paths: [FixtureTests.fixtureDirectory.path + "/dns-wrong-record-\(v).pcap"])
            #expect(r.incidents.count == 1, "\(r.incidents.map(\.title))")
            let i = try #require(r.incidents.first)
            #expect(i.chain.first?.fact == "dns.answer" && i.chain.first?.frames == [4], "\(i.chain)")
            #expect(i.chain.first?.summary == "10.99.2.2 answered \"server.lab.test\" with 10.99.2.2")
            #expect(i.chain.dropFirst().map(\.kind) == [.certificateNameMismatch, .tlsAlert, .resetAfterClose], "\(i.chain)")
            let mismatch = try #require(r.findings.first { $0.kind == .certificateNameMismatch })
            #expect(mismatch.causes.first { $0.id.hasSuffix("/wrong-server") }?.because.contains { $0.contains("(frame 4), and the client connected to 10.99.2.2") } == true)
            // The alert is read against the certificate: the name, not a vague list.
            let alert = try #require(r.findings.first { $0.kind == .tlsAlert })
            #expect(alert.causes.first?.text.contains("does not name \"server.lab.test\": it names other.lab.test") == true, "\(alert.causes.map(\.text))")
            // In the answer block: where the chain starts.
            #expect(TextReport.render(r).contains("after 10.99.2.2 answered \"server.lab.test\" with 10.99.2.2 (frame 4)"))
        }
    }

    @Test("the lab's own connect scan (a real Linux stack answering): one scan finding naming the open ports, no failure, no service")
    func realScan() throws {
        for v in ["client", "server"] {
            let r = try OfflineAnalysis.run(paths: [FixtureTests.fixtureDirectory.path + "/port-scan-\(v).pcap"])
            #expect(r.findings.map(\.kind) == [.portScan], "\(v): \(r.findings.map(\.summary))")
            #expect(r.findings.first?.summary.contains("probed 24 ports of 10.99.2.2") == true && r.findings.first?.summary.contains("open: 9302, 9309") == true)
            #expect(r.services.isEmpty && r.summary.errors == 0 && r.summary.suppressed.isEmpty)
        }
    }

    @Test("nmap's own scans in the lab: a half-open SYN scan of 100 ports and an ARP ping sweep, each one info finding")
    func nmapScans() throws {
        let dir = FixtureTests.fixtureDirectory.path
        for v in ["client", "server"] {
            let r = try OfflineAnalysis.run(paths: [dir + "/nmap-syn-scan-\(v).pcap"])
            #expect(r.findings.map(\.kind) == [.portScan], "\(v): \(r.findings.map(\.summary))")
            let s = r.findings.first?.summary ?? ""
            #expect(s.contains("probed 100 ports of 10.99.2.2") && s.contains("open: 9405, 9440") && s.contains("98 closed"), "\(s)")
            #expect(r.services.isEmpty && r.summary.errors == 0 && r.summary.warnings == 0 && r.summary.suppressed.isEmpty)
            #expect(r.incidents.count == 1 && r.incidents[0].severity == .info)
        }
        let sweep = try OfflineAnalysis.run(paths: [dir + "/nmap-arp-sweep-client.pcap"])
        #expect(sweep.findings.map(\.kind) == [.arpSweep], "\(sweep.findings.map(\.summary))")
        #expect(sweep.findings.first?.summary.contains("present: 10.99.1.1") == true)
    }
}
