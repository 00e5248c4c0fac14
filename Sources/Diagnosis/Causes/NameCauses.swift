import FlowAnalysis
import PacketDecoding

/// Why a name did not resolve (dns.*, by RFC 1035 / 2136 rcode) or an address was not found on
/// the link (arp.*).
enum NameCauses {
    static let catalog: [CauseInfo] = [
        CauseInfo("dns.error/nxdomain", "the name does not exist", raisedBy: "rcode 3", ruledOutBy: "any other rcode"),
        CauseInfo("dns.error/upstream-failure", "the resolver could not reach the authoritative servers", raisedBy: "rcode 2 (SERVFAIL)", ruledOutBy: "any other rcode"),
        CauseInfo("dns.error/dnssec", "DNSSEC validation failed at the resolver", raisedBy: "rcode 2 (SERVFAIL)", ruledOutBy: "an answer with checking disabled also fails"),
        CauseInfo("dns.error/refused", "the server refuses this client (recursion off or an ACL)", raisedBy: "rcode 5", ruledOutBy: "any other rcode"),
        CauseInfo("dns.error/formerr", "the server could not parse the query", raisedBy: "rcode 1", ruledOutBy: "any other rcode"),
        CauseInfo("dns.error/notimp", "the server does not implement the request", raisedBy: "rcode 4", ruledOutBy: "any other rcode"),
        CauseInfo("dns.error/other-rcode", "another DNS error", raisedBy: "rcodes 6-23", ruledOutBy: "the rcodes above"),
        CauseInfo("dns.unanswered/server-unreachable", "the DNS server is down, unreachable or filtered", raisedBy: "queries retried with no answer", ruledOutBy: "an answer"),
        CauseInfo("dns.unanswered/server-dropped", "the server received the queries and did not answer", raisedBy: "unanswered queries seen at the server host", ruledOutBy: "a capture not on the server"),
        CauseInfo("dns.slow/slow-upstream", "the resolver waited on slow or failing upstream servers", raisedBy: "an answer above dnsSlowSeconds", ruledOutBy: "a fast answer"),
        CauseInfo("dns.error/truncated-no-tcp", "a truncated answer never retried over TCP", raisedBy: "TC set in the answer, no TCP question for the name after it", ruledOutBy: "the same question asked over TCP"),
        CauseInfo("dns.slow/truncated-no-tcp", "a truncated answer never retried over TCP", raisedBy: "TC set in the answer, no TCP question for the name after it", ruledOutBy: "the same question asked over TCP"),
        CauseInfo("arp.unanswered/host-absent", "the host is down or not on this link", raisedBy: "ARP requests with no reply", ruledOutBy: "a reply"),
        CauseInfo("arp.conflict/address-conflict", "two hosts use one address (or a proxy ARP answers)", raisedBy: "two MACs claiming one IP", ruledOutBy: "one MAC"),
    ]

