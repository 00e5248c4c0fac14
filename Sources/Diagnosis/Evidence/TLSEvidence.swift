import CertificateCheck
import FlowAnalysis
import PacketDecoding

/// What a TLS finding knows, typed: what every TLS finding carries (versions, SNI, suite, ALPN)
/// and, per kind, its own detail. `json` is the finding's `evidence` object (field names are an
/// interface).
public struct TLSEvidence: Sendable, Equatable {
    public var offeredVersion: UInt16
    public var handshakeCompleted: Bool
    public var sni: String?
    /// From the ServerHello, when there was one.
    public var selectedVersion: UInt16?
    public var cipherSuite: UInt16?
    public var alpn: String?
    public var helloRetryRequests: Int
    public var clientHelloSegments: Int
    public var detail: Detail

    public enum Detail: Sendable, Equatable {
        /// The fatal alerts, the one that ended the handshake first; the client's offer when the
        /// alert is about parameters (handshake_failure, insufficient_security).
        case alert(first: TLSSession.Alert, all: [TLSSession.Alert], offer: TLSOffer?)
        case aborted(stage: TLSSession.Stage, cause: AbortCause, by: EndpointRole?)
        case slow(serverHelloDelayMs: Double)
        case deprecated(version: UInt16)
        case certificate(CertificateEvidence)
    }

    /// How a handshake without an alert ended (`tls.handshake.aborted`).
    public enum AbortCause: String, Sendable {
        case notTLS = "not_tls", timeout, rst, fin, tcpStall = "tcp_stall"
    }

    /// The server's leaf certificate and chain (TLS ≤ 1.2, where it is visible).
    public struct CertificateEvidence: Sendable, Equatable {
        public var leaf: CertificateFacts
        public var chainLength: Int
        /// 1-based positions of certificates not issued by the next one.
        public var brokenAfter: [Int]
    }

    init(_ f: Flow, _ t: TLSSession, _ detail: Detail) {
        offeredVersion = t.offeredVersion
        handshakeCompleted = t.completed
        sni = t.serverName.isEmpty ? nil : String(decoding: t.serverName, as: UTF8.self)
        selectedVersion = t.sawServerHello ? t.selectedVersion : nil
        cipherSuite = t.sawServerHello ? t.cipherSuite : nil
        alpn = t.alpn.isEmpty ? nil : String(decoding: t.alpn, as: UTF8.self)
        helloRetryRequests = Int(t.helloRetryRequests)
        clientHelloSegments = Int(t.client.firstMessageSegments)
        self.detail = detail
    }

    public var json: [String: EvidenceValue] {
        var ev: [String: EvidenceValue] = [
            "offeredVersion": .string(TLSNames.version(offeredVersion)),
            "handshakeCompleted": .bool(handshakeCompleted),
        ]
        if let sni { ev["sni"] = .string(sni) }
        if let v = selectedVersion { ev["version"] = .string(TLSNames.version(v)) }
        if let c = cipherSuite { ev["cipherSuite"] = .string(TLSNames.cipherSuite(c) ?? String(format4hex: c)) }
        if let alpn { ev["alpn"] = .string(alpn) }
        if helloRetryRequests > 0 { ev["helloRetryRequests"] = .int(Int64(helloRetryRequests)) }
        if clientHelloSegments > 1 { ev["clientHelloSegments"] = .int(Int64(clientHelloSegments)) }
        switch detail {
        case .alert(let a, let all, let offer):
            ev["alert"] = .string(a.description.map { TLSNames.alert($0) } ?? "encrypted")
            if let d = a.description { ev["alertCode"] = .int(Int64(d)) }
            ev["alertSender"] = .string(a.fromClient ? "client" : "server")
            ev["stage"] = .string(a.stage.name)
            ev["encrypted"] = .bool(a.description == nil)
            ev["confidence"] = .string(a.description == nil ? "medium" : "high")
            ev["alerts"] = .array(all.map { x in
                .string("\(x.fromClient ? "client" : "server"): \(x.description.map { TLSNames.alert($0) } ?? "encrypted")")
            })
            if let offer {
                ev["offeredCipherSuites"] = .array(offer.suites.prefix(16).map { .string(TLSNames.cipherSuite($0) ?? String(format4hex: $0)) })
                if !offer.groups.isEmpty {
                    ev["offeredGroups"] = .array(offer.groups.prefix(16).map { .string(TLSNames.group($0) ?? String(format4hex: $0)) })
                }
            }
        case .aborted(let stage, let cause, let by):
            ev["stage"] = .string(stage.name)
            ev["cause"] = .string(cause.rawValue)
            if let by { ev["by"] = .string(by.rawValue) }
        case .slow(let ms):
            ev["serverHelloDelayMs"] = .double(ms)
        case .deprecated(let v):
            ev["version"] = .string(TLSNames.version(v))
        case .certificate(let c):
            let leaf = c.leaf
            ev["subject"] = .string(leaf.subject)
            ev["issuer"] = .string(leaf.issuer)
            ev["notBefore"] = .string(TLSDetector.date(leaf.notBefore))
            ev["notAfter"] = .string(TLSDetector.date(leaf.notAfter))
            ev["dnsNames"] = .array(leaf.dnsNames.prefix(20).map { .string($0) })
            if !leaf.ipAddresses.isEmpty { ev["ipAddresses"] = .array(leaf.ipAddresses.prefix(20).map { .string($0) }) }
            ev["selfSigned"] = .bool(leaf.selfSigned)
            ev["chainLength"] = .int(Int64(c.chainLength))
            ev["serialNumber"] = .string(leaf.serialNumber)
            if !c.brokenAfter.isEmpty { ev["brokenAfter"] = .array(c.brokenAfter.map { .int(Int64($0)) }) }
        }
        return ev
    }
}
