import Diagnosis
import PacketDecoding
import Reporting
import TestSupport
import Testing

typealias T = TLSBuilder

/// TLS handshakes on crafted segments: records split and coalesced, versions, aborts and
/// alerts, and hostile input.
@Suite("TLS") struct TLSTests {
    /// Handshake, then the TCP stream of each side in `chunks` (bytes per segment).
    struct Conversation {
        var s = Scenario()
        var c = 0, sv = 0
        init() { s.sport = 443; s.handshake() }
        mutating func client(_ bytes: [UInt8], split: [Int] = []) {
            for part in cut(bytes, split) {
                s.add(B.tcp(s.client, s.cport, s.server, s.sport, flags: [.ack, .psh], seq: s.cisn + 1 + UInt32(c),
                            ack: s.sisn + 1 + UInt32(sv), payload: part))
                c += part.count
            }
        }
        mutating func server(_ bytes: [UInt8], split: [Int] = []) {
            for part in cut(bytes, split) {
                s.add(B.tcp(s.server, s.sport, s.client, s.cport, flags: [.ack, .psh], seq: s.sisn + 1 + UInt32(sv),
                            ack: s.cisn + 1 + UInt32(c), payload: part, id: 1), fromClient: false)
                sv += part.count
            }
        }
        mutating func clientFIN() { s.c([.ack, .fin], seq: s.cisn + 1 + UInt32(c), ack: s.sisn + 1 + UInt32(sv)) }
        func cut(_ b: [UInt8], _ at: [Int]) -> [[UInt8]] {
            let bounds = [0] + at + [b.count]
            return (0..<(bounds.count - 1)).map { Array(b[bounds[$0]..<bounds[$0 + 1]]) }
        }
    }

    static let hello12 = T.record(version: 0x0301, body: T.clientHello(sni: "shop.example", alpn: ["h2", "http/1.1"]))
    static func encrypted(_ n: Int, type: TLSContentType = .applicationData) -> [UInt8] {
        T.record(type: type, body: Array(repeating: 0xEE, count: n))
    }

    /// A full TLS 1.2 handshake: the ClientHello in three segments, the server's flight in one.
    func tls12(clientSplit: [Int] = [20, 60]) -> Conversation {
        var v = Conversation()
        v.client(Self.hello12, split: clientSplit)
        let flight = T.record(body: T.serverHello(cipher: 0xC02F) + T.certificate(ders: []) + T.handshake(type: 14, body: []))
        v.server(flight)
        v.client(T.record(body: T.handshake(type: 16, body: Array(repeating: 1, count: 66)))
                 + T.record(type: .changeCipherSpec, body: [1]) + Self.encrypted(40, type: .handshake))
        v.server(T.record(type: .changeCipherSpec, body: [1]) + Self.encrypted(40, type: .handshake))
        v.client(Self.encrypted(300)); v.server(Self.encrypted(900))
        return v
    }

    @Test("a healthy TLS 1.2 handshake, ClientHello split over three segments, server flight coalesced: no finding")
    func healthy12() throws {
        let r = try tls12().s.analyze()
        #expect(r.findings.isEmpty, "\(r.findings.map(\.summary))")
        let t = try #require(r.flows.first?.tls)
        #expect(t.completed && t.version == "TLS 1.2" && t.sni == "shop.example" && t.alpn == "h2")
        #expect(r.services.first?.tls?.completed == 1)
    }

    @Test("TLS 1.3 with a HelloRetryRequest completes")
    func helloRetry13() throws {
        var v = Conversation()
        let ch = T.record(body: T.clientHello(sni: "a.example", supportedVersions: [0x0304], keyShares: [0x0017]))
        v.client(ch)
        v.server(T.record(body: T.serverHello(cipher: 0x1301, selectedVersion: 0x0304, helloRetry: true)))
        v.client(T.record(body: T.clientHello(sni: "a.example", supportedVersions: [0x0304], keyShares: [0x001D])))
        v.server(T.record(body: T.serverHello(cipher: 0x1301, selectedVersion: 0x0304)) + Self.encrypted(1200))
        v.client(Self.encrypted(53)); v.client(Self.encrypted(400)); v.server(Self.encrypted(800))
        let r = try v.s.analyze()
        #expect(r.findings.isEmpty, "\(r.findings.map(\.summary))")
        #expect(r.flows.first?.tls?.completed == true && r.flows.first?.tls?.version == "TLS 1.3")
    }

