import CertificateCheck
import FlowAnalysis
import PacketDecoding

/// Why a TLS handshake failed, by the alert's description, who sent it and at which stage
/// (RFC 8446 §6.2, RFC 5246 §7.2.2 and the IANA registry), or, without an alert, by where it
/// stopped and who closed it; and what a certificate finding means for the client.
enum TLSCauses {
    static let catalog: [CauseInfo] = [
        c("version-mismatch", "no TLS version both sides accept", "protocol_version (70)", "any other alert"),
        c("no-shared-parameters", "no cipher suite, group or signature algorithm in common", "handshake_failure (40) or insufficient_security (71) from the server before its ServerHello", "a ServerHello was sent, or another alert"),
        c("client-refused-parameters", "the client refused what the server chose", "handshake_failure / insufficient_security / illegal_parameter from the client after the ServerHello", "the server sent it"),
        c("server-cert-untrusted", "the client does not trust the server's certificate", "unknown_ca (48), bad_certificate (42), certificate_unknown (46), unsupported_certificate (43) from the client", "the server sent it (then it is about the client's certificate)"),
        c("server-cert-expired", "the server's certificate has expired (or the client's clock is wrong)", "certificate_expired (45) from the client", "the server sent it"),
        c("server-cert-revoked", "the server's certificate is revoked", "certificate_revoked (44) from the client", "the server sent it"),
        c("client-cert-rejected", "the server rejected the client's certificate", "a certificate alert (42-48) from the server", "the client sent it"),
        c("client-cert-missing", "the server requires a client certificate and got none", "certificate_required (116) from the server, or an encrypted alert from a TLS 1.3 server right after the client's Finished", "a completed exchange of application data"),
        c("sni-missing", "the server needs SNI to choose a site and the ClientHello had none", "handshake_failure from the server before a ServerHello, no SNI in a ClientHello with current suites and groups", "an SNI in the ClientHello, or an offer of only legacy suites or groups"),
        c("sni-unknown", "the server has no site for the name asked for", "unrecognized_name (112) from the server", "the client sent it"),
        c("alpn-mismatch", "no application protocol in common", "no_application_protocol (120) from the server", "no ALPN offered"),
        c("stack-or-middlebox", "a TLS implementation bug, or a middlebox altering the handshake", "decode_error (50), illegal_parameter (47), unexpected_message (10), record_overflow (22), bad_record_mac (20), decrypt_error (51), missing/unsupported_extension (109/110)", "any other alert"),
        c("access-denied", "the peer's access policy refused this identity", "access_denied (49)", "any other alert"),
        c("internal-error", "the sender failed internally", "internal_error (80)", "any other alert"),
        c("user-canceled", "the application canceled the handshake", "user_canceled (90)", "any other alert"),
        c("fallback-detected", "the client retried with a lower version and the server caught the downgrade", "inappropriate_fallback (86)", "any other alert"),
        c("encrypted-client-rejected", "the client rejected the server's certificate or parameters (alert encrypted)", "an encrypted alert from the client after the server's flight", "a readable alert, or a key log"),
        c("other-alert", "an alert this table does not cover", "any other description", "the descriptions above"),
        a("not-tls", "the service on this port does not speak TLS", "the server answered the ClientHello with bytes that are not TLS", "a TLS record from the server"),
        a("server-silent", "the server accepted TCP but never answered the ClientHello", "no ServerHello, nothing from the server, the client gave up or the capture ended", "any server TLS record, or a multi-segment ClientHello the server never fully acknowledged"),
        a("hello-lost", "the ClientHello did not get through (too large for the path)", "a ClientHello in several segments, retransmitted and not all acknowledged by the server", "the server acknowledged the whole ClientHello (then it is server-silent)"),
        a("server-rejected-hello", "the server (or an SNI filter in front of it) rejected the ClientHello without an alert", "a FIN or RST from the server right after the ClientHello", "a ServerHello or an alert"),
        a("forged-reset", "a middlebox reset the connection in the server's name (SNI filtering)", "a RST after the ClientHello whose TTL differs from the server's", "a RST with the server's TTL"),
        a("client-abandoned", "the client gave up on the server's flight without an alert (it did not trust it)", "the client closed or reset after the server's certificate flight", "the server closed first"),
        a("server-abandoned", "the server closed after its own flight", "the server closed or reset after its ServerHello", "the client closed first"),
        a("tcp-stall", "the handshake's packets stopped getting through (loss, MTU)", "the client's handshake data retransmitted and not acknowledged", "the data was acknowledged"),
        CauseInfo("tls.handshake.slow/server-slow", "the server took long to answer the ClientHello", raisedBy: "ClientHello to ServerHello above tlsSlowSeconds while the TCP handshake was fast", ruledOutBy: "a slow TCP round trip too"),
        CauseInfo("tls.version.deprecated/old-stack", "an old TLS stack or configuration", raisedBy: "SSL 3.0, TLS 1.0 or 1.1 offered or negotiated", ruledOutBy: "TLS 1.2 or later"),
        CauseInfo("tls.certificate.expired/not-renewed", "the certificate was not renewed", raisedBy: "notAfter before the capture time", ruledOutBy: "a valid date"),
        CauseInfo("tls.certificate.not-yet-valid/clock-or-early", "a wrong clock, or a certificate deployed early", raisedBy: "notBefore after the capture time", ruledOutBy: "a valid date"),
        CauseInfo("tls.certificate.name-mismatch/wrong-certificate", "the server presents the wrong certificate for this name", raisedBy: "SNI not covered by the certificate's names", ruledOutBy: "a matching SAN"),
        CauseInfo("tls.certificate.name-mismatch/wrong-server", "the name resolves to the wrong server", raisedBy: "SNI not covered by the certificate's names", ruledOutBy: "a matching SAN"),
        CauseInfo("tls.certificate.self-signed/self-signed", "a self-signed certificate", raisedBy: "issuer equals subject and the signature checks", ruledOutBy: "a CA-issued certificate"),
        CauseInfo("tls.certificate.chain-incomplete/missing-intermediate", "the server does not send its intermediate certificate", raisedBy: "a certificate not issued by the next in the chain", ruledOutBy: "a chain whose links all check"),
    ]
    static func c(_ slug: String, _ t: String, _ raised: String, _ out: String) -> CauseInfo {
        CauseInfo("tls.alert/\(slug)", t, raisedBy: raised, ruledOutBy: out)
    }
    static func a(_ slug: String, _ t: String, _ raised: String, _ out: String) -> CauseInfo {
        CauseInfo("tls.handshake.aborted/\(slug)", t, raisedBy: raised, ruledOutBy: out)
    }

