import FlowAnalysis
import PacketDecoding

/// Turns finalised flows into findings, the services summary and flow entries. Keeps only
/// bounded state: capped findings per (kind, server), capped services and flows.
public struct Diagnoser: Sendable {
    public let thresholds: Thresholds
    /// The flow detectors, in the order they judge a flow; `owner` finds the one for a kind.
    let flowDetectors: [any FlowDetector]
    let owner: [FindingKind: Int]
    let dns: DNSDetector
    let arp: ARPDetector
    public private(set) var findings: [Finding] = []
    var perGroup: [GroupKey: Int] = [:]
    var lastGroup: GroupKey?
    var lastGroupCount = 0
    /// Services in an array with a dictionary index; the last one is remembered, since a burst
    /// of flows (a flood, a scan of one port) goes to one server.
    var serviceIndex: [ServiceKey: Int] = [:]
    var serviceKeys: [ServiceKey] = []
    var serviceStats: [ServiceStats] = []
    var lastService: (key: ServiceKey, index: Int)?
    public private(set) var servicesOmitted = 0
    public private(set) var flowEntries: [FlowEntry] = []
    public private(set) var flowsOmitted = 0
    public private(set) var flowCount = 0
    /// Per-flow caps reached: sequence-space holes forgotten (past 4 per direction) and flows
    /// whose history outgrew its letters.
    public private(set) var holesForgotten: UInt64 = 0
    public private(set) var historyTruncatedFlows = 0
    /// Half-open attempts per service, parallel to `serviceStats` (nil until the first one).
    var floods: [FloodStats?] = []
    /// Copies, capture loss and offload: the capture's own quality, per flow.
    var captureQuality = CaptureQualityDetector()
    /// IP datagrams that arrived in fragments (ip.fragmented, ip.fragments.*).
    var fragments = FragmentDetector()
    /// The fragment tracker's cap on open sets, for the wording of its finding.
    public var fragmentSetCap = 65_536
    /// Where the capture sat, flow by flow.
    var vantage = VantageTally()
    /// ARP questions per requester, for ARP sweeps.
    var arpAsked = ScanDetector.ARPTally()
    /// DNS answers and the servers that presented a certificate for each name.
    var names = NameAnswers()

    static let maxServices = 65_536

    /// Caps apply per kind and server address, so a port scan is not hundreds of lines either.
    struct GroupKey: Hashable { var kind: FindingKind; var server: IPAddress }

    public init(thresholds: Thresholds = Thresholds()) {
        self.thresholds = thresholds
        flowDetectors = Self.flowDetectorTypes.map { $0.init(thresholds: thresholds) }
        var owner: [FindingKind: Int] = [:]
        for (i, d) in Self.flowDetectorTypes.enumerated() { for k in d.raises { owner[k] = i } }
        self.owner = owner
        dns = DNSDetector(thresholds: thresholds)
        arp = ARPDetector(thresholds: thresholds)
    }

    /// The order matters: resets read the handshake's outcome, stalls the zero window, TLS
    /// takes over a reset that ended its handshake, ICMP defers to an unreachable handshake.
    static let flowDetectorTypes: [any FlowDetector.Type] = [
        HandshakeDetector.self, ResetDetector.self, WindowDetector.self, RetransmissionDetector.self, ReorderingDetector.self,
        StallDetector.self, MTUDetector.self, TLSDetector.self, ICMPDetector.self,
    ]

    /// What every detector says of a flow as of `now`: no state changes.
    func judge(_ f: Flow, asOf now: Int64) -> FlowJudgement {
        var j = FlowJudgement(now: now)
        for d in flowDetectors { d.judge(f, &j) }
        return j
    }

    /// One finding of a flow, with its causes read from that flow.
    func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding {
        var out = flowDetectors[owner[k]!].finding(k, f, j)
        CauseRules.diagnose(&out, flow: f)
        return out
    }

    /// The findings a flow would give if it ended now (live capture streams these early; the
    /// final report still judges the flow when it really ends).
    public func preview(_ f: Flow, asOf now: Int64) -> [Finding] {
        let j = judge(f, asOf: now)
        return j.kinds.array.map { finding($0, f, j) }
    }