    static func causes(_ x: RuleInput) -> [Cause] {
        switch x.finding.facts {
        case .arp(.unanswered(let target, let who, let requests))?:
            return [x.cause("host-absent", "\(target) is down, or not on this link (another VLAN or subnet; a wrong address or mask on \(who))", .high,
                            because: ["\(who) asked for \(target) \(requests) time\(requests == 1 ? "" : "s") (\(x.frames)) and no one answered"],
                            checks: [Check(on: "the host \(who)", run: "ip neigh show \(target)"), Check(on: "the host \(who)", run: "ip -br addr; ip route get \(target)")])]
        case .arp(.conflict(let addr, _))?:
            return [x.cause("address-conflict", "two hosts are configured with \(addr) (a duplicate static address or DHCP overlap), or a proxy ARP answers for it", .high,
                            because: [x.finding.summary],
                            checks: [Check(on: "a host on the same link", run: "arping -D -c 3 -I <that host's interface on this link> \(addr)")])]
        default: break
        }
        guard let at = x.places, case .dns(let d)? = x.finding.facts else { return [] }
        let qname = d.qname, qtype = d.qtype
        let q = Shell.quote(qname.isEmpty ? "." : qname)
        let dig = Check(on: at.onClient, run: "dig @\(at.server) \(q) \(qtype)")
        let asked = "\(at.client) asked \(at.server) for \(TextSafe.quote(qname)) \(qtype)"
        var out: [Cause] = []
        switch x.kind {
        case .dnsUnanswered:
            let n = d.queries
            let saw = "\(asked) \(n) time\(n == 1 ? "" : "s") (\(x.frames)) and got no answer"
            if x.vantage?.atServer == true {
                out.append(x.cause("server-dropped", "the queries reached \(at.server) and it did not answer: the DNS service is down, overloaded, or filters this client", .high,
                                   because: [saw + " at the server's own interface"], checks: [at.listening(), dig]))
            } else {
                out.append(x.cause("server-unreachable", "\(at.server) is down, unreachable, or a firewall drops DNS to it", .medium,
                                   because: [saw], checks: [dig, Check(on: at.onClient, run: "dig +tcp @\(at.server) \(q) \(qtype)"), at.traceroute()]))
            }
        case .dnsError:
            guard case .error(let rcode, let rname) = d.answer else { return [] }
            let saw = "\(asked) and got \(rname) (\(x.frames))"
            switch rcode {
            case 3:
                out.append(x.cause("nxdomain", "\(TextSafe.quote(qname)) does not exist in DNS: a typo, a record not (yet) created, or a search domain appended to a short name", .high,
                                   because: [saw], checks: [dig, Check(on: at.onClient, run: "dig +trace \(q) \(qtype)")]))
            case 2:
                out.append(x.cause("upstream-failure", "the resolver \(at.server) could not get an answer from the authoritative servers (unreachable, or a lame delegation)", .medium,
                                   because: [saw], checks: [Check(on: at.onClient, run: "dig +trace \(q) \(qtype)")],
                                   tellApart: "dig +cd @\(at.server): an answer with checking disabled means DNSSEC validation failed"))
                out.append(x.cause("dnssec", "DNSSEC validation failed at \(at.server) (expired signatures, a broken chain of trust)", .medium,
                                   because: [saw], checks: [Check(on: at.onClient, run: "dig +cd @\(at.server) \(q) \(qtype)"), Check(on: at.onClient, run: "delv @\(at.server) \(q) \(qtype)")]))
            case 5:
                out.append(x.cause("refused", "\(at.server) refuses this client: recursion disabled for it, or an ACL (it is authoritative-only, or the client is outside its allowed networks)", .high,
                                   because: [saw], checks: [dig, Check(on: at.onServer, run: "grep -n -E 'allow-recursion|allow-query|access-control' <the DNS server's configuration file>")]))
            case 1:
                out.append(x.cause("formerr", "\(at.server) could not parse the query: an EDNS option it does not support, or a middlebox mangling DNS", .medium,
                                   because: [saw], checks: [Check(on: at.onClient, run: "dig +noedns @\(at.server) \(q) \(qtype)")]))
            case 4:
                out.append(x.cause("notimp", "\(at.server) does not implement this kind of request (opcode or query type)", .high, because: [saw], checks: [dig]))
            default:
                out.append(x.cause("other-rcode", "\(at.server) answered with an error (\(rname))", .medium, because: [saw], checks: [dig]))
            }
        default:
            let ms: Double = { if case .slow(let ms) = d.answer { ms } else { 0 } }()
            out.append(x.cause("slow-upstream", "the resolver \(at.server) waited on slow or failing upstream servers (or retried them)", .medium,
                               because: ["\(asked) and waited \(Int(ms)) ms (\(x.frames))"], checks: [dig, Check(on: at.onClient, run: "dig +trace \(q) \(qtype)")]))
        }
        if d.truncatedAnswer && !d.retriedOverTCP {
            out.append(x.cause("truncated-no-tcp", "the answer was truncated (TC) and the client did not retry over TCP, or TCP port 53 is blocked", .medium,
                               because: ["the answer had the TC bit set"], checks: [Check(on: at.onClient, run: "dig +tcp @\(at.server) \(q) \(qtype)")]))
        }
        return out
    }
}

/// Scans (scan.*): probing, not a failure; who and what.
enum ScanCauses {
    static let catalog: [CauseInfo] = [
        CauseInfo("scan.ports/scanner", "a port scanner mapping a host's services", raisedBy: "probes with no data to scanMinPorts or more ports of one host from one source", ruledOutBy: "data exchanged, or few ports"),
        CauseInfo("scan.hosts/sweep", "a sweep looking for one service across hosts", raisedBy: "probes with no data to one port on scanMinHosts or more hosts from one source", ruledOutBy: "data exchanged, or few hosts"),
        CauseInfo("scan.arp/sweep", "host discovery over ARP", raisedBy: "ARP questions for arpSweepMinTargets or more addresses from one host, at least half unanswered", ruledOutBy: "most questions answered"),
    ]

    static func causes(_ x: RuleInput) -> [Cause] {
        guard case .scan(let e)? = x.finding.facts else { return [] }
        let who = Check(on: "a host on \(e.scanner)'s link", run: "ip neigh show \(e.scanner)")
        let saw = "\(e.probed) \(x.kind == .arpSweep ? "addresses asked for" : x.kind == .hostSweep ? "hosts tried" : "ports tried") in \(e.probes) attempts with no data, \(e.answered.count) answered"
        switch x.kind {
        case .portScan:
            return [x.cause("scanner", "\(e.scanner) ran a port scan of \(e.target) (nmap or similar): authorised testing, or reconnaissance", .high,
                            because: [saw, "\(e.findingsFolded) failed-connection findings were its probes"], checks: [who])]
        case .hostSweep:
            return [x.cause("sweep", "\(e.scanner) swept \(e.target) across hosts: a scanner, a worm, or a client walking a list", .high,
                            because: [saw], checks: [who])]
        default:
            return [x.cause("sweep", "\(e.scanner) ran host discovery over ARP (nmap -sn, an inventory tool)", .high,
                            because: [saw], checks: [who])]
        }
    }
}
