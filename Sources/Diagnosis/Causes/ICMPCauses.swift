import FlowAnalysis
import PacketDecoding

/// What an ICMP / ICMPv6 error says by its type and code (RFC 792, RFC 1812 §5.2.7.1, RFC 4443
/// §3.1), and how fast it came: a router whose neighbour lookup failed answers only after its
/// ARP/ND retries (about 3 s on Linux), a filter or reject route answers at once.
enum ICMPCauses {
    static let catalog: [CauseInfo] = [
        CauseInfo("icmp.unreachable/admin-prohibited", "a firewall REJECT rule at the reporting router",
                  raisedBy: "ICMP 3/9, 3/10, 3/13 or ICMPv6 1/1, 1/5, 1/6", ruledOutBy: "other codes"),
        CauseInfo("icmp.unreachable/reject-rule", "a filter or reject route answering with an unreachable",
                  raisedBy: "an unreachable sent at once (no neighbour lookup ran out)", ruledOutBy: "a delay of seconds"),
        CauseInfo("icmp.unreachable/no-neighbour", "the last-hop router got no ARP/ND answer for the destination",
                  raisedBy: "host / address unreachable about 3 s after the packet", ruledOutBy: "an immediate answer"),
        CauseInfo("icmp.unreachable/no-route", "the reporting router has no route to the destination",
                  raisedBy: "network unreachable (3/0, 3/6, ICMPv6 1/0)", ruledOutBy: "other codes"),
        CauseInfo("icmp.unreachable/port-closed", "nothing listens on the UDP port",
                  raisedBy: "port unreachable from the destination host for UDP", ruledOutBy: "TCP, or another reporter"),
        CauseInfo("icmp.ttl-exceeded/routing-loop", "a routing loop",
                  raisedBy: "the same packet seen three or more times with falling TTL, or time exceeded for ordinary traffic",
                  ruledOutBy: "probes sent with a small TTL on purpose (traceroute)"),
        CauseInfo("icmp.ttl-exceeded/traceroute", "traceroute probes (an expected answer, not a fault)",
                  raisedBy: "time exceeded for probes to traceroute's ports (33434-33534) sent with a TTL of a few hops; for UDP, whose TTL is not followed, the port alone (medium)",
                  ruledOutBy: "a TCP probe that left with an ordinary TTL"),
        CauseInfo("icmp.ttl-exceeded/reassembly-timeout", "fragments of a datagram never all arrived",
                  raisedBy: "ICMP 11/1 or ICMPv6 3/1", ruledOutBy: "code 0"),
    ]

    static func causes(_ x: RuleInput) -> [Cause] {
        guard case .icmp(let e)? = x.finding.facts else { return [] }
        let reporter = e.message?.reporter ?? "the router"
        if x.kind == .icmpTTLExceeded {
            if e.loopedPackets > 0 {
                let lowest = e.ttlMin.map { " (minimum TTL \($0))" } ?? ""
                return [x.cause("routing-loop", "a routing loop: packets pass the capture point again and again until their TTL runs out", .high,
                                because: ["\(e.loopedPackets) packets seen again, two or more hops lower each time\(lowest)"],
                                checks: [Check(on: x.places?.onClient ?? "the sender", run: "traceroute -n \(x.places?.server ?? "")"),
                                         Check(on: "each router on the path", run: "ip route get \(x.places?.server ?? "")")])]
            }
            if e.message?.code == 1 {
                return [x.cause("reassembly-timeout", "fragments of a datagram never all arrived at \(reporter), which gave up reassembling", .high,
                                because: ["ICMP reassembly time exceeded from \(reporter) (\(x.frames))"])]
            }
            // TTLs are followed for TCP; for other probes only traceroute's ports say it.
            let known = x.flow.map { $0.client.ttlPackets > 0 } ?? false
            let ttl = known ? Int(x.flow!.client.ttlMin) : nil
            let port = x.places?.serverPort ?? 0
            // Without the probes' TTL (followed for TCP only) the port alone says it, less surely.
            if (33434...33534).contains(port) && (ttl ?? 0) <= 30 {
                return [x.cause("traceroute", "traceroute probes: time exceeded is the answer they ask for, not a fault", ttl == nil ? .medium : .high,
                                because: ["probes to port \(port), traceroute's range\(ttl.map { ", sent with TTL \($0)" } ?? " (their TTL is not followed for UDP)") (\(x.frames))"])]
            }
            let ttlText = ttl.map { " for packets that left with TTL \($0)" } ?? ""
            return [x.cause("routing-loop", "a routing loop after \(reporter), or a path longer than the packets' TTL", .medium,
                            because: ["\(reporter) reported TTL exceeded in transit (\(x.frames))\(ttlText)"],
                            checks: [Check(on: x.places?.onClient ?? "the sender", run: "traceroute -n \(x.places?.server ?? "")"),
                                     Check(on: "router \(reporter)", run: "ip route get \(x.places?.server ?? "")")])]
        }
        let v6 = x.places?.v6 ?? false
        return unreachable(x, type: e.message?.type ?? 3, code: e.message?.code ?? 0, v6: v6, reporter: reporter,
                           delayMs: x.icmpDelayMs)
    }

