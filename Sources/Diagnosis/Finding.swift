import PacketDecoding

public enum Severity: String, Codable, Sendable, Comparable, CaseIterable {
    case info, warning, error
    var rank: Int { switch self { case .info: 0; case .warning: 1; case .error: 2 } }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// Permanent finding IDs (DESIGN.md §3). Never rename one; only add.
public enum FindingKind: String, Codable, Sendable, CaseIterable {
    case handshakeUnanswered = "tcp.handshake.unanswered"
    case handshakeRefused = "tcp.handshake.refused"
    case handshakeUnreachable = "tcp.handshake.unreachable"
    case handshakeIncomplete = "tcp.handshake.incomplete"
    case handshakeSlow = "tcp.handshake.slow"
    case handshakeInvalid = "tcp.handshake.invalid"
    case synFlood = "tcp.syn-flood"
    case resetAbort = "tcp.reset.abort"
    case resetMiddlebox = "tcp.reset.middlebox"
    case resetAfterIdle = "tcp.reset.after-idle"
    case resetAfterClose = "tcp.reset.after-close"
    case retransmissions = "tcp.retransmissions"
    case stall = "tcp.stall"
    case zeroWindow = "tcp.zero-window"
    case outOfOrder = "tcp.out-of-order"
    case captureGap = "capture.gap"
    case captureDuplicates = "capture.duplicates"
    case captureDropped = "capture.dropped"
    case captureTruncated = "capture.truncated"
    case captureOffload = "capture.offload"
    case fragNeeded = "mtu.frag-needed"
    case fragNeededIgnored = "mtu.frag-needed-ignored"
    case blackhole = "mtu.blackhole"
    case mssExceeded = "mtu.mss-exceeded"
    case ipFragmented = "ip.fragmented"
    case fragmentsIncomplete = "ip.fragments.incomplete"
    case fragmentsOverlap = "ip.fragments.overlap"
    case fragmentsAnomaly = "ip.fragments.anomaly"
    case tlsAlert = "tls.alert"
    case tlsAborted = "tls.handshake.aborted"
    case tlsSlow = "tls.handshake.slow"
    case certificateExpired = "tls.certificate.expired"
    case certificateNotYetValid = "tls.certificate.not-yet-valid"
    case certificateNameMismatch = "tls.certificate.name-mismatch"
    case certificateSelfSigned = "tls.certificate.self-signed"
    case certificateChainIncomplete = "tls.certificate.chain-incomplete"
    case tlsVersionDeprecated = "tls.version.deprecated"
    case icmpUnreachable = "icmp.unreachable"
    case icmpTTLExceeded = "icmp.ttl-exceeded"
    case dnsUnanswered = "dns.unanswered"
    case dnsError = "dns.error"
    case dnsSlow = "dns.slow"
    case arpUnanswered = "arp.unanswered"
    case arpConflict = "arp.conflict"
    case decodeMalformed = "decode.malformed"
    case portScan = "scan.ports"
    case hostSweep = "scan.hosts"
    case arpSweep = "scan.arp"
}

/// A small JSON value for structured evidence, encoded as plain JSON (not Swift's enum shape).
public enum EvidenceValue: Sendable, Equatable, Codable {
    case int(Int64), double(Double), string(String), bool(Bool)
    case array([EvidenceValue]), object([String: EvidenceValue])

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        case .array(let v): try c.encode(v)
        case .object(let v): try c.encode(v)
        }
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Int64.self) { self = .int(v) }
        else if let v = try? c.decode(Double.self) { self = .double(v) }
        else if let v = try? c.decode(String.self) { self = .string(v) }
        else if let v = try? c.decode([EvidenceValue].self) { self = .array(v) }
        else { self = .object(try c.decode([String: EvidenceValue].self)) }
    }
}

public struct Endpoint: Codable, Sendable, Equatable {
    public var ip: String
    public var port: Int?
    public init(ip: String, port: Int?) { self.ip = ip; self.port = port }
}

public struct FlowRef: Codable, Sendable, Equatable {
    public var transport: String
    public var client: Endpoint?
    public var server: Endpoint
    public init(transport: String, client: Endpoint?, server: Endpoint) {
        self.transport = transport; self.client = client; self.server = server
    }
}

