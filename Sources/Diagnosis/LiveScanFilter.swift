import PacketDecoding

/// Live capture's view of scans: a failed connection attempt is held back for `hold` before it is
/// streamed (and counted in the handshake metrics); a source that meanwhile probes `scanMinPorts`
/// ports of one host, or one port on `scanMinHosts` hosts, is a scanner: its held and later probes
/// are dropped and one scan finding is streamed instead. A real failure is only `hold` late.
/// Bounded: past `maxHeld` findings or `maxSources` sources the oldest go out as they are.
public struct LiveScanFilter: Sendable {
    public let thresholds: Thresholds
    public let hold: Int64
    struct Held { var finding: Finding; var since: Int64; var source: String; var target: String; var port: Int }
    var held: [Held] = []
    /// Distinct ports per (source, host) and hosts per (source, port) seen failing.
    var ports: [String: Set<Int>] = [:]
    var hosts: [String: Set<String>] = [:]
    /// Scanners by what they scan ("source host" or "source :port"), with the finding streamed.
    var scanners: Set<String> = []
    static let maxHeld = 4096, maxSources = 4096, maxPerKey = 1024

    public init(thresholds: Thresholds, hold: Double = 2) {
        self.thresholds = thresholds
        self.hold = Int64(hold * 1e9)
    }

    static let probes: Set<FindingKind> = [.handshakeUnanswered, .handshakeRefused, .handshakeIncomplete]

    /// What to stream now for a newly decided finding: nothing (held), itself, or a scan finding.
    public mutating func offer(_ f: Finding, now: Int64) -> [Finding] {
        guard Self.probes.contains(f.kind), let client = f.flow?.client?.ip, let port = f.flow?.server.port,
              let server = f.flow?.server.ip else { return [f] }
        if scanners.contains("\(client) \(server)") || scanners.contains("\(client) :\(port)") { return [] }
        let hk = "\(client) \(server)", pk = "\(client) :\(port)"
        if ports[hk] != nil || ports.count < Self.maxSources, (ports[hk]?.count ?? 0) < Self.maxPerKey { ports[hk, default: []].insert(port) }
        if hosts[pk] != nil || hosts.count < Self.maxSources, (hosts[pk]?.count ?? 0) < Self.maxPerKey { hosts[pk, default: []].insert(server) }
        var out: [Finding] = []
        if (ports[hk]?.count ?? 0) >= thresholds.scanMinPorts {
            scanners.insert(hk)
            held.removeAll { $0.source == client && $0.target == server }
            out.append(scanFinding(.portScan, client, "\(ports[hk]!.count) ports of \(server)", f, server: server, port: nil))
        } else if (hosts[pk]?.count ?? 0) >= thresholds.scanMinHosts {
            scanners.insert(pk)
            held.removeAll { $0.source == client && $0.port == port }
            out.append(scanFinding(.hostSweep, client, "port \(port) on \(hosts[pk]!.count) hosts", f, server: "*", port: port))
        } else {
            if held.count >= Self.maxHeld { out.append(held.removeFirst().finding) }
            held.append(Held(finding: f, since: now, source: client, target: server, port: port))
        }
        return out
    }

    /// Held findings whose time is up.
    public mutating func due(now: Int64) -> [Finding] {
        var out: [Finding] = []
        while let h = held.first, now &- h.since >= hold { out.append(h.finding); held.removeFirst() }
        return out
    }

    /// Everything still held (the capture stops).
    public mutating func drain() -> [Finding] {
        defer { held = [] }
        return held.map(\.finding)
    }

    func scanFinding(_ kind: FindingKind, _ scanner: String, _ what: String, _ f: Finding, server: String, port: Int?) -> Finding {
        let facts = FindingFacts.scan(ScanEvidence(scanner: scanner, target: kind == .portScan ? server : "port \(port ?? 0)",
                                                   probed: kind == .portScan ? (ports["\(scanner) \(server)"]?.count ?? 0) : (hosts["\(scanner) :\(port ?? 0)"]?.count ?? 0),
                                                   probes: 0, answered: [], closed: 0, filtered: 0, findingsFolded: 0))
        var out = Finding(kind: kind, severity: .info,
                          summary: "\(scanner) is scanning: \(what) probed so far; its probes are not told as failures",
                          frames: [], firstTime: f.firstTime, lastTime: f.lastTime, facts: facts,
                          filter: "ip.src==\(scanner) && tcp.flags.syn==1 && tcp.flags.ack==0".forIPv6(scanner.contains(":")),
                          flow: FlowRef(transport: "tcp", client: Endpoint(ip: scanner, port: nil), server: Endpoint(ip: server, port: port)))
        CauseRules.diagnose(&out)
        return out
    }
}
