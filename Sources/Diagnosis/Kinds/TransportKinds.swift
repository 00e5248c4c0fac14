/// `explain`'s long form of the kinds for retransmissions, loss, stalls and flow control.
extension KindCatalog {
    static func transportKinds(_ k: FindingKind) -> KindInfo? {
        switch k {
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
                checks: [
                    "does the receiver see it too? `nstat -az TcpExtTCPSACKReorder TcpExtTCPTSReorder` there",
                    "ECMP/LAG hashing on routers and switches: per-flow, not per-packet",
                    "SD-WAN or multipath policies that may spread one flow over several links",
                    "spurious retransmissions for the same flow in tcp.retransmissions",
                ],
                related: [.retransmissions, .captureGap, .captureDuplicates])

        default:
            return nil
        }
    }
}
