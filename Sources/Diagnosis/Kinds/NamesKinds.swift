/// `explain`'s long form of the kinds for ICMP errors, DNS and ARP.
extension KindCatalog {
    static func nameKinds(_ k: FindingKind) -> KindInfo? {
        switch k {
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
                checks: [
                    "find both devices: MAC vendor prefix and `show mac address-table address MAC` on the switch",
                    "DHCP leases and static assignments for the address",
                    "`arping -D -I IFACE ADDRESS` to detect the duplicate",
                    "Dynamic ARP Inspection / DHCP snooping on the switch",
                ],
                related: [.arpUnanswered])

        default:
            return nil
        }
    }
}
