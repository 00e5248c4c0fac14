import FlowAnalysis
import PacketDecoding

/// Why data moved badly (tcp.retransmissions, tcp.stall, tcp.zero-window, tcp.out-of-order):
/// where loss happened relative to the capture point, and which application stopped reading.
enum TransportCauses {
    static let catalog: [CauseInfo] = [
        CauseInfo("tcp.retransmissions/loss-upstream", "loss between the sender and the capture point", raisedBy: "originals never seen by the capture", ruledOutBy: "every original seen"),
        CauseInfo("tcp.retransmissions/loss-downstream", "loss after the capture point (or lost ACKs)", raisedBy: "the capture saw the originals", ruledOutBy: "no original seen"),
        CauseInfo("tcp.retransmissions/spurious", "needless resends: the sender's timer fired early", raisedBy: "most resends spurious (DSACK, timestamps, or data already ACKed)", ruledOutBy: "few spurious resends"),
        CauseInfo("tcp.retransmissions/congestion", "congestion or random loss on a busy link", raisedBy: "mostly fast retransmissions after duplicate ACKs", ruledOutBy: "mostly timeouts"),
        CauseInfo("tcp.retransmissions/blackout", "the path went dead for a while", raisedBy: "mostly timeout resends, several at one segment", ruledOutBy: "fast retransmissions"),
        CauseInfo("tcp.zero-window/slow-reader", "the receiving application stopped reading", raisedBy: "zero window advertisements from one side", ruledOutBy: "none"),
        CauseInfo("tcp.stall/slow-reader", "the receiver's application stopped reading", raisedBy: "a stall during which the receiver's window stayed at zero for at least half the wait", ruledOutBy: "a window open for most of the wait (then peer-silent leads)"),
        CauseInfo("tcp.stall/path-loss", "the path dropped the data (loss, black hole)", raisedBy: "retransmissions with nothing acknowledged", ruledOutBy: "no retransmission"),
        CauseInfo("tcp.stall/peer-silent", "the receiver went silent", raisedBy: "outstanding data, no ACK, no resend seen", ruledOutBy: "ACKs from the receiver"),
        CauseInfo("tcp.out-of-order/reordering", "packets take different paths", raisedBy: "segments arriving below the highest sequence within an RTT", ruledOutBy: "in-order delivery"),
    ]