    enum Code { case admin, net, host, port, proto, ttl, other }
    static func classify(v6: Bool, type: UInt8, code: UInt8) -> Code {
        if v6 {
            switch (type, code) {
            case (1, 1), (1, 5), (1, 6): return .admin
            case (1, 0): return .net
            case (1, 3): return .host
            case (1, 4): return .port
            case (3, _): return .ttl
            default: return .other
            }
        }
        switch (type, code) {
        case (3, 9), (3, 10), (3, 13): return .admin
        case (3, 0), (3, 6), (3, 11): return .net
        case (3, 1), (3, 7), (3, 12): return .host
        case (3, 3): return .port
        case (3, 2): return .proto
        case (11, _): return .ttl
        default: return .other
        }
    }

    /// An unreachable about a packet of this flow (also used for SYNs, under tcp.handshake.unreachable).
    static func unreachable(_ x: RuleInput, type: UInt8, code: UInt8, v6: Bool, reporter: String, delayMs: Double?) -> [Cause] {
        let name = FlowFacts.icmpName(v6: v6, type: type, code: code)
        // The unreachable destination: the server, or the client when the error is about one of
        // the server's packets (a SYN-ACK to a spoofed source).
        let aboutServerPacket = x.flow?.icmp.map { !$0.aboutClientPacket } ?? false
        let server = (aboutServerPacket ? x.places?.client : x.places?.server) ?? "the destination"
        let fromServer = reporter == server
        let msg = "ICMP\(v6 ? "v6" : "") \(name) (type \(type) code \(code)) from \(reporter)\(fromServer ? ", the destination itself" : "") (\(x.frames))"
        let fast = delayMs.map { $0 < 500 } ?? true
        let timing = delayMs.map { " \(Int($0.rounded())) ms after the packet" } ?? ""
        let rules = Check(on: fromServer ? "the server (\(reporter))" : "router \(reporter)", run: "nft list ruleset | grep -n -i reject")
        let routes = Check(on: "router \(reporter)", run: "ip\(v6 ? " -6" : "") route get \(server)")
        switch classify(v6: v6, type: type, code: code) {
        case .admin:
            return [x.cause("admin-prohibited", "a firewall REJECT rule at \(reporter)\(fromServer ? " (the server's own firewall)" : "") refuses this traffic", .high,
                            because: [msg + timing], checks: [rules])]
        case .host where !fast, .net where !fast:
            return [x.cause("no-neighbour", "\(reporter) got no \(v6 ? "neighbour discovery" : "ARP") answer for \(server): the host is down or not on the router's link (VLAN, wrong subnet)", .high,
                            because: [msg + timing + ": the delay of a neighbour lookup that ran out"],
                            checks: [Check(on: "router \(reporter)", run: "ip neigh show \(server)"), routes])]
        case .host:
            return [
                x.cause("reject-rule", "a filter or reject route at \(reporter) answers \"host unreachable\" for \(server)", .high,
                        because: [msg + timing + ": at once, so no neighbour lookup ran out"], checks: [rules, routes],
                        tellApart: "a host that is really down makes the router answer only after its ARP/ND retries, about 3 s"),
            ]
        case .net:
            return [
                x.cause("no-route", "\(reporter) has no route to \(server)'s network (a withdrawn or missing route, or a reject route)", .high,
                        because: [msg + timing], checks: [routes, rules]),
            ]
        case .port where fromServer && x.places?.transport == "udp":
            return [x.cause("port-closed", "nothing listens on UDP port \(x.places?.port ?? "?") on \(server) (the service is down)", .high,
                            because: [msg], checks: x.places.map { [$0.listening()] } ?? [])]
        case .port, .proto:
            return [x.cause("reject-rule", "a firewall REJECT rule at \(reporter) (the default reply of iptables' REJECT is port unreachable)", .high,
                            because: [msg + (x.places?.transport == "tcp" ? "; a TCP stack refuses with a RST, so an ICMP answer to TCP comes from a filter" : "")],
                            checks: [rules])]
        case .ttl:
            return [x.cause("ttl-exceeded", "a routing loop after \(reporter), or a path longer than the packets' TTL", .medium,
                            because: [msg], checks: [routes])]
        case .other:
            return [x.cause("reject-rule", "\(reporter) refused the traffic (\(name))", .low, because: [msg], checks: [rules, routes])]
        }
    }
}
