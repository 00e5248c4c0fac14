/// `explain`'s long form of the kinds for TLS handshakes and certificates.
extension KindCatalog {
    static func tlsKinds(_ k: FindingKind) -> KindInfo? {
        switch k {
        // MARK: TLS

        case .tlsAlert:
            return KindInfo(
                kind: k, title: "TLS handshake alert", layer: .tls, defaultSeverity: .error,
                meaning: """
                    One side aborted the TLS handshake with a fatal alert, so no secure session was set up. The \
                    description says why from the sender's point of view: handshake_failure (no common version, \
                    cipher or group), unknown_ca or bad_certificate (certificate not trusted), certificate_expired, \
                    protocol_version, unrecognized_name, certificate_required and so on. Who sent it tells which \
                    side's configuration to change.
                    """,
                detection: """
                    TLS records are reassembled per direction across TCP segments (TLS is recognised by its first \
                    bytes, on any port). Every fatal plaintext alert (content type 21, level 2) is reported with \
                    its sender, description code and IANA name, the stage (before any ServerHello, after the \
                    ServerHello, after the server's certificate flight, after the client's Finished), the offered \
                    and negotiated versions and the SNI. An encrypted alert is reported too, with confidence \
                    medium: an alert record longer than 2 bytes, or sent after ChangeCipherSpec, before the \
                    handshake completed; and in TLS 1.3 a client's lone 19-byte record (alert, inner type and \
                    AEAD tag) as its last record before it closed. Warning-level alerts (close_notify, \
                    unrecognized_name) are not findings. A reset that ends such a handshake is told here rather \
                    than as tcp.reset.abort.
                    """,
                checks: [
                    "`openssl s_client -connect HOST:PORT -servername NAME -showcerts` from the client's network",
                    "the sender in the evidence: a client alert means the client rejected the server; a server alert, the reverse",
                    "server TLS settings: enabled versions and ciphers, certificate chain and names (`openssl x509 -noout -text`)",
                    "the client's trust store and TLS settings (minimum version, cipher list, client certificate)",
                    "what the server accepts: `testssl.sh HOST:PORT` or `nmap --script ssl-enum-ciphers -p PORT HOST`",
                ],
                related: [.tlsAborted, .certificateChainIncomplete, .certificateNameMismatch, .certificateExpired,
                          .tlsVersionDeprecated])

        case .tlsAborted:
            return KindInfo(
                kind: k, title: "TLS handshake aborted", layer: .tls, defaultSeverity: .error,
                meaning: """
                    A TLS handshake started (a ClientHello was sent) but never completed, and no readable alert \
                    says why. Where it stopped and how the TCP connection ended are the clues: no ServerHello \
                    points at the server or a middlebox rejecting the ClientHello; a stop right after the \
                    server's certificate flight usually means the client rejected the certificate with an \
                    encrypted alert, or the large flight was lost.
                    """,
                detection: """
                    A ClientHello was seen and the handshake had not completed by the end of the flow (TLS 1.2 and \
                    earlier: ChangeCipherSpec and an encrypted Finished from both sides; TLS 1.3: the server's \
                    encrypted flight, then a client record that is not a lone 19-byte one, then application \
                    data). Stage: no_server_hello, after_server_hello, after_server_flight or \
                    after_client_finished. Cause: rst or fin and by whom (a RST out of window is marked as \
                    possibly forged), timeout when the client gave up after at least a second of server silence \
                    or nothing more came, not_tls when the server answered with something that is not TLS, or \
                    tcp_stall when the client's handshake data was retransmitted and never acknowledged. \
                    Handshakes ended by a fatal alert are tls.alert instead. An SSLv2-style hello is not followed.
                    """,
                checks: [
                    "`openssl s_client -connect HOST:PORT -servername NAME -msg`, and again with `-tls1_2` to make alerts readable",
                    "stage and cause in the evidence; for a RST, look for tcp.reset.middlebox on the same flow",
                    "TLS inspection or SNI-filtering logs on firewalls and proxies for that SNI",
                    "path MTU (`tracepath HOST`) when the cause is a stall after the server flight or a multi-segment ClientHello",
                    "a smaller ClientHello, e.g. without post-quantum key shares: `openssl s_client -groups X25519 ...`",
                ],
                related: [.tlsAlert, .resetMiddlebox, .blackhole, .stall])

        case .tlsSlow:
            return KindInfo(
                kind: k, title: "Slow TLS handshake", layer: .tls, defaultSeverity: .warning,
                meaning: """
                    The TLS handshake completed but took long: ClientHello to ServerHello, or ClientHello to the \
                    end of the handshake, was above the threshold. This adds to the time to first byte of every \
                    new connection. A slow ServerHello points at the server (CPU, key operations, waiting on \
                    something); a slow completion at the client or at retransmissions.
                    """,
                detection: """
                    The time from the ClientHello to the ServerHello is at least tlsSlowSeconds (default 1 s, \
                    printed in the report's thresholds). Evidence: that delay, the SNI and the versions; the \
                    flow's own tcp.* findings show whether the path lost or delayed packets meanwhile.
                    """,
                checks: [
                    "`curl -o /dev/null -s -w '%{time_connect} %{time_appconnect}' https://NAME/` to split TCP and TLS setup",
                    "server CPU and TLS metrics at that time; key type and size (`openssl x509 -noout -text`)",
                    "OCSP stapling and session resumption (tickets, session cache) enabled on the server",
                    "retransmissions on the same flow (evidence, tcp.retransmissions)",
                ],
                related: [.handshakeSlow, .retransmissions, .tlsAborted])

        case .certificateExpired:
            return KindInfo(
                kind: k, title: "Certificate expired", layer: .tls, defaultSeverity: .error,
                meaning: """
                    The server presented a certificate whose validity period had ended. Clients that check \
                    validity refuse the connection (certificate_expired alert, browser warning) and automated \
                    clients fail outright. A renewal was missed, or a server still serves an old file.
                    """,
                detection: """
                    Certificates are read from the server's Certificate message, which is visible only in TLS 1.2 \
                    and earlier (TLS 1.3 encrypts it), and parsed with swift-certificates. The leaf is expired when \
                    its notAfter is before the time of the packet that carried it: capture time, not the time of \
                    analysis. Evidence: subject, issuer, notBefore, notAfter, the SAN names, and whether the \
                    handshake completed anyway.
                    """,
                checks: [
                    "`openssl s_client -connect HOST:PORT -servername NAME </dev/null | openssl x509 -noout -dates -subject`",
                    "every node behind the load balancer, not just one",
                    "renewal automation logs (`certbot renew --dry-run`, cert-manager events)",
                    "the chain file for expired intermediates",
                ],
                related: [.certificateNotYetValid, .tlsAlert])

        case .certificateNotYetValid:
            return KindInfo(
                kind: k, title: "Certificate not yet valid", layer: .tls, defaultSeverity: .error,
                meaning: """
                    The server presented a certificate whose validity period starts after the moment it was used. \
                    Clients refuse it just like an expired one. This nearly always means a clock is wrong \
                    somewhere, or a fresh certificate with a start time in the future was deployed at once.
                    """,
                detection: """
                    As for tls.certificate.expired, from the Certificate message of TLS 1.2 and earlier: the \
                    leaf's notBefore is later than the time of the packet that carried it. Evidence: subject, \
                    issuer, validity and SAN names.
                    """,
                checks: [
                    "time sync on client, server and capture host: `timedatectl`, `chronyc tracking`",
                    "the notBefore in the evidence against the packet time",
                    "`openssl x509 -noout -dates -in FILE` on the deployed certificate",
                ],
                related: [.certificateExpired, .tlsAlert])

        case .certificateNameMismatch:
            return KindInfo(
                kind: k, title: "Certificate name mismatch", layer: .tls, defaultSeverity: .error,
                meaning: """
                    The certificate the server sent does not cover the name the client asked for. Clients that \
                    verify host names refuse it. Often the server sends a default certificate because no virtual \
                    host matches the SNI, or the client uses an alias or IP address the certificate does not list.
                    """,
                detection: """
                    The SNI from the ClientHello is compared with the leaf certificate's subjectAltName DNS names \
                    (the subject CN only when there are none), with the usual wildcard rule: '*' stands for \
                    exactly one left-most label. Without an SNI there is nothing to compare and no finding. TLS 1.2 \
                    and earlier only, since TLS 1.3 encrypts the certificate. Evidence: the SNI and the names in \
                    the certificate.
                    """,
                checks: [
                    "`openssl s_client -connect HOST:PORT -servername NAME </dev/null | openssl x509 -noout -ext subjectAltName`",
                    "virtual-host / SNI configuration for NAME on the server or load balancer",
                    "`dig +short NAME` resolves to the intended server",
                    "reissue the certificate with every name clients use",
                ],
                related: [.tlsAlert, .certificateSelfSigned])

        case .certificateSelfSigned:
            return KindInfo(
                kind: k, title: "Self-signed certificate", layer: .tls, defaultSeverity: .warning,
                meaning: """
                    The server's certificate is signed by its own key, so no CA vouches for it. Clients that do \
                    not trust it explicitly refuse the connection; clients that accept it have usually turned \
                    verification off. Fine for a lab, a problem wherever users or automated clients expect a \
                    CA-issued certificate.
                    """,
                detection: """
                    The leaf certificate (the first in the server's Certificate message, TLS 1.2 and earlier) is \
                    issued by itself and its signature verifies with its own public key. A chain that merely \
                    ends in a self-signed root after a proper leaf is normal and not reported.
                    """,
                checks: [
                    "`openssl s_client -connect HOST:PORT -servername NAME -showcerts`: issuer and subject of the leaf",
                    "whether clients are meant to trust this certificate (pinning, internal trust store) or skip verification",
                    "issue a certificate from the internal or a public CA and deploy it",
                    "if unexpected, look for an intercepting proxy between client and server",
                ],
                related: [.certificateChainIncomplete, .tlsAlert])

        case .certificateChainIncomplete:
            return KindInfo(
                kind: k, title: "Certificate chain incomplete", layer: .tls, defaultSeverity: .warning,
                meaning: """
                    The server sent its certificate without the intermediate CA certificates that link it to a \
                    trusted root. Browsers often fill the gap from a cache or by fetching the intermediate, but \
                    many clients (curl, Java, Go, mobile apps, devices) fail with "unable to get local issuer \
                    certificate". The result is a service that works for some clients and not for others.
                    """,
                detection: """
                    From the server's Certificate message (TLS 1.2 and earlier): reported when the certificates \
                    sent do not link up, i.e. a certificate's issuer is not the subject of the next one (an \
                    intermediate missing or out of order). A leaf sent alone is not judged: it may be issued \
                    straight by a root the client trusts. A chain that ends at an intermediate whose issuer, the \
                    root, was not sent is correct: roots come from the client's trust store.
                    """,
                checks: [
                    "`openssl s_client -connect HOST:PORT -servername NAME -showcerts`: how many certificates were sent",
                    "`openssl verify -untrusted chain.pem leaf.pem` against the system trust store",
                    "the chain setting: nginx `ssl_certificate` with the full chain, the load balancer's certificate-chain field",
                    "test with a strict client: `curl -v https://NAME/` from a clean container",
                ],
                related: [.certificateSelfSigned, .tlsAlert])

        case .tlsVersionDeprecated:
            return KindInfo(
                kind: k, title: "Deprecated TLS version", layer: .tls, defaultSeverity: .warning,
                meaning: """
                    The connection negotiated SSL 3.0, TLS 1.0 or TLS 1.1, which are deprecated (RFC 8996) and \
                    have known weaknesses. Current clients and libraries refuse them by default, so the service \
                    fails for up-to-date clients, and compliance rules such as PCI DSS forbid them.
                    """,
                detection: """
                    The version the server chose in its ServerHello (the supported_versions extension when \
                    present, else the version field) is SSL 3.0, TLS 1.0 or TLS 1.1 (RFC 8996; SSL 2.0 and DTLS 1.0 \
                    too); when no ServerHello came, the best version the client offered. Evidence: the version, the \
                    client's highest offered version and the cipher suite.
                    """,
                checks: [
                    "which side is limited: the client's highest offered version vs the server's choice (evidence)",
                    "what the server supports: `openssl s_client -connect HOST:PORT -tls1_2` and `-tls1_3`",
                    "server configuration (`ssl_protocols`, `SSLProtocol`, Windows SCHANNEL settings): TLS 1.2 and newer only",
                    "upgrade or replace legacy clients",
                ],
                related: [.tlsAlert])

        default:
            return nil
        }
    }
}