    static func causes(_ x: RuleInput) -> [Cause] {
        guard let at = x.places, case .transport(let e)? = x.finding.facts else { return [] }
        let sender = e.sender.rawValue
        let senderHost = sender == "client" ? at.onClient : at.onServer
        let peerHost = sender == "client" ? at.onServer : at.onClient
        let ss = Check(on: senderHost, run: "ss -tni 'dport = :\(sender == "client" ? at.port : String(at.clientPort ?? 0))'")
        switch e {
        case .retransmissions(let r):
            let total = r.retransmissions, before = r.lostBeforeCapturePoint
            let fast = r.fast, timeout = r.timeout, spurious = r.spurious
            let rate = r.ratePercent
            let head = "\(total) resends from the \(sender), \(rate)% of its data segments"
            var out: [Cause] = []
            if spurious * 2 > total {
                out.append(x.cause("spurious", "most resends were needless: the originals arrived and the \(sender)'s retransmission timer fired early (a delay spike, or ACKs lost on the way back)", .high,
                                   because: [head, "\(spurious) were spurious (the data had already been acknowledged or was reported twice)"], checks: [ss]))
            }
            if before > 0 {
                out.append(x.cause("loss-upstream", "packets are lost between the \(sender) and the capture point", before == total ? .high : .medium,
                                   because: [head, "the capture never saw the originals of \(before)"],
                                   checks: [Check(on: senderHost, run: "ip -s link; nstat -az TcpRetransSegs"), at.traceroute(from: senderHost)]))
            }
            if total - before - spurious > 0 {
                let vantageNote = x.vantage?.point == (sender == "client" ? .client : .server) ? " (the capture is on the sender, so anywhere on the path)" : ""
                out.append(x.cause("loss-downstream", "packets are lost after the capture point, on the way to the \(sender == "client" ? "server" : "client")\(vantageNote)", before == 0 ? .medium : .low,
                                   because: [head, "the capture saw the originals of \(total - before)"],
                                   checks: [Check(on: peerHost, run: "ip -s link; nstat -az TcpExtTCPOFOQueue TcpExtTCPRcvQDrop"), at.traceroute(from: senderHost)]))
            }
            if fast > timeout && fast > 0 {
                out.append(x.cause("congestion", "congestion or random loss on a busy or faulty link (isolated drops the receiver reported at once)", .medium,
                                   because: ["\(fast) fast retransmissions after duplicate ACKs against \(timeout) after a timeout"],
                                   checks: [Check(on: "each router on the path", run: "ip -s link show; tc -s qdisc show")]))
            } else if timeout > 0 {
                out.append(x.cause("blackout", "the path went dead for a while (a flapping link, a failover, or a full queue dropping everything)", .medium,
                                   because: ["\(timeout) resends after a timeout" + (r.maxAttemptsOfOneSegment > 1 ? ", up to \(r.maxAttemptsOfOneSegment) attempts at one segment" : "")],
                                   checks: [at.traceroute(from: senderHost)]))
            }
            return out
        case .zeroWindow(let z):
            let closedBy = z.closedBy.rawValue
            let host = closedBy == "client" ? at.onClient : at.onServer
            let port = closedBy == "client" ? String(at.clientPort ?? 0) : at.port
            return [x.cause("slow-reader", "the application on the \(closedBy) (\(closedBy == "client" ? at.client : at.server)) stopped reading its socket: busy, blocked on disk or a lock, or hung", .high,
                            because: ["the \(closedBy) advertised a zero window \(z.advertisements) times for \(RuleInput.seconds(z.closedSeconds)) in all (\(x.frames))"],
                            checks: [Check(on: host, run: "ss -tnp 'sport = :\(port)'"), Check(on: host, run: "top -b -n 1 | head -20")])]
        case .stall(let st):
            let secs = st.stalledSeconds
            let saw = "the \(sender)'s data made no progress for \(RuleInput.seconds(secs)) (\(x.frames))"
            switch st.cause {
            case .zeroWindow:
                // How long the window really stayed shut: a brief zero in a long wait is not why it lasted.
                let closed = x.flow.map { f -> Double in
                    let r = st.sender == .client ? f.server : f.client
                    let open = r.zeroWindowClosed ? max(f.lastTime &- r.zeroWindowClosedSince, 0) : 0
                    return FlowFacts.ms(r.zeroWindowTotal &+ open) / 1000
                } ?? secs
                let reader = x.cause("slow-reader", "the receiving application stopped reading (its window stayed at zero)", closed * 2 >= secs ? .high : .low,
                                     because: [saw, "the receiver's window was zero for \(RuleInput.seconds(closed)) of it"],
                                     checks: [Check(on: peerHost, run: "ss -tnp")])
                guard closed * 2 < secs else { return [reader] }
                return [x.cause("peer-silent", "the receiver went silent: its window reopened soon, yet nothing acknowledged the data for most of the wait (its host or application hung, or its ACKs are lost)", .medium,
                                because: [saw, "the receiver's window was zero for only \(RuleInput.seconds(closed)) of it"],
                                checks: [Check(on: peerHost, run: "ss -tnp")]), reader]
            case .retransmissionsUnacked:
                return [x.cause("path-loss", "the path drops the \(sender)'s data: loss, a link down, or a path MTU black hole for full-size packets", .medium,
                                because: [saw, "its resends were never acknowledged"],
                                checks: [Check(on: senderHost, run: "tracepath -n \(sender == "client" ? at.server : at.client)"), at.traceroute(from: senderHost)])]
            default:
                return [x.cause("peer-silent", "the receiver went silent: its host or application hung, or everything from it is lost", .medium,
                                because: [saw, "nothing from the receiver acknowledged it"], checks: [Check(on: peerHost, run: "ss -tnp")])]
            }
        case .outOfOrder:
            return [x.cause("reordering", "packets of this flow take different paths (ECMP or link bonding hashing per packet, a multipath tunnel) or a device reorders them", .medium,
                            because: [x.finding.summary], checks: [at.traceroute()])]
        }
    }
}

