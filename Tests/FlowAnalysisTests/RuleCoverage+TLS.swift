import Diagnosis
import PacketDecoding
import TestSupport

/// Cause rule cases for TLS handshakes (RuleCoverageTests.swift): tls.alert, tls.handshake.*,
/// tls.version.deprecated. Certificate rules need the test PKI: their cases are in
/// CertificateCheckTests (CertificateRuleCoverageTests.swift).
extension RuleCoverage {
    typealias Conversation = TLSTests.Conversation

    /// A fatal alert `description` from one side, before or after a TLS 1.2 ServerHello.
    static func alert(_ description: UInt8, fromClient: Bool, afterServerHello: Bool, sni: String? = "shop.example",
                      suites: [UInt16] = [0x1301, 0xC02F], groups: [UInt16]? = [0x001D, 0x0017], chosen: UInt16 = 0xC02F) -> Conversation {
        var v = Conversation()
        v.client(T.record(version: 0x0301, body: T.clientHello(sni: sni, alpn: ["h2"], cipherSuites: suites, groups: groups)))
        if afterServerHello { v.server(T.record(body: T.serverHello(cipher: chosen) + T.certificate(ders: []) + T.handshake(type: 14, body: []))) }
        let record = T.record(type: .alert, body: T.alert(description: description))
        if fromClient { v.client(record) } else { v.server(record) }
        return v
    }

    static func alertCase(_ slug: String, _ d: UInt8, client: Bool, afterSH: Bool, nearMiss n: UInt8, nearClient: Bool? = nil) -> RuleCase {
        RuleCase(id: "tls.alert/\(slug)",
                 fires: { try alert(d, fromClient: client, afterServerHello: afterSH).s.findings() },
                 nearMiss: { try alert(n, fromClient: nearClient ?? client, afterServerHello: afterSH).s.findings() })
    }

    /// TLS 1.3 up to the server's encrypted flight; then the client's one protected record of
    /// `clientRecord` bytes and its FIN.
    static func tls13(clientRecord: Int) -> Conversation {
        var v = Conversation()
        v.client(T.record(version: 0x0301, body: T.clientHello(sni: "shop.example", supportedVersions: [0x0304], keyShares: [0x001D])))
        v.server(T.record(body: T.serverHello(cipher: 0x1301, selectedVersion: 0x0304))
                 + T.record(type: .changeCipherSpec, body: [1]) + TLSTests.encrypted(1200) + TLSTests.encrypted(80))
        v.client(T.record(type: .changeCipherSpec, body: [1]) + TLSTests.encrypted(clientRecord - 16 + 16))
        v.clientFIN()
        return v
    }

    enum Ending { case clientFIN, serverFIN, serverRST(ttl: UInt8), clientRST, none }

