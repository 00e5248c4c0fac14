import FlowAnalysis
import PacketDecoding

/// The report's per-flow entries, with Zeek's and Wireshark's names so users can cross-check.

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
