import CertificateCheck
import FlowAnalysis
import PacketDecoding

/// TLS handshakes (DESIGN.md §3, detection-rules.md §9.5): alerts with sender and stage,
/// handshakes that never completed with their stage and cause, slow and deprecated ones, and
/// what the server's certificate says (TLS ≤ 1.2, where it is visible).
public struct TLSDetector: FlowDetector {
    public static let raises: [FindingKind] = [.tlsAlert, .tlsAborted, .tlsSlow, .tlsVersionDeprecated, .certificateExpired,
                                               .certificateNotYetValid, .certificateNameMismatch, .certificateSelfSigned,
                                               .certificateChainIncomplete]
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    public func judge(_ f: Flow, _ j: inout FlowJudgement) {
        var tls = FlowKinds()
        kinds(f, into: &tls)
        // A reset that ends a failed TLS handshake is told in the TLS finding, not as an abort.
        if tls.contains(.tlsAlert) || tls.contains(.tlsAborted) { j.kinds.remove(.resetAbort) }
        tls.forEach { j.kinds.append($0) }
    }

    public func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding { finding(k, f) }

    public func kinds(_ f: Flow, into kinds: inout FlowKinds) {
        // A capture that starts mid-connection may still show an alert.
        guard let t = f.tls.first, t.sawClientHello || !t.alerts.isEmpty else { return }
        if !fatalAlerts(f, t).isEmpty { kinds.append(.tlsAlert) }
        else if !t.completed && t.sawClientHello { kinds.append(.tlsAborted) }
        if slow(t) != nil { kinds.append(.tlsSlow) }
        if deprecatedVersion(t) != nil { kinds.append(.tlsVersionDeprecated) }
        if let c = certificates(t) {
            let leaf = c[0]
            let at = t.certificateTime / 1_000_000_000
            if at > leaf.notAfter { kinds.append(.certificateExpired) }
            else if at < leaf.notBefore { kinds.append(.certificateNotYetValid) }
            if let name = serverName(t), !leaf.matches(hostname: name) { kinds.append(.certificateNameMismatch) }
            if leaf.selfSigned { kinds.append(.certificateSelfSigned) }
            else if !CertificateChain.brokenLinks(c).isEmpty { kinds.append(.certificateChainIncomplete) }
        }
    }

    /// Plaintext fatal alerts, and encrypted ones that came before the handshake completed or,
    /// in TLS 1.3, a client's lone 19-byte record before it closed (an encrypted alert's size).
    func fatalAlerts(_ f: Flow, _ t: TLSSession) -> [TLSSession.Alert] {
        var out = t.alerts.filter { a in
            a.description != nil ? a.level == 2 : a.stage != .completed
        }
        if out.isEmpty, t.isTLS13, !t.completed, t.client.applicationData == 1, t.client.lastRecordType == 23,
           t.client.lastRecordLength == 19, f.client.sentFIN || f.client.sentRST {
            out.append(TLSSession.Alert(fromClient: true, level: 2, description: nil, frame: t.client.lastRecordFrame,
                                        time: 0, stage: .serverFlight))
        }
        // TLS 1.3 checks the client's certificate after the client's Finished: a server whose only
        // record after it is alert-sized, and which then closes, refused the client there.
        if out.isEmpty, t.isTLS13, t.completed, t.server.applicationData == t.serverRecordsAtCompletion &+ 1,
           t.server.lastRecordType == 23, t.server.lastRecordLength == Self.encryptedAlertLength,
           f.server.sentFIN || f.server.sentRST {
            out.append(TLSSession.Alert(fromClient: false, level: 2, description: nil, frame: t.server.lastRecordFrame,
                                        time: 0, stage: .clientFinished))
        }
        return out
    }

    /// A TLS 1.3 protected alert: 2 bytes, the inner content type and a 16-byte AEAD tag.
    static let encryptedAlertLength = 19

    func serverName(_ t: TLSSession) -> String? {
        t.serverName.isEmpty ? nil : String(decoding: t.serverName, as: UTF8.self)
    }

    func slow(_ t: TLSSession) -> Int64? {
        guard t.sawServerHello else { return nil }
        let wait = t.serverHelloTime &- t.clientHelloTime
        return wait >= Int64(thresholds.tlsSlowSeconds * 1e9) ? wait : nil
    }

    /// The version in use, or the best the client offered when no ServerHello came.
    func version(_ t: TLSSession) -> UInt16 { t.sawServerHello ? t.selectedVersion : t.offeredVersion }