/// Path MTU and fragments (mtu.*, ip.fragment*): the range the path allows, who should have
/// said so, and what in between adds overhead.
enum MTUCauses {
    static let catalog: [CauseInfo] = [
        CauseInfo("mtu.frag-needed/narrow-link", "a link on the path is narrower than the ends", raisedBy: "a valid frag-needed / packet-too-big", ruledOutBy: "a suspicious message"),
        CauseInfo("mtu.frag-needed/tunnel", "a tunnel's overhead narrows the path", raisedBy: "the flow runs in a tunnel", ruledOutBy: "no tunnel"),
        CauseInfo("mtu.frag-needed/forged", "a message that does not match the flow (forged or about another connection)", raisedBy: "quoted packet fits, MTU below minimum, or sequence outside the window", ruledOutBy: "a message that matches"),
        CauseInfo("mtu.frag-needed-ignored/sender-ignores-icmp", "the sender ignores path MTU messages", raisedBy: "oversized packets more than a round trip after the message", ruledOutBy: "later packets fit"),
        CauseInfo("mtu.blackhole/icmp-blocked", "a narrower link drops full-size packets and its ICMP never arrives", raisedBy: "full-size packets resent and never acknowledged while small ones pass, no ICMP", ruledOutBy: "a usable ICMP, or the large packets acknowledged"),
        CauseInfo("mtu.mss-exceeded/offload-or-clamp", "segmentation offload on the capture host, or broken MSS clamping", raisedBy: "segments above the peer's MSS", ruledOutBy: "segments within the MSS"),
        CauseInfo("ip.fragmented/large-datagrams", "datagrams larger than the path", raisedBy: "fragmented datagrams", ruledOutBy: "no fragments"),
        CauseInfo("ip.fragments.incomplete/fragment-lost", "a fragment was lost or filtered", raisedBy: "fragment sets that never completed", ruledOutBy: "complete sets"),
        CauseInfo("ip.fragments.overlap/overlap", "overlapping fragments with different bytes (an evasion attempt or a broken stack)", raisedBy: "fragments covering bytes already received with other values, also after the datagram completed within the reassembly timeout", ruledOutBy: "the overlapping bytes equal"),
        CauseInfo("ip.fragments.overlap/duplicates", "the same fragments twice", raisedBy: "overlapping fragments whose bytes are equal", ruledOutBy: "different bytes in the overlap"),
        CauseInfo("ip.fragments.anomaly/odd-fragments", "unusual fragments (tiny, oversized, DF set)", raisedBy: "fragment anomalies", ruledOutBy: "ordinary fragments"),
    ]

    static func causes(_ x: RuleInput) -> [Cause] {
        if case .fragments(let e)? = x.finding.facts { return fragmentCauses(x, e) }
        guard case .mtu(let e)? = x.finding.facts else { return [] }
        let at = x.places
        let senderHost = e.sender == .server ? at?.onServer : at?.onClient
        let dest = e.sender == .server ? at?.client : at?.server
        let tunnel = e.path.tunnel.map { (name: $0, overhead: e.path.tunnelOverhead) }
        switch e.detail {
        case .fragNeeded(let r):
            let reporter = r.reporter.description, mtu = r.mtu
            if r.suspicious {
                return [x.cause("forged", "this message does not match the flow: forged, or about another connection", .medium, because: [x.finding.summary])]
            }
            var out: [Cause] = []
            if let tunnel {
                out.append(x.cause("tunnel", "the \(tunnel.name) tunnel's \(tunnel.overhead) bytes of overhead narrow the path to \(mtu)", .high,
                                   because: ["\(reporter) reported MTU \(mtu) (\(x.frames)); the flow runs inside \(tunnel.name)"]))
            }
            out.append(x.cause("narrow-link", "the link after \(reporter) carries at most \(mtu) bytes: path MTU discovery is working\(r.honoured ? " and the sender adapted" : "")", r.honoured ? .high : .medium,
                               because: ["\(reporter) reported MTU \(mtu) for a \(r.quotedLength)-byte packet (\(x.frames))"],
                               checks: [Check(on: senderHost ?? "the sender", run: "tracepath -n \(dest ?? "<the destination>")")]))
            return out
        case .ignored:
            return [x.cause("sender-ignores-icmp", "the sender ignores the router's message: its host firewall drops incoming ICMP, or path MTU discovery is off on it", .high,
                            because: [x.finding.summary + " (\(x.frames))"],
                            checks: [Check(on: senderHost ?? "the sender", run: "sysctl net.ipv4.ip_no_pmtu_disc net.ipv4.tcp_mtu_probing"),
                                     Check(on: senderHost ?? "the sender", run: "nft list ruleset | grep -n -i icmp")])]
        case .blackholeAtReceiver, .blackholeAtSender:
            let (low, high) = e.pathMTURange!
            let range = high.map { "between \(low) and \($0 - 1) bytes" } ?? "at least \(low) bytes, below what the sender used"
            var because = [x.finding.summary + (x.frames.isEmpty ? "" : " (\(x.frames))")]
            because.append("no ICMP fragmentation-needed / packet-too-big reached the capture")
            if case .blackholeAtReceiver(let m, _, _, _, _) = e.detail { because.append("\(m) bytes the sender's sequence numbers show it sent never arrived here; packets of up to \(low) bytes did") }
            let overhead = tunnel.map { "; the \($0.name) tunnel adds \($0.overhead) bytes" } ?? ""
            let size = max(low - 28, 0)
            return [x.cause("icmp-blocked", "a link on the path is narrower than the ends' 1500 bytes (path MTU \(range)\(overhead)) and the router before it does not get its ICMP \"fragmentation needed\" back to the sender: a firewall filters ICMP, or the router sends none", .high,
                            because: because,
                            checks: [Check(on: senderHost ?? "the sender", run: "tracepath -n \(dest ?? "<the destination>")"),
                                     Check(on: senderHost ?? "the sender", run: "ping -M do -s \(size) -c 3 \(dest ?? "<the destination>")"),
                                     Check(on: "the router before the narrow link", run: "nft add rule inet filter forward tcp flags syn tcp option maxseg size set rt mtu")])]
        case .mssExceeded:
            return [x.cause("offload-or-clamp", "segmentation offload on the capture host (the NIC splits them later), or an MSS clamp that rewrote only one direction", .medium,
                            because: [x.finding.summary], checks: [Check(on: senderHost ?? "the capture host", run: "ethtool -k <the capture interface> | grep -E 'segmentation|receive-offload'")])]
        }
    }