    /// One finalised flow; `now` is the capture time at which it was finalised.
    public mutating func flowEnded(_ f: Flow, asOf now: Int64) {
        flowCount += 1
        holesForgotten &+= UInt64(f.client.loss.space.forgottenHoles) &+ UInt64(f.server.loss.space.forgottenHoles)
        if f.history.truncated { historyTruncatedFlows += 1 }
        let j = judge(f, asOf: now)
        let outcome = j.outcome, kinds = j.kinds
        // Findings are built only while their group is under the cap: a flood costs counters.
        kinds.forEach { k in
            guard countInGroup(k, server: f.serverAddress) < thresholds.maxFindingsPerGroup else { return }
            findings.append(finding(k, f, j))
        }
        account(f, outcome: outcome, kinds: kinds)
        vantage.add(FlowVantage(f), f)
        if outcome == .established, f.clientAddress.isIPv4, let mac = f.client.mac {
            let hp = HostPort(mac: mac, server: f.serverAddress, port: f.serverPort)
            // Most flows repeat the last one's host and service: no hashing for those.
            if hp != lastIPv4Established, ipv4Established.count < Self.maxDNSClients { ipv4Established.insert(hp) }
            lastIPv4Established = hp
        }
        captureQuality.flowEnded(f)
        names.flowEnded(f, mismatch: kinds.contains(.certificateNameMismatch))
        if flowEntries.count < thresholds.maxReportedFlows {
            flowEntries.append(FlowEntry(f, outcome: outcome, findings: kinds.array))
        } else {
            flowsOmitted += 1
        }
    }

    /// DNS servers that answered each client (bounded), and questions retried over TCP: what
    /// an unanswered question or a truncated answer is judged against.
    var dnsAnsweredBy: [IPAddress: [IPAddress]] = [:]
    var dnsOverTCP: Set<DNSQuestionKey> = []
    static let maxDNSClients = 4096

    /// IPv4 connections that worked, by the client's MAC: a refusal over IPv6 from the same host
    /// to the same port is then an IPv4-only service (bounded).
    var ipv4Established: Set<HostPort> = []
    var lastIPv4Established: HostPort?
    struct HostPort: Hashable { var mac: MACAddress; var server: IPAddress; var port: UInt16 }

    struct DNSQuestionKey: Hashable { var client: IPAddress; var server: IPAddress; var name: [UInt8] }

    /// One DNS question, answered or not (dns.*), and what it says about its server.
    public mutating func dnsTransaction(_ t: DNSTransaction) {
        names.add(t)
        if t.answered, dnsAnsweredBy[t.client] != nil || dnsAnsweredBy.count < Self.maxDNSClients,
           !(dnsAnsweredBy[t.client]?.contains(t.server) ?? false), (dnsAnsweredBy[t.client]?.count ?? 0) < 8 {
            dnsAnsweredBy[t.client, default: []].append(t.server)
        }
        if t.overTCP && dnsOverTCP.count < Self.maxDNSClients {
            dnsOverTCP.insert(DNSQuestionKey(client: t.client, server: t.server, name: t.nameBytes))
        }
        let key = ServiceKey(proto: t.overTCP ? .tcp : .udp, address: t.server, port: t.serverPort)
        if let i = serviceIndex[key] {
            serviceStats[i].dnsQueries += 1
            if t.truncatedAnswer { serviceStats[i].dnsTruncated += 1 }
            if t.answered {
                serviceStats[i].dnsAnswered += 1
                if serviceStats[i].dnsLatencies.count < ServiceStats.maxSamples { serviceStats[i].dnsLatencies.append(t.answerTime &- t.firstTime) }
            }
        }
        for k in dns.kinds(t) where countInGroup(k, server: t.server) < thresholds.maxFindingsPerGroup {
            findings.append(dns.finding(k, t))
        }
    }

    /// A connection that failed just after the same client's DNS lookup failed is told with that
    /// lookup first: the name may be the real problem (a stale or wrong answer from elsewhere).
    /// A TLS failure names its server (SNI): it is linked only to a lookup of that name, never on
    /// time alone.
    static func correlateDNS(_ findings: inout [Finding]) {
        let dnsFailures = findings.filter { $0.kind == .dnsError || $0.kind == .dnsUnanswered }
        guard !dnsFailures.isEmpty else { return }
        let window: Int64 = 30_000_000_000
        for i in findings.indices {
            let f = findings[i]
            guard f.kind.rawValue.hasPrefix("tcp.handshake.") || f.kind == .tlsAlert || f.kind == .tlsAborted,
                  let client = f.flow?.client?.ip else { continue }
            var sni: String?
            if case .tls(let t)? = f.facts { sni = t.sni?.lowercased() }
            let before = dnsFailures.filter { d in
                guard d.flow?.client?.ip == client, d.firstTime <= f.firstTime, f.firstTime &- d.firstTime <= window else { return false }
                guard let sni else { return true }
                guard case .dns(let q)? = d.facts else { return false }
                let name = q.qname.lowercased()
                return name == sni || name.hasPrefix(sni + ".")   // or with a search domain appended
            }
            guard let d = before.last else { continue }
            guard case .dns(let q)? = d.facts else { continue }
            let name = q.qname
            var what = d.kind == .dnsUnanswered ? "went unanswered" : "failed (error)"
            if d.kind == .dnsError, case .error(_, let rname) = q.answer { what = "failed (\(rname))" }
            findings[i].summary = "After this client's DNS lookup of \(name) \(what): " + f.summary
            findings[i].evidence["precededByDNS"] = .object(["qname": .string(name), "kind": .string(d.kind.rawValue),
                                                             "secondsBefore": .double(FlowFacts.ms(f.firstTime &- d.firstTime) / 1000)])
        }
    }