    func deprecatedVersion(_ t: TLSSession) -> UInt16? {
        let v = version(t)
        return v != 0 && TLSNames.isDeprecated(version: v) ? v : nil
    }

    /// The server's chain, leaf first, when every certificate parsed.
    func certificates(_ t: TLSSession) -> [CertificateFacts]? {
        guard !t.certificates.isEmpty else { return nil }
        let facts = t.certificates.compactMap { CertificateFacts(der: Array($0)) }
        return facts.count == t.certificates.count ? facts : nil
    }

    // MARK: findings

    public func finding(_ k: FindingKind, _ f: Flow) -> Finding {
        let t = f.tls[0]
        let client = FlowFacts.client(f), server = FlowFacts.server(f)
        let sni = serverName(t).map { " (SNI \(TextSafe.quote($0)))" } ?? ""
        var frames: [UInt64] = [t.clientHelloFrame]
        var severity = k.info.defaultSeverity
        let summary: String
        let detail: TLSEvidence.Detail
        switch k {
        case .tlsAlert:
            let alerts = fatalAlerts(f, t)
            let a = alerts[0]
            let who = a.fromClient ? client : server
            let name = a.description.map { "\(TLSNames.alert($0)) (\($0))" } ?? "encrypted alert"
            let what = a.stage == .clientFinished && !a.fromClient && t.isTLS13
                ? "refused \(client)\(sni) after the client's Finished (TLS 1.3 checks the client's certificate there) with a fatal \(name)"
                : "aborted the TLS handshake with \(a.fromClient ? server : client)\(sni) with a fatal \(name) \(stagePhrase(a.stage))"
            summary = "\(who) \(what)"
                + (f.reset != nil ? "; then \(f.reset!.sender == .client ? client : server) reset the connection" : "")
            let aboutParameters = a.description == 40 || a.description == 71
            detail = .alert(first: a, all: alerts, offer: aboutParameters && !t.offer.suites.isEmpty ? t.offer : nil)
            frames.append(a.frame)
            severity = .error
        case .tlsAborted:
            let (cause, by, text) = abortCause(f, t)
            summary = "The TLS handshake between \(client) and \(server)\(sni) never completed: it stopped \(stagePhrase(t.stage)); \(text)"
            detail = .aborted(stage: t.stage, cause: cause, by: by)
            severity = .error
        case .tlsSlow:
            let w = slow(t)!
            summary = "\(server) took \(FlowFacts.seconds(w)) to answer the ClientHello from \(client)\(sni)"
            detail = .slow(serverHelloDelayMs: FlowFacts.ms(w))
            frames.append(t.serverHelloFrame)
        case .tlsVersionDeprecated:
            let v = deprecatedVersion(t)!
            summary = "\(client) and \(server)\(sni) \(t.sawServerHello ? "use" : "offer at best") \(TLSNames.version(v)), deprecated by RFC 8996"
            detail = .deprecated(version: v)
        default:
            let c = certificates(t)!
            let leaf = c[0]
            frames.append(t.certificateFrame)
            let at = t.certificateTime / 1_000_000_000
            var broken: [Int] = []
            switch k {
            case .certificateExpired:
                summary = "\(server)'s certificate for \(leaf.commonName ?? leaf.subject) expired on \(Self.date(leaf.notAfter)), \(Self.days(at - leaf.notAfter)) before this capture" + handshakeNote(t)
            case .certificateNotYetValid:
                summary = "\(server)'s certificate for \(leaf.commonName ?? leaf.subject) is valid only from \(Self.date(leaf.notBefore)), after this capture (a clock problem on one side, or a certificate deployed too early)" + handshakeNote(t)
            case .certificateNameMismatch:
                let names = leaf.dnsNames.isEmpty ? [leaf.commonName ?? "?"] : leaf.dnsNames
                summary = "\(server) presented a certificate for \(names.prefix(4).joined(separator: ", ")) to a client asking for \(TextSafe.quote(serverName(t) ?? "?"))" + handshakeNote(t)
            case .certificateSelfSigned:
                summary = "\(server) presented a self-signed certificate (\(leaf.subject)): clients cannot verify it without pinning it" + handshakeNote(t)
            default:
                let links = CertificateChain.brokenLinks(c)
                summary = "\(server)'s certificate chain is broken: certificate \(links[0] + 1) (\(c[links[0]].subject)) was not issued by the next one in the chain; an intermediate is missing or out of order" + handshakeNote(t)
                broken = links.map { $0 + 1 }
            }
            detail = .certificate(.init(leaf: leaf, chainLength: c.count, brokenAfter: broken))
            severity = k == .certificateSelfSigned || k == .certificateChainIncomplete ? .warning : .error
        }
        let facts = TLSEvidence(f, t, detail)
        return Finding(kind: k, severity: severity, summary: summary, frames: frames.filter { $0 != 0 },
                       firstTime: t.sawClientHello ? t.clientHelloTime : f.firstTime, lastTime: f.lastTime,
                       facts: .tls(facts),
                       filter: FlowFacts.filter(f) + " && tls", flow: FlowFacts.ref(f))
    }

