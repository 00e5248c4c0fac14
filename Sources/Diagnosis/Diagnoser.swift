import FlowAnalysis
import PacketDecoding

/// Turns finalised flows into findings, the services summary and flow entries. Keeps only
/// bounded state: capped findings per (kind, server), capped services and flows.
public struct Diagnoser: Sendable {
    public let thresholds: Thresholds
    let handshake: HandshakeDetector
    let resets: ResetDetector
    let windows: WindowDetector
    let retransmissions: RetransmissionDetector
    let stalls: StallDetector
    let reordering: ReorderingDetector
    let mtu: MTUDetector
    let tls: TLSDetector
    let names: NameLinkDetector
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
    /// TCP segments the capture saw twice (SYN copies and data copies), and where.
    var copies: UInt64 = 0
    var copyFlows = 0
    var copyExamples: [FlowRef] = []
    var copyFirst: Int64 = .max
    var copyLast: Int64 = .min
    /// Bytes receivers acknowledged that the capture never saw (capture.gap), and where.
    var gapBytes: UInt64 = 0
    var gapEvents: UInt64 = 0
    var gapFlows = 0
    var gapExamples: [(flow: FlowRef, bytes: UInt64)] = []
    var gapFirst: Int64 = .max
    var gapLast: Int64 = .min
    /// IP datagrams that arrived in fragments (ip.fragmented, ip.fragments.*).
    var fragments = FragmentDetector()
    /// The fragment tracker's cap on open sets, for the wording of its finding.
    public var fragmentSetCap = 65_536
    /// Segments larger than any link carries: the capture host's offload (capture.offload).
    var offloadSegments: UInt64 = 0
    var offloadLargest = 0
    var offloadFlows = 0
    var offloadExamples: [FlowRef] = []
    var offloadFirst: Int64 = .max
    var offloadLast: Int64 = .min
    /// Where the capture sat, flow by flow.
    var vantage = VantageTally()

    static let maxServices = 65_536

    /// Caps apply per kind and server address, so a port scan is not hundreds of lines either.
    struct GroupKey: Hashable { var kind: FindingKind; var server: IPAddress }

    public init(thresholds: Thresholds = Thresholds()) {
        self.thresholds = thresholds
        handshake = HandshakeDetector(thresholds: thresholds)
        resets = ResetDetector(thresholds: thresholds)
        windows = WindowDetector(thresholds: thresholds)
        retransmissions = RetransmissionDetector(thresholds: thresholds)
        stalls = StallDetector(thresholds: thresholds)
        reordering = ReorderingDetector(thresholds: thresholds)
        mtu = MTUDetector(thresholds: thresholds)
        tls = TLSDetector(thresholds: thresholds)
        names = NameLinkDetector(thresholds: thresholds)
    }

    /// What every detector says of a flow as of `now`: no state changes.
    func judge(_ f: Flow, asOf now: Int64) -> (outcome: HandshakeOutcome, kinds: FlowKinds, resetKind: FindingKind?) {
        let outcome = handshake.outcome(f, asOf: now)
        var kinds = handshake.kinds(f, outcome: outcome)
        let resetKind = resets.kind(f, outcome: outcome)
        if let k = resetKind { kinds.append(k) }
        let windowKind = windows.kind(f)
        if let k = windowKind { kinds.append(k) }
        if let k = retransmissions.kind(f) { kinds.append(k) }
        if let k = reordering.kind(f) { kinds.append(k) }
        if let k = stalls.kind(f, asOf: now, zeroWindowReported: windowKind != nil) { kinds.append(k) }
        mtu.kinds(f, into: &kinds)
        var tlsKinds = FlowKinds()
        tls.kinds(f, into: &tlsKinds)
        // A reset that ends a failed TLS handshake is told in the TLS finding, not as an abort.
        if tlsKinds.contains(.tlsAlert) || tlsKinds.contains(.tlsAborted) { kinds.remove(.resetAbort) }
        tlsKinds.forEach { kinds.append($0) }
        if let k = names.icmpKind(f, explained: kinds.contains(.handshakeUnreachable)) { kinds.append(k) }
        return (outcome, kinds, resetKind)
    }

    /// One finding of a flow, with its causes read from that flow.
    func finding(_ k: FindingKind, _ f: Flow, resetKind: FindingKind?, asOf now: Int64) -> Finding {
        var out = detectorFinding(k, f, resetKind: resetKind, asOf: now)
        CauseRules.diagnose(&out, flow: f)
        return out
    }

