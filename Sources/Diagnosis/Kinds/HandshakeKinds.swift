/// `explain`'s long form of the kinds for TCP handshakes, SYN floods and resets.
extension KindCatalog {
    static func handshakeKinds(_ k: FindingKind) -> KindInfo? {
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
                checks: [
                    "act only if the evidence shows unacknowledged data from the peer at the RST: that data was lost",
                    "the application's close sequence: shutdown(), drain, then close(); SO_LINGER settings",
                    "tcp.reset.abort findings on the same service, to see whether aborts are part of a pattern",
                ],
                related: [.resetAbort, .resetAfterIdle])

        default:
            return nil
        }
    }
}
