import FlowAnalysis
import PacketDecoding

/// Scans and probes (scan.*), told apart from outages: one source trying many ports of one host
/// with no data (a port scan), one port of many hosts (a host sweep), or asking ARP for many
/// addresses of its link, most of them absent (an ARP sweep). Decided once, when the capture ends,
/// from the services table and the ARP tally — nothing per packet. The probes' own findings
/// (unanswered, refused, reset) fold into the scan's, and their services leave the table.
struct ScanDetector: Detector {
    static let raises: [FindingKind] = [.portScan, .hostSweep, .arpSweep]
    let thresholds: Thresholds

    /// A service one client tried a few times and exchanged no data with: what a probe leaves.
    static func isProbe(_ st: ServiceStats, _ key: ServiceKey) -> IPAddress? {
        guard key.proto == .tcp, st.clients.count == 1, st.attempts >= 1, st.attempts <= 4, st.dataSegments == 0 else { return nil }
        return st.clients.first
    }

    struct Scan {
        var kind: FindingKind
        var scanner: IPAddress
        /// The host scanned (scan.ports) or the port swept (scan.hosts).
        var target: IPAddress?
        var port: UInt16?
        var services: [Int] = []
    }

    /// The scans the services table shows.
    func scans(keys: [ServiceKey], stats: [ServiceStats]) -> [Scan] {
        struct HostPair: Hashable { var scanner: IPAddress; var target: IPAddress }
        struct PortPair: Hashable { var scanner: IPAddress; var port: UInt16 }
        var byHost: [HostPair: [Int]] = [:], byPort: [PortPair: [Int]] = [:]
        for (i, (k, st)) in zip(keys, stats).enumerated() {
            guard let s = Self.isProbe(st, k) else { continue }
            byHost[HostPair(scanner: s, target: k.address), default: []].append(i)
            byPort[PortPair(scanner: s, port: k.port), default: []].append(i)
        }
        var out: [Scan] = [], taken = Set<Int>()
        for (p, idx) in byHost where Set(idx.map { keys[$0].port }).count >= thresholds.scanMinPorts {
            // Open ports of a scanned host may have sent data (a banner, or a reply to the
            // scanner's close): where the scanner itself sent none, its attempts are probes too.
            let banners = keys.indices.filter { i in
                keys[i].address == p.target && keys[i].proto == .tcp && !idx.contains(i) && stats[i].clients == [p.scanner]
                    && (1...4).contains(stats[i].attempts) && stats[i].established > 0 && stats[i].clientDataSegments == 0
            }
            out.append(Scan(kind: .portScan, scanner: p.scanner, target: p.target, services: idx + banners))
            taken.formUnion(idx + banners)
        }
        for (p, idx) in byPort {
            let rest = idx.filter { !taken.contains($0) }
            guard Set(rest.map { keys[$0].address }).count >= thresholds.scanMinHosts else { continue }
            out.append(Scan(kind: .hostSweep, scanner: p.scanner, port: p.port, services: rest))
        }
        return out.sorted { (stats[$0.services[0]].firstFrame, $0.kind.rawValue) < (stats[$1.services[0]].firstFrame, $1.kind.rawValue) }
    }

    /// Folds each scan's probes into one finding (first in `out`), takes their over-the-cap counts
    /// out of `groups`, and returns the services they touched (left out of the table).
    func fold(_ out: inout [Finding], groups: inout [Diagnoser.GroupKey: Int], keys: [ServiceKey], stats: [ServiceStats],
              arp: ARPTally) -> Set<Int> {
        var scanned = Set<Int>()
        var found: [Finding] = []
        let cap = thresholds.maxFindingsPerGroup
        for s in scans(keys: keys, stats: stats) {
            let probed = Set(s.services.map { "\(keys[$0].address) \(keys[$0].port)" })
            let before = out.count
            out.removeAll { Self.folds($0, scanner: s.scanner.description, probed: probed) }
            // The probes' findings over the cap were counted per (kind, server): those counts go too.
            var over = 0
            for (g, n) in groups where n > cap && g.kind.rawValue.hasPrefix("tcp.handshake.")
                && s.services.contains(where: { keys[$0].address == g.server }) {
                let probes = s.services.filter { keys[$0].address == g.server }.reduce(0) { $0 + stats[$1].flows }
                let cut = min(n - cap, probes)
                groups[g] = n - cut
                over += cut
            }
            found.append(finding(s, keys: keys, stats: stats, folded: before - out.count + over))
            scanned.formUnion(s.services)
        }
        found += arpSweeps(arp, findings: &out)
        out = found + out
        return scanned
    }