    func detectorFinding(_ k: FindingKind, _ f: Flow, resetKind: FindingKind?, asOf now: Int64) -> Finding {
        switch k {
        case resetKind: resets.finding(k, f)
        case .zeroWindow: windows.finding(f)
        case .retransmissions: retransmissions.finding(f)
        case .outOfOrder: reordering.finding(f)
        case .stall: stalls.finding(f, asOf: now)
        case .fragNeeded, .fragNeededIgnored, .blackhole, .mssExceeded: mtu.findings(k, f)
        case .tlsAlert, .tlsAborted, .tlsSlow, .tlsVersionDeprecated, .certificateExpired, .certificateNotYetValid,
             .certificateNameMismatch, .certificateSelfSigned, .certificateChainIncomplete:
            tls.finding(k, f)
        case .icmpUnreachable, .icmpTTLExceeded: names.icmpFinding(k, f)
        default: handshake.finding(k, f)
        }
    }

    /// The findings a flow would give if it ended now (live capture streams these early; the
    /// final report still judges the flow when it really ends).
    public func preview(_ f: Flow, asOf now: Int64) -> [Finding] {
        let j = judge(f, asOf: now)
        return j.kinds.array.map { finding($0, f, resetKind: j.resetKind, asOf: now) }
    }

    /// One finalised flow; `now` is the capture time at which it was finalised.
    public mutating func flowEnded(_ f: Flow, asOf now: Int64) {
        flowCount += 1
        holesForgotten &+= UInt64(f.client.loss.space.forgottenHoles) &+ UInt64(f.server.loss.space.forgottenHoles)
        if f.history.truncated { historyTruncatedFlows += 1 }
        let (outcome, kinds, resetKind) = judge(f, asOf: now)
        // Findings are built only while their group is under the cap: a flood costs counters.
        kinds.forEach { k in
            guard countInGroup(k, server: f.serverAddress) < thresholds.maxFindingsPerGroup else { return }
            findings.append(finding(k, f, resetKind: resetKind, asOf: now))
        }
        account(f, outcome: outcome, kinds: kinds)
        vantage.add(FlowVantage(f), f)
        if outcome == .established, f.clientAddress.isIPv4, ipv4Established.count < Self.maxDNSClients, let mac = f.client.mac {
            ipv4Established.insert(HostPort(mac: mac, server: f.serverAddress, port: f.serverPort))
        }
        let c = UInt64(f.client.captureCopies) + UInt64(f.server.captureCopies) + UInt64(f.duplicateSYNs)
        if c > 0 { countCopies(c, time: f.firstTime, last: f.lastTime, flow: FlowFacts.ref(f)) }
        let offloaded = UInt64(f.client.mtu.offloaded) &+ UInt64(f.server.mtu.offloaded)
        if offloaded > 0 {
            offloadSegments &+= offloaded
            offloadLargest = max(offloadLargest, Int(max(f.client.mtu.offloadLargest, f.server.mtu.offloadLargest)))
            offloadFlows += 1
            offloadFirst = min(offloadFirst, f.firstTime); offloadLast = max(offloadLast, f.lastTime)
            if offloadExamples.count < 5 { offloadExamples.append(FlowFacts.ref(f)) }
        }
        let missed = f.client.loss.missedBytes &+ f.server.loss.missedBytes
        if f.isTCP && missed > 0 {
            gapBytes &+= missed
            gapEvents &+= UInt64(f.client.loss.gapEvents) &+ UInt64(f.server.loss.gapEvents)
            gapFlows += 1
            gapFirst = min(gapFirst, f.firstTime); gapLast = max(gapLast, f.lastTime)
            // The five flows that lost the most.
            if gapExamples.count < 5 || missed > gapExamples[gapExamples.count - 1].bytes {
                if gapExamples.count == 5 { gapExamples.removeLast() }
                let i = gapExamples.firstIndex { $0.bytes < missed } ?? gapExamples.count
                gapExamples.insert((FlowFacts.ref(f), missed), at: i)
            }
        }
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
    struct HostPort: Hashable { var mac: MACAddress; var server: IPAddress; var port: UInt16 }

    struct DNSQuestionKey: Hashable { var client: IPAddress; var server: IPAddress; var name: [UInt8] }

    /// One DNS question, answered or not (dns.*), and what it says about its server.
    public mutating func dnsTransaction(_ t: DNSTransaction) {
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
        guard let k = names.kind(t), countInGroup(k, server: t.server) < thresholds.maxFindingsPerGroup else { return }
        findings.append(names.finding(t))
    }

    /// A connection that failed just after the same client's DNS lookup failed is told with that
    /// lookup first: the name may be the real problem (a stale or wrong answer from elsewhere).
    static func correlateDNS(_ findings: inout [Finding]) {
        let dnsFailures = findings.filter { $0.kind == .dnsError || $0.kind == .dnsUnanswered }
        guard !dnsFailures.isEmpty else { return }
        let window: Int64 = 30_000_000_000
        for i in findings.indices {
            let f = findings[i]
            guard f.kind.rawValue.hasPrefix("tcp.handshake.") || f.kind == .tlsAlert || f.kind == .tlsAborted,
                  let client = f.flow?.client?.ip else { continue }
            let before = dnsFailures.filter { d in
                d.flow?.client?.ip == client && d.firstTime <= f.firstTime && f.firstTime &- d.firstTime <= window
            }
            guard let d = before.last else { continue }
            let name = d.evidence["qname"].flatMap { v -> String? in if case .string(let s) = v { s } else { nil } } ?? "?"
            let what = d.kind == .dnsUnanswered ? "went unanswered" : "failed (\(d.evidence["rcode"].flatMap { v -> String? in if case .string(let s) = v { s } else { nil } } ?? "error"))"
            findings[i].summary = "After this client's DNS lookup of \(name) \(what): " + f.summary
            findings[i].evidence["precededByDNS"] = .object(["qname": .string(name), "kind": .string(d.kind.rawValue),
                                                             "secondsBefore": .double(FlowFacts.ms(f.firstTime &- d.firstTime) / 1000)])
        }
    }

    /// One address asked for on the link (arp.*).
    public mutating func arpRecord(_ r: ARPRecord) {
        for k in names.kinds(r) where countInGroup(k, server: r.target) < thresholds.maxFindingsPerGroup {
            findings.append(names.finding(k, r))
        }
    }

    /// One IP datagram that arrived in fragments, completed or not.
    public mutating func fragmented(_ d: FragmentedDatagram) { fragments.add(d) }

    mutating func countCopies(_ n: UInt64, time: Int64, last: Int64, flow: FlowRef?) {
        copies += n
        copyFlows += 1
        copyFirst = min(copyFirst, time); copyLast = max(copyLast, last)
        if let flow, copyExamples.count < 5 { copyExamples.append(flow) }
    }

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
        if h.duplicateSYNs > 0 { countCopies(UInt64(h.duplicateSYNs), time: h.syns.firstTime, last: h.lastTime, flow: nil) }
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
        serviceStats[i].add(client: client, sentSYN: sentSYN, rtt: rtt, firstFrame: firstFrame, outcome: outcome, kinds: kinds)
        // Half-open: unanswered or unACKed, including attempts the capture ended too soon to judge.
        if outcome == .unanswered || outcome == .incomplete || (outcome == .pending && proto == .tcp) {
            if floods[i] == nil { floods[i] = FloodStats() }
            floods[i]!.add(client, time: firstTime)
        }
    }