    @Test("TLS 1.3: a client's lone 19-byte record before it closes is an encrypted alert") func encryptedAlert13() throws {
        var v = Conversation()
        v.client(T.record(body: T.clientHello(sni: "b.example", supportedVersions: [0x0304], keyShares: [0x001D])))
        v.server(T.record(body: T.serverHello(cipher: 0x1301, selectedVersion: 0x0304)) + Self.encrypted(1300))
        v.client(Self.encrypted(19))
        v.clientFIN()
        let r = try v.s.analyze()
        let f = try #require(r.only(.tlsAlert).first)
        #expect(f.evidence["encrypted"] == .bool(true) && f.evidence["confidence"] == .string("medium"))
        #expect(f.evidence["alertSender"] == .string("client"))
    }

    @Test("a slow ServerHello is tls.handshake.slow") func slow() throws {
        var v = Conversation()
        v.client(Self.hello12)
        v.s.wait(1.5)
        v.server(T.record(body: T.serverHello(cipher: 0xC02F)))
        let r = try v.s.analyze()
        let f = try #require(r.only(.tlsSlow).first)
        if case .double(let ms)? = f.evidence["serverHelloDelayMs"] { #expect(ms > 1500 && ms < 1510) } else { Issue.record("no delay") }
        #expect(r.only(.tlsAborted).first?.evidence["stage"] == .string("after_server_hello"))
    }

    @Test("a server that answers in plaintext is not malformed TLS; the abort says so") func plaintextServer() throws {
        var v = Conversation()
        v.client(Self.hello12)
        v.server(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))
        let r = try v.s.analyze()
        #expect(r.capture.decode.malformed.isEmpty)
        #expect(r.only(.tlsAborted).first?.evidence["cause"] == .string("not_tls"))
    }

    @Test("an SSLv2-style hello is left alone: no TLS, no finding, nothing malformed") func sslv2() throws {
        var v = Conversation()
        v.client([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10] + Array(repeating: 0, count: 37))
        let r = try v.s.analyze()
        #expect(r.flows.first?.tls == nil && r.findings.isEmpty && r.capture.decode.malformed.isEmpty)
    }

    @Test("absurd lengths are counted as malformed and never buffered") func hostile() throws {
        var v = Conversation()
        // A handshake record holding a message that claims 16 MB.
        v.client(T.record(body: [1, 0xFF, 0xFF, 0xFF] + Array(repeating: 0, count: 60)))
        // Then a record header that claims more than any TLS record may hold.
        v.client([22, 3, 3, 0xFF, 0xFF] + Array(repeating: 0, count: 100))
        let r = try v.s.analyze()
        #expect(r.capture.decode.malformed.first { $0.layer == "tls" } != nil)
        #expect(r.only(.decodeMalformed).count == 1)
    }

    @Test("a ClientHello cut by the end of the capture is an abort before any ServerHello, not a crash") func cutHello() throws {
        var v = Conversation()
        v.client(Array(Self.hello12.prefix(40)))
        let r = try v.s.analyze()
        #expect(r.flows.first?.tls == nil || r.flows.first?.tls?.completed == false)
        #expect(r.capture.decode.malformed.isEmpty)
    }

    @Test("TLS 1.0 is deprecated (RFC 8996)") func deprecated() throws {
        var v = Conversation()
        v.client(T.record(version: 0x0301, body: T.clientHello(version: 0x0301, sni: "old.example")))
        v.server(T.record(version: 0x0301, body: T.serverHello(version: 0x0301, cipher: 0x002F)))
        let r = try v.s.analyze()
        #expect(r.only(.tlsVersionDeprecated).first?.evidence["version"] == .string("TLS 1.0"))
    }
}
