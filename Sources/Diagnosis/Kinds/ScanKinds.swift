/// `explain`'s long form of the scan kinds: probing told apart from outages.
extension KindCatalog {
    static func scanKinds(_ k: FindingKind) -> KindInfo? {
        switch k {
        case .portScan:
            return KindInfo(
                kind: k, title: "Port scan", layer: .transport, defaultSeverity: .info,
                meaning: """
                    One host tried many ports of another, a packet or two each, and sent no data: a port scanner \
                    (nmap and the like) mapping which services answer. It is not an outage: the unanswered and \
                    refused attempts are the scan's probes, so they are told here once, with the open ports, \
                    and not as failed connections.
                    """,
                detection: """
                    From the services table when the capture ends: a service whose only client tried it at most \
                    four times and exchanged no data is a probe; one source with probes to scanMinPorts or more \
                    ports of one host is a port scan. Ports that answered with a SYN-ACK are open, with a reset \
                    closed, with nothing filtered. The probes' handshake and reset findings fold into this one, \
                    and their services leave the services table.
                    """,
                checks: [
                    "who runs the scanner: `ip neigh show SCANNER` on its link, the DHCP lease, the asset inventory",
                    "whether the open ports are meant to be reachable from the scanner's network",
                    "the firewall's log for the scanner's address",
                ],
                related: [.hostSweep, .arpSweep, .handshakeUnanswered, .handshakeRefused])
        case .hostSweep:
            return KindInfo(
                kind: k, title: "Host sweep", layer: .network, defaultSeverity: .info,
                meaning: """
                    One host tried the same port on many others, with no data: a sweep looking for a service \
                    (or a worm, or a misconfigured client walking a list). The attempts are probes, told once here \
                    with the hosts that answered, not as failed connections.
                    """,
                detection: """
                    From the services table when the capture ends: probes (a service whose only client tried it at \
                    most four times and exchanged no data) from one source to one port on scanMinHosts or more \
                    hosts. The probes' findings fold into this one and their services leave the table.
                    """,
                checks: [
                    "who runs it: `ip neigh show SCANNER`, the DHCP lease, the asset inventory",
                    "the hosts that answered: is the service meant to be open on them",
                ],
                related: [.portScan, .arpSweep])
        case .arpSweep:
            return KindInfo(
                kind: k, title: "ARP sweep", layer: .link, defaultSeverity: .info,
                meaning: """
                    One host asked ARP for many addresses of its link, most of them absent: host discovery \
                    (nmap -sn, a network scanner, an inventory tool). The unanswered questions are its probes, \
                    not hosts that went down.
                    """,
                detection: """
                    Per requester, when the capture ends: ARP questions for arpSweepMinTargets or more addresses, \
                    at least half of them unanswered. Its arp.unanswered findings fold into this one.
                    """,
                checks: ["who runs it: the requester's MAC in the switch's table, the DHCP lease"],
                related: [.arpUnanswered, .portScan])
        default:
            return nil
        }
    }
}