    func stagePhrase(_ s: TLSSession.Stage) -> String {
        switch s {
        case .clientHello: "before any ServerHello"
        case .serverHello: "after the ServerHello"
        case .serverFlight: "after the server's certificate flight"
        case .clientFinished: "after the client's Finished"
        case .completed: "after the handshake"
        }
    }

    func handshakeNote(_ t: TLSSession) -> String {
        t.completed ? "; the handshake completed anyway (the client did not check, or trusts it)" : ""
    }

    /// Who ended it and how: a RST, a FIN, a stall, or silence (until a side gave up or the
    /// capture ended).
    func abortCause(_ f: Flow, _ t: TLSSession) -> (cause: TLSEvidence.AbortCause, by: EndpointRole?, detail: String) {
        let client = FlowFacts.client(f), server = FlowFacts.server(f)
        if t.server.notTLS {
            return (.notTLS, .server, "\(server) answered with something that is not TLS (a plaintext service on this port?)")
        }
        let lastServerTLS = t.sawServerHello ? max(t.serverHelloTime, t.server.firstApplicationDataTime) : t.clientHelloTime
        if let r = f.reset {
            let silence = r.time &- lastServerTLS
            if r.sender == .client && !t.sawServerHello && silence >= 1_000_000_000 {
                return (.timeout, .client, "the server stayed silent for \(FlowFacts.seconds(silence)) and \(client) gave up with a RST")
            }
            return (.rst, r.sender, "\(r.sender == .client ? client : server) reset the connection\(r.validity == .outOfWindow ? " (a RST out of window: possibly forged by a middlebox)" : "")")
        }
        if let role = firstFIN(f) {
            let at = role == .client ? f.client.firstFINTime : f.server.firstFINTime
            let silence = at &- lastServerTLS
            if role == .client && !t.sawServerHello && silence >= 1_000_000_000 {
                return (.timeout, .client, "the server stayed silent for \(FlowFacts.seconds(silence)) and \(client) gave up and closed")
            }
            return (.fin, role, "\(role == .client ? client : server) closed the connection (FIN)")
        }
        if f.client.retransmissions > 0 && f.server.packets > 0 && f.client.stallLongest > 0 || f.client.stallMark != 0 && f.client.retransmissions > 0 {
            return (.tcpStall, nil, "the client's handshake data was retransmitted and not acknowledged (see tcp.stall and mtu.blackhole)")
        }
        let waited = f.lastTime &- lastServerTLS
        return (.timeout, nil, "nothing more came for \(FlowFacts.seconds(waited)), up to the end of the flow")
    }

    func firstFIN(_ f: Flow) -> EndpointRole? {
        switch (f.client.sentFIN, f.server.sentFIN) {
        case (true, true): return f.client.firstFINTime <= f.server.firstFINTime ? .client : .server
        case (true, false): return .client
        case (false, true): return .server
        default: return nil
        }
    }

    /// UTC date and time, ISO 8601, from seconds since 1970 (no Foundation here).
    static func date(_ s: Int64) -> String {
        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        let secs = s - days * 86_400
        let (y, m, d) = CivilDate.from(days: days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))Z"
    }

    static func days(_ s: Int64) -> String {
        let d = s / 86_400
        return d >= 2 ? "\(d) days" : "\(s / 3600) hours"
    }
}

/// Names from packets in summaries: quoted, control characters escaped where they are printed.
enum TextSafe {
    static func quote(_ s: String) -> String { "\"\(s)\"" }
}

extension String {
    init(format4hex v: UInt16) {
        let h = String(v, radix: 16)
        let pad = String(repeating: "0", count: Swift.max(0, 4 - h.count))
        self = "0x" + pad + h
    }
}