    /// Where the capture sat, as most flows say.
    public var captureVantage: CaptureVantage { vantage.summary() }

    /// Causes that need the rest of the capture: whether the same host answered elsewhere, and
    /// with which TTL. Runs over the (capped) findings once, never per packet.
    func refineCauses(_ out: inout [Finding]) {
        refineDNSCauses(&out)
        guard out.contains(where: { $0.kind == .handshakeUnanswered || $0.kind == .handshakeRefused }) else { return }
        var answered: [String: [UInt16]] = [:], ttl: [String: UInt8] = [:]
        for (k, st) in zip(serviceKeys, serviceStats) where k.proto == .tcp && st.established > 0 {
            let a = k.address.description
            if answered[a, default: []].count < 16 { answered[a, default: []].append(k.port) }
            if st.serverTTL != 0 { ttl[a] = st.serverTTL }
        }
        for i in out.indices {
            guard let flow = out[i].flow else { continue }
            let addr = flow.server.ip
            let x = RuleInput(out[i])
            guard let at = x.places else { continue }
            switch out[i].kind {
            case .handshakeUnanswered:
                let ports = (answered[addr] ?? []).filter { Int($0) != flow.server.port }
                if !ports.isEmpty {
                    let list = ports.sorted().prefix(6).map { "\($0)" }.joined(separator: ", ")
                    out[i].causes.removeAll { $0.id.hasSuffix("/host-down") }
                    out[i].causes.insert(x.cause("port-filtered", "a filter drops port \(at.port) only: \(at.server) is up and answers on other ports", .high,
                                                 because: ["\(at.server) completed handshakes on port\(ports.count == 1 ? "" : "s") \(list) in this capture", out[i].causes.first?.because.first ?? out[i].summary],
                                                 checks: [at.firewall(on: at.onServer), at.listening(), at.traceroute()]), at: 0)
                }
            case .handshakeRefused:
                if flow.server.ip.contains(":"), let port = flow.server.port, let mac = out[i].evidence.string("clientMAC"),
                   let v4 = ipv4Established.first(where: { $0.mac.description == mac && Int($0.port) == port }) {
                    // Not on time alone: the same client host (its MAC), the same port, the other family, working.
                    out[i].causes.insert(x.cause("ipv4-only", "the service on port \(port) answers on IPv4 (\(v4.server)) but not on IPv6: it listens on IPv4 only, or the name's AAAA record points at the wrong host", .high,
                                                 because: ["the same client host (MAC \(mac)) completed handshakes with \(v4.server):\(port) over IPv4 in this capture", out[i].causes.first?.because.first ?? out[i].summary],
                                                 checks: [Check(on: "the server", run: "ss -lnt 'sport = :\(port)'"), Check(on: at.onClient, run: "getent ahosts <the service's name>")]), at: 0)
                    out[i].causes.removeAll { $0.id.hasSuffix("/reject-rule") && $0.confidence == .low }
                }
                guard let usual = ttl[addr], let rst = out[i].evidence.int("rstTTL") else {
                    out[i].causes = out[i].causes.ranked()
                    continue
                }
                let fact = "the RST came with TTL \(rst); \(at.server)'s packets on working connections arrive with \(usual)"
                if rst == Int(usual) {
                    for j in out[i].causes.indices where out[i].causes[j].id.hasSuffix("/no-listener") {
                        out[i].causes[j].confidence = .high; out[i].causes[j].because.append(fact + ": the same host answered")
                    }
                    for j in out[i].causes.indices where out[i].causes[j].id.hasSuffix("/reject-rule") {
                        out[i].causes[j].confidence = .low; out[i].causes[j].text = "\(at.server)'s own firewall rejects port \(at.port) with a TCP reset"
                        out[i].causes[j].because.append(fact)
                    }
                } else {
                    out[i].causes.removeAll { $0.id.hasSuffix("/no-listener") }
                    for j in out[i].causes.indices where out[i].causes[j].id.hasSuffix("/reject-rule") {
                        out[i].causes[j].confidence = .high; out[i].causes[j].because.append(fact + ": another device sent it")
                        out[i].causes[j].tellApart = nil
                    }
                }
                out[i].causes = out[i].causes.ranked()
            default:
                break
            }
        }
    }