    /// A ClientHello (in `segments`, resent `resends` times), perhaps the server's TLS 1.2 flight
    /// or plaintext, perhaps the server's ACK of the hello, then `wait` seconds and `ending`.
    static func aborted(segments: Int = 1, resends: Int = 0, serverAcks: Bool = false, flight: Bool = false, plaintext: Bool = false,
                        wait: Double = 5, ending: Ending) -> Conversation {
        var v = Conversation()
        let hello = TLSTests.hello12
        let split = segments > 1 ? [hello.count / 2] : []
        v.client(hello, split: split)
        for _ in 0..<resends {
            v.s.wait(1)
            // The same bytes again from the start: a retransmission of the whole hello.
            let parts = v.cut(hello, split)
            var off = 0
            for p in parts {
                v.s.add(B.tcp(v.s.client, v.s.cport, v.s.server, v.s.sport, flags: [.ack, .psh], seq: v.s.cisn + 1 + UInt32(off),
                              ack: v.s.sisn + 1, payload: p))
                off += p.count
            }
        }
        if serverAcks { v.s.s([.ack], seq: v.s.sisn + 1, ack: v.s.cisn + 1 + UInt32(v.c)) }
        if flight { v.server(T.record(body: T.serverHello(cipher: 0xC02F) + T.certificate(ders: []) + T.handshake(type: 14, body: []))) }
        if plaintext { v.server(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)) }
        v.s.wait(wait)
        switch ending {
        case .clientFIN: v.clientFIN()
        case .serverFIN: v.s.s([.fin, .ack], seq: v.s.sisn + 1 + UInt32(v.sv), ack: v.s.cisn + 1 + UInt32(v.c))
        case .serverRST(let ttl): v.s.s([.rst, .ack], seq: v.s.sisn + 1 + UInt32(v.sv), ack: v.s.cisn + 1 + UInt32(v.c), ttl: ttl)
        case .clientRST: v.s.c([.rst, .ack], seq: v.s.cisn + 1 + UInt32(v.c), ack: v.s.sisn + 1 + UInt32(v.sv))
        case .none: v.s.end(after: 30)
        }
        return v
    }

    /// A TLS 1.2 handshake whose ServerHello comes `delay` seconds after the ClientHello, at `version`.
    static func handshake12(delay: Double = 0, version: UInt16 = 0x0303) -> Conversation {
        var v = Conversation()
        v.client(T.record(version: 0x0301, body: T.clientHello(version: version, sni: "shop.example")))
        v.s.wait(delay)
        v.server(T.record(version: version, body: T.serverHello(version: version, cipher: 0xC02F) + T.certificate(ders: []) + T.handshake(type: 14, body: [])))
        v.client(T.record(version: version, body: T.handshake(type: 16, body: Array(repeating: 1, count: 66)))
                 + T.record(type: .changeCipherSpec, version: version, body: [1]) + T.record(type: .handshake, version: version, body: Array(repeating: 9, count: 40)))
        v.server(T.record(type: .changeCipherSpec, version: version, body: [1]) + T.record(type: .handshake, version: version, body: Array(repeating: 9, count: 40)))
        v.client(T.record(type: .applicationData, version: version, body: Array(repeating: 7, count: 200)))
        v.server(T.record(type: .applicationData, version: version, body: Array(repeating: 7, count: 600)))
        return v
    }

    static let tls: [RuleCase] = alerts + aborts + [
        RuleCase(id: "tls.handshake.slow/server-slow",
                 fires: { try handshake12(delay: 2).s.findings() },
                 nearMiss: { try handshake12(delay: 0.05).s.findings() }),
        RuleCase(id: "tls.version.deprecated/old-stack",
                 fires: { try handshake12(version: 0x0301).s.findings() },
                 nearMiss: { try handshake12(version: 0x0303).s.findings() }),
    ]

    static let alerts: [RuleCase] = [
        // Near misses change one fact: the description, or who sent it.
        alertCase("version-mismatch", 70, client: false, afterSH: false, nearMiss: 40),
        alertCase("no-shared-parameters", 40, client: false, afterSH: false, nearMiss: 70),
        alertCase("client-refused-parameters", 40, client: true, afterSH: true, nearMiss: 40, nearClient: false),
        alertCase("server-cert-untrusted", 48, client: true, afterSH: true, nearMiss: 48, nearClient: false),
        alertCase("server-cert-expired", 45, client: true, afterSH: true, nearMiss: 45, nearClient: false),
        alertCase("server-cert-revoked", 44, client: true, afterSH: true, nearMiss: 48),
        alertCase("client-cert-rejected", 48, client: false, afterSH: true, nearMiss: 48, nearClient: true),
        alertCase("client-cert-missing", 116, client: false, afterSH: true, nearMiss: 48),
        alertCase("sni-unknown", 112, client: false, afterSH: false, nearMiss: 40),
        alertCase("alpn-mismatch", 120, client: false, afterSH: false, nearMiss: 112),
        alertCase("stack-or-middlebox", 50, client: false, afterSH: false, nearMiss: 80),
        alertCase("access-denied", 49, client: false, afterSH: true, nearMiss: 48),
        alertCase("internal-error", 80, client: false, afterSH: false, nearMiss: 50),
        alertCase("user-canceled", 90, client: true, afterSH: true, nearMiss: 48),
        alertCase("fallback-detected", 86, client: false, afterSH: false, nearMiss: 70),
        alertCase("other-alert", 111, client: false, afterSH: false, nearMiss: 70),
        RuleCase(id: "tls.alert/sni-missing",
                 fires: { try alert(40, fromClient: false, afterServerHello: false, sni: nil).s.findings() },
                 nearMiss: { try alert(40, fromClient: false, afterServerHello: false).s.findings() }),    // the hello named the site
        RuleCase(id: "tls.alert/encrypted-client-rejected",
                 fires: { try tls13(clientRecord: 19).s.findings() },
                 nearMiss: { try tls13(clientRecord: 53).s.findings() }),         // a Finished-sized record: no alert
    ]

    static let aborts: [RuleCase] = [
        RuleCase(id: "tls.handshake.aborted/not-tls",
                 fires: { try aborted(plaintext: true, wait: 1, ending: .serverFIN).s.findings() },
                 nearMiss: { try aborted(wait: 1, ending: .serverFIN).s.findings() }),
        RuleCase(id: "tls.handshake.aborted/server-silent",
                 fires: { try aborted(ending: .clientFIN).s.findings() },
                 nearMiss: { try aborted(wait: 0.01, ending: .serverRST(ttl: 63)).s.findings() }),   // the server answered: a RST
        RuleCase(id: "tls.handshake.aborted/hello-lost",
                 fires: { try aborted(segments: 2, resends: 2, ending: .clientFIN).s.findings() },
                 nearMiss: { try aborted(segments: 2, resends: 2, serverAcks: true, ending: .clientFIN).s.findings() }),  // the server had it all
        RuleCase(id: "tls.handshake.aborted/server-rejected-hello",
                 fires: { try aborted(wait: 0.01, ending: .serverRST(ttl: 63)).s.findings() },
                 nearMiss: { try aborted(wait: 0.01, ending: .serverRST(ttl: 50)).s.findings() }),  // someone else's RST
        RuleCase(id: "tls.handshake.aborted/forged-reset",
                 fires: { try aborted(wait: 0.01, ending: .serverRST(ttl: 50)).s.findings() },
                 nearMiss: { try aborted(wait: 0.01, ending: .serverRST(ttl: 63)).s.findings() }),
        RuleCase(id: "tls.handshake.aborted/client-abandoned",
                 fires: { try aborted(flight: true, wait: 0.05, ending: .clientFIN).s.findings() },
                 nearMiss: { try aborted(flight: true, wait: 0.05, ending: .serverFIN).s.findings() }),
        RuleCase(id: "tls.handshake.aborted/server-abandoned",
                 fires: { try aborted(flight: true, wait: 0.05, ending: .serverFIN).s.findings() },
                 nearMiss: { try aborted(flight: true, wait: 0.05, ending: .clientFIN).s.findings() }),
        RuleCase(id: "tls.handshake.aborted/tcp-stall",
                 fires: { try aborted(resends: 3, serverAcks: false, ending: .none).s.findings() },
                 nearMiss: { try aborted(resends: 3, ending: .clientFIN).s.findings() }),   // the client gave up: a timeout
    ]
}
