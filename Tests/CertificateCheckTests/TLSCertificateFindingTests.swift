import Diagnosis
import FlowdoctorCore
import PacketDecoding
import Reporting
import TestSupport
import Testing

/// Certificate findings end to end: a TLS 1.2 handshake carrying certificates made by the test
/// PKI, written to a pcap and analysed like any capture.
@Suite("TLS certificate findings") struct TLSCertificateFindingTests {
    typealias B = PacketBuilder
    typealias T = TLSBuilder

    /// A completed TLS 1.2 handshake asking for `sni`, the server sending `chain`, at `time`
    /// (seconds since 1970).
    func analyze(chain: [[UInt8]], sni: String, at time: Int64 = 1_750_000_000) throws -> Report {
        try analyze(sessions: [Session(server: "10.0.0.2", chain: chain, sni: sni)], at: time)
    }

    struct Session { var server: Addr; var chain: [[UInt8]]; var sni: String }

    /// After an optional DNS answer (`answer`: the name and its A records, from 10.0.0.53),
    /// one completed TLS 1.2 handshake per session, one after the other, from 10.0.0.1.
    func analyze(sessions: [Session], answer: (name: String, addresses: [Addr])? = nil, at time: Int64 = 1_750_000_000) throws -> Report {
        let c: Addr = "10.0.0.1", resolver: Addr = "10.0.0.53"
        var frames: [CapturedFrame] = []
        var t = time * 1_000_000_000
        func add(_ ip: [UInt8], fromClient: Bool) {
            frames.append(CapturedFrame(B.frame(.ethernet, ip, src: fromClient ? B.clientMAC : B.serverMAC,
                                                dst: fromClient ? B.serverMAC : B.clientMAC), time: t))
            t += 1_000_000
        }
        if let answer {
            let q = NameLinkTestsDNS.question(answer.name)
            add(B.udp(c, 40053, resolver, 53, payload: [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + q), fromClient: true)
            var rrs: [UInt8] = []
            for a in answer.addresses { rrs += [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4] + a.bytes }
            add(B.udp(resolver, 53, c, 40053, payload: [0x12, 0x34, 0x81, 0x80, 0, 1, 0, UInt8(answer.addresses.count), 0, 0, 0, 0] + q + rrs),
                fromClient: false)
        }
        for (n, session) in sessions.enumerated() {
            let s = session.server, port = UInt16(40000 + n)
            var cseq: UInt32 = 1001, sseq: UInt32 = 5001
            func client(_ payload: [UInt8], flags: TCPFlags = [.ack, .psh]) {
                add(B.tcp(c, port, s, 443, flags: flags, seq: cseq, ack: sseq, payload: payload), fromClient: true)
                cseq &+= UInt32(payload.count)
            }
            func server(_ payload: [UInt8]) {
                add(B.tcp(s, 443, c, port, flags: [.ack, .psh], seq: sseq, ack: cseq, payload: payload), fromClient: false)
                sseq &+= UInt32(payload.count)
            }
            add(B.tcp(c, port, s, 443, flags: [.syn], seq: 1000), fromClient: true)
            add(B.tcp(s, 443, c, port, flags: [.syn, .ack], seq: 5000, ack: 1001), fromClient: false)
            client(T.record(body: T.clientHello(sni: session.sni)))
            // The server's flight, in 1,000-byte segments.
            let flight = T.record(body: T.serverHello(cipher: 0xC02F) + T.certificate(ders: session.chain) + T.handshake(type: 14, body: []))
            var i = 0
            while i < flight.count { server(Array(flight[i..<min(i + 1000, flight.count)])); i += 1000 }
            client(T.record(body: T.handshake(type: 16, body: Array(repeating: 1, count: 66)))
                   + T.record(type: .changeCipherSpec, body: [1]) + T.record(type: .handshake, body: Array(repeating: 9, count: 40)))
            server(T.record(type: .changeCipherSpec, body: [1]) + T.record(type: .handshake, body: Array(repeating: 9, count: 40)))
            client(T.record(type: .applicationData, body: Array(repeating: 7, count: 200)))
            server(T.record(type: .applicationData, body: Array(repeating: 7, count: 600)))
        }
        let path = temporaryDirectory("certs") + "/tls.pcap"
        try PCAPWriter(linkType: 1).write(frames, to: path)
        return try OfflineAnalysis.run(paths: [path])
    }

    func kinds(_ r: Report) -> Set<FindingKind> { Set(r.findings.map(\.kind)) }

    @Test("a name mismatch after the DNS answer that sent the client there: the answer opens the incident's chain; a server elsewhere serving the name makes the record stale")
    func answerChain() throws {
        let p = PKI.shared
        let wrong = try analyze(sessions: [.init(server: "10.0.0.7", chain: [p.ipOnly], sni: "server.lab.test")],
                                answer: ("server.lab.test", ["10.0.0.7"]))
        let i = try #require(wrong.incidents.first { $0.chain.contains { $0.kind == .certificateNameMismatch } })
        #expect(i.chain.first?.fact == "dns.answer" && i.chain.first?.frames == [2] && i.chain.first?.summary == "10.0.0.53 answered \"server.lab.test\" with 10.0.0.7")
        let f = try #require(wrong.findings.first { $0.kind == .certificateNameMismatch })
        #expect(f.evidence["resolvedBy"] == .object(["qname": .string("server.lab.test"), "resolver": .string("10.0.0.53"), "client": .string("10.0.0.1"),
                                                     "addresses": .array([.string("10.0.0.7")]), "frame": .int(2)]))
        // Nothing tells the two causes apart: both stay, the answer in the wrong server's because.
        #expect(f.causes.map(\.id) == ["tls.certificate.name-mismatch/wrong-certificate", "tls.certificate.name-mismatch/wrong-server"])
        // A server that does serve the name, not in the answer: the record is stale.
        let stale = try analyze(sessions: [.init(server: "10.0.0.2", chain: [p.leaf, p.intermediate], sni: "server.lab.test"),
                                           .init(server: "10.0.0.7", chain: [p.ipOnly], sni: "server.lab.test")],
                                answer: ("server.lab.test", ["10.0.0.7"]))
        let g = try #require(stale.findings.first { $0.kind == .certificateNameMismatch })
        #expect(g.causes.first?.id == "tls.certificate.name-mismatch/wrong-server" && g.causes.first?.confidence == .high)
        #expect(g.causes.first?.because.contains { $0.hasPrefix("10.0.0.2:443 presented a certificate for \"server.lab.test\"") } == true, "\(g.causes)")
        // Both in the answer: the record set is right, one of its servers is not: the other cause is ruled out.
        let one = try analyze(sessions: [.init(server: "10.0.0.2", chain: [p.leaf, p.intermediate], sni: "server.lab.test"),
                                         .init(server: "10.0.0.7", chain: [p.ipOnly], sni: "server.lab.test")],
                              answer: ("server.lab.test", ["10.0.0.7", "10.0.0.2"]))
        let h = try #require(one.findings.first { $0.kind == .certificateNameMismatch })
        #expect(h.causes.map(\.id) == ["tls.certificate.name-mismatch/wrong-certificate"] && h.causes.first?.confidence == .high)
        // No answer for the name: no fact step.
        let none = try analyze(sessions: [.init(server: "10.0.0.7", chain: [p.ipOnly], sni: "server.lab.test")])
        #expect(none.incidents.allSatisfy { $0.chain.allSatisfy { $0.fact == nil } })
    }

    @Test("a good chain for the name asked for: no certificate finding") func good() throws {
        let p = PKI.shared
        let r = try analyze(chain: [p.leaf, p.intermediate], sni: "server.lab.test")
        #expect(r.findings.isEmpty, "\(r.findings.map(\.summary))")
        #expect(r.flows.first?.tls?.completed == true && r.flows.first?.tls?.certificates == 2)
        #expect(try analyze(chain: [p.leaf, p.intermediate], sni: "a.wild.test").findings.isEmpty)
    }

    @Test("expired and not yet valid, judged at the capture's time") func validity() throws {
        let p = PKI.shared
        let e = try analyze(chain: [p.expired], sni: "server.lab.test")
        let f = try #require(e.findings.first { $0.kind == .certificateExpired })
        #expect(f.severity == .error && f.evidence["notAfter"] != nil && f.summary.contains("completed anyway"))
        let early = try analyze(chain: [p.leaf, p.intermediate], sni: "server.lab.test", at: 1_650_000_000)
        #expect(kinds(early).contains(.certificateNotYetValid))
    }

    @Test("a name the certificate does not cover") func nameMismatch() throws {
        let p = PKI.shared
        let r = try analyze(chain: [p.leaf, p.intermediate], sni: "shop.example")
        let f = try #require(r.findings.first { $0.kind == .certificateNameMismatch })
        #expect(f.evidence["sni"] == .string("shop.example"))
        guard case .array(let names)? = f.evidence["dnsNames"] else { Issue.record("no names"); return }
        #expect(names.contains(.string("server.lab.test")))
        // A wildcard covers one label, not two.
        #expect(kinds(try analyze(chain: [p.leaf, p.intermediate], sni: "a.b.wild.test")).contains(.certificateNameMismatch))
    }

    @Test("self-signed, and a chain with the intermediate missing") func trust() throws {
        let p = PKI.shared
        let s = try analyze(chain: [p.selfSignedLeaf], sni: "device-cn.lab.test")
        #expect(kinds(s).contains(.certificateSelfSigned) && !kinds(s).contains(.certificateChainIncomplete))
        let broken = try analyze(chain: [p.leaf, p.root], sni: "server.lab.test")
        let f = try #require(broken.findings.first { $0.kind == .certificateChainIncomplete })
        #expect(f.severity == .warning && f.evidence["brokenAfter"] == .array([.int(1)]))
    }
}

/// A DNS question section for an A query of `name`.
enum NameLinkTestsDNS {
    static func question(_ n: String) -> [UInt8] {
        n.split(separator: ".").flatMap { [UInt8($0.count)] + Array($0.utf8) } + [0, 0, 1, 0, 1]
    }
}