    /// DNS causes that need the capture's other questions: another server answered the same client,
    /// a truncated answer was (or was not) asked again over TCP.
    func refineDNSCauses(_ out: inout [Finding]) {
        for i in out.indices where out[i].kind == .dnsUnanswered || out[i].kind == .dnsError || out[i].kind == .dnsSlow {
            guard let flow = out[i].flow, let client = flow.client?.ip else { continue }
            if out[i].kind == .dnsUnanswered {
                let others = dnsAnsweredBy.first { $0.key.description == client }?.value.map(\.description).filter { $0 != flow.server.ip } ?? []
                for j in out[i].causes.indices where out[i].causes[j].id.hasSuffix("/server-unreachable") || out[i].causes[j].id.hasSuffix("/server-dropped") {
                    if others.isEmpty {
                        out[i].causes[j].because.append("the client asked no other DNS server in this capture")
                    } else {
                        out[i].causes[j].confidence = .high
                        out[i].causes[j].because.append("other servers answered this client (\(others.prefix(3).joined(separator: ", "))): the fault is \(flow.server.ip), not the client's network")
                    }
                }
            }
            if out[i].evidence.bool("truncatedAnswer") == true, let qname = out[i].evidence.string("qname"),
               dnsOverTCP.contains(where: { $0.client.description == client && $0.server.description == flow.server.ip
                                               && String(decoding: $0.name, as: UTF8.self) == qname }) {
                out[i].causes.removeAll { $0.id.hasSuffix("/truncated-no-tcp") }
            }
        }
    }