    /// One address asked for on the link (arp.*).
    public mutating func arpRecord(_ r: ARPRecord) {
        arpAsked.add(r)
        for k in arp.kinds(r) where countInGroup(k, server: r.target) < thresholds.maxFindingsPerGroup {
            findings.append(arp.finding(k, r))
        }
    }

    /// One IP datagram that arrived in fragments, completed or not.
    public mutating func fragmented(_ d: FragmentedDatagram) { fragments.add(d) }

    /// Counts one finding of `kind` against its (kind, server) group; returns the count before.
    mutating func countInGroup(_ kind: FindingKind, server: IPAddress) -> Int {
        let g = GroupKey(kind: kind, server: server)
        let n: Int
        if g == lastGroup { n = lastGroupCount } else {
            if let lg = lastGroup { perGroup[lg] = lastGroupCount }
            n = perGroup[g, default: 0]
            lastGroup = g
        }
        lastGroupCount = n + 1
        return n
    }

    // Inlined: called from a mutating method, a call on `self` copied the whole diagnoser (1.5 KB).
    @inline(__always)
    func peekGroup(_ kind: FindingKind, server: IPAddress) -> Int {
        let g = GroupKey(kind: kind, server: server)
        return g == lastGroup ? lastGroupCount : perGroup[g, default: 0]
    }

    /// An attempt that sent only SYNs. Its one possible finding is tcp.handshake.unanswered;
    /// when neither that finding nor its flow entry will be listed, it is counted without
    /// building a full flow (a SYN flood is almost all of these).
    public mutating func halfOpenEnded(_ h: HalfOpen, asOf now: Int64) {
        let server = h.clientIsLow ? h.key.highAddress : h.key.lowAddress
        let client = h.clientIsLow ? h.key.lowAddress : h.key.highAddress
        let unanswered = h.syns.count > 1 || now &- h.syns.lastTime >= Int64(thresholds.synTimeoutSeconds * 1e9)
        if flowEntries.count < thresholds.maxReportedFlows
            || (unanswered && peekGroup(.handshakeUnanswered, server: server) < thresholds.maxFindingsPerGroup) {
            flowEnded(h.flow(), asOf: now)
            return
        }
        flowCount += 1
        flowsOmitted += 1
        var kinds = FlowKinds()
        if unanswered {
            kinds.append(.handshakeUnanswered)
            _ = countInGroup(.handshakeUnanswered, server: server)
        }
        if h.duplicateSYNs > 0 { captureQuality.countCopies(UInt64(h.duplicateSYNs), time: h.syns.firstTime, last: h.lastTime, flow: nil) }
        account(proto: .tcp, server: server, port: h.clientIsLow ? h.key.highPort : h.key.lowPort, client: client,
                sentSYN: true, rtt: nil, firstFrame: h.firstFrame, firstTime: h.syns.firstTime,
                outcome: unanswered ? .unanswered : .pending, kinds: kinds)
    }