/// One diagnosis (DESIGN.md §4).
public struct Finding: Codable, Sendable, Equatable {
    public var kind: FindingKind
    public var severity: Severity
    public var summary: String
    /// 1-based frame numbers, as Wireshark counts them.
    public var frames: [UInt64]
    /// Nanoseconds since the epoch.
    public var firstTime: Int64
    public var lastTime: Int64
    public var evidence: [String: EvidenceValue]
    /// Ranked, most likely first; each says why (Cause.swift). Filled by the family's rules.
    public var causes: [Cause]
    /// Every check of every cause, first cause first, once each.
    public var checks: [String] {
        var seen = Set<String>(), out: [String] = []
        for c in causes { for k in c.checks where seen.insert(k.text).inserted { out.append(k.text) } }
        return out
    }
    /// Where the capture sat for this flow (client, server, path, link, router), when known.
    public var vantage: String?
    /// The evidence, typed, for the families that have it (what the cause rules read); not in the
    /// JSON, which prints `evidence`, made from it.
    public var facts: FindingFacts?
    /// "f1", "f2"… in the report's order, and the incident it belongs to ("i1"…): set when the
    /// report is assembled (Incidents.swift).
    public var id: String?
    public var incident: String?
    /// A Wireshark display filter that shows the flow or packets concerned.
    public var filter: String
    /// nil for capture-wide findings.
    public var flow: FlowRef?

    enum CodingKeys: String, CodingKey {
        case id, incident, kind, severity, summary, frames, firstTime, lastTime, evidence, causes, checks, vantage, filter, flow
    }

    public init(from d: any Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        incident = try c.decodeIfPresent(String.self, forKey: .incident)
        kind = try c.decode(FindingKind.self, forKey: .kind)
        severity = try c.decode(Severity.self, forKey: .severity)
        summary = try c.decode(String.self, forKey: .summary)
        frames = try c.decode([UInt64].self, forKey: .frames)
        firstTime = try c.decode(Int64.self, forKey: .firstTime)
        lastTime = try c.decode(Int64.self, forKey: .lastTime)
        evidence = try c.decode([String: EvidenceValue].self, forKey: .evidence)
        causes = try c.decode([Cause].self, forKey: .causes)
        vantage = try c.decodeIfPresent(String.self, forKey: .vantage)
        filter = try c.decode(String.self, forKey: .filter)
        flow = try c.decodeIfPresent(FlowRef.self, forKey: .flow)
    }

    /// `checks` is written too: it is derived, but readers of the JSON want the flat list.
    public func encode(to e: any Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encodeIfPresent(incident, forKey: .incident)
        try c.encode(kind, forKey: .kind)
        try c.encode(severity, forKey: .severity)
        try c.encode(summary, forKey: .summary)
        try c.encode(frames, forKey: .frames)
        try c.encode(firstTime, forKey: .firstTime)
        try c.encode(lastTime, forKey: .lastTime)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(causes, forKey: .causes)
        try c.encode(checks, forKey: .checks)
        try c.encodeIfPresent(vantage, forKey: .vantage)
        try c.encode(filter, forKey: .filter)
        try c.encodeIfPresent(flow, forKey: .flow)
    }

    /// With typed evidence: the JSON `evidence` object is made from it.
    public init(kind: FindingKind, severity: Severity, summary: String, frames: [UInt64], firstTime: Int64,
                lastTime: Int64, facts: FindingFacts, filter: String, flow: FlowRef?) {
        self.init(kind: kind, severity: severity, summary: summary, frames: frames, firstTime: firstTime, lastTime: lastTime,
                  evidence: facts.json, facts: facts, filter: filter, flow: flow)
    }

    public init(kind: FindingKind, severity: Severity, summary: String, frames: [UInt64], firstTime: Int64,
                lastTime: Int64, evidence: [String: EvidenceValue], facts: FindingFacts? = nil, causes: [Cause] = [],
                filter: String, flow: FlowRef?) {
        self.kind = kind; self.severity = severity; self.summary = summary; self.frames = frames
        self.firstTime = firstTime; self.lastTime = lastTime; self.evidence = evidence
        self.facts = facts; self.causes = causes; self.filter = filter; self.flow = flow
    }
}

