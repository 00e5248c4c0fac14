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
        let c: Addr = "10.0.0.1", s: Addr = "10.0.0.2"
        var frames: [CapturedFrame] = []
        var t = time * 1_000_000_000
        var cseq: UInt32 = 1001, sseq: UInt32 = 5001
        func add(_ ip: [UInt8], fromClient: Bool) {
            frames.append(CapturedFrame(B.frame(.ethernet, ip, src: fromClient ? B.clientMAC : B.serverMAC,
                                                dst: fromClient ? B.serverMAC : B.clientMAC), time: t))
            t += 1_000_000
        }
        func client(_ payload: [UInt8], flags: TCPFlags = [.ack, .psh]) {
            add(B.tcp(c, 40000, s, 443, flags: flags, seq: cseq, ack: sseq, payload: payload), fromClient: true)
            cseq &+= UInt32(payload.count)
        }
        func server(_ payload: [UInt8]) {
            add(B.tcp(s, 443, c, 40000, flags: [.ack, .psh], seq: sseq, ack: cseq, payload: payload), fromClient: false)
            sseq &+= UInt32(payload.count)
        }
        add(B.tcp(c, 40000, s, 443, flags: [.syn], seq: 1000), fromClient: true)
        add(B.tcp(s, 443, c, 40000, flags: [.syn, .ack], seq: 5000, ack: 1001), fromClient: false)
        client(T.record(body: T.clientHello(sni: sni)))
        // The server's flight, in 1,000-byte segments.
        let flight = T.record(body: T.serverHello(cipher: 0xC02F) + T.certificate(ders: chain) + T.handshake(type: 14, body: []))
        var i = 0
        while i < flight.count { server(Array(flight[i..<min(i + 1000, flight.count)])); i += 1000 }
        client(T.record(body: T.handshake(type: 16, body: Array(repeating: 1, count: 66)))
               + T.record(type: .changeCipherSpec, body: [1]) + T.record(type: .handshake, body: Array(repeating: 9, count: 40)))
        server(T.record(type: .changeCipherSpec, body: [1]) + T.record(type: .handshake, body: Array(repeating: 9, count: 40)))
        client(T.record(type: .applicationData, body: Array(repeating: 7, count: 200)))
        server(T.record(type: .applicationData, body: Array(repeating: 7, count: 600)))
        let path = temporaryDirectory("certs") + "/tls.pcap"
        try PCAPWriter(linkType: 1).write(frames, to: path)
        return try OfflineAnalysis.run(paths: [path])
    }

    func kinds(_ r: Report) -> Set<FindingKind> { Set(r.findings.map(\.kind)) }

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
