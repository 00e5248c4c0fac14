/// `explain`'s long form of the kinds for the capture's own quality and undecodable packets.
extension KindCatalog {
    static func captureKinds(_ k: FindingKind) -> KindInfo? {
        switch k {
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
                    capture-wide finding gives the number of copies, the flows and a few examples. Pure ACKs are not \
                    counted. A copy one hop lower is a router capturing on both its interfaces (tcpdump -i any) \
                    forwarding the packet: counted here, and it puts the capture's vantage on a router. Real retransmissions come an RTT \
                    or RTO later and are not copies.
                    """,
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
                checks: [
                    "`ethtool -k IFACE | grep -E 'segmentation|receive-offload'` on the capture host",
                    "for wire-accurate sizes, capture on a switch mirror or TAP, or briefly `ethtool -K IFACE tso off gso off gro off`",
                    "read sizes and counts on these flows as the host's view, not the wire's",
                ],
                related: [.mssExceeded, .fragNeeded])

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
                checks: [
                    "open the listed frames in Wireshark and look at the layer named in the reason",
                    "the link type (`capinfos FILE`) and any VLAN tags or tunnels on that interface",
                    "the source addresses of the malformed packets: one device or many?",
                ],
                related: [.captureTruncated, .fragmentsAnomaly])

        default:
            return nil
        }
    }
}