    static func fragmentCauses(_ x: RuleInput, _ e: FragmentEvidence) -> [Cause] {
        switch e {
        case .fragmented:
            return [x.cause("large-datagrams", "datagrams larger than the path's MTU (large UDP answers such as DNS with EDNS, or a sender without path MTU discovery)", .medium, because: [x.finding.summary])]
        case .incomplete, .capReached:
            return [x.cause("fragment-lost", "a fragment was lost or dropped on the way (firewalls often drop non-first fragments), so the datagram never reassembled", .medium, because: [x.finding.summary],
                            checks: [Check(on: "each firewall on the path", run: "nft list ruleset | grep -n -i frag")])]
        case .overlap(_, let different, _, _, _, _):
            if different == 0 {
                return [x.cause("duplicates", "the same fragments twice: the capture saw them twice (a SPAN port), or the sender or a device on the path resent them", .medium,
                                because: [x.finding.summary])]
            }
            return [x.cause("overlap", "fragments that overlap with different bytes: an evasion attempt against an IDS or firewall, or a broken sender", .high,
                            because: [x.finding.summary + (x.frames.isEmpty ? "" : " (\(x.frames))")])]
        case .anomaly:
            return [x.cause("odd-fragments", "a sender or middlebox making unusual fragments", .low, because: [x.finding.summary])]
        }
    }
}

/// The capture's own quality (capture.*, decode.malformed): never the network's fault.
enum CaptureCauses {
    static let catalog: [CauseInfo] = [
        CauseInfo("capture.gap/capture-loss", "the capture dropped packets", raisedBy: "ACKs for bytes never captured", ruledOutBy: "no gap"),
        CauseInfo("capture.duplicates/double-capture", "the capture sees packets twice (SPAN, -i any on a router)", raisedBy: "identical segments milliseconds apart", ruledOutBy: "none"),
        CauseInfo("capture.dropped/kernel-drops", "the capture host could not keep up", raisedBy: "libpcap drop counters", ruledOutBy: "zero drops"),
        CauseInfo("capture.offload/offload", "segmentation offload on the capture host", raisedBy: "segments larger than any link", ruledOutBy: "MTU-sized segments"),
        CauseInfo("decode.malformed/bad-headers", "invalid headers from a sender, middlebox or encapsulation", raisedBy: "packets that did not decode", ruledOutBy: "none"),
    ]

    static func causes(_ x: RuleInput) -> [Cause] {
        switch x.kind {
        case .captureGap:
            return [x.cause("capture-loss", "the capture dropped packets (a busy capture host, a SPAN port over capacity), not the network", .high, because: [x.finding.summary],
                            checks: [Check(on: "the capture host", run: "tcpdump -i <the capture interface> -B 65536 -w <file> (a larger buffer), and ethtool -S <the capture interface> | grep -i drop")])]
        case .captureDuplicates:
            return [x.cause("double-capture", "the capture sees each packet twice (a SPAN of both directions or both ports, or -i any on a router): counted once", .high, because: [x.finding.summary])]
        case .captureDropped:
            return [x.cause("kernel-drops", "the capture host could not keep up: the kernel or interface dropped packets before the capture", .high, because: [x.finding.summary],
                            checks: [Check(on: "the capture host", run: "tcpdump -B 65536 with a narrower -f filter")])]
        case .captureOffload:
            return [x.cause("offload", "the capture host's segmentation or receive offload merged segments: sizes here are not what crossed the wire", .high, because: [x.finding.summary],
                            checks: [Check(on: "the capture host", run: "ethtool -K <the capture interface> tso off gso off gro off")])]
        default:
            return [x.cause("bad-headers", "a sender, middlebox or tunnel writes invalid headers, or the capture's link type does not match the interface", .medium, because: [x.finding.summary + " (\(x.frames))"])]
        }
    }
}
