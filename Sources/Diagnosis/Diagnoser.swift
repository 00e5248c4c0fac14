import FlowAnalysis
import PacketDecoding

/// Turns finalised flows into findings, the services summary and flow entries. Keeps only
/// bounded state: capped findings per (kind, server), capped services and flows.
public struct Diagnoser: Sendable {
    public let thresholds: Thresholds
    let handshake: HandshakeDetector
    let resets: ResetDetector
    public private(set) var findings: [Finding] = []
    /// Findings counted but not kept, by kind (caps per kind and server address).
    public private(set) var suppressed: [FindingKind: Int] = [:]
    var perGroup: [GroupKey: Int] = [:]
    var services: [ServiceKey: ServiceStats] = [:]
    public private(set) var servicesOmitted = 0
    public private(set) var flowEntries: [FlowEntry] = []
    public private(set) var flowsOmitted = 0
    public private(set) var flowCount = 0
    var floods: [ServiceKey: FloodStats] = [:]

    static let maxServices = 65_536

    /// Caps apply per kind and server address, so a port scan is not hundreds of lines either.
    struct GroupKey: Hashable { var kind: FindingKind; var server: IPAddress }

    public init(thresholds: Thresholds = Thresholds()) {
        self.thresholds = thresholds
        handshake = HandshakeDetector(thresholds: thresholds)
        resets = ResetDetector(thresholds: thresholds)
    }

    /// One finalised flow; `now` is the capture time at which it was finalised.
    public mutating func flowEnded(_ f: Flow, asOf now: Int64) {
        flowCount += 1
        let outcome = handshake.outcome(f, asOf: now)
        var made = handshake.findings(f, outcome: outcome)
        made += resets.findings(f, outcome: outcome)
        for x in made { keep(x, server: f.serverAddress, port: f.serverPort) }
        account(f, outcome: outcome, findings: made)
        if flowEntries.count < thresholds.maxReportedFlows {
            flowEntries.append(FlowEntry(f, outcome: outcome, findings: made.map(\.kind)))
        } else {
            flowsOmitted += 1
        }
    }

    mutating func keep(_ x: Finding, server: IPAddress, port: UInt16) {
        let g = GroupKey(kind: x.kind, server: server)
        let n = perGroup[g, default: 0]
        perGroup[g] = n + 1
        if n < thresholds.maxFindingsPerGroup { findings.append(x) } else { suppressed[x.kind, default: 0] += 1 }
    }

    mutating func account(_ f: Flow, outcome: HandshakeOutcome, findings made: [Finding]) {
        let key = ServiceKey(transport: f.isTCP ? "tcp" : (f.key.proto == .udp ? "udp" : "ip"), address: f.serverAddress, port: f.serverPort)
        if services[key] == nil && services.count >= Self.maxServices { servicesOmitted += 1; return }
        services[key, default: ServiceStats()].add(f, outcome: outcome, findings: made)
        // Half-open: unanswered or unACKed, including attempts the capture ended too soon to judge.
        if outcome == .unanswered || outcome == .incomplete || (outcome == .pending && f.isTCP) {
            floods[key, default: FloodStats()].add(f.clientAddress, time: f.firstTime)
        }
    }

    /// Closes the diagnosis: aggregate findings (SYN floods) and the services table.
    public func finish() -> (findings: [Finding], services: [ServiceSummary], flows: [FlowEntry], suppressed: [FindingKind: Int]) {
        var out = findings
        for (k, fl) in floods where fl.halfOpen >= thresholds.synFloodMinHalfOpen && fl.sourceCount >= thresholds.synFloodMinSources {
            out.append(fl.finding(k))
        }
        let table = services.map { ServiceSummary(key: $0.key, stats: $0.value) }
            .sorted { ($0.failureScore, $0.attempts, $1.endpoint) > ($1.failureScore, $1.attempts, $0.endpoint) }
        return (out, table, flowEntries, suppressed)
    }
}

public struct ServiceKey: Hashable, Sendable {
    public var transport: String
    public var address: IPAddress
    public var port: UInt16
}

/// Per server endpoint counters.
struct ServiceStats: Sendable {
    var flows = 0, attempts = 0, established = 0
    var failed: [HandshakeOutcome: Int] = [:]
    var slow = 0
    var resets: [String: Int] = [:]
    var rtts: [Int64] = []
    var clients = Set<IPAddress>()
    static let maxSamples = 4096
    static let maxClients = 4096

    mutating func add(_ f: Flow, outcome: HandshakeOutcome, findings: [Finding]) {
        flows += 1
        if clients.count < Self.maxClients { clients.insert(f.clientAddress) }
        if f.client.sentSYN { attempts += 1 }
        switch outcome {
        case .established: if f.client.sentSYN { established += 1 }
        case .unanswered, .refused, .unreachable, .incomplete: failed[outcome, default: 0] += 1
        default: break
        }
        if let rtt = f.handshakeRTT, outcome == .established {
            if rtts.count < Self.maxSamples { rtts.append(rtt) }
            else { rtts[Int(truncatingIfNeeded: f.firstFrame) % Self.maxSamples] = rtt }
        }
        for x in findings {
            switch x.kind {
            case .handshakeSlow: slow += 1
            case .resetAbort, .resetMiddlebox, .resetAfterIdle, .resetAfterClose: resets[x.kind.rawValue, default: 0] += 1
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
        failed = Dictionary(uniqueKeysWithValues: s.failed.map { ($0.key.rawValue, $0.value) })
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

    init(_ f: Flow, outcome: HandshakeOutcome, findings: [FindingKind]) {
        let r = FlowFacts.ref(f)
        transport = r.transport
        client = r.client!
        server = r.server
        connState = f.connState
        history = f.history.string
        self.outcome = outcome.rawValue
        firstFrame = f.firstFrame; lastFrame = f.lastFrame; firstTime = f.firstTime; lastTime = f.lastTime
        clientPackets = f.client.packets; serverPackets = f.server.packets
        clientBytes = f.client.payloadBytes; serverBytes = f.server.payloadBytes
        handshakeRTTms = f.handshakeRTT.map(FlowFacts.ms)
        roleGuessed = f.roleGuessed
        self.findings = findings.map(\.rawValue)
    }
}