    /// Closes the diagnosis: aggregate findings (SYN floods) and the services table.
    public func finish() -> (findings: [Finding], services: [ServiceSummary], flows: [FlowEntry], suppressed: [FindingKind: Int]) {
        var out = findings
        for (i, fl) in floods.enumerated() {
            guard let fl, fl.halfOpen >= thresholds.synFloodMinHalfOpen, fl.sourceCount >= thresholds.synFloodMinSources else { continue }
            out.append(fl.finding(serviceKeys[i]))
        }
        if copies > 0 {
            let examples: [EvidenceValue] = copyExamples.map { r in
                .string("\(r.client.map { "\($0.ip):\($0.port ?? 0)" } ?? "?") -> \(r.server.ip):\(r.server.port ?? 0)")
            }
            out.append(Finding(
                kind: .captureDuplicates, severity: .info,
                summary: "\(copies) TCP segment\(copies == 1 ? " was" : "s were") captured twice (identical segments milliseconds apart) in \(copyFlows) flow\(copyFlows == 1 ? "" : "s"): counted once, not as retransmissions",
                frames: [], firstTime: copyFirst, lastTime: copyLast,
                evidence: ["copies": .int(Int64(copies)), "flows": .int(Int64(copyFlows)), "examples": .array(examples)],
                filter: "tcp.analysis.retransmission", flow: nil))
        }
        if gapBytes > 0 {
            let examples: [EvidenceValue] = gapExamples.map { e in
                .object(["flow": .string("\(e.flow.client.map { "\($0.ip):\($0.port ?? 0)" } ?? "?") -> \(e.flow.server.ip):\(e.flow.server.port ?? 0)"),
                         "bytes": .int(Int64(e.bytes))])
            }
            out.append(Finding(
                kind: .captureGap, severity: .warning,
                summary: "The capture is missing \(gapBytes) byte\(gapBytes == 1 ? "" : "s") of TCP data in \(gapFlows) flow\(gapFlows == 1 ? "" : "s") that the receivers acknowledged: packets the capture did not record, not network loss",
                frames: [], firstTime: gapFirst, lastTime: gapLast,
                evidence: ["bytes": .int(Int64(gapBytes)), "flows": .int(Int64(gapFlows)), "gaps": .int(Int64(gapEvents)),
                           "largest": .array(examples)],
                filter: "tcp.analysis.ack_lost_segment", flow: nil))
        }
        if offloadSegments > 0 {
            let examples: [EvidenceValue] = offloadExamples.map { r in
                .string("\(r.client.map { "\($0.ip):\($0.port ?? 0)" } ?? "?") -> \(r.server.ip):\(r.server.port ?? 0)")
            }
            out.append(Finding(
                kind: .captureOffload, severity: .info,
                summary: "\(offloadSegments) TCP segment\(offloadSegments == 1 ? "" : "s") of up to \(offloadLargest) bytes of payload in \(offloadFlows) flow\(offloadFlows == 1 ? "" : "s") are larger than the MSS and any link: the capture host's segmentation or receive offload (TSO/GSO/GRO) merged them, so sizes here are not what crossed the wire",
                frames: [], firstTime: offloadFirst, lastTime: offloadLast,
                evidence: ["segments": .int(Int64(offloadSegments)), "largestPayload": .int(Int64(offloadLargest)),
                           "flows": .int(Int64(offloadFlows)), "examples": .array(examples)],
                filter: "tcp.len > 1460", flow: nil))
        }
        let frag = fragments.findings(maxSets: fragmentSetCap, cap: thresholds.maxFindingsPerGroup)
        out += frag.findings
        for i in out.indices where out[i].causes.isEmpty { CauseRules.diagnose(&out[i]) }
        refineCauses(&out)
        Self.correlateDNS(&out)
        // Findings counted but not kept, by kind: what each (kind, server) group had over the cap.
        var groups = perGroup
        if let lg = lastGroup { groups[lg] = lastGroupCount }
        var suppressed: [FindingKind: Int] = frag.suppressed
        for (g, n) in groups where n > thresholds.maxFindingsPerGroup { suppressed[g.kind, default: 0] += n - thresholds.maxFindingsPerGroup }
        let table = zip(serviceKeys, serviceStats).map { ServiceSummary(key: $0, stats: $1) }
            .sorted { ($0.failureScore, $0.attempts, $1.endpoint) > ($1.failureScore, $1.attempts, $0.endpoint) }
        return (out, table, flowEntries, suppressed)
    }
}

public struct ServiceKey: Hashable, Sendable {
    public var proto: IPProtocol
    public var transport: String { proto == .tcp ? "tcp" : (proto == .udp ? "udp" : "ip-\(proto.rawValue)") }
    public var address: IPAddress
    public var port: UInt16
}