    mutating func account(_ f: Flow, outcome: HandshakeOutcome, kinds: FlowKinds) {
        account(proto: f.key.proto, server: f.serverAddress, port: f.serverPort, client: f.clientAddress,
                sentSYN: f.client.sentSYN, rtt: f.handshakeRTT, firstFrame: f.firstFrame, firstTime: f.firstTime,
                outcome: outcome, kinds: kinds, serverTTL: outcome == .established && f.server.ttlPackets > 0 ? f.server.ttlMax : nil)
        if f.isTCP, let i = lastService?.index, lastService?.key.port == f.serverPort {
            serviceStats[i].dataSegments &+= UInt64(RetransmissionDetector.segments(f.client)) &+ UInt64(RetransmissionDetector.segments(f.server))
            serviceStats[i].clientDataSegments &+= UInt64(RetransmissionDetector.segments(f.client))
            serviceStats[i].retransmissions &+= UInt64(RetransmissionDetector.lossResends(f.client)) &+ UInt64(RetransmissionDetector.lossResends(f.server))
            if let r = f.pathMTU, r.suspicion.isEmpty { serviceStats[i].pathMTU = min(serviceStats[i].pathMTU ?? Int.max, Int(r.mtu)) }
            if let t = f.tls.first, t.sawClientHello {
                serviceStats[i].tlsHandshakes += 1
                if t.completed { serviceStats[i].tlsCompleted += 1 }
                else if kinds.contains(.tlsAlert) || kinds.contains(.tlsAborted) { serviceStats[i].tlsFailed += 1 }
                if t.sawServerHello { serviceStats[i].tlsVersions[TLSNames.version(t.selectedVersion), default: 0] += 1 }
                if !t.serverName.isEmpty, serviceStats[i].tlsNames.count < ServiceStats.maxNames {
                    serviceStats[i].tlsNames.insert(String(decoding: t.serverName, as: UTF8.self))
                }
            }
        }
    }

    mutating func account(proto: IPProtocol, server: IPAddress, port: UInt16, client: IPAddress, sentSYN: Bool, rtt: Int64?,
                          firstFrame: UInt64, firstTime: Int64, outcome: HandshakeOutcome, kinds: FlowKinds, serverTTL: UInt8? = nil) {
        let key = ServiceKey(proto: proto, address: server, port: port)
        let i: Int
        if let l = lastService, l.key == key { i = l.index }
        else if let x = serviceIndex[key] { i = x }
        else {
            guard serviceKeys.count < Self.maxServices else { servicesOmitted += 1; return }
            i = serviceKeys.count
            serviceIndex[key] = i
            serviceKeys.append(key)
            serviceStats.append(ServiceStats())
            floods.append(nil)
        }
        lastService = (key, i)
        if let ttl = serverTTL { serviceStats[i].serverTTL = ttl }
        serviceStats[i].add(client: client, sentSYN: sentSYN, rtt: rtt, firstFrame: firstFrame, firstTime: firstTime, outcome: outcome, kinds: kinds)
        // Half-open: unanswered or unACKed, including attempts the capture ended too soon to judge.
        if outcome == .unanswered || outcome == .incomplete || (outcome == .pending && proto == .tcp) {
            if floods[i] == nil { floods[i] = FloodStats() }
            floods[i]!.add(client, time: firstTime)
        }
    }

    /// Where the capture sat, as most flows say.
    public var captureVantage: CaptureVantage { vantage.summary() }

    /// Closes the diagnosis: aggregate findings (SYN floods) and the services table.
    public func finish() -> (findings: [Finding], services: [ServiceSummary], flows: [FlowEntry], suppressed: [FindingKind: Int]) {
        var out = findings
        for (i, fl) in floods.enumerated() {
            guard let fl, fl.halfOpen >= thresholds.synFloodMinHalfOpen, fl.sourceCount >= thresholds.synFloodMinSources else { continue }
            out.append(fl.finding(serviceKeys[i]))
        }
        out += captureQuality.findings()
        let frag = fragments.findings(maxSets: fragmentSetCap, cap: thresholds.maxFindingsPerGroup)
        out += frag.findings
        // Findings counted but not kept, by kind: what each (kind, server) group had over the cap.
        var groups = perGroup
        if let lg = lastGroup { groups[lg] = lastGroupCount }
        // Scans: their probes' findings fold into one scan finding, their services leave the table.
        let scanned = ScanDetector(thresholds: thresholds).fold(&out, groups: &groups, keys: serviceKeys, stats: serviceStats, arp: arpAsked)
        for i in out.indices where out[i].causes.isEmpty { CauseRules.diagnose(&out[i]) }
        refineCauses(&out)
        Self.correlateDNS(&out)
        names.correlate(&out)
        var suppressed: [FindingKind: Int] = frag.suppressed
        for (g, n) in groups where n > thresholds.maxFindingsPerGroup { suppressed[g.kind, default: 0] += n - thresholds.maxFindingsPerGroup }
        let table = zip(serviceKeys, serviceStats).enumerated().filter { !scanned.contains($0.offset) }
            .map { ServiceSummary(key: $0.element.0, stats: $0.element.1) }
            .sorted { ($0.failureScore, $0.attempts, $1.endpoint) > ($1.failureScore, $1.attempts, $0.endpoint) }
        return (out, table, flowEntries, suppressed)
    }
}