    static func causes(_ x: RuleInput) -> [Cause] {
        guard let f = x.flow, let t = f.tls.first, let at = x.places, case .tls(let e)? = x.finding.facts else { return [] }
        let sni = t.serverName.isEmpty ? nil : String(decoding: t.serverName, as: UTF8.self)
        let probe = at.tlsProbe(sni: sni)
        switch x.kind {
        case .tlsAlert:
            let d = TLSDetector(thresholds: Thresholds())
            guard let alert = d.fatalAlerts(f, t).first else { return [] }
            return alertCauses(x, f, t, alert, sni: sni, probe: probe)
        case .tlsAborted:
            guard case .aborted(_, let cause, let by) = e.detail else { return [] }
            return abortCauses(x, f, t, cause: cause, by: by, probe: probe)
        case .tlsSlow:
            guard case .slow(let wait) = e.detail else { return [] }
            let rtt = f.handshakeRTT.map(FlowFacts.ms)
            return [x.cause("server-slow", "the server (or a TLS-terminating proxy) was slow to build its answer: overloaded, waiting on a key store/HSM, or on OCSP", .medium,
                            because: ["ServerHello \(Int(wait)) ms after the ClientHello (frames \(t.clientHelloFrame), \(t.serverHelloFrame))"
                                      + (rtt.map { " while the TCP round trip was \($0) ms" } ?? "")],
                            checks: [Check(on: at.onClient, run: "curl -sS -o /dev/null -w '%{time_connect} %{time_appconnect}\\n' --resolve \(Shell.quote("\(sni ?? at.server):\(at.port):\(at.server)")) https://\(Shell.quote(sni ?? at.server)):\(at.port)/")])]
        case .tlsVersionDeprecated:
            guard case .deprecated(let code) = e.detail else { return [] }
            let v = TLSNames.version(code)
            return [x.cause("old-stack", "an old TLS stack or a configuration that still allows \(v) on \(t.sawServerHello ? "both sides" : "the client")", .high,
                            because: ["\(t.sawServerHello ? "negotiated" : "offered at best") \(v) (frame \(t.sawServerHello ? t.serverHelloFrame : t.clientHelloFrame))"],
                            checks: [at.tlsProbe(sni: sni, extra: " -tls1_2")])]
        default:
            guard case .certificate(let c) = e.detail else { return [] }
            return certificateCauses(x, t, c, sni: sni, probe: probe)
        }
    }