/// Per server endpoint counters.
struct ServiceStats: Sendable {
    var flows = 0, attempts = 0, established = 0
    /// Counts by HandshakeOutcome.ordinal.
    var failed = [Int](repeating: 0, count: HandshakeOutcome.allCases.count)
    var slow = 0
    /// The TTL the server's packets arrive with on established connections (0: none yet).
    var serverTTL: UInt8 = 0
    var resets: [String: Int] = [:]
    var rtts: [Int64] = []
    var clients = Set<IPAddress>()
    /// TCP data segments both ways, and those sent again (flowdoctor's classification).
    var dataSegments: UInt64 = 0
    var retransmissions: UInt64 = 0
    /// The smallest path MTU learnt for flows to this service (router messages).
    var pathMTU: Int?
    /// TLS handshakes to this service: completed, failed, versions in use and names asked for.
    var tlsHandshakes = 0, tlsCompleted = 0, tlsFailed = 0
    var tlsVersions: [String: Int] = [:]
    var tlsNames = Set<String>()
    static let maxNames = 32
    /// DNS questions to this server, those answered, and how long answers took.
    var dnsQueries = 0, dnsAnswered = 0, dnsTruncated = 0
    var dnsLatencies: [Int64] = []
    static let maxSamples = 4096
    static let maxClients = 4096

    mutating func add(client: IPAddress, sentSYN: Bool, rtt: Int64?, firstFrame: UInt64, outcome: HandshakeOutcome,
                      kinds: FlowKinds) {
        flows += 1
        if clients.count < Self.maxClients { clients.insert(client) }
        if sentSYN { attempts += 1 }
        switch outcome {
        case .established: if sentSYN { established += 1 }
        case .unanswered, .refused, .unreachable, .incomplete: failed[outcome.ordinal] += 1
        default: break
        }
        if let rtt, outcome == .established {
            if rtts.count < Self.maxSamples { rtts.append(rtt) }
            else { rtts[Int(truncatingIfNeeded: firstFrame) % Self.maxSamples] = rtt }
        }
        kinds.forEach { k in
            switch k {
            case .handshakeSlow: slow += 1
            case .resetAbort, .resetMiddlebox, .resetAfterIdle, .resetAfterClose: resets[k.rawValue, default: 0] += 1
            default: break
            }
        }
    }
}

/// One row of the services table (DESIGN.md §4).
public struct ServiceSummary: Codable, Sendable {
    public var transport: String
    public var ip: String
    public var port: Int
    public var endpoint: String
    public var flows: Int
    public var clients: Int
    public var attempts: Int
    public var established: Int
    public var failed: [String: Int]
    public var slowHandshakes: Int
    public var handshakeRTTms: RTT?
    public var resets: [String: Int]
    /// Data segments (both directions, TCP) and the share of them that were retransmissions.
    public var dataSegments: UInt64
    public var retransmissions: UInt64
    public var retransmissionRatePercent: Double?
    /// The smallest path MTU routers reported for flows to this service.
    public var pathMTU: Int?
    public var tls: TLS?
    public var dns: DNS?

    /// DNS questions to this server: how many got an answer, and how fast.
    public struct DNS: Codable, Sendable {
        public var queries: Int
        public var answered: Int
        public var answerRatePercent: Double
        public var latencyMs: RTT?
        /// Answers with TC set: too big for UDP (the client should have retried over TCP).
        public var truncatedAnswers: Int
    }

    /// TLS to this service: handshakes completed and failed, versions in use, names asked for.
    public struct TLS: Codable, Sendable {
        public var handshakes: Int
        public var completed: Int
        public var failed: Int
        public var versions: [String: Int]
        public var serverNames: [String]
    }

    public struct RTT: Codable, Sendable { public var p50: Double; public var p95: Double; public var samples: Int }

