import FlowAnalysis
import PacketDecoding

/// Why a TCP handshake failed or dragged (tcp.handshake.*, tcp.syn-flood), from the SYNs, what
/// answered them, how fast, with which TTL, and where the capture sat.
enum HandshakeCauses {
    static let catalog: [CauseInfo] = [
        CauseInfo("tcp.handshake.unanswered/path-filter", "a firewall or ACL on the path drops the SYN",
                  raisedBy: "SYNs retried with no answer of any kind, seen at the client or on the path",
                  ruledOutBy: "the capture sits on the server (the SYN arrived there)"),
        CauseInfo("tcp.handshake.unanswered/port-filtered", "a filter drops this port only",
                  raisedBy: "the same server answered other ports in this capture",
                  ruledOutBy: "no other port of the host answered"),
        CauseInfo("tcp.handshake.unanswered/host-down", "the server is down, or its address routed nowhere",
                  raisedBy: "nothing from the server address anywhere in the capture",
                  ruledOutBy: "the server answered other connections or ports"),
        CauseInfo("tcp.handshake.unanswered/server-host-drop", "the server host's own firewall drops the SYN",
                  raisedBy: "the SYN reached the server's interface (server vantage) and nothing answered",
                  ruledOutBy: "the capture is not on the server"),
        CauseInfo("tcp.handshake.unanswered/syn-queue-full", "the listener's SYN queue or backlog is full",
                  raisedBy: "the SYN reached the server host and went unanswered while the port is open to others",
                  ruledOutBy: "no SYN reached the server"),
        CauseInfo("tcp.handshake.unanswered/return-path", "the SYN-ACK is lost on the way back",
                  raisedBy: "SYNs unanswered at the client while nothing shows where they stop",
                  ruledOutBy: "a capture on the server shows no SYN-ACK leaving"),
        CauseInfo("tcp.handshake.refused/no-listener", "nothing listens on the port",
                  raisedBy: "a RST/ACK answering the SYN with the server's own TTL (or seen at the server host)",
                  ruledOutBy: "the RST's TTL differs from the server's other packets"),
        CauseInfo("tcp.handshake.refused/reject-rule", "a firewall rejects with a TCP reset",
                  raisedBy: "the RST's TTL differs from the server's usual TTL, or the capture cannot tell",
                  ruledOutBy: "the RST left the server host itself with the server's TTL"),
        CauseInfo("tcp.handshake.refused/ipv4-only", "the service answers on IPv4 but not IPv6",
                  raisedBy: "a refusal on IPv6 while the same client completed handshakes on the same port over IPv4",
                  ruledOutBy: "no working IPv4 connection from that client to the port"),
        CauseInfo("tcp.handshake.unreachable/admin-prohibited", "a firewall REJECT rule at the reporting router",
                  raisedBy: "ICMP 3/9, 3/10, 3/13 or ICMPv6 1/1, 1/5, 1/6 quoting the SYN",
                  ruledOutBy: "any other ICMP type or code"),
        CauseInfo("tcp.handshake.unreachable/reject-rule", "a firewall REJECT rule answering with an ICMP unreachable",
                  raisedBy: "port, protocol, or net/host unreachable answered at once (no neighbour lookup timed out)",
                  ruledOutBy: "the unreachable came after a neighbour lookup's seconds"),
        CauseInfo("tcp.handshake.unreachable/no-neighbour", "the last-hop router got no ARP/ND answer for the server",
                  raisedBy: "host / address unreachable arriving about 3 s after the SYN",
                  ruledOutBy: "an immediate answer, or another code"),
        CauseInfo("tcp.handshake.unreachable/no-route", "the reporting router has no route to the server",
                  raisedBy: "network unreachable (3/0, 3/6, ICMPv6 1/0)",
                  ruledOutBy: "host, port or administrative codes"),
        CauseInfo("tcp.handshake.unreachable/ttl-exceeded", "a routing loop or a TTL too small",
                  raisedBy: "time exceeded quoting the SYN", ruledOutBy: "any unreachable code"),
        CauseInfo("tcp.handshake.incomplete/accept-queue-full", "the server's accept queue is full",
                  raisedBy: "at the server, its SYN-ACK resent after the client's ACK arrived",
                  ruledOutBy: "the ACK never reached the server's capture"),
        CauseInfo("tcp.handshake.incomplete/ack-lost", "the client's ACK is lost on the way to the server",
                  raisedBy: "at the client, SYN-ACKs resent after the client ACKed",
                  ruledOutBy: "a server capture shows the ACK arriving"),
        CauseInfo("tcp.handshake.incomplete/client-no-socket", "the client had no socket for the SYN-ACK",
                  raisedBy: "the client answered the SYN-ACK with a RST",
                  ruledOutBy: "no RST from the client"),
        CauseInfo("tcp.handshake.incomplete/spoofed-source", "a spoofed source of a SYN flood: the SYN-ACK went to an address that never sent the SYN",
                  raisedBy: "a SYN flood at the same server and port",
                  ruledOutBy: "no flood at that service"),
        CauseInfo("tcp.handshake.incomplete/synack-dropped", "the SYN-ACK never reaches the client, or the client drops it",
                  raisedBy: "SYN-ACKs with no ACK and no RST from the client",
                  ruledOutBy: "the client ACKed or reset"),
        CauseInfo("tcp.handshake.slow/syn-lost", "the first SYNs were lost on the way to the server",
                  raisedBy: "the client resent its SYN before a SYN-ACK came",
                  ruledOutBy: "the server saw the first SYN"),
        CauseInfo("tcp.handshake.slow/syn-queue-full", "the server ignored the first SYNs (listen queue full)",
                  raisedBy: "at the server, SYNs arrived and the first went unanswered",
                  ruledOutBy: "the capture is not on the server"),
        CauseInfo("tcp.handshake.slow/synack-lost", "a SYN-ACK or the ACK for it was lost",
                  raisedBy: "the server resent its SYN-ACK", ruledOutBy: "one SYN-ACK only"),
        CauseInfo("tcp.handshake.invalid/stale-state", "old connection state on the server or a middlebox for this 4-tuple",
                  raisedBy: "a SYN answered by an ACK for something else, or a SYN-ACK acknowledging the wrong number",
                  ruledOutBy: "a valid SYN-ACK"),
        CauseInfo("tcp.syn-flood/flood", "a SYN flood: half-open attempts from many sources",
                  raisedBy: "many half-open attempts from many sources at one server",
                  ruledOutBy: "few sources, or most attempts completed"),
    ]