    static func certificateCauses(_ x: RuleInput, _ t: TLSSession, _ c: TLSEvidence.CertificateEvidence, sni: String?, probe: Check) -> [Cause] {
        let at = x.places!
        switch x.kind {
        case .certificateExpired:
            return [x.cause("not-renewed", "the certificate was not renewed (a failed ACME/renewal job, or a renewed file not yet loaded by the server)", .high,
                            because: ["notAfter \(TLSDetector.date(c.leaf.notAfter)) is before this capture (frame \(t.certificateFrame))"],
                            checks: [Check(on: at.onClient, run: probe.run.replacingLast("</dev/null", "</dev/null 2>/dev/null | openssl x509 -noout -dates -subject"))])]
        case .certificateNotYetValid:
            return [x.cause("clock-or-early", "a clock wrong on one side, or a certificate put in service before its start date", .high,
                            because: ["notBefore \(TLSDetector.date(c.leaf.notBefore)) is after this capture (frame \(t.certificateFrame))"],
                            checks: [Check(on: at.onClient, run: "timedatectl status"), Check(on: at.onServer, run: "timedatectl status")])]
        case .certificateNameMismatch:
            let names = (c.leaf.dnsNames.isEmpty ? [c.leaf.commonName ?? "?"] : c.leaf.dnsNames).prefix(4).joined(separator: ", ")
            let because = "the certificate (frame \(t.certificateFrame)) names \(names); the client asked for \(TextSafe.quote(sni ?? "?"))"
            return [
                x.cause("wrong-certificate", "\(at.server) serves a default or wrong certificate for this name (the virtual host or SNI mapping is missing)", .medium,
                        because: [because], checks: [probe],
                        tellApart: "query the name's address: if it is \(at.server), the server's configuration; if not, DNS sent the client to the wrong server"),
                x.cause("wrong-server", "the name resolves to the wrong server (a stale or wrong DNS record)", .medium,
                        because: [because], checks: [Check(on: at.onClient, run: "getent ahosts \(Shell.quote(sni ?? "<the server's name>"))")]),
            ]
        case .certificateSelfSigned:
            return [x.cause("self-signed", "the server uses a self-signed certificate (a default or test certificate left in place)", .high,
                            because: ["issuer equals subject (\(c.leaf.subject)) in frame \(t.certificateFrame)"], checks: [probe])]
        default:
            return [x.cause("missing-intermediate", "the server does not send its intermediate certificate (or sends the chain out of order)", .high,
                            because: ["certificate \(c.brokenAfter.first ?? 1) of \(c.chainLength) in frame \(t.certificateFrame) was not issued by the next one"],
                            checks: [Check(on: at.onClient, run: probe.run.replacingLast("</dev/null", "-showcerts </dev/null"))])]
        }
    }

    static func alertCauses(_ x: RuleInput, _ f: Flow, _ t: TLSSession, _ alert: TLSSession.Alert, sni: String?, probe: Check) -> [Cause] {
        let at = x.places!
        let who = alert.fromClient ? "the client" : "the server"
        let stage = TLSDetector(thresholds: Thresholds()).stagePhrase(alert.stage)
        guard let d = alert.description else {
            return encryptedAlert(x, f, t, alert, probe: probe)
        }
        let name = "\(TLSNames.alert(d)) (\(d))"
        let saw = "\(who) sent a fatal \(name) \(stage) (frame \(alert.frame))"
        let offered = t.sawClientHello ? TLSNames.version(t.offeredVersion) : "a version not in the capture (it starts after the ClientHello)"
        let chosen = t.sawServerHello ? TLSNames.version(t.selectedVersion) : nil
        let versions = (t.sawClientHello ? "the client offered up to \(offered)" : "no ClientHello in the capture") + (chosen.map { ", the server chose \($0)" } ?? ", no ServerHello")
        var out: [Cause] = []
        switch d {
        case 70:
            if alert.fromClient {
                out.append(x.cause("version-mismatch", "the server chose a version the client will not use (\(chosen ?? "?")): the client's minimum is higher", .high,
                                   because: [saw, versions], checks: [at.tlsProbe(sni: sni, extra: " -tls1_2"), at.tlsProbe(sni: sni, extra: " -tls1_3")]))
            } else if !t.sawClientHello {
                out.append(x.cause("version-mismatch", "the server refused the TLS version the client offered (the ClientHello is not in the capture, so which one is unknown)", .medium,
                                   because: [saw], checks: [at.tlsProbe(sni: sni, extra: " -tls1_2"), at.tlsProbe(sni: sni, extra: " -tls1_3")]))
            } else if TLSNames.isDeprecated(version: t.offeredVersion) || t.offeredVersion < 0x0303 {
                out.append(x.cause("version-mismatch", "the client offers at most \(offered), older than the server accepts: upgrade or reconfigure the client's TLS", .high,
                                   because: [saw, versions], checks: [at.tlsProbe(sni: sni, extra: " -tls1_2")]))
            } else {
                out.append(x.cause("version-mismatch", "the server accepts none of the versions the client offers (up to \(offered)): it requires a newer one (for example TLS 1.3 only), or speaks only older ones", .high,
                                   because: [saw, versions], checks: [at.tlsProbe(sni: sni, extra: " -tls1_2"), at.tlsProbe(sni: sni, extra: " -tls1_3")]))
            }
        case 40, 71:
            if !alert.fromClient && !t.sawServerHello {
                out.append(noSharedParameters(x, t, d, saw: saw, versions: versions, sni: sni))
            } else if alert.fromClient {
                out.append(clientRefused(x, t, saw: saw, versions: versions, probe: probe))
            } else {
                out.append(x.cause("client-cert-rejected", "the server refused the handshake after its ServerHello: the client's certificate or its signature did not satisfy it", .medium,
                                   because: [saw], checks: [Check(on: at.onServer, run: "journalctl -n 100 --no-pager | grep -i -E 'ssl|tls'")]))
            }
        case 42, 43, 44, 45, 46, 48:
            if alert.fromClient {
                let certNote = certificateFacts(t)
                switch d {
                case 45:
                    out.append(x.cause("server-cert-expired", "the server's certificate has expired, or the client's clock is wrong", .high,
                                       because: [saw] + certNote, checks: [Check(on: at.onClient, run: probe.run.replacingLast("</dev/null", "</dev/null 2>/dev/null | openssl x509 -noout -dates")), Check(on: at.onClient, run: "date -u")]))
                case 44:
                    out.append(x.cause("server-cert-revoked", "the server's certificate has been revoked by its CA", .high, because: [saw] + certNote, checks: [probe]))
                case 42, 46:
                    // A certificate that does not name what the client asked for: that alone explains the refusal.
                    if let names = nameMismatch(t, sni: sni) {
                        let asked = TextSafe.quote(sni ?? "?")
                        out.append(x.cause("server-cert-untrusted", "the client rejected the server's certificate because it does not name \(asked): it names \(names)", .high,
                                           because: [saw, "the certificate (frame \(t.certificateFrame)) names \(names); the ClientHello (frame \(t.clientHelloFrame)) asked for \(asked)"],
                                           checks: [probe]))
                    } else {
                        out.append(untrusted(x, d, saw: saw, certNote: certNote, probe: probe))
                    }
                default:
                    out.append(untrusted(x, d, saw: saw, certNote: certNote, probe: probe))
                }
            } else {
                out.append(x.cause("client-cert-rejected", "the server rejected the client's certificate (mutual TLS): issued by a CA the server does not trust, expired, or revoked", .high,
                                   because: [saw + ": a certificate alert from the server is about the client's certificate"],
                                   checks: [Check(on: at.onClient, run: "openssl x509 -noout -issuer -dates -in <the client's certificate file>"),
                                            Check(on: at.onServer, run: "journalctl -n 100 --no-pager | grep -i -E 'ssl|tls|certificate'")]))
            }
        case 116:
            out.append(x.cause("client-cert-missing", "the server requires a client certificate (mutual TLS) and the client sent none", .high,
                               because: [saw], checks: [at.tlsProbe(sni: sni, extra: " -cert <the client's certificate> -key <its key>")]))
        case 112:
            out.append(x.cause("sni-unknown", "the server has no site configured for \(TextSafe.quote(sni ?? "the name asked for"))", .high,
                               because: [saw, sni.map { "the client asked for SNI \(TextSafe.quote($0)) (frame \(t.clientHelloFrame))" } ?? "the ClientHello carried no SNI"],
                               checks: [probe]))
        case 120:
            let alpn = t.alpn.isEmpty ? "none" : String(decoding: t.alpn, as: UTF8.self)
            out.append(x.cause("alpn-mismatch", "none of the application protocols the client offered (\(alpn)) is served on \(at.hostPort)", .high,
                               because: [saw, "the ClientHello (frame \(t.clientHelloFrame)) offered ALPN \(alpn)"],
                               checks: [at.tlsProbe(sni: sni, extra: " -alpn h2,http/1.1")]))
        case 10, 20, 22, 47, 50, 51, 109, 110:
            out.append(x.cause("stack-or-middlebox", "a TLS implementation bug on one side, or a middlebox rewriting or truncating the handshake", .medium,
                               because: [saw, versions],
                               checks: [probe, Check(on: at.onServer, run: "tcpdump -ni any -w server-side.pcap 'host \(at.client) and tcp port \(at.port)'")],
                               tellApart: "capture at both ends: bytes that differ between the two captures were changed on the path"))
        case 49:
            out.append(x.cause("access-denied", "the \(alert.fromClient ? "client" : "server")'s access policy refused the peer's identity after checking it", .high, because: [saw], checks: [probe]))
        case 80:
            out.append(x.cause("internal-error", "\(who) failed internally (key or certificate file unreadable, an HSM or key store down, out of memory)", .high,
                               because: [saw], checks: [Check(on: alert.fromClient ? at.onClient : at.onServer, run: "journalctl -n 100 --no-pager | grep -i -E 'ssl|tls'")]))
        case 90:
            out.append(x.cause("user-canceled", "the application on \(who) canceled the handshake", .high, because: [saw]))
        case 86:
            out.append(x.cause("fallback-detected", "the client retried with a lower version after an earlier attempt failed, and the server caught the downgrade: look at why the first attempt failed", .high,
                               because: [saw, versions], checks: [probe]))
        default:
            out.append(x.cause("other-alert", "\(who) ended the handshake with \(name)", .medium, because: [saw, versions], checks: [probe]))
        }
        return out
    }

    /// handshake_failure / insufficient_security from the server before any ServerHello: what the
    /// client offered says which side's list is the odd one.
    static func noSharedParameters(_ x: RuleInput, _ t: TLSSession, _ d: UInt8, saw: String, versions: String, sni: String?) -> Cause {
        let at = x.places!
        let o = t.offer
        let traits = o.suites.compactMap(TLSNames.suiteTraits)
        let unnamed = o.suites.filter { TLSNames.suiteTraits($0) == nil && $0 != 0x00FF && $0 != 0x5600 }.count
        let offered = "the ClientHello (frame \(t.clientHelloFrame)) offered " + (o.suites.isEmpty
            ? "\(t.cipherSuitesOffered) cipher suites" : Self.list(o.suites.filter { $0 != 0x00FF && $0 != 0x5600 }.map { TLSNames.cipherSuite($0) ?? String(format4hex: $0) }))
        var because = [saw, offered]
        if !o.groups.isEmpty { because.append("groups " + Self.list(o.groups.map { TLSNames.group($0) ?? String(format4hex: $0) })) }
        because.append(versions)
        let scan = Check(on: at.onClient, run: "nmap --script ssl-enum-ciphers -p \(at.port) \(at.server)")
        let weak = d == 71 ? "stronger than anything" : "none of what"
        func cause(_ text: String, _ c: Confidence, tellApart: String? = nil) -> Cause {
            x.cause("no-shared-parameters", text, c, because: because, checks: [scan, at.tlsProbe(sni: sni)], tellApart: tellApart)
        }
        if !traits.isEmpty, unnamed == 0, traits.allSatisfy(\.broken) {
            return cause("the client offers only suites no current server accepts (NULL, RC4, 3DES or export ciphers): a broken or test TLS configuration on the client", .high)
        }
        if !traits.isEmpty, unnamed == 0, traits.allSatisfy({ $0.exchange == .rsa || $0.exchange == .other }) {
            return cause("the client offers only RSA key exchange (no forward secrecy), and the server allows only ECDHE, DHE or TLS 1.3 suites", .high)
        }
        if !o.groups.isEmpty, o.groups.allSatisfy(TLSNames.isPostQuantum) {
            return cause("the client offers only post-quantum key exchange groups, which this server does not support", .high)
        }
        if !o.groups.isEmpty, !o.groups.contains(where: TLSNames.isCurrent), traits.allSatisfy({ $0.exchange == .ecdhe || $0.exchange == .tls13 }) {
            return cause("the client offers only legacy or unusual key-exchange groups; the server supports the current ones (P-256, X25519 and the like) only", .high)
        }
        if !traits.isEmpty, unnamed == 0, traits.allSatisfy({ !$0.aead }) {
            return cause("the client offers only CBC suites; the server allows AEAD suites (AES-GCM, ChaCha20) only", .medium,
                         tellApart: "the first check lists what the server accepts: compare it with the suites above")
        }
        if sni == nil {
            return x.cause("sni-missing", "the ClientHello carries no server name (SNI): a server hosting several sites (a CDN or shared front end) cannot pick a certificate without it and refuses the handshake", .medium,
                           because: because + ["no server_name extension in the ClientHello (frame \(t.clientHelloFrame)), while its suites and groups are current ones"],
                           checks: [Check(on: at.onClient, run: "openssl s_client -connect \(at.hostPort) -servername <the site's name> </dev/null"), scan],
                           tellApart: "the first check with the site's name: if it succeeds, SNI was the missing piece")
        }
        return cause("the server's configuration accepts \(weak) the client offered (\(t.cipherSuitesOffered) suites): one of the two has a narrowed cipher, group or signature list", .medium,
                     tellApart: "the first check lists what the server accepts: compare it with the suites above")
    }

    /// handshake_failure / insufficient_security from the client after the ServerHello.
    static func clientRefused(_ x: RuleInput, _ t: TLSSession, saw: String, versions: String, probe: Check) -> Cause {
        let at = x.places!
        let suite = TLSNames.cipherSuite(t.cipherSuite) ?? String(format4hex: t.cipherSuite)
        if t.sawServerHello, !t.offer.suites.isEmpty, !t.offer.suites.contains(t.cipherSuite) {
            return x.cause("client-refused-parameters", "the server chose \(suite), which the client never offered: a server bug, or a middlebox rewriting the hello", .high,
                           because: [saw, "the ServerHello (frame \(t.serverHelloFrame)) chose \(suite), not among the client's \(t.offer.suites.count) suites (frame \(t.clientHelloFrame))"],
                           checks: [probe])
        }
        if t.selectedGroup != 0, !t.offer.groups.isEmpty, !t.offer.groups.contains(t.selectedGroup) {
            let g = TLSNames.group(t.selectedGroup) ?? String(format4hex: t.selectedGroup)
            return x.cause("client-refused-parameters", "the server chose key-exchange group \(g), which the client never offered: a server bug, or a middlebox rewriting the hello", .high,
                           because: [saw, "the ServerHello (frame \(t.serverHelloFrame)) chose \(g), not among the groups in the ClientHello (frame \(t.clientHelloFrame))"],
                           checks: [probe])
        }
        return x.cause("client-refused-parameters", "the client refused the server's choice (\(t.sawServerHello ? suite : "?")) or its key exchange or certificate key: the client's policy is stricter than the server's", .medium,
                       because: [saw, versions], checks: [probe, Check(on: at.onClient, run: "nmap --script ssl-enum-ciphers -p \(at.port) \(at.server)")])
    }

    /// "a, b and c", at most six, then how many more.
    static func list(_ xs: [String]) -> String {
        let shown = Array(xs.prefix(6))
        let more = xs.count - shown.count
        guard shown.count > 1 else { return shown.first ?? "nothing" }
        if more > 0 { return shown.joined(separator: ", ") + " and \(more) more" }
        return shown.dropLast().joined(separator: ", ") + " and " + shown.last!
    }

    /// An alert whose description we cannot read: its position and size say what it likely is.
    static func encryptedAlert(_ x: RuleInput, _ f: Flow, _ t: TLSSession, _ alert: TLSSession.Alert, probe: Check) -> [Cause] {
        let at = x.places!
        let saw = "an encrypted alert from \(alert.fromClient ? "the client" : "the server") (frame \(alert.frame)) \(TLSDetector(thresholds: Thresholds()).stagePhrase(alert.stage))"
        let keylog = "a key log (SSLKEYLOGFILE) from either side decrypts the alert and names it"
        if alert.fromClient {
            return [x.cause("encrypted-client-rejected", "the client rejected the server's certificate or parameters (most often an untrusted or mismatched certificate)", .medium,
                            because: [saw, "it came right after the server's encrypted flight, where its certificate travels"],
                            checks: [Check(on: at.onClient, run: probe.run.replacingLast("</dev/null", "-showcerts </dev/null"))], tellApart: keylog)]
        }
        let sni = t.serverName.isEmpty ? nil : String(decoding: t.serverName, as: UTF8.self)
        let after = "a TLS 1.3 server checks the client's certificate only after the client's Finished"
        let withCert = at.tlsProbe(sni: sni, extra: " -cert <the client's certificate> -key <its key>")
        let missing = x.cause("client-cert-missing", "the server requires a client certificate (mutual TLS) and the client sent none", .medium,
                              because: [saw, after], checks: [withCert], tellApart: keylog)
        let rejected = x.cause("client-cert-rejected", "the server refused the client's certificate: issued by a CA it does not trust, expired, or revoked", .medium,
                               because: [saw, after],
                               checks: [Check(on: at.onClient, run: "openssl x509 -noout -issuer -dates -in <the client's certificate file>")], tellApart: keylog)
        switch t.clientRecordsAtCompletion {
        case 2:
            var m = missing
            m.because.append("the client's last flight held two protected records, a Certificate and the Finished, with no CertificateVerify: its certificate list was empty")
            return [m]
        case 3:
            var r = rejected
            r.because.append("the client's last flight held three protected records: Certificate, CertificateVerify and Finished, so it did send a certificate")
            return [r]
        default:
            return [missing, rejected]
        }
    }

    /// What the visible certificate says, for the client's certificate alerts.
    /// The client refused the server's certificate, for no reason the capture shows more closely.
    static func untrusted(_ x: RuleInput, _ d: UInt8, saw: String, certNote: [String], probe: Check) -> Cause {
        let at = x.places!
        return x.cause("server-cert-untrusted", d == 48 ? "the client does not trust the CA that issued the server's certificate: a private CA missing from its trust store, or an intermediate the server does not send" : "the client rejected the server's certificate: untrusted issuer, a missing intermediate, a name that does not match, or a key or usage it refuses", .high,
                       because: [saw] + certNote,
                       checks: [Check(on: at.onClient, run: probe.run.replacingLast("</dev/null", "-showcerts </dev/null")),
                                Check(on: at.onClient, run: "openssl verify -CAfile <the client's CA bundle> <the server's certificate saved from the command above>")])
    }

    /// The names of a leaf certificate that does not cover `sni`; nil when it does or is unreadable.
    static func nameMismatch(_ t: TLSSession, sni: String?) -> String? {
        guard let sni, let leaf = TLSDetector(thresholds: Thresholds()).certificates(t)?.first, !leaf.matches(hostname: sni) else { return nil }
        return (leaf.dnsNames.isEmpty ? [leaf.commonName ?? "?"] : leaf.dnsNames).prefix(4).joined(separator: ", ")
    }

    static func certificateFacts(_ t: TLSSession) -> [String] {
        guard let c = TLSDetector(thresholds: Thresholds()).certificates(t) else {
            return t.isTLS13 ? ["the certificate itself is encrypted in TLS 1.3"] : []
        }
        let leaf = c[0]
        var out = ["the server's certificate (frame \(t.certificateFrame)): subject \(leaf.subject), issuer \(leaf.issuer), valid until \(TLSDetector.date(leaf.notAfter))"]
        if leaf.selfSigned { out.append("it is self-signed") }
        if c.count == 1 && !leaf.selfSigned { out.append("the server sent only this certificate, no intermediate") }
        return out
    }

    static func abortCauses(_ x: RuleInput, _ f: Flow, _ t: TLSSession, cause: TLSEvidence.AbortCause, by role: EndpointRole?,
                            probe: Check) -> [Cause] {
        let at = x.places!
        let by = role?.rawValue
        let detail = x.finding.summary
        let hello = "ClientHello at frame \(t.clientHelloFrame)"
        switch (cause, t.stage) {
        case (.notTLS, _):
            return [x.cause("not-tls", "the service on \(at.hostPort) does not speak TLS (a plaintext service, or the wrong port)", .high,
                            because: ["the server answered the \(hello) with bytes that are not a TLS record"],
                            checks: [Check(on: at.onClient, run: "nc -w 3 \(at.server) \(at.port) </dev/null | head -c 200 | od -c | head")])]
        case (.tcpStall, _):
            return [x.cause("tcp-stall", "the handshake's packets stopped getting through: loss, or a path MTU black hole for the large ClientHello or certificate flight", .medium,
                            because: [detail], checks: [Check(on: at.onClient, run: "tracepath -n \(at.server)")])]
        case (_, .clientHello):
            let segs = Int(t.client.firstMessageSegments)
            // The server's TCP never acknowledged all of the hello: its application never had it.
            let dataEnd = f.client.highestSeqEnd.map { f.client.sentFIN ? $0 + -1 : $0 }   // a FIN takes one number
            let unacked = dataEnd.map { end in f.server.highestAck.map { $0 < end } ?? true } ?? false
            if cause == .timeout && segs > 1 && f.client.retransmissions > 0 && unacked {
                return [x.cause("hello-lost", "the \(segs)-segment ClientHello did not get through: full-size segments are lost on the path (a path MTU problem for large hellos, e.g. post-quantum key shares), so the server never had it to answer", .high,
                                because: ["the ClientHello (frame \(t.clientHelloFrame)) took \(segs) segments and was retransmitted", "\(at.server) never acknowledged all of it"],
                                checks: [Check(on: at.onClient, run: "tracepath -n \(at.server)"), Check(on: at.onClient, run: "ping -M do -s 1472 -c 3 \(at.server)")])]
            }
            if cause == .timeout {
                return [x.cause("server-silent", "\(at.server) accepted the TCP connection but never answered the \(hello): the service on port \(at.port) is not TLS (one that waits for the client to speak in its own protocol) or hangs, or a middlebox swallows the ClientHello", .high,
                                   because: ["nothing at all came from the server after the ClientHello: " + detail],
                                   checks: [probe, Check(on: at.onServer, run: "ss -ltnp 'sport = :\(at.port)'")])]
            }
            var out: [Cause] = []
            if cause == .rst && by == "server", let r = f.reset, f.server.ttlPackets > 0, r.ttl < f.server.ttlMin || r.ttl > f.server.ttlMax {
                out.append(x.cause("forged-reset", "a middlebox reset the connection in the server's name after reading the ClientHello (SNI filtering, a proxy or IPS)", .high,
                                   because: ["the RST (frame \(r.frame)) has TTL \(r.ttl) while the server's packets arrive with \(f.server.ttlMin)-\(f.server.ttlMax)"],
                                   checks: [at.traceroute()]))
            }
            out.append(x.cause("server-rejected-hello", "the server (or a filter in front of it) rejected the ClientHello without an alert: a stack that closes on a version, cipher or SNI it does not accept, or a non-TLS service", out.isEmpty ? .high : .low,
                               because: ["\(by ?? "the server") \(cause == .rst ? "reset" : "closed") the connection right after the \(hello), with no TLS record"],
                               checks: [probe, at.tlsProbe(sni: nil)], tellApart: "the same openssl probe without -servername, and with -tls1_2: one that succeeds names what the server refused"))
            return out
        case (_, .serverFlight), (_, .serverHello):
            if by == "client" {
                return [x.cause("client-abandoned", "the client gave up after the server's \(t.stage == .serverFlight ? "certificate flight" : "ServerHello") without an alert: most often it did not trust the certificate, and its application closed the socket", .medium,
                                because: [detail], checks: [Check(on: at.onClient, run: probe.run.replacingLast("</dev/null", "-showcerts </dev/null"))])]
            }
            return [x.cause("server-abandoned", "the server closed after its own handshake messages (a crash, a limit, or a client certificate it did not like)", .medium,
                            because: [detail], checks: [Check(on: at.onServer, run: "journalctl -n 100 --no-pager | grep -i -E 'ssl|tls'")])]
        default:
            return [x.cause(by == "client" ? "client-abandoned" : "server-abandoned", "\(by ?? "one side") ended the handshake without an alert", .low, because: [detail], checks: [probe])]
        }
    }
}

extension String {
    /// Replaces the last occurrence of `a` with `b` (commands built from a base probe).
    func replacingLast(_ a: String, _ b: String) -> String {
        let s = Array(utf8), p = Array(a.utf8)
        guard !p.isEmpty, s.count >= p.count,
              let i = stride(from: s.count - p.count, through: 0, by: -1).first(where: { Array(s[$0..<($0 + p.count)]) == p }) else {
            return self + " " + b
        }
        return String(decoding: s[..<i], as: UTF8.self) + b + String(decoding: s[(i + p.count)...], as: UTF8.self)
    }
}
