/// What `flowdoctor explain KIND` prints, and the default causes/checks findings carry.
public struct KindInfo: Sendable {
    public let kind: FindingKind
    /// A short noun phrase, e.g. "Connection refused".
    public let title: String
    /// Where a network engineer looks first.
    public let layer: Layer
    public let defaultSeverity: Severity
    /// 2-4 sentences: what it means for the user.
    public let meaning: String
    /// 2-5 sentences: exactly how flowdoctor decides (rules, named thresholds, near-misses it excludes).
    public let detection: String
    /// 3-6 likely causes, most likely first, one line each.
    public let causes: [String]
    /// 3-6 concrete next checks (commands, counters, config), one line each.
    public let checks: [String]
    public let related: [FindingKind]

    public enum Layer: String, Sendable, CaseIterable {
        case capture, link, network, transport, tls, application
    }
}

extension FindingKind {
    public var info: KindInfo { KindCatalog.entry(self) }
}

/// The long form of every finding kind. Threshold names are the `Thresholds` properties where one
/// exists; the report prints the values in force.
public enum KindCatalog {
    public static var all: [KindInfo] { FindingKind.allCases.map(entry) }

    public static func entry(_ k: FindingKind) -> KindInfo {
        switch k {
        // MARK: TCP handshake

        case .handshakeUnanswered:
            return KindInfo(
                kind: k, title: "Connection attempt unanswered", layer: .network, defaultSeverity: .error,
                meaning: """
                    The client tried to open a TCP connection and heard nothing back: no SYN-ACK, no reset and \
                    no ICMP error. The application sees a connect() that hangs until its own timeout (about \
                    2 minutes with Linux defaults) and then fails with "connection timed out". Silence rather \
                    than a refusal almost always means something on the path discarded the packets.
                    """,
                detection: """
                    A flow that starts with a pure SYN gets this finding when nothing at all comes back from the \
                    server side (no SYN-ACK, no RST, no ICMP/ICMPv6 error quoting the SYN) and either the SYN was \
                    retried or synTimeoutSeconds (default 3 s) passed after the last SYN. All retries of one \
                    attempt on the same 4-tuple are one finding; the evidence gives the SYN count, the retry \
                    intervals and whether they follow exponential backoff (1, 2, 4 ... s). A single SYN in the \
                    last synTimeoutSeconds of the capture is left pending, and a flow whose first packet is not a \
                    SYN (captured mid-stream) is never judged.
                    """,
                causes: [
                    "a firewall, security group or ACL silently drops the SYN (a DROP rule rather than REJECT)",
                    "the server is down, or the address is wrong (stale DNS, moved host, wrong port) and nothing answers",
                    "the return path is broken: asymmetric routing, no route back to the client, NAT not translating the reply",
                    "the server drops SYNs itself: listen backlog full with SYN cookies off, or its own host firewall",
                    "a load balancer or VIP with no healthy backend discarding new connections",
                ],
                checks: [
                    "`nc -vz -w 3 HOST PORT` from the client's network, then from a host next to the server",
                    "capture on the server (`tcpdump -ni any 'tcp port PORT and tcp[tcpflags] & tcp-syn != 0'`): does the SYN arrive?",
                    "firewall rules and drop counters on the path: `nft list ruleset`, `iptables -L -v -n`, cloud flow logs",
                    "on the server: `ss -ltn 'sport = :PORT'` (Recv-Q vs backlog) and `nstat -az TcpExtListenDrops`",
                    "routing both ways: `ip route get CLIENT` on the server, `traceroute -T -p PORT HOST` from the client",
                ],
                related: [.handshakeRefused, .handshakeUnreachable, .handshakeIncomplete, .synFlood])

        case .handshakeRefused:
            return KindInfo(
                kind: k, title: "Connection refused", layer: .transport, defaultSeverity: .error,
                meaning: """
                    The server's address answered the SYN with a reset, so the connection failed at once and the \
                    application got "connection refused" (ECONNREFUSED). Either nothing listens on that port on \
                    that host, or a firewall in front of it rejects with a TCP reset. Unlike a timeout, the path \
                    to the address works; the refusal is a decision made at the far end.
                    """,
                detection: """
                    A SYN answered by a RST (normally RST+ACK) from the server side before any SYN-ACK, the \
                    pattern Zeek calls REJ. The RST is checked against the SYN: its acknowledgment number should \
                    be the SYN's sequence number + 1, and the evidence records whether it was (rstValidity). \
                    Retries that are each refused form one finding. The evidence also gives the RST's TTL/hop \
                    limit and how fast it came, which tell a host's own stack from a rejecting firewall.
                    """,
                causes: [
                    "the service is not running, crashed, or listens on another port",
                    "the service listens only on 127.0.0.1, another address or the other address family (IPv4 vs IPv6)",
                    "a host or network firewall rejects with tcp-reset (`reject with tcp reset`, `REJECT --reject-with tcp-reset`)",
                    "a load balancer or proxy with no listener or backend for this port resets new connections",
                    "the client dials the wrong host or port (stale DNS, wrong configuration)",
                ],
                checks: [
                    "`ss -ltnp 'sport = :PORT'` on the server: is anything listening, and on which address",
                    "compare the RST's TTL (evidence) with the server's other packets: a different TTL means a device in between sent it",
                    "reject rules: `nft list ruleset | grep -i reject`, `iptables -S | grep REJECT`, load-balancer listeners",
                    "`nc -vz HOST PORT` on the server itself and from the client, to see where the refusal starts",
                    "service state and logs: `systemctl status SERVICE`, `journalctl -u SERVICE`",
                ],
                related: [.handshakeUnanswered, .handshakeUnreachable, .resetMiddlebox])

        case .handshakeUnreachable:
            return KindInfo(
                kind: k, title: "Connection attempt rejected by ICMP", layer: .network, defaultSeverity: .error,
                meaning: """
                    A router or the destination host answered the SYN with an ICMP or ICMPv6 error, so the \
                    connection failed without reaching the service. The type and code say why: no route to the \
                    network or host, port unreachable, communication administratively prohibited by a filter, or \
                    TTL exceeded in a loop. Applications see "no route to host", "network is unreachable" or \
                    "connection refused", often immediately.
                    """,
                detection: """
                    An ICMP destination-unreachable or time-exceeded (ICMPv6 destination-unreachable or \
                    time-exceeded) whose quoted header matches a SYN of this flow (addresses, protocol, ports), \
                    with no SYN-ACK or RST from the server. The finding names the reporting router (the ICMP \
                    source address), says whether it was the server itself, and gives the type, code and number \
                    of errors. Fragmentation-needed / packet-too-big is mtu.frag-needed, and an ICMP error \
                    explained here is not reported again as icmp.unreachable.
                    """,
                causes: [
                    "a router has no route to the destination network or host (withdrawn route, host not answering ARP/ND on the last hop)",
                    "an ACL or firewall rejects with ICMP (administratively prohibited: ICMP codes 9, 10, 13, ICMPv6 code 1)",
                    "the destination has no such service and answers port unreachable, or a firewall rejects with icmp-port-unreachable",
                    "a routing loop or an initial TTL too small for the path (time exceeded)",
                    "the client uses the wrong address (stale DNS, wrong VIP, a private address from outside)",
                ],
                checks: [
                    "routing on the reporting router (evidence): `ip route get DEST`, `show ip route DEST`",
                    "ACLs and reject rules on that router or firewall for the client -> server 5-tuple",
                    "`traceroute -T -p PORT DEST` or `mtr -T -P PORT DEST` from the client to see where the path ends",
                    "for host unreachable on the last hop: `ip neigh show DEST` on the last router",
                    "`dig +short NAME`: does DNS return the intended address?",
                ],
                related: [.icmpUnreachable, .icmpTTLExceeded, .handshakeUnanswered, .handshakeRefused])

        case .handshakeIncomplete:
            return KindInfo(
                kind: k, title: "Handshake not completed", layer: .network, defaultSeverity: .error,
                meaning: """
                    The server answered with a SYN-ACK but the handshake never finished: the client's final ACK \
                    never reached the server, or the client reset instead. The server keeps a half-open entry and \
                    resends its SYN-ACK while the client times out or gives up. If the client never received the \
                    SYN-ACK, it looks to the client exactly like an unanswered SYN.
                    """,
                detection: """
                    After a SYN and a SYN-ACK, reported when the client resets before completing, when the \
                    SYN-ACK is resent or goes unacknowledged for synTimeoutSeconds (default 3 s), or when the \
                    client ACKed but the server kept resending its SYN-ACK and never acknowledged anything more \
                    (the ACK was lost beyond the capture point). Evidence: SYN-ACK count, whether the client ACKed \
                    and whether it reset. A flow captured mid-stream is not judged, and a SYN-ACK that \
                    acknowledges the wrong number is tcp.handshake.invalid.
                    """,
                causes: [
                    "asymmetric routing or a stateful firewall/NAT drops the SYN-ACK on its way back (the client keeps resending its SYN)",
                    "a firewall between the capture point and the server drops the final ACK (state table full or out of sync)",
                    "the client gave up before the SYN-ACK arrived (connect timeout shorter than the delay) and reset",
                    "scanners and SYN floods: `nmap -sS` resets after the SYN-ACK, spoofed sources never answer",
                    "the client's own firewall drops the SYN-ACK (conntrack state lost after a NAT or address change)",
                ],
                checks: [
                    "capture on the client too: does the SYN-ACK arrive there? If not, trace the server -> client path",
                    "`ip route get CLIENT` on the server and routers near it; look for the return path crossing another firewall",
                    "conntrack/state on firewalls and NAT: `conntrack -L -p tcp --dport PORT`, `conntrack -S` (insert_failed, drop)",
                    "`ss -tn state syn-recv 'sport = :PORT'` on the server to count half-open connections",
                    "the client's connect timeout and logs",
                ],
                related: [.handshakeUnanswered, .synFlood, .handshakeInvalid])

        case .handshakeSlow:
            return KindInfo(
                kind: k, title: "Slow connection setup", layer: .network, defaultSeverity: .warning,
                meaning: """
                    The connection succeeded, but only after the SYN or SYN-ACK was sent again, so the \
                    application waited at least one initial retransmission timeout before it could send (1 s on \
                    Linux and per RFC 6298, 3 s on older stacks). Users see occasional connects that take about \
                    1, 3 or 7 seconds: a sign that the first packets were lost, not that the server is slow.
                    """,
                detection: """
                    The handshake completed (SYN, SYN-ACK, final ACK) but at least one SYN or SYN-ACK was \
                    retransmitted. The evidence gives the SYN and SYN-ACK counts, the whole handshake time and \
                    the added delay: the time from the first SYN to the final ACK minus the handshake RTT, \
                    typically close to the initial RTO or its doublings. A handshake that completed on the first \
                    try is never reported here, however long its RTT (that shows in the services table).
                    """,
                causes: [
                    "packet loss on the path (congested link, policer, bad cable or optics) hitting the SYN or SYN-ACK",
                    "the server's SYN or accept queue is full and it drops SYNs until there is room",
                    "rate limiting of new connections on a firewall, load balancer or DDoS protection",
                    "a stateful firewall or NAT dropping the first packet of a new flow (conntrack insert failures)",
                    "the SYN-ACK lost on the return path (the server resent it)",
                ],
                checks: [
                    "who retransmitted (evidence): SYN retries point to the forward path or server, SYN-ACK retries to the return path",
                    "on the server: `nstat -az TcpExtListenOverflows TcpExtListenDrops`, and `ss -ltn` Recv-Q vs backlog",
                    "interface errors and drops on the path: `ip -s link`, `ethtool -S IFACE | grep -i drop`, switch port counters",
                    "connection-rate limits on firewalls and load balancers; `conntrack -S` on Linux firewalls",
                    "`mtr -T -P PORT HOST` with many probes to find loss on the path",
                ],
                related: [.handshakeUnanswered, .retransmissions, .synFlood, .tlsSlow])

        case .handshakeInvalid:
            return KindInfo(
                kind: k, title: "Inconsistent handshake", layer: .network, defaultSeverity: .warning,
                meaning: """
                    The handshake packets do not agree with each other: the SYN-ACK acknowledges a sequence number \
                    the client never sent, or the SYN or SYN-ACK was resent with a different initial sequence \
                    number. Endpoints answer such packets with resets or ignore them, so the connection usually \
                    fails or succeeds only after retries. It points at a device that rewrites or tracks TCP \
                    state in between, or at a server still holding an old connection on the same ports.
                    """,
                detection: """
                    Reported when a SYN-ACK's acknowledgment number is not the client's SYN sequence number + 1, \
                    when the client resends its SYN with a different ISN while no answer has come, or when the \
                    server resends its SYN-ACK with a different ISN. The evidence says which of the three was \
                    seen and lists the SYN and SYN-ACK frames. A new SYN after the previous connection on the same \
                    4-tuple closed or was reset is port reuse, a new flow, and not this finding.
                    """,
                causes: [
                    "NAT or a load balancer mixing up state: two clients mapped to one public port, a SYN-ACK from the wrong backend",
                    "the server still holds an old connection on these ports (client restarted) and answers for the old one",
                    "a firewall that randomizes sequence numbers and gets retries or SACK wrong",
                    "a client that binds a fixed source port and restarts its attempt with a new ISN",
                    "spoofed or injected SYN-ACKs",
                ],
                checks: [
                    "on the server: `ss -tan 'sport = :PORT' | grep CLIENT_IP` for an existing connection with the client's port",
                    "capture on both sides of the NAT/firewall/load balancer and compare the sequence numbers of the same packets",
                    "sequence number randomization on firewalls (e.g. ASA `set connection random-sequence-number disable`)",
                    "NAT tables and port allocation: `conntrack -L -p tcp --sport CLIENT_PORT`, NAT pool size and port reuse timers",
                    "whether the client application binds a fixed local port",
                ],
                related: [.handshakeIncomplete, .handshakeRefused, .resetMiddlebox])

        case .synFlood:
            return KindInfo(
                kind: k, title: "SYN flood (mass half-open attempts)", layer: .transport, defaultSeverity: .error,
                meaning: """
                    One server received a large number of connection attempts that never completed, from many \
                    different sources. Deliberate or not, half-open attempts fill the server's SYN queue and the \
                    state tables of firewalls in front of it, and real clients then see dropped or slow connects. \
                    It is reported once per server, so a flood reads as one event rather than thousands of \
                    failed handshakes.
                    """,
                detection: """
                    Per server address and port, flowdoctor counts handshakes that never completed (unanswered, or \
                    SYN-ACK not acknowledged or answered by a client reset) and the distinct client addresses \
                    behind them. At synFloodMinHalfOpen (default 100) such attempts from at least \
                    synFloodMinSources (default 20) sources, one aggregate finding gives the count, the sources, \
                    the attempt rate and the top sources. The individual handshake findings stay, capped at \
                    maxFindingsPerGroup (default 20) per kind and server with the rest counted, and one client \
                    retrying many times is never a flood.
                    """,
                causes: [
                    "a denial-of-service SYN flood, usually from spoofed source addresses",
                    "a port scan or internet-wide scanner hitting the service (SYN scans reset after the SYN-ACK)",
                    "a fleet of clients or health checkers retrying against a server that cannot answer (reconnect storm)",
                    "a return-path problem that makes every real client's handshake fail at once",
                    "load-balancer health checks that open and immediately reset connections",
                ],
                checks: [
                    "on the server: `ss -tn state syn-recv 'sport = :PORT' | wc -l`, `nstat -az TcpExtSyncookiesSent TcpExtListenDrops`",
                    "`sysctl net.ipv4.tcp_syncookies net.ipv4.tcp_max_syn_backlog net.core.somaxconn`",
                    "the top sources (evidence): scanners, your own health checkers or NAT gateways, or random spoofed addresses",
                    "upstream DDoS protection, SYN-proxy and rate-limit counters on firewalls",
                    "whether the server answered at all: no SYN-ACKs means the server or return path fails, not just the load",
                ],
                related: [.handshakeUnanswered, .handshakeIncomplete, .handshakeSlow])

        // MARK: Resets

        case .resetAbort:
            return KindInfo(
                kind: k, title: "Connection reset", layer: .application, defaultSeverity: .error,
                meaning: """
                    One endpoint tore down an established connection with a TCP reset instead of a normal close. \
                    Data still in flight is thrown away and the other side gets "connection reset by peer" or a \
                    broken pipe, which applications often report as a vague failure. The evidence says which side \
                    reset, how many bytes had flowed each way and how long the connection had been idle.
                    """,
                detection: """
                    A RST after the handshake (or in a flow captured mid-stream) that is not after a FIN, not \
                    after idleResetSeconds (default 300 s) of silence, and shows no sign of forgery (its TTL/hop \
                    limit and source MAC match that endpoint's other packets and its sequence number is in \
                    window). Evidence: sender, phase, bytes each way before the RST, idle time, unacknowledged \
                    bytes, the RST's TTL and any payload it carries. Resets during the handshake are \
                    tcp.handshake.refused or tcp.handshake.incomplete. A client reset before any byte \
                    of data went either way is reported at info severity (an unused spare connection).
                    """,
                causes: [
                    "the application closed its socket with unread data in the receive buffer (the kernel sends RST, not FIN)",
                    "the application or server crashed, was restarted, or a worker was killed (OOM killer)",
                    "a deliberate abortive close with SO_LINGER 0 (common in proxies, load testers, some HTTP clients)",
                    "a proxy or load balancer timed out the request and reset both sides",
                    "a protocol error: the peer received something it could not parse and aborted",
                ],
                checks: [
                    "application and proxy logs on the resetting side (evidence) at the time of the RST",
                    "`nstat -az TcpExtTCPAbortOnData TcpExtTCPAbortOnClose TcpExtTCPAbortOnTimeout` on the resetting host",
                    "proxy and load-balancer timeouts (request, backend, keepalive) against the phase and idle time in the evidence",
                    "restarts or crashes at that time: `journalctl -u SERVICE`, `dmesg | grep -i -E 'oom|killed'`",
                    "whether the application sets SO_LINGER 0 (`strace -e setsockopt` shows `l_onoff=1, l_linger=0`)",
                ],
                related: [.resetMiddlebox, .resetAfterIdle, .resetAfterClose, .tlsAborted])

        case .resetMiddlebox:
            return KindInfo(
                kind: k, title: "Reset forged by a middlebox", layer: .network, defaultSeverity: .error,
                meaning: """
                    A reset that carries one endpoint's address was most likely built by a device in between: a \
                    firewall, IPS, load balancer, web filter or censor that kills the connection, usually towards \
                    both sides. Each endpoint then believes the other aborted, so neither side's application logs \
                    explain it. The evidence names the field that gave it away.
                    """,
                detection: """
                    A RST is attributed to a middlebox when, compared with that endpoint's other packets in the flow, \
                    its TTL/hop limit differs (any difference when the endpoint's TTL is otherwise stable, more than one \
                    hop outside the range when it varies), its source MAC differs (same L2 segment only), or, after the \
                    handshake, its sequence number is neither the receiver's next expected byte nor inside its window \
                    nor within what the sender itself sent (RFC 5961 tells the receiver to ignore such a RST). TTL is \
                    judged only when the endpoint sent at least two other packets; the RST's IPv4 ID is given as \
                    evidence. A forged RST during the handshake is reported only when TTL or MAC gives it away.
                    """,
                causes: [
                    "a firewall or IPS ending a session by policy (reset-both actions, Snort/Suricata `reject`)",
                    "a load balancer or proxy resetting connections it considers idle, invalid or over a limit",
                    "a stateful firewall that lost its state (failover, reboot, table full) resetting the next packet",
                    "censorship or DPI-based filtering keyed on SNI, Host or content",
                    "off-path RST injection by an attacker (out-of-window resets)",
                ],
                checks: [
                    "the RST's TTL vs the endpoint's usual TTL (evidence): the difference in hops points at the device",
                    "firewall/IPS logs and threat or URL-filter events for the 5-tuple at the time of the RST",
                    "capture on both sides of the suspected device: a RST that appears only on one side was made by it",
                    "failover, reboot or session-table-full events on stateful firewalls and load balancers",
                    "whether the RST always follows a given request or SNI (policy) or comes at random (lost state)",
                ],
                related: [.resetAbort, .handshakeRefused, .tlsAborted, .resetAfterIdle])

        case .resetAfterIdle:
            return KindInfo(
                kind: k, title: "Reset after idle period", layer: .network, defaultSeverity: .warning,
                meaning: """
                    The connection was silent for a long time and then ended in a reset. Typically a NAT, firewall \
                    or load balancer dropped its state for the idle connection, so when either side finally sent \
                    something the packet was rejected or reached a host that no longer knew the connection. \
                    Applications with pooled or long-lived connections see sporadic failures on the first request \
                    after a pause.
                    """,
                detection: """
                    A RST after the handshake that follows at least idleResetSeconds (default 300 s) without any \
                    packet in the flow, keep-alives counting as traffic. Evidence: idle time, who reset, bytes \
                    before and the RST's TTL. A RST after a FIN is tcp.reset.after-close whatever the idle time, \
                    a forged-looking RST is tcp.reset.middlebox, and a shorter pause is tcp.reset.abort.
                    """,
                causes: [
                    "a NAT or firewall idle timeout shorter than the application's idle time (cloud NAT gateways: a few minutes)",
                    "a load balancer or proxy idle timeout closing one side of the connection",
                    "TCP keep-alive off or slower than the middlebox timeout (Linux default tcp_keepalive_time is 7200 s)",
                    "a connection pool reusing a connection the server or a middlebox has already forgotten",
                    "a stateful device or the server restarted during the pause",
                ],
                checks: [
                    "idle timeouts of every NAT, firewall and load balancer on the path, against the idle time in the evidence",
                    "`sysctl net.ipv4.tcp_keepalive_time net.ipv4.tcp_keepalive_intvl`, and whether the application sets SO_KEEPALIVE",
                    "connection-pool settings: maximum idle time below the shortest middlebox timeout, validation before reuse",
                    "Linux firewalls: `sysctl net.netfilter.nf_conntrack_tcp_timeout_established`",
                ],
                related: [.resetAbort, .resetMiddlebox, .stall])

        case .resetAfterClose:
            return KindInfo(
                kind: k, title: "Reset after close", layer: .transport, defaultSeverity: .info,
                meaning: """
                    A side sent a reset after the connection had already started closing with FIN. This is usually \
                    benign: many clients, browsers and proxies close this way to avoid TIME_WAIT, or a late packet \
                    reached a socket that was already gone. It matters only if the other side still had data to \
                    deliver, which the evidence shows as unacknowledged bytes.
                    """,
                detection: """
                    A RST after the handshake in a flow where a FIN had already been sent (the after-FIN phase). \
                    Evidence: who reset, the idle time before, bytes each way and unacknowledged bytes at the \
                    RST. A RST with no FIN before it is tcp.reset.abort or tcp.reset.after-idle, and a \
                    forged-looking one is tcp.reset.middlebox.
                    """,
                causes: [
                    "a deliberate abortive close (SO_LINGER 0) in the client, proxy or load tester",
                    "data or an ACK from the peer arrived after the application had closed its socket, so the kernel answered with RST",
                    "the application half-closed with shutdown(), then closed with unread data in its buffer",
                    "HTTP clients and browsers ending connections quickly after the last response",
                ],
                checks: [
                    "act only if the evidence shows unacknowledged data from the peer at the RST: that data was lost",
                    "the application's close sequence: shutdown(), drain, then close(); SO_LINGER settings",
                    "tcp.reset.abort findings on the same service, to see whether aborts are part of a pattern",
                ],
                related: [.resetAbort, .resetAfterIdle])

        // MARK: Retransmission, loss, flow control

        case .retransmissions:
            return KindInfo(
                kind: k, title: "TCP retransmissions", layer: .network, defaultSeverity: .warning,
                meaning: """
                    A sender had to send the same data again often enough to matter. Each retransmission costs at \
                    least a round trip (fast retransmit) or a timeout of 200 ms or more (RTO), and TCP slows down \
                    after loss, so throughput falls and latency spikes. The split between fast, timeout, \
                    tail-probe and spurious retransmissions says whether the network lost packets or the sender \
                    was too impatient.
                    """,
                detection: """
                    Per direction, a byte-accurate map of the sequence space the capture saw (the highest byte \
                    and up to four holes below it) says which bytes of a segment are new, which fill a hole and \
                    which were seen before. Bytes seen before are a retransmission whose original passed the \
                    capture point (lost after it, or resent needlessly); bytes filling a hole are a \
                    retransmission of an original lost before the capture point, unless the filler was sent \
                    before the segment that revealed the hole (older TSval, or older IPv4 ID from a host that \
                    counts them up) or came within the initial RTT of it: then it is reordering. Each \
                    retransmission is then split by its trigger: spurious (every byte already acknowledged), \
                    fast (the peer sent two or more duplicate ACKs with data outstanding, or SACK blocks above \
                    it), tail-loss probe (the last segment resent before 1.5 × iRTT + 100 ms with no duplicate \
                    ACK) or timeout (anything else; the wait since the retransmission timer started, and the \
                    attempts at one segment, show the backoff). A D-SACK block from the peer, or an ACK whose \
                    TSecr echoes the original's TSval (Eifel), confirms a resend as spurious. Keep-alives, \
                    zero-window probes (Linux's empty ones too), capture copies and SYN/FIN retries are not data \
                    retransmissions. A flow is reported when one side resent at least retransmissionMinCount \
                    (default 3) data segments and at least retransmissionMinRate (default 1%) of them; at 5% it \
                    is an error. Each flow also carries Wireshark's own counters (`counters`), computed with its \
                    rules, which equal tshark's tcp.analysis filters on the corpus and the lab captures.
                    """,
                causes: [
                    "packet loss on the path: congestion, a policer or shaper, a saturated link or queue",
                    "physical errors: bad cable or optics, duplex mismatch (CRC errors on a port)",
                    "drops in a firewall, IPS or an overloaded host (NIC ring buffer overflows)",
                    "lossy Wi-Fi or mobile links",
                    "spurious retransmissions from reordering or delay spikes (mostly spurious in the split)",
                    "a path MTU problem: full-size segments resent and never acknowledged (see mtu.blackhole)",
                ],
                checks: [
                    "the split in the evidence: mostly timeouts = bursts or tail loss; mostly spurious = reordering or delay, not loss",
                    "interface counters along the path: `ip -s link`, `ethtool -S IFACE` (rx_missed, crc errors), switch port discards",
                    "`mtr -T -P PORT HOST` (or `mtr -u`) with many probes to locate the lossy hop",
                    "on the sender: `ss -ti dst HOST` (retrans, rto, cwnd) and `nstat -az TcpRetransSegs TcpExtTCPLostRetransmit`",
                    "QoS policers, shapers and queue drops at WAN edges: `tc -s qdisc`, `show policy-map interface`",
                ],
                related: [.stall, .outOfOrder, .blackhole, .captureGap, .captureDuplicates])

        case .stall:
            return KindInfo(
                kind: k, title: "Stalled connection", layer: .transport, defaultSeverity: .warning,
                meaning: """
                    The connection stopped making progress: data was outstanding but nothing new was \
                    acknowledged for a long time. To the user it looks like a hang or a transfer frozen half-way. \
                    The evidence names the reason: the receiver's window was zero (it stopped reading), the sender \
                    kept retransmitting without any ACK (loss or a black hole), or the peer went silent.
                    """,
                detection: """
                    Per direction, the longest wait between data being outstanding and the peer's cumulative ACK \
                    moving forward; reported when it reaches stallSeconds (default 2 s, printed in the report). \
                    The cause is zero-window when the receiver closed its window during the wait (then only \
                    reported here if tcp.zero-window is not already raised for the flow), \
                    retransmissions-unacked when the sender retransmitted and nothing new was acknowledged, and \
                    no-acknowledgment otherwise. A wait still open at the flow's last packet counts up to that \
                    packet and is marked not recovered (a RST ends it instead). Evidence: sender, duration, cause, \
                    recovered. Idle periods with nothing outstanding, and one-sided captures where the peer was \
                    never seen, are not stalls.
                    """,
                causes: [
                    "the receiving application stopped reading (blocked, overloaded, deadlocked): zero window",
                    "every retransmission lost, often a path MTU black hole for full-size segments",
                    "the peer host or process died or was disconnected without sending RST or FIN",
                    "a middlebox dropped the connection's state and now discards its packets silently",
                    "a route change or link failure in the middle of the connection",
                ],
                checks: [
                    "the cause in the evidence: zero_window -> tcp.zero-window; retransmissions_unacked -> look for mtu.blackhole",
                    "on the sender during a stall: `ss -tino dst PEER` (unacked, retrans, backoff, rto)",
                    "on the receiver: `ss -tn` Recv-Q for the socket; a full Recv-Q means the application is not reading",
                    "firewall/NAT state for the 5-tuple during the stall (`conntrack -L`), and whether the peer is still up",
                    "`ping -M do -s 1472 PEER` (IPv4) to rule out an MTU problem when small packets still pass",
                ],
                related: [.zeroWindow, .retransmissions, .blackhole, .resetAfterIdle])

        case .zeroWindow:
            return KindInfo(
                kind: k, title: "Receiver window closed", layer: .application, defaultSeverity: .warning,
                meaning: """
                    A receiver advertised a zero window: its socket buffer was full because the application did \
                    not read fast enough, so the sender had to stop and probe. This is flow control working, not \
                    network loss; the bottleneck is the receiving host or application. Long or repeated zero \
                    windows show up as slow transfers or hangs.
                    """,
                detection: """
                    A segment without SYN, FIN or RST that advertises a window of 0 (Wireshark's \
                    tcp.analysis.zero_window rule; the per-flow zeroWindow counter matches tshark on the \
                    reference corpus). The window stays closed until that side offers room again, or to the end of \
                    the flow. Reported once per flow, naming the side that closed it, when it stayed closed \
                    zeroWindowMinSeconds (default 0.5 s) in all or closed zeroWindowMinAdvertisements (default 10) \
                    times; a brief closure is flow control doing its job. Evidence: advertisements, total and \
                    longest closed time, whether it was still closed at the end, and the probes the peer sent (one \
                    byte of new data, or Linux's empty segment one below the next sequence number).
                    """,
                causes: [
                    "the receiving application is slow or blocked (CPU, disk I/O, GC pause, lock contention)",
                    "the receiver consumes data in bursts, e.g. a single thread that also does other work",
                    "a receive buffer fixed too small (SO_RCVBUF set by the application turns off autotuning)",
                    "a proxy passing on backpressure from a slower connection on its other side",
                ],
                checks: [
                    "on the receiver while it happens: `ss -tmi` for the socket (Recv-Q, skmem rb, rcv_space)",
                    "receiving application metrics: CPU, I/O wait, thread-pool saturation, GC pauses",
                    "`sysctl net.ipv4.tcp_rmem` and whether the application sets SO_RCVBUF",
                    "for a proxy: the speed of its connection on the other side",
                ],
                related: [.stall, .retransmissions])

        case .outOfOrder:
            return KindInfo(
                kind: k, title: "Packet reordering", layer: .network, defaultSeverity: .warning,
                meaning: """
                    Segments arrived in a different order from the one they were sent in. TCP copes, but \
                    reordering by more than a couple of segments triggers duplicate ACKs, needless fast \
                    retransmissions and rate reductions, so throughput drops although nothing was lost. It \
                    usually comes from parallel paths in the network.
                    """,
                detection: """
                    New bytes (never seen in that direction) arriving below the highest sequence number seen are \
                    a late original, not a retransmission, when they were sent before the segment that revealed \
                    the hole: an older TCP timestamp, or an older IPv4 ID from a host whose IDs count up; without \
                    either, when they arrive within the initial RTT (3 ms when it is unknown), since no \
                    retransmission can come back in less than a round trip. Wireshark uses the time rule alone, \
                    so its out_of_order counter (kept in the flow's counters) calls a late original that trails \
                    by more than the RTT a retransmission. Reported when one side had at least \
                    outOfOrderMinCount (default 3) late originals and at least outOfOrderMinRate (default 1%) of \
                    its data segments. Evidence: count, share, side, and Wireshark's count beside ours.
                    """,
                causes: [
                    "ECMP or link aggregation hashing that spreads one flow over paths of different delay",
                    "load-balanced or SD-WAN links spraying packets, or a route change during the flow",
                    "multi-queue NIC, RSS or virtual-switch processing on the sender or in a hypervisor",
                    "the capture point itself (several mirrored ports or queues merged) making order look wrong",
                ],
                checks: [
                    "does the receiver see it too? `nstat -az TcpExtTCPSACKReorder TcpExtTCPTSReorder` there",
                    "ECMP/LAG hashing on routers and switches: per-flow, not per-packet",
                    "SD-WAN or multipath policies that may spread one flow over several links",
                    "spurious retransmissions for the same flow in tcp.retransmissions",
                ],
                related: [.retransmissions, .captureGap, .captureDuplicates])

        // MARK: Capture quality

        case .captureGap:
            return KindInfo(
                kind: k, title: "Bytes missing from the capture", layer: .capture, defaultSeverity: .warning,
                meaning: """
                    A receiver acknowledged data that never appeared in the capture, so the packets existed on the \
                    network but were not recorded. This is loss in the capture (an overloaded capture host, an \
                    oversubscribed mirror port, packets taking another path), not on the network. Loss and \
                    retransmission findings for the affected flows are less reliable.
                    """,
                detection: """
                    An ACK from one side covers sequence numbers the capture never saw from the other: beyond the \
                    highest byte seen, or inside a hole no segment filled. Those bytes reached the receiver, so \
                    the capture missed them. Bytes that still turn up after their ACK (the capture recorded them \
                    late) are taken off again. One capture-wide finding gives the missing bytes, the number of \
                    gaps and flows, and the five flows missing the most; each flow's missedBytes (Zeek's \
                    missed_bytes) and G/g history letters show it per flow. Bytes before the first captured \
                    segment of a flow that started before the capture are not counted.
                    """,
                causes: [
                    "the capture host could not keep up (CPU, disk, small buffer; see capture.dropped)",
                    "an oversubscribed SPAN/mirror port (more traffic mirrored than the port can carry)",
                    "asymmetric paths: part of the flow does not pass the capture point",
                    "mirror filters, TAP aggregators or merged captures that miss some packets",
                ],
                checks: [
                    "libpcap drop counters (`tcpdump` prints 'packets dropped by kernel'; see capture.dropped)",
                    "capture again with a bigger buffer, to a fast disk, filtered to the flows needed: `tcpdump -B 65536 -w FILE`",
                    "mirror-port utilisation and drops on the switch (`show interface`, `show monitor session`)",
                    "whether both directions really pass the capture point (routing, ECMP, port-channel members)",
                ],
                related: [.captureDropped, .retransmissions, .outOfOrder])

        case .captureDuplicates:
            return KindInfo(
                kind: k, title: "Duplicate packets in the capture", layer: .capture, defaultSeverity: .info,
                meaning: """
                    The capture holds more than one copy of some packets. This comes from how it was taken (a \
                    mirror session on several ports or VLANs, `-i any` on a host that forwards), not from the \
                    network sending packets twice. flowdoctor counts each packet once, so its retransmission and \
                    duplicate-ACK figures are not inflated by the copies.
                    """,
                detection: """
                    Two TCP data segments of one flow and direction are copies when the second has the same \
                    sequence number, length and IPv4 ID as the one before and comes within 2 ms; a SYN or SYN-ACK \
                    is a copy when it repeats the same ISN within 50 ms (no stack retries that fast). Copies are \
                    counted once: they do not count as retransmissions in tcp.retransmissions or as handshake \
                    retries, while the Wireshark-compatible counters still count them as tshark does. One \
                    capture-wide finding gives the number of copies, the flows and a few examples. Pure ACKs, and \
                    copies a router adds with a lower TTL, are not detected yet. Real retransmissions come an RTT \
                    or RTO later and are not copies.
                    """,
                causes: [
                    "a SPAN/mirror session that includes both the ingress and the egress port (or VLAN) of the same traffic",
                    "`-i any` on a router, bridge or container host, which sees each forwarded packet on two interfaces",
                    "several TAPs or capture files merged together",
                    "rarely, genuine duplicates from an L2 loop or bonding in broadcast mode",
                ],
                checks: [
                    "capture on one interface, or mirror one direction per port only",
                    "the TTL difference in the evidence: 1 = one router seen twice; 0 = the same packet mirrored twice",
                    "if a single-port capture still has copies: look for L2 loops (STP state, MAC flapping logs)",
                ],
                related: [.retransmissions, .captureGap])

        case .captureDropped:
            return KindInfo(
                kind: k, title: "Packets dropped by the capture", layer: .capture, defaultSeverity: .warning,
                meaning: """
                    libpcap reported that the kernel or the interface dropped packets before they reached the \
                    capture. The capture is incomplete, so gaps, loss and missing handshakes in it may be \
                    artefacts of the capture rather than network faults. It is known for live captures only.
                    """,
                detection: """
                    At the end of a live capture flowdoctor reads pcap_stats: ps_drop (the kernel's capture \
                    buffer was full) and ps_ifdrop (dropped by the interface or driver). Any non-zero count is \
                    reported with both numbers and the packets received; it is an error from 1% of them. Drops \
                    caused by flowdoctor itself being too slow show as ps_drop (`Scripts/bench` checks for them \
                    on a saturated link).
                    """,
                causes: [
                    "the capture buffer is too small for the traffic bursts",
                    "the analyzer or the disk could not keep up (CPU-bound, slow disk, no filter)",
                    "driver or interface drops (ring buffer too small, NIC overloaded)",
                    "capturing a very busy interface without a BPF filter",
                ],
                checks: [
                    "narrow the capture with a BPF filter (`-f 'host A and port P'`) and a smaller `--snaplen` when payload is not needed",
                    "ring sizes and driver drops: `ethtool -g IFACE`, `ethtool -S IFACE | grep -i -E 'drop|miss'`",
                    "`ip -s link show IFACE` for interface drops",
                    "CPU load of the capture process while capturing",
                ],
                related: [.captureGap, .captureTruncated])

        case .captureTruncated:
            return KindInfo(
                kind: k, title: "Capture cut packets short", layer: .capture, defaultSeverity: .warning,
                meaning: """
                    Packets were recorded with a snapshot length shorter than the packets, and the missing bytes \
                    held something the analysis needed, such as TLS handshake messages or DNS answers. Findings \
                    that depend on that content (TLS alerts and certificates, DNS codes) may be missing or \
                    incomplete. The network delivered the full packets; only the recording is short.
                    """,
                detection: """
                    A frame's captured length is less than its wire length (from the pcap record header) and the \
                    cut falls inside a part flowdoctor decodes: a TLS record or handshake message, a DNS message, \
                    or the protocol headers. Counted per protocol with the snaplen seen. A cut inside bulk \
                    payload that is never decoded is not reported, and a header that claims more bytes than were \
                    on the wire is decode.malformed, not truncation.
                    """,
                causes: [
                    "a small snaplen (`tcpdump -s 96`, or a capture profile that keeps headers only)",
                    "a capture appliance or TAP aggregator slicing packets",
                    "privacy settings that strip payloads",
                ],
                checks: [
                    "the snaplen in the file: `capinfos FILE` (packet size limit)",
                    "capture again with the full snaplen: `tcpdump -s 0` or `flowdoctor capture --snaplen 262144`",
                    "if only headers may be kept, keep at least the first 1500 bytes of TLS and DNS traffic",
                ],
                related: [.decodeMalformed, .captureDropped])

        case .captureOffload:
            return KindInfo(
                kind: k, title: "Offloaded segments in the capture", layer: .capture, defaultSeverity: .info,
                meaning: """
                    Some TCP segments in the capture are larger than the link MTU or the peer's MSS allow. They \
                    were recorded on a host before the NIC split them (TSO/GSO) or after it merged them \
                    (GRO/LRO), so they never crossed the wire at that size. Not a network problem, but segment \
                    counts and sizes on those flows are the host's view, not the wire's.
                    """,
                detection: """
                    A TCP segment whose payload exceeds the MSS the peer announced by more than a quarter: more \
                    than any option overhead explains, so several segments were merged (TSO/GSO on the sending \
                    host, GRO/LRO on the receiving one). It is counted as offload and not as mtu.mss-exceeded. \
                    Reported once for the capture with the number of such segments, the largest payload, the \
                    flows and a few examples.
                    """,
                causes: [
                    "TCP segmentation offload (TSO/GSO) on the sending host where the capture ran",
                    "receive offload (GRO/LRO) merging segments before the capture on the receiving host",
                    "virtual NICs (virtio, veth, VMware) passing large frames between guest and host",
                ],
                checks: [
                    "`ethtool -k IFACE | grep -E 'segmentation|receive-offload'` on the capture host",
                    "for wire-accurate sizes, capture on a switch mirror or TAP, or briefly `ethtool -K IFACE tso off gso off gro off`",
                    "read sizes and counts on these flows as the host's view, not the wire's",
                ],
                related: [.mssExceeded, .fragNeeded])

        // MARK: MTU and fragmentation

        case .fragNeeded:
            return KindInfo(
                kind: k, title: "Path MTU smaller than the packets", layer: .network, defaultSeverity: .info,
                meaning: """
                    A router reported that a packet was too big for its next link and could not be fragmented \
                    (ICMP fragmentation-needed or ICMPv6 packet-too-big), and gave the MTU to use. This is path \
                    MTU discovery working: the sender should send smaller packets and the flow carry on. It shows \
                    where the path MTU is below what the endpoints assume, typically at a tunnel or VPN.
                    """,
                detection: """
                    An ICMPv4 type 3 code 4 or ICMPv6 type 2 whose quoted header matches a flow is linked to it, \
                    with the reporting router, the MTU, and the quoted packet's length and DF bit. The message is \
                    validated: the quoted length must exceed the MTU, the MTU must be at least 68 (IPv4) or 1280 \
                    (IPv6), and a quoted TCP sequence number should lie in the sender's unacknowledged range; \
                    failures are marked suspicious in the evidence. Whether the sender honoured it (later DF \
                    packets within the MTU inside one RTT) is recorded; if not, mtu.frag-needed-ignored follows.
                    """,
                causes: [
                    "a tunnel or encapsulation on the path (VPN, IPsec, GRE, VXLAN, WireGuard, PPPoE) with an MTU below 1500",
                    "an interface configured with a smaller MTU than the rest of the network",
                    "jumbo-frame hosts talking across a standard-MTU link",
                ],
                checks: [
                    "the path MTU: `tracepath HOST`, or `ping -M do -s SIZE HOST` with SIZE = MTU - 28",
                    "interface and tunnel MTUs on the reporting router (evidence): `ip link show`, `show interface`",
                    "MSS clamping at the tunnel edge (`iptables -t mangle ... -j TCPMSS --clamp-mss-to-pmtu`, `ip tcp adjust-mss`)",
                    "that ICMP type 3 code 4 and ICMPv6 type 2 pass every firewall between the router and the sender",
                ],
                related: [.fragNeededIgnored, .blackhole, .mssExceeded, .ipFragmented])

        case .fragNeededIgnored:
            return KindInfo(
                kind: k, title: "Path MTU message ignored", layer: .network, defaultSeverity: .error,
                meaning: """
                    A router reported a smaller path MTU, but the sender kept sending packets larger than that. \
                    Those packets are dropped at the router, so large transfers stall while small requests work. \
                    Either the ICMP never reached the sender or the sender would not act on it.
                    """,
                detection: """
                    After a valid fragmentation-needed or packet-too-big for a flow with MTU M, the sender sent at \
                    least 2 more packets of that flow with DF set (always so for IPv6) and an IP length above M, \
                    more than one RTT after the ICMP. Evidence: the MTU, the reporting router and the later \
                    oversized frames. If the capture was taken on the sender, its stack ignored the message; \
                    anywhere else the message may simply not have reached it.
                    """,
                causes: [
                    "a firewall between the router and the sender drops the ICMP (blanket 'block ICMP' rules)",
                    "NAT not translating the quoted header back, so the sender cannot match the ICMP to the connection",
                    "the ICMP comes from a private or unexpected address and is dropped by uRPF or anti-spoofing filters",
                    "a load balancer or ECMP delivering the ICMP to a different backend than the one that sent the packet",
                    "the sender's stack ignores PMTU messages (e.g. `net.ipv4.ip_no_pmtu_disc`, or it rejects the quoted sequence)",
                ],
                checks: [
                    "capture on the sender: does the ICMP arrive there?",
                    "firewall rules for ICMP type 3 code 4 / ICMPv6 type 2 on every hop between the router and the sender",
                    "on the sender after the ICMP: `ip route get DEST` should show a cached mtu; `sysctl net.ipv4.ip_no_pmtu_disc`",
                    "as a workaround, clamp the MSS at the tunnel edge or lower the interface MTU",
                ],
                related: [.fragNeeded, .blackhole, .stall])

        case .blackhole:
            return KindInfo(
                kind: k, title: "Path MTU black hole", layer: .network, defaultSeverity: .error,
                meaning: """
                    Full-size packets are lost on the path while small ones get through, and no ICMP message says \
                    why. Connections open and small requests work, but anything that needs a full-size packet (a \
                    large response, a TLS certificate flight, an upload) hangs until timeouts. The classic cause \
                    is a link with a smaller MTU combined with filtered ICMP.
                    """,
                detection: """
                    All of: the handshake completed or small packets from the sender were acknowledged; at least \
                    3 retransmissions of a segment with DF set and an IP length above L, never acknowledged, where \
                    L is the largest packet from that sender ever acknowledged; no fragmentation-needed or \
                    packet-too-big for the flow; and no zero window from the receiver. Seen from the receiver, the \
                    mirror image counts: the peer's ACKs and small segments arrive but its full-size data never \
                    does. If the sender later resends the bytes in smaller segments that are acknowledged \
                    (tcp_mtu_probing), the evidence says it recovered and gives the path MTU range.
                    """,
                causes: [
                    "ICMP fragmentation-needed / packet-too-big blocked by a firewall or security group",
                    "a tunnel or encapsulation (VPN, IPsec, GRE, VXLAN, PPPoE) lowering the MTU without MSS clamping",
                    "an MTU mismatch on a link: jumbo frames on one side, 1500 on the other",
                    "a router that does not send ICMP errors (disabled or rate-limited)",
                ],
                checks: [
                    "`ping -M do -s 1472 HOST` (IPv4) or `ping -6 -M do -s 1452 HOST`, lowering SIZE until it passes",
                    "`tracepath HOST` to find the hop where the MTU drops",
                    "firewall rules for ICMP type 3 code 4 and ICMPv6 type 2 along the path",
                    "MSS clamping at tunnel edges, or `sysctl -w net.ipv4.tcp_mtu_probing=1` on the sender as a mitigation",
                    "interface MTUs at both ends of each link: `ip link show`, `show interface | include MTU`",
                ],
                related: [.fragNeeded, .fragNeededIgnored, .stall, .retransmissions, .tlsAborted])

        case .mssExceeded:
            return KindInfo(
                kind: k, title: "Segments larger than the peer's MSS", layer: .transport, defaultSeverity: .warning,
                meaning: """
                    A sender put more payload into a segment than the receiver said it could take (the MSS option \
                    in its SYN). Such segments may not fit a link on the path and get dropped or fragmented. It \
                    usually means a device in between clamped the MSS in one direction only, or the sender ignores \
                    the option.
                    """,
                detection: """
                    A TCP segment whose payload exceeds the MSS the other side announced in its SYN or SYN-ACK. \
                    Segments explained by offload on the capture host (see capture.offload) are excluded, and \
                    flows where the peer's SYN or its MSS option was not seen are not judged. Evidence: the \
                    announced MSS, the largest payload, the number of such segments and the MSS the other \
                    direction announced, which reveals one-sided clamping.
                    """,
                causes: [
                    "MSS clamping applied to one direction only (the clamping device sees only one side's SYN)",
                    "a middlebox between the capture point and the sender rewrote the MSS, so the sender saw another value",
                    "a TCP or user-space stack that ignores the peer's MSS",
                    "an offload pattern not recognised as such on the capture host",
                ],
                checks: [
                    "compare the MSS in SYN and SYN-ACK as seen on both sides of the firewall or tunnel",
                    "MSS clamping rules: `iptables -t mangle -S | grep TCPMSS`, `nft list ruleset | grep maxseg`, `ip tcp adjust-mss`",
                    "`ethtool -k IFACE` on the capture host when the capture was taken on the sender",
                    "mtu.frag-needed or mtu.blackhole findings on the same flow",
                ],
                related: [.captureOffload, .fragNeeded, .blackhole])

        case .ipFragmented:
            return KindInfo(
                kind: k, title: "IP fragmentation", layer: .network, defaultSeverity: .info,
                meaning: """
                    Datagrams in this flow were split into IP fragments. It works, but it is fragile: losing one \
                    fragment loses the whole datagram, many firewalls and NATs drop or mishandle fragments, and \
                    for TCP it means path MTU discovery is off or a tunnel is fragmenting. Large DNS answers and \
                    UDP-based VPNs are typical sources.
                    """,
                detection: """
                    IPv4 packets with MF set or a non-zero fragment offset, and IPv6 packets with a Fragment \
                    header (not the atomic kind), grouped by (source, destination, IP ID, protocol) in a bounded \
                    tracker (65,536 open sets). A completed datagram is handed to the flow analysis whole, so \
                    TCP and UDP inside fragments are analysed like any other. Reported per flow: the number of \
                    datagrams, the fragment sizes, how many completed and the protocol; TCP in fragments is a \
                    warning, since a healthy TCP path should not need it. Problems with the fragments themselves \
                    are the ip.fragments.* findings.
                    """,
                causes: [
                    "UDP applications sending datagrams larger than the path MTU (DNS with large EDNS buffers, SIP, IKE with certificates)",
                    "a tunnel fragmenting inner packets because the inner MTU was not lowered",
                    "path MTU discovery off, or DF cleared by a device on the path",
                    "hosts using a larger MTU than the path (jumbo frames)",
                ],
                checks: [
                    "fragment sizes in the evidence against the path MTU (`tracepath HOST`)",
                    "for DNS: an EDNS buffer size of 1232 bytes on resolvers and servers",
                    "tunnel MTU and MSS clamping on tunnel edges",
                    "how firewalls on the path treat fragments (reassembly, drop rules)",
                ],
                related: [.fragmentsIncomplete, .fragmentsOverlap, .fragmentsAnomaly, .fragNeeded])

        case .fragmentsIncomplete:
            return KindInfo(
                kind: k, title: "Incomplete fragment set", layer: .network, defaultSeverity: .warning,
                meaning: """
                    Some fragments of a datagram arrived but at least one never did, so the receiver cannot \
                    reassemble it and discards the rest after its reassembly timeout. To the application this is \
                    a lost packet, often a lost DNS answer or VPN packet, and retries tend to fail the same way.
                    """,
                detection: """
                    Fragments sharing (source, destination, IP ID, protocol) that do not form a whole datagram \
                    (no first fragment, no last fragment, or a hole in between) within 30 s of their last \
                    fragment (the Linux ipfrag_time) or by the end of the capture. Evidence: the count per flow \
                    and, for a few datagrams, the byte ranges that arrived and the ones missing. When the tracker \
                    is full (65,536 open sets, a fragment flood), the oldest set is forced out as incomplete and \
                    one capture-wide finding says how many, so memory stays bounded.
                    """,
                causes: [
                    "a fragment dropped on the path: firewalls or ACLs that drop non-first fragments (they carry no ports)",
                    "loss of one fragment to congestion (each fragment is another chance to lose the datagram)",
                    "ECMP or load balancing sending fragments over different paths or to different hosts",
                    "the capture missed the fragment (see capture.dropped and capture.gap)",
                ],
                checks: [
                    "fragment handling in firewalls and ACLs on the path (`fragments` ACL keyword, nftables `ip frag-off`)",
                    "`nstat -az IpReasmFails IpReasmTimeout` on the receiver",
                    "avoid fragmentation: smaller datagrams, EDNS buffer 1232, MSS clamping or a lower tunnel MTU",
                    "capture closer to the receiver to see where the fragment disappears",
                ],
                related: [.ipFragmented, .dnsUnanswered, .icmpTTLExceeded])

        case .fragmentsOverlap:
            return KindInfo(
                kind: k, title: "Overlapping IP fragments", layer: .network, defaultSeverity: .warning,
                meaning: """
                    Fragments of one datagram cover the same byte range. With identical data this is usually a \
                    duplicated fragment and harmless; with different data the receiver's reassembly policy decides \
                    which bytes win, a classic way to slip past an IDS, and a sign of a hostile or broken sender. \
                    IPv6 forbids overlapping fragments altogether (RFC 5722).
                    """,
                detection: """
                    Two fragments of the same (source, destination, IP ID, protocol) whose byte ranges intersect. \
                    The bytes in the overlap are compared against the earlier fragments, which the tracker keeps \
                    in a bounded byte ring (16 MB): the same bytes (a duplicated fragment) are a warning, \
                    different bytes an error; bytes no longer held are reported as not compared. Counts per flow \
                    with example frames.
                    """,
                causes: [
                    "an attacker or scanner crafting fragments to evade an IDS or firewall",
                    "a buggy fragmenting router or tunnel endpoint",
                    "genuine duplication of fragments on the path (same data)",
                ],
                checks: [
                    "who sends them: a known scanner or attacker? Block at the edge",
                    "IDS/IPS events for the same hosts at that time",
                    "from a legitimate host, capture at its egress to see whether it sends them like that",
                ],
                related: [.fragmentsAnomaly, .ipFragmented])

        case .fragmentsAnomaly:
            return KindInfo(
                kind: k, title: "Abnormal IP fragments", layer: .network, defaultSeverity: .warning,
                meaning: """
                    Fragments that a normal stack does not produce: tiny non-last fragments, fragments that would \
                    reassemble beyond 65535 bytes, DF set on a fragment, or IPv6 fragments of an invalid length. \
                    They are mostly crafted (evasion, denial of service, fuzzing) or come from a broken device, \
                    and many firewalls drop them.
                    """,
                detection: """
                    Any of: a non-last fragment with a total length under 64 bytes, or a first fragment too short \
                    to hold the whole transport header (20 bytes TCP, 8 UDP or ICMP); offset plus length beyond \
                    65535; DF set on an IPv4 fragment; an IPv6 non-last fragment whose length is not a multiple \
                    of 8; more separate pieces than the tracker follows exactly (12); a second, different last \
                    fragment or data past the end. Evidence: the reasons, the number of datagrams and example \
                    frames.
                    """,
                causes: [
                    "crafted fragments from evasion tools, scanners or denial-of-service attacks",
                    "a buggy tunnel endpoint, NAT or fragmenting router",
                    "fuzzers or test tools on the network",
                    "Linux UDP path MTU discovery setting DF on fragments (the DF reason only)",
                ],
                checks: [
                    "the source host, and whether it is expected to send such traffic",
                    "IDS/IPS and firewall logs for the same source",
                    "fragment sanity filtering at the edge (minimum fragment size, drop overlapping or oversized sets)",
                ],
                related: [.fragmentsOverlap, .ipFragmented, .decodeMalformed])

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
                causes: [
                    "the client does not trust the server certificate (unknown_ca, bad_certificate): missing intermediate, private CA",
                    "no common protocol version or cipher suite (protocol_version, handshake_failure, insufficient_security)",
                    "no certificate for the requested name (unrecognized_name), or a client certificate required (certificate_required)",
                    "the server rejects the client certificate (bad_certificate, unknown_ca or certificate_expired sent by the server)",
                    "a TLS-inspecting proxy presenting a certificate the client does not trust",
                ],
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
                causes: [
                    "the client rejected the server certificate and sent an encrypted alert (TLS 1.3), then closed",
                    "a firewall, proxy or censor resetting the connection on the SNI or the ClientHello",
                    "the server cannot handle the ClientHello (large post-quantum key shares spanning segments, unknown extensions)",
                    "the certificate flight or a large ClientHello lost to an MTU black hole (stall cause)",
                    "the port does not speak TLS, or the client timed out waiting",
                ],
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
                causes: [
                    "server CPU saturated, or slow private-key operations (large RSA keys, HSM or remote signing)",
                    "the server or proxy waiting before it answers (OCSP fetch, session-cache lookup, SNI-based backend selection)",
                    "loss during the handshake, often of the large certificate flight (see tcp.retransmissions)",
                    "a TLS-inspecting proxy generating certificates on the fly",
                    "a long path combined with a full, non-resumed handshake",
                ],
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
                causes: [
                    "the certificate was not renewed (failed ACME/certbot renewal, a missed manual process)",
                    "renewed on disk but the server or load balancer not reloaded, or one node of a pool still has the old one",
                    "an expired intermediate still bundled in the chain",
                    "a wrong clock on the capture host making the packet times wrong",
                ],
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
                causes: [
                    "a clock running behind on the client or the capture host (or ahead on the machine that issued the certificate)",
                    "a newly issued certificate whose notBefore is slightly in the future, deployed immediately",
                    "a self-made certificate generated on a machine with a wrong clock",
                ],
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
                causes: [
                    "the server has no certificate configured for this name and sends its default one",
                    "the client uses an alias, an internal name or an IP address the certificate does not list",
                    "a wildcard that does not cover the name (a deeper subdomain, or the bare domain)",
                    "DNS pointing the name at the wrong server or load balancer",
                ],
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
                causes: [
                    "a default or placeholder certificate generated at install time (appliances, fresh servers)",
                    "an internal service that was never given a CA-issued certificate",
                    "a TLS-inspecting proxy or captive portal substituting its own certificate",
                    "a failed deployment falling back to a snakeoil certificate",
                ],
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
                causes: [
                    "the server configured with the leaf file instead of the full chain (cert.pem instead of fullchain.pem)",
                    "the CA changed its intermediate at renewal and the old bundle is still configured",
                    "certificates in the bundle in the wrong order",
                    "a certificate uploaded to a load balancer or CDN without its chain",
                ],
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
                causes: [
                    "an old server or appliance whose TLS stack has no TLS 1.2",
                    "a server configuration that still enables old versions and a client that prefers them",
                    "an old client (embedded device, legacy Java or .NET) that offers nothing newer",
                    "a middlebox forcing a downgrade",
                ],
                checks: [
                    "which side is limited: the client's highest offered version vs the server's choice (evidence)",
                    "what the server supports: `openssl s_client -connect HOST:PORT -tls1_2` and `-tls1_3`",
                    "server configuration (`ssl_protocols`, `SSLProtocol`, Windows SCHANNEL settings): TLS 1.2 and newer only",
                    "upgrade or replace legacy clients",
                ],
                related: [.tlsAlert])

        // MARK: ICMP

        case .icmpUnreachable:
            return KindInfo(
                kind: k, title: "Destination unreachable", layer: .network, defaultSeverity: .warning,
                meaning: """
                    A router or host reported that it could not deliver a packet: no route to the network or host, \
                    protocol or port unreachable, or communication administratively prohibited. For UDP services a \
                    port unreachable is how "nothing listens here" looks; for other traffic it tells you which \
                    router gave up and why.
                    """,
                detection: """
                    An ICMP type 3 (except code 4, fragmentation needed) or ICMPv6 type 1 message not already \
                    explained by a handshake finding (a quoted TCP SYN is tcp.handshake.unreachable). Messages are \
                    grouped by reporting router, code and quoted destination (address, protocol, port), with \
                    counts and the flows they refer to.
                    """,
                causes: [
                    "a UDP service not running (port unreachable): DNS, syslog, SNMP or NTP sent to the wrong host",
                    "no route to the destination on the reporting router, or the last hop cannot resolve the host (ARP/ND)",
                    "an ACL or firewall rejecting with ICMP (administratively prohibited)",
                    "traceroute finishing: UDP port unreachable from the target is the normal end of a trace",
                ],
                checks: [
                    "routing on the reporting router (evidence): `ip route get DEST`, `show ip route DEST`",
                    "for port unreachable: `ss -lun 'sport = :PORT'` on the destination",
                    "ACLs and reject rules on the reporting device",
                    "for host unreachable: `ip neigh show DEST` on the last-hop router",
                ],
                related: [.handshakeUnreachable, .icmpTTLExceeded, .dnsUnanswered, .arpUnanswered])

        case .icmpTTLExceeded:
            return KindInfo(
                kind: k, title: "TTL exceeded in transit", layer: .network, defaultSeverity: .warning,
                meaning: """
                    A router discarded a packet because its TTL (IPv6 hop limit) ran out, and said so with an ICMP \
                    time-exceeded message. Outside traceroute this means the packet went round a routing loop or \
                    started with a TTL too small for the path, and the traffic is not getting through.
                    """,
                detection: """
                    ICMP type 11 or ICMPv6 type 3 not already explained by a handshake finding, grouped by \
                    reporting router and quoted destination. Code 0 is TTL expiry in transit; code 1 means a \
                    receiver timed out reassembling fragments. The evidence shows the quoted packet's remaining \
                    TTL and the routers reporting, so deliberate low-TTL probes (traceroute, mtr) can be told from \
                    a loop, where the same routers report over and over.
                    """,
                causes: [
                    "a routing loop between two or more routers (after a link failure, or static routes pointing at each other)",
                    "a sender with a very low initial TTL (`net.ipv4.ip_default_ttl`, a VPN or container lowering it)",
                    "traceroute or mtr running (expected)",
                    "code 1: fragments lost, so the receiver gave up reassembling",
                ],
                checks: [
                    "`traceroute -n DEST` or `mtr -n DEST`: repeating hop addresses show the loop",
                    "the routing tables of the reporting routers (`show ip route DEST`), for routes pointing back",
                    "the quoted TTL in the evidence: a low TTL from the source means the sender, not a loop",
                    "`sysctl net.ipv4.ip_default_ttl` on the sender",
                ],
                related: [.icmpUnreachable, .handshakeUnreachable, .fragmentsIncomplete])

        // MARK: DNS

        case .dnsUnanswered:
            return KindInfo(
                kind: k, title: "DNS query unanswered", layer: .application, defaultSeverity: .warning,
                meaning: """
                    A DNS query got no response from the server it was sent to. The client waits for its timeout \
                    (5 s by default with glibc) and retries or moves to the next server, so users see lookups that \
                    hang for seconds or fail with "temporary failure in name resolution".
                    """,
                detection: """
                    A DNS query (matched to responses by transaction ID, question, addresses and ports) with no \
                    response within the DNS timeout printed in the report, or by the end of the capture. Retries \
                    of the same question to the same server are one finding with the retry count and intervals. \
                    Queries in the last timeout period of the capture are not judged, and an ICMP error returned \
                    for the query is named in the evidence.
                    """,
                causes: [
                    "the DNS server is down, overloaded or rate-limiting the client",
                    "a firewall dropping port 53 (queries or replies), or NAT losing the reply's state",
                    "large responses lost on the way back (fragments dropped; see ip.fragments.incomplete)",
                    "the client configured with a wrong or unreachable resolver address",
                    "a server that silently drops some query types (broken handling of AAAA or newer types)",
                ],
                checks: [
                    "`dig @SERVER NAME TYPE` from the client's network, then with `+tcp` and `+bufsize=1232`",
                    "the client's resolver configuration: `/etc/resolv.conf`, `resolvectl status`",
                    "firewall rules and counters for UDP and TCP 53 in both directions",
                    "server load, logs and rate-limiting settings (`rndc status`, unbound `ratelimit`)",
                ],
                related: [.dnsSlow, .dnsError, .icmpUnreachable, .fragmentsIncomplete])

        case .dnsError:
            return KindInfo(
                kind: k, title: "DNS error response", layer: .application, defaultSeverity: .warning,
                meaning: """
                    A DNS server answered with an error: NXDOMAIN (the name does not exist), SERVFAIL (the server \
                    could not get an answer, often DNSSEC or an upstream failure) or REFUSED (the server will not \
                    answer this client). Applications see "host not found" or a resolution failure and never \
                    reach the service.
                    """,
                detection: """
                    A DNS response matched to its query with RCODE 3 (NXDOMAIN), 2 (SERVFAIL) or 5 (REFUSED). \
                    Grouped by server, name and RCODE with counts and example frames. An NXDOMAIN for a \
                    search-domain variant of a name that the same client then resolves successfully is the normal \
                    search-list walk and is not reported.
                    """,
                causes: [
                    "NXDOMAIN: a typo, a removed record, a wrong search domain, or split-horizon DNS answering from the wrong view",
                    "SERVFAIL: DNSSEC validation failure, unreachable authoritative servers or a lame delegation",
                    "REFUSED: recursion not allowed for this client (ACL), or a server not authoritative for the zone",
                    "a resolver forwarding to an upstream that is down",
                ],
                checks: [
                    "`dig @SERVER NAME TYPE` and `dig NAME +trace` to see where resolution breaks",
                    "SERVFAIL: `dig @SERVER NAME +cd`; if it works with checking disabled, DNSSEC is the problem",
                    "REFUSED: recursion and access settings on the server (`allow-recursion`, unbound `access-control`)",
                    "the exact name in the evidence, including search-domain suffixes the client appended",
                ],
                related: [.dnsUnanswered, .dnsSlow])

        case .dnsSlow:
            return KindInfo(
                kind: k, title: "Slow DNS response", layer: .application, defaultSeverity: .warning,
                meaning: """
                    DNS answers arrived, but slowly. Every new connection waits for name resolution first, so \
                    slow DNS adds straight to page loads and API calls and often passes for a slow application.
                    """,
                detection: """
                    The time from a query to its matching response is above the DNS latency threshold printed in \
                    the report. Grouped by server with the count, median and worst latency and the names \
                    affected. A query answered only after the client retried is measured from the first query; \
                    queries never answered are dns.unanswered.
                    """,
                causes: [
                    "cache misses: the resolver recursing to slow or distant authoritative servers",
                    "an overloaded or distant resolver (a remote or public resolver across a WAN)",
                    "the first query or answer lost and answered only after a client retry",
                    "upstream forwarders timing out before a fallback answers",
                ],
                checks: [
                    "`dig @SERVER NAME` twice: slow then fast means cache misses and slow upstreams",
                    "resolver load and cache hit rate (`rndc stats`, `unbound-control stats`)",
                    "a closer or local caching resolver (site resolver, systemd-resolved)",
                    "the path to the resolver: `mtr -u -P 53 SERVER`",
                ],
                related: [.dnsUnanswered, .dnsError])

        // MARK: ARP

        case .arpUnanswered:
            return KindInfo(
                kind: k, title: "ARP request unanswered", layer: .link, defaultSeverity: .warning,
                meaning: """
                    A host asked the local segment who owns an IPv4 address and nobody answered. Until someone \
                    does, the host cannot send anything to that address: connections to it, or through it if it is \
                    the gateway, fail with "no route to host".
                    """,
                detection: """
                    ARP requests for a target address that no host answers with an ARP reply within the ARP \
                    timeout printed in the report, grouped per (requester, target) with the number of requests \
                    and their intervals. Gratuitous ARP (sender address equal to target) and ARP probes (sender \
                    address 0.0.0.0, used for duplicate address detection) expect no answer and are not counted.
                    """,
                causes: [
                    "the target host is down, disconnected or has another address than expected",
                    "the target is in another VLAN or subnet (wrong mask or VLAN assignment on one side)",
                    "ARP replies suppressed: host firewall, `arp_ignore`, switch port security or Dynamic ARP Inspection",
                    "a stale static route or gateway address pointing at a removed host",
                ],
                checks: [
                    "`ip neigh show TARGET` on the requester (FAILED or INCOMPLETE entries)",
                    "whether the target is up with that address (`ip addr`), and the switch MAC table (`show mac address-table`)",
                    "VLAN and subnet mask on both hosts and their switch ports",
                    "Dynamic ARP Inspection and port-security logs on the switch",
                ],
                related: [.arpConflict, .icmpUnreachable, .handshakeUnanswered])

        case .arpConflict:
            return KindInfo(
                kind: k, title: "IP address conflict", layer: .link, defaultSeverity: .error,
                meaning: """
                    Two different MAC addresses claimed the same IPv4 address on the segment. Traffic to that \
                    address goes to whichever claim a host learned last, so connections break intermittently and \
                    unpredictably. It can also be ARP spoofing by an attacker.
                    """,
                detection: """
                    ARP replies or announcements from two or more different sender MACs for the same sender \
                    address, with the claims interleaved. A single takeover, where one MAC stops and another \
                    announces the address from then on (cluster or VRRP failover, a replaced NIC), is not a \
                    conflict. Evidence: the MACs, their frame counts and the first and last claim of each.
                    """,
                causes: [
                    "two hosts configured with the same static address, or a static address inside a DHCP pool",
                    "ARP spoofing / man-in-the-middle (often one MAC answering for the gateway)",
                    "a proxy-ARP router answering for addresses that also exist locally",
                    "a cluster or VM failover that left both nodes claiming the address",
                ],
                checks: [
                    "find both devices: MAC vendor prefix and `show mac address-table address MAC` on the switch",
                    "DHCP leases and static assignments for the address",
                    "`arping -D -I IFACE ADDRESS` to detect the duplicate",
                    "Dynamic ARP Inspection / DHCP snooping on the switch",
                ],
                related: [.arpUnanswered])

        // MARK: Decoding

        case .decodeMalformed:
            return KindInfo(
                kind: k, title: "Malformed packets", layer: .capture, defaultSeverity: .warning,
                meaning: """
                    Some packets could not be decoded because their headers are invalid: lengths that do not add \
                    up, impossible versions or option lengths. They are left out of flow analysis, so findings for \
                    those flows may be incomplete. A few are noise; many point to a broken sender or middlebox, or \
                    to a capture taken with the wrong link type or an unexpected encapsulation.
                    """,
                detection: """
                    A packet whose headers fail validation at some layer (for example an IPv4 header length below \
                    20 bytes or above the total length, a TCP data offset below 5, an option running past the \
                    header) is counted by layer and reason, and one capture-wide finding lists the counts with \
                    example frames. Packets cut short by the snaplen are not malformed (see capture.truncated).
                    """,
                causes: [
                    "a sender, middlebox or tunnel writing invalid headers",
                    "the wrong link type or an unexpected encapsulation on the capture interface (VLAN, tunnel, vendor trailers)",
                    "corruption in the capture file or on the capture path",
                    "crafted packets from scanners or fuzzers",
                ],
                checks: [
                    "open the listed frames in Wireshark and look at the layer named in the reason",
                    "the link type (`capinfos FILE`) and any VLAN tags or tunnels on that interface",
                    "the source addresses of the malformed packets: one device or many?",
                ],
                related: [.captureTruncated, .fragmentsAnomaly])
        }
    }
}