    static func causes(_ x: RuleInput) -> [Cause] {
        guard let at = x.places else { return [] }
        let at0 = at
        let v = x.vantage
        guard x.kind != .synFlood else { return flood(x, at) }
        guard case .handshake(let h)? = x.finding.facts else { return [] }
        switch x.kind {
        case .handshakeUnanswered:
            let n = Int(h.synCount)
            let saw = "\(n) SYN\(n == 1 ? "" : "s") (\(x.frames)) and no SYN-ACK, RST or ICMP"
            if v?.atServer == true {
                return [
                    x.cause("server-host-drop", "the SYN reached the server host and its own firewall dropped it", .medium,
                            because: [saw + " at the server's own interface"],
                            checks: [at.firewall(on: at.onServer), Check(on: at.onServer, run: "nstat -az TcpExtListenDrops TcpExtListenOverflows")],
                            tellApart: "drop counters in the host firewall rise with each SYN for a drop rule; ListenDrops rise for a full queue"),
                    x.cause("syn-queue-full", "the listener's SYN queue or accept backlog on port \(at.port) is full and SYN cookies are off", .low,
                            because: [saw + " at the server's own interface"],
                            checks: [at.listening(), Check(on: at.onServer, run: "sysctl net.ipv4.tcp_syncookies net.ipv4.tcp_max_syn_backlog")]),
                ]
            }
            let place = v?.atClient == true ? "the SYN left the client and nothing came back" : "nothing came back past the capture point"
            if v?.point == .unknown, let hops = v?.clientHops, hops > 0 {
                // The SYN had crossed routers before the capture: on the server's link or in the path.
                let at = "the SYN reached the capture point \(hops) hop\(hops == 1 ? "" : "s") from the client and nothing came back"
                return [
                    x.cause("server-host-drop", "if this capture is on the server's link: the SYN reached the server host and its own firewall (or a full listen queue) dropped it", .medium,
                            because: [saw, at], checks: [at0.firewall(on: at0.onServer), Check(on: at0.onServer, run: "nstat -az TcpExtListenDrops TcpExtListenOverflows")],
                            tellApart: "run the first check on the server: a drop counter rising with each SYN names the rule; if the capture was not on the server's link, the filter is further on"),
                    x.cause("path-filter", "a firewall or ACL between the capture point and \(at0.server) drops the SYN silently", .medium,
                            because: [saw, at], checks: [at0.captureSYN(), at0.traceroute()]),
                ]
            }
            return [
                x.cause("path-filter", "a firewall, security group or ACL between the client and \(at.server) drops the SYN silently", .medium,
                        because: [saw + ": \(place)"],
                        checks: [at.captureSYN(), at.traceroute(), at.firewall(on: "each firewall between \(at.client) and \(at.server)")],
                        tellApart: "capture on the server: a SYN that arrives there puts the fault at the server or the return path; none arriving puts it on the path"),
                x.cause("host-down", "\(at.server) is down or the address is not in use (stale DNS, moved host)", .medium,
                        because: [saw], checks: [Check(on: "a host on \(at.server)'s subnet", run: "ping -c 3 \(at.server)"), at.routeTo(at.server, from: at.onClient)]),
                x.cause("return-path", "the SYN-ACK is lost on the way back (asymmetric route, NAT or a stateful firewall seeing only one direction)", .low,
                        because: [saw], checks: [at.routeTo(at.client, from: at.onServer)]),
            ]
        case .handshakeRefused:
            let ttl: Int? = { if case .refused(let r) = h.answer { Int(r.rstTTL) } else { nil } }()
            let rstFrame = x.finding.frames.last ?? 0
            let rstText = "the SYN was answered by a RST (frame \(rstFrame))\(ttl.map { " with TTL \($0)" } ?? "")"
            let sameHost = v?.atServer == true
            if v?.atClient == true, let ttl, FlowVantage.hops(UInt8(clamping: ttl)) == 0 {
                // Undecremented at the client: it came from a device on the client's own link.
                return [
                    x.cause("reject-rule", "the first-hop router or a firewall on the client's own link rejects port \(at.port) with a TCP reset", .medium,
                            because: [rstText + ", undecremented: it started on the client's own link, not hops away where a server behind a router would be"],
                            checks: [Check(on: "the client's gateway (ip route get \(at.server) on the client names it)", run: "nft list ruleset | grep -n -i 'reject'"), at.traceroute()],
                            tellApart: "if \(at.server) is on the client's own link, its host sent the RST: ss -lntp on it"),
                    x.cause("no-listener", "\(at.server) sits on the client's link and nothing listens on port \(at.port)", .low,
                            because: [rstText], checks: [at.listening()]),
                ]
            }
            return [
                x.cause("no-listener", "nothing listens on \(at.hostPort): the service is down, on another port, or bound to another address or family", sameHost ? .high : .medium,
                        because: [rstText + (sameHost ? ", sent by the server host itself (the capture is on it)" : "")],
                        checks: [at.listening(), Check(on: at.onServer, run: "ss -lntp | grep -w \(at.port)")]),
                x.cause("reject-rule", "a firewall in front of \(at.server) rejects port \(at.port) with a TCP reset", sameHost ? .low : .medium,
                        because: [rstText],
                        checks: [Check(on: at.onServer + " and each firewall before it", run: "nft list ruleset | grep -n -i 'reject'")],
                        tellApart: "compare the RST's TTL with the TTL of the server's packets on a port that works: equal means the host's own stack, different a device in between"),
            ]
        case .handshakeUnreachable:
            guard case .unreachable(let e) = h.answer else { return [] }
            return ICMPCauses.unreachable(x, type: e.type, code: e.code, v6: at.v6, reporter: e.reportedBy, delayMs: x.icmpDelayMs)
        case .handshakeIncomplete:
            guard case .incomplete(let synAcks, let acked, let reset) = h.answer else { return [] }
            let n = Int(synAcks)
            if reset {
                return [x.cause("client-no-socket", "the client had no socket waiting for this SYN-ACK: the SYN came from a scanner or raw-socket tool, the client's connect() had already given up, or a NAT sent the SYN-ACK to the wrong client", .high,
                                because: ["\(at.client) answered the SYN-ACK with a RST (\(x.frames))"],
                                checks: [Check(on: at.onClient, run: "ss -tanp 'dport = :\(at.port)'")])]
            }
            if acked {
                let sa = "\(at.server) resent its SYN-ACK \(n - 1) time\(n == 2 ? "" : "s") after \(at.client)'s ACK (\(x.frames))"
                if v?.atServer == true {
                    return [x.cause("accept-queue-full", "the server dropped the client's ACK because the accept queue of port \(at.port) was full: the listen backlog is too small or the application is not calling accept() fast enough", .high,
                                    because: [sa + ", and that ACK reached the server host (the capture is on it)"],
                                    checks: [at.listening(), Check(on: at.onServer, run: "nstat -az TcpExtListenOverflows TcpExtListenDrops"),
                                             Check(on: at.onServer, run: "sysctl net.core.somaxconn net.ipv4.tcp_abort_on_overflow")])]
                }
                return [
                    x.cause("ack-lost", "the client's ACK was lost between the capture point and the server", .medium, because: [sa],
                            checks: [at.captureSYN()],
                            tellApart: "capture on the server: an ACK that arrives there while the SYN-ACK is still resent means a full accept queue"),
                    x.cause("accept-queue-full", "the server dropped the ACK because the accept queue of port \(at.port) was full", .medium, because: [sa],
                            checks: [at.listening(), Check(on: at.onServer, run: "nstat -az TcpExtListenOverflows TcpExtListenDrops")]),
                ]
            }
            let sa = "\(at.server) sent \(n) SYN-ACK\(n == 1 ? "" : "s") and \(at.client) neither ACKed nor reset (\(x.frames))"
            if v?.atClient == true {
                return [x.cause("synack-dropped", "the SYN-ACK reached the client host and was dropped there (its firewall, or conntrack marking it invalid)", .medium,
                                because: [sa + "; the capture is on the client"],
                                checks: [at.firewall(on: at.onClient), Check(on: at.onClient, run: "conntrack -S")])]
            }
            return [x.cause("synack-dropped", "the SYN-ACK or the client's ACK for it is lost between the two (return path, NAT, a stateful firewall), or the SYN's source address was spoofed", .medium,
                            because: [sa + (v?.atServer == true ? "; the capture is on the server" : "")],
                            checks: [at.routeTo(at.client, from: at.onServer), at.captureSYN(on: at.onClient)],
                            tellApart: "capture on the client: a SYN-ACK arriving and an ACK leaving puts the loss on the way back to the server")]
        case .handshakeSlow:
            guard case .slow(let synAckCount, let added, _) = h.answer else { return [] }
            let synacks = Int(synAckCount), syns = Int(h.synCount)
            let delay = " and cost \(RuleInput.seconds(added))"
            var out: [Cause] = []
            if syns > 1 {
                let saw = "\(syns) SYNs before the SYN-ACK\(delay) (\(x.frames))"
                if v?.atServer == true {
                    out.append(x.cause("syn-queue-full", "the server received the first SYN\(syns > 2 ? "s" : "") and ignored \(syns > 2 ? "them" : "it"): its listen queue was full", .high,
                                       because: [saw + ", all seen at the server host"],
                                       checks: [at.listening(), Check(on: at.onServer, run: "nstat -az TcpExtListenDrops TcpExtListenOverflows")]))
                } else {
                    out.append(x.cause("syn-lost", "the first SYN\(syns > 2 ? "s were" : " was") lost on the way to the server (loss or a rate limit), or the server's listen queue was full", .medium,
                                       because: [saw], checks: [at.captureSYN(), Check(on: at.onServer, run: "nstat -az TcpExtListenDrops")],
                                       tellApart: "a capture on the server shows whether the first SYN arrived"))
                }
            }
            if synacks > 1 {
                out.append(x.cause("synack-lost", "a SYN-ACK (or the client's ACK for it) was lost, so the server resent it", .medium,
                                   because: ["\(synacks) SYN-ACKs\(delay) (\(x.frames))"], checks: [at.traceroute()]))
            }
            return out
        case .handshakeInvalid:
            return [x.cause("stale-state", "old connection state for this 4-tuple on the server or a middlebox (a reused client port, a firewall or NAT with a stale entry)", .medium,
                            because: [x.finding.summary + " (\(x.frames))"],
                            checks: [Check(on: at.onServer, run: "ss -tan 'sport = :\(at.port)' | grep -w \(at.client)")])]
        default:
            return []
        }
    }

    /// The flood is an aggregate: its evidence is counts over many attempts.
    static func flood(_ x: RuleInput, _ at: Places) -> [Cause] {
        guard case .flood(let e)? = x.finding.facts else { return [] }
        let halfOpen = e.halfOpen, sources = e.sources
        return [x.cause("flood", "a SYN flood against \(at.hostPort): half-open attempts from many sources, most with spoofed addresses", .high,
                        because: ["\(halfOpen) half-open attempts from \(sources) sources"],
                        checks: [Check(on: at.onServer, run: "nstat -az TcpExtListenOverflows TcpExtSyncookiesSent"),
                                 Check(on: at.onServer, run: "sysctl net.ipv4.tcp_syncookies")])]
    }
}

extension RuleInput {
    /// Milliseconds from the packet the ICMP error answered to the error: the client's last SYN
    /// before it for a handshake, else the flow's last packet before it.
    var icmpDelayMs: Double? {
        guard let f = flow, let e = f.icmp else { return nil }
        guard e.quotedSYN else { return Double(e.afterLastPacketMs) }
        let sent = max(f.client.syns.keptTimes.filter { $0 <= e.time }.max() ?? 0, f.firstTime)
        return FlowFacts.ms(e.time &- sent)
    }
}
