import FlowAnalysis
import PacketDecoding

/// The services table (DESIGN.md §5): per server endpoint counters while flows end, and the rows
/// the report prints.

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
    /// Of them, the clients' (a scanner sends none; a server's banner is the server's).
    var clientDataSegments: UInt64 = 0
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

    /// The first flow's frame and the flows' first and last start times.
    var firstFrame = UInt64.max
    var firstTime = Int64.max, lastTime = Int64.min

    mutating func add(client: IPAddress, sentSYN: Bool, rtt: Int64?, firstFrame: UInt64, firstTime: Int64, outcome: HandshakeOutcome,
                      kinds: FlowKinds) {
        flows += 1
        self.firstFrame = min(self.firstFrame, firstFrame)
        self.firstTime = min(self.firstTime, firstTime); lastTime = max(lastTime, firstTime)
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