    init(key: ServiceKey, stats s: ServiceStats) {
        transport = key.transport
        ip = key.address.description
        port = Int(key.port)
        endpoint = FlowFacts.endpoint(key.address, key.port)
        flows = s.flows
        clients = s.clients.count
        attempts = s.attempts
        established = s.established
        var failed: [String: Int] = [:]
        for o in HandshakeOutcome.allCases where s.failed[o.ordinal] > 0 { failed[o.rawValue] = s.failed[o.ordinal] }
        self.failed = failed
        slowHandshakes = s.slow
        resets = s.resets
        dataSegments = s.dataSegments
        retransmissions = s.retransmissions
        pathMTU = s.pathMTU
        if s.dnsQueries > 0 {
            var latency: RTT?
            if !s.dnsLatencies.isEmpty {
                let sorted = s.dnsLatencies.sorted()
                func pct(_ p: Double) -> Double { FlowFacts.ms(sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]) }
                latency = RTT(p50: pct(0.5), p95: pct(0.95), samples: sorted.count)
            }
            dns = DNS(queries: s.dnsQueries, answered: s.dnsAnswered,
                      answerRatePercent: (Double(s.dnsAnswered) / Double(s.dnsQueries) * 10_000).rounded() / 100, latencyMs: latency,
                      truncatedAnswers: s.dnsTruncated)
        }
        if s.tlsHandshakes > 0 {
            tls = TLS(handshakes: s.tlsHandshakes, completed: s.tlsCompleted, failed: s.tlsFailed, versions: s.tlsVersions,
                      serverNames: s.tlsNames.sorted())
        }
        if s.dataSegments > 0 {
            retransmissionRatePercent = (Double(s.retransmissions) / Double(s.dataSegments) * 10_000).rounded() / 100
        }
        if !s.rtts.isEmpty {
            let sorted = s.rtts.sorted()
            func pct(_ p: Double) -> Double { FlowFacts.ms(sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]) }
            handshakeRTTms = RTT(p50: pct(0.5), p95: pct(0.95), samples: sorted.count)
        }
    }

    /// Failed attempts first, then resets: the order a person reads the table in.
    public var failureScore: Int { failed.values.reduce(0, +) * 1000 + resets.values.reduce(0, +) * 10 + slowHandshakes }
}

/// One flow in the report, with Zeek's conn_state and history for cross-checking.
public struct FlowEntry: Codable, Sendable {
    public var transport: String
    public var client: Endpoint
    public var server: Endpoint
    public var connState: String
    public var history: String
    /// The history reached its 24-letter cap and later letters were dropped.
    public var historyTruncated: Bool
    public var outcome: String
    public var firstFrame: UInt64
    public var lastFrame: UInt64
    public var firstTime: Int64
    public var lastTime: Int64
    public var clientPackets: UInt32
    public var serverPackets: UInt32
    public var clientBytes: UInt64
    public var serverBytes: UInt64
    public var handshakeRTTms: Double?
    public var roleGuessed: Bool
    public var findings: [String]
    /// Wireshark-compatible counters, both directions (tshark's tcp.analysis.* filters).
    public var counters: WiresharkCounters
    /// Bytes both sides acknowledged that the capture never saw (Zeek's missed_bytes).
    public var missedBytes: UInt64
    /// The MSS each side announced in its SYN (absent: no SYN seen, or no MSS option in it).
    public var clientMSS: Int?
    public var serverMSS: Int?
    /// The path MTU a router reported for this flow (a valid fragmentation-needed / packet-too-big).
    public var pathMTU: Int?
    /// A black hole's upper bound: packets this large did not get through.
    public var pathMTUBelow: Int?
    /// The tunnel the flow was carried in, and the bytes it adds per packet.
    public var tunnel: String?
    public var tunnelOverhead: Int?
    /// The TLS handshake, when the flow carried one.
    public var tls: TLSEntry?
    /// Retransmissions (both sides, flowdoctor's count) by time since the flow began: 16 doubling
    /// buckets, the first the first 10 ms, then up to 20, 40… ms; absent when there were none.
    public var retransmissionTimeline: [Int]?

    public struct TLSEntry: Codable, Sendable {
        public var version: String?
        public var offeredVersion: String
        public var sni: String?
        public var alpn: String?
        public var cipherSuite: String?
        public var completed: Bool
        public var stage: String
        /// Every alert record seen, as "client|server: name" ("encrypted" when it was).
        public var alerts: [String]
        public var certificates: Int
    }

