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
    /// Half-open attempts per service, parallel to `serviceStats` (nil until the first one).
    var floods: [FloodStats?] = []
    /// TCP segments the capture saw twice (SYN copies and data copies), and where.
    var copies: UInt64 = 0
    var copyFlows = 0
    var copyExamples: [FlowRef] = []
    var copyFirst: Int64 = .max
    var copyLast: Int64 = .min

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
    }

    /// One finalised flow; `now` is the capture time at which it was finalised.
    public mutating func flowEnded(_ f: Flow, asOf now: Int64) {
        flowCount += 1
        let outcome = handshake.outcome(f, asOf: now)
        var kinds = handshake.kinds(f, outcome: outcome)
        let resetKind = resets.kind(f, outcome: outcome)
        if let k = resetKind { kinds.append(k) }
        let windowKind = windows.kind(f)
        if let k = windowKind { kinds.append(k) }
        if let k = retransmissions.kind(f) { kinds.append(k) }
        if let k = reordering.kind(f) { kinds.append(k) }
        if let k = stalls.kind(f, asOf: now, zeroWindowReported: windowKind != nil) { kinds.append(k) }
        // Findings are built only while their group is under the cap: a flood costs counters.
        kinds.forEach { k in
            guard countInGroup(k, server: f.serverAddress) < thresholds.maxFindingsPerGroup else { return }
            switch k {
            case resetKind: findings.append(resets.finding(k, f))
            case .zeroWindow: findings.append(windows.finding(f))
            case .retransmissions: findings.append(retransmissions.finding(f))
            case .outOfOrder: findings.append(reordering.finding(f))
            case .stall: findings.append(stalls.finding(f, asOf: now))
            default: findings.append(handshake.finding(k, f))
            }
        }
        account(f, outcome: outcome, kinds: kinds)
        let c = UInt64(f.client.captureCopies) + UInt64(f.server.captureCopies) + UInt64(f.duplicateSYNs)
        if c > 0 { countCopies(c, time: f.firstTime, last: f.lastTime, flow: FlowFacts.ref(f)) }
        if flowEntries.count < thresholds.maxReportedFlows {
            flowEntries.append(FlowEntry(f, outcome: outcome, findings: kinds.array))
        } else {
            flowsOmitted += 1
        }
    }

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
                outcome: outcome, kinds: kinds)
    }

    mutating func account(proto: IPProtocol, server: IPAddress, port: UInt16, client: IPAddress, sentSYN: Bool, rtt: Int64?,
                          firstFrame: UInt64, firstTime: Int64, outcome: HandshakeOutcome, kinds: FlowKinds) {
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
        serviceStats[i].add(client: client, sentSYN: sentSYN, rtt: rtt, firstFrame: firstFrame, outcome: outcome, kinds: kinds)
        // Half-open: unanswered or unACKed, including attempts the capture ended too soon to judge.
        if outcome == .unanswered || outcome == .incomplete || (outcome == .pending && proto == .tcp) {
            if floods[i] == nil { floods[i] = FloodStats() }
            floods[i]!.add(client, time: firstTime)
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
                causes: FindingKind.captureDuplicates.info.causes, checks: FindingKind.captureDuplicates.info.checks,
                filter: "tcp.analysis.retransmission", flow: nil))
        }
        // Findings counted but not kept, by kind: what each (kind, server) group had over the cap.
        var groups = perGroup
        if let lg = lastGroup { groups[lg] = lastGroupCount }
        var suppressed: [FindingKind: Int] = [:]
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
    var resets: [String: Int] = [:]
    var rtts: [Int64] = []
    var clients = Set<IPAddress>()
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
    public var zeroWindow: UInt32
    public var retransmission: UInt32
    public var fastRetransmission: UInt32
    public var spuriousRetransmission: UInt32
    public var outOfOrder: UInt32
    public var duplicateAck: UInt32
    public var lostSegment: UInt32

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
        zeroWindow = f.client.zeroWindowAds &+ f.server.zeroWindowAds
        retransmission = f.client.retransmissions &+ f.server.retransmissions
        fastRetransmission = f.client.fastRetransmissions &+ f.server.fastRetransmissions
        spuriousRetransmission = f.client.spuriousRetransmissions &+ f.server.spuriousRetransmissions
        outOfOrder = f.client.outOfOrder &+ f.server.outOfOrder
        duplicateAck = f.client.duplicateAcks &+ f.server.duplicateAcks
        lostSegment = f.client.lostSegments &+ f.server.lostSegments
    }
}