    /// The finding for one scan, with what answered.
    func finding(_ s: Scan, keys: [ServiceKey], stats: [ServiceStats], folded: Int) -> Finding {
        var open: [ServiceKey] = [], closed = 0, filtered = 0, probes = 0
        var first = Int64.max, last = Int64.min
        for i in s.services {
            let st = stats[i]
            probes += st.attempts
            first = min(first, st.firstTime); last = max(last, st.lastTime)
            if st.established > 0 || st.failed[HandshakeOutcome.incomplete.ordinal] > 0 { open.append(keys[i]) }
            else if st.failed[HandshakeOutcome.refused.ordinal] > 0 { closed += 1 }
            else { filtered += 1 }
        }
        let n = s.services.count
        let scanner = s.scanner.description
        let summary: String
        let facts: ScanEvidence
        if s.kind == .portScan, let target = s.target {
            let ports = open.map(\.port).sorted()
            let list = ports.prefix(20).map { "\($0)" }.joined(separator: ", ") + (ports.count > 20 ? " and \(ports.count - 20) more" : "")
            summary = "\(scanner) probed \(n) ports of \(target) (\(probes) attempts, none carrying a request)" + (ports.isEmpty ? "; none open" : "; open: \(list)")
                + "; \(closed) closed (reset), \(filtered) filtered (no answer)"
            facts = ScanEvidence(scanner: scanner, target: target.description, probed: n, probes: probes,
                                 answered: ports.map { "\($0)" }, closed: closed, filtered: filtered, findingsFolded: folded)
        } else {
            let hosts = open.map(\.address.description)
            let port = s.port ?? 0
            let list = hosts.prefix(10).joined(separator: ", ") + (hosts.count > 10 ? " and \(hosts.count - 10) more" : "")
            summary = "\(scanner) swept port \(port) on \(n) hosts (\(probes) attempts, no data)" + (hosts.isEmpty ? "; none answered" : "; open on \(list)")
                + "; \(closed) refused, \(filtered) no answer"
            facts = ScanEvidence(scanner: scanner, target: "port \(port)", probed: n, probes: probes, answered: hosts,
                                 closed: closed, filtered: filtered, findingsFolded: folded)
        }
        let f = FindingFacts.scan(facts)
        let filter = s.kind == .portScan
            ? "ip.src==\(scanner) && ip.dst==\(s.target!) && tcp.flags.syn==1 && tcp.flags.ack==0"
            : "ip.src==\(scanner) && tcp.dstport==\(s.port ?? 0) && tcp.flags.syn==1 && tcp.flags.ack==0"
        return Finding(kind: s.kind, severity: .info, summary: summary, frames: [], firstTime: first == .max ? 0 : first,
                       lastTime: last == .min ? 0 : last, facts: f, filter: filter.forIPv6(!s.scanner.isIPv4),
                       flow: FlowRef(transport: "tcp", client: Endpoint(ip: scanner, port: nil),
                                     server: Endpoint(ip: s.target?.description ?? "*", port: s.port.map(Int.init))))
    }

    /// Whether a finding is one of a scan's probes: a handshake or reset finding from the scanner
    /// to one of the services it probed ("address port" in `probed`).
    static func folds(_ f: Finding, scanner: String, probed: Set<String>) -> Bool {
        guard f.kind.rawValue.hasPrefix("tcp.handshake.") || f.kind.rawValue.hasPrefix("tcp.reset."),
              let flow = f.flow, flow.client?.ip == scanner, let port = flow.server.port else { return false }
        return probed.contains("\(flow.server.ip) \(port)")
    }

    // MARK: ARP sweeps

    /// Per requester: addresses asked for and how many went unanswered (bounded).
    struct ARPTally: Sendable {
        var asked: [IPAddress: (targets: Int, unanswered: Int, answered: [IPAddress], first: Int64, last: Int64)] = [:]
        static let maxRequesters = 4096

        mutating func add(_ r: ARPRecord) {
            guard r.requests > 0, asked[r.requester] != nil || asked.count < Self.maxRequesters else { return }
            var e = asked[r.requester] ?? (0, 0, [], r.firstTime, r.lastTime)
            e.targets += 1
            if r.replies == 0 { e.unanswered += 1 } else if e.answered.count < 64 { e.answered.append(r.target) }
            e.first = min(e.first, r.firstTime); e.last = max(e.last, r.lastTime)
            asked[r.requester] = e
        }
    }

    func arpSweeps(_ t: ARPTally, findings: inout [Finding]) -> [Finding] {
        var out: [Finding] = []
        for (requester, e) in t.asked.sorted(by: { $0.value.first < $1.value.first })
        where e.targets >= thresholds.arpSweepMinTargets && e.unanswered * 2 >= e.targets {
            let before = findings.count
            findings.removeAll { f in
                if case .arp(.unanswered(_, let who, _))? = f.facts { who == requester } else { false }
            }
            let answered = e.answered.map(\.description)
            let list = answered.prefix(10).joined(separator: ", ") + (answered.count > 10 ? " and \(answered.count - 10) more" : "")
            let facts = ScanEvidence(scanner: requester.description, target: "its link", probed: e.targets, probes: e.targets,
                                     answered: answered, closed: 0, filtered: e.unanswered, findingsFolded: before - findings.count)
            let f = FindingFacts.scan(facts)
            out.append(Finding(kind: .arpSweep, severity: .info,
                               summary: "\(requester) asked ARP for \(e.targets) addresses of its link; \(e.unanswered) went unanswered"
                                   + (answered.isEmpty ? "" : "; present: \(list)"),
                               frames: [], firstTime: e.first, lastTime: e.last, facts: f,
                               filter: "arp.src.proto_ipv4==\(requester) && arp.opcode==1", flow: nil))
        }
        return out
    }
}

extension String {
    /// Wireshark spells IPv6 address fields ipv6.*.
    func forIPv6(_ v6: Bool) -> String {
        v6 ? replacing("ip.src", with: "ipv6.src").replacing("ip.dst", with: "ipv6.dst") : self
    }
}