    init(_ f: Flow, outcome: HandshakeOutcome, findings: [FindingKind]) {
        let r = FlowFacts.ref(f)
        transport = r.transport
        client = r.client!
        server = r.server
        connState = f.connState
        history = f.history.string
        historyTruncated = f.history.truncated
        self.outcome = outcome.rawValue
        firstFrame = f.firstFrame; lastFrame = f.lastFrame; firstTime = f.firstTime; lastTime = f.lastTime
        clientPackets = f.client.packets; serverPackets = f.server.packets
        clientBytes = f.client.payloadBytes; serverBytes = f.server.payloadBytes
        handshakeRTTms = f.handshakeRTT.map(FlowFacts.ms)
        roleGuessed = f.roleGuessed
        self.findings = findings.map(\.rawValue)
        counters = WiresharkCounters(f)
        missedBytes = f.client.loss.missedBytes &+ f.server.loss.missedBytes
        clientMSS = f.client.mss.map(Int.init)
        serverMSS = f.server.mss.map(Int.init)
        pathMTU = f.pathMTU.flatMap { $0.suspicion.isEmpty ? Int($0.mtu) : nil }
        pathMTUBelow = MTUDetector.blackholeBound(f)
        tunnel = f.tunnelKind?.name
        tunnelOverhead = f.tunnelKind == nil ? nil : Int(f.tunnelOverhead)
        if f.client.loss.retransmissions &+ f.server.loss.retransmissions > 0 {
            retransmissionTimeline = (0..<16).map { Int(f.client.loss.timeline[$0]) + Int(f.server.loss.timeline[$0]) }
        }
        if let t = f.tls.first, t.sawClientHello || t.sawServerHello || !t.alerts.isEmpty {
            tls = TLSEntry(version: t.sawServerHello ? TLSNames.version(t.selectedVersion) : nil,
                           offeredVersion: TLSNames.version(t.offeredVersion),
                           sni: t.serverName.isEmpty ? nil : String(decoding: t.serverName, as: UTF8.self),
                           alpn: t.alpn.isEmpty ? nil : String(decoding: t.alpn, as: UTF8.self),
                           cipherSuite: t.sawServerHello ? (TLSNames.cipherSuite(t.cipherSuite) ?? String(format4hex: t.cipherSuite)) : nil,
                           completed: t.completed, stage: t.stage.name,
                           alerts: t.alerts.map { "\($0.fromClient ? "client" : "server"): \($0.description.map { TLSNames.alert($0) } ?? "encrypted")" },
                           certificates: t.certificates.count)
        }
    }
}

/// What tshark's tcp.analysis.* display filters match in one flow, under Wireshark's names and
/// definitions (reference/detection-rules.md §1.2), so a user can check us with the tool they trust.
public struct WiresharkCounters: Codable, Sendable, Equatable {
    public var retransmission: UInt32
    public var fastRetransmission: UInt32
    public var spuriousRetransmission: UInt32
    public var outOfOrder: UInt32
    public var lostSegment: UInt32
    public var ackLostSegment: UInt32
    public var duplicateAck: UInt32
    public var zeroWindow: UInt32
    public var windowFull: UInt32
    public var keepAlive: UInt32

    enum CodingKeys: String, CodingKey {
        case retransmission, fastRetransmission = "fast_retransmission", spuriousRetransmission = "spurious_retransmission"
        case outOfOrder = "out_of_order", lostSegment = "lost_segment", ackLostSegment = "ack_lost_segment"
        case duplicateAck = "duplicate_ack", zeroWindow = "zero_window", windowFull = "window_full", keepAlive = "keep_alive"
    }

    init(_ f: Flow) {
        let c = f.client, s = f.server
        retransmission = c.retransmissions &+ s.retransmissions
        fastRetransmission = c.fastRetransmissions &+ s.fastRetransmissions
        spuriousRetransmission = c.spuriousRetransmissions &+ s.spuriousRetransmissions
        outOfOrder = c.outOfOrder &+ s.outOfOrder
        lostSegment = c.lostSegments &+ s.lostSegments
        ackLostSegment = c.ackLostSegments &+ s.ackLostSegments
        duplicateAck = c.duplicateAcks &+ s.duplicateAcks
        zeroWindow = c.zeroWindowAds &+ s.zeroWindowAds
        windowFull = c.windowFull &+ s.windowFull
        keepAlive = c.keepAlives &+ s.keepAlives
    }

    /// The counter tshark's `tcp.analysis.<name>` filter corresponds to.
    public subscript(name: String) -> UInt32? {
        switch name {
        case "retransmission": retransmission
        case "fast_retransmission": fastRetransmission
        case "spurious_retransmission": spuriousRetransmission
        case "out_of_order": outOfOrder
        case "lost_segment": lostSegment
        case "ack_lost_segment": ackLostSegment
        case "duplicate_ack": duplicateAck
        case "zero_window": zeroWindow
        case "window_full": windowFull
        case "keep_alive": keepAlive
        default: nil
        }
    }

    public static let names = ["retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
                               "lost_segment", "ack_lost_segment", "duplicate_ack", "zero_window", "window_full", "keep_alive"]
}
