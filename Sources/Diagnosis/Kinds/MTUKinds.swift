/// `explain`'s long form of the kinds for path MTU and IP fragmentation.
extension KindCatalog {
    static func mtuKinds(_ k: FindingKind) -> KindInfo? {
        switch k {
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
                checks: [
                    "the source host, and whether it is expected to send such traffic",
                    "IDS/IPS and firewall logs for the same source",
                    "fragment sanity filtering at the edge (minimum fragment size, drop overlapping or oversized sets)",
                ],
                related: [.fragmentsOverlap, .ipFragmented, .decodeMalformed])

        default:
            return nil
        }
    }
}
