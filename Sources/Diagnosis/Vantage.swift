import FlowAnalysis
import PacketDecoding

/// Where the capture sat, per flow and for the whole capture (DESIGN.md §4): read from TTL / hop
/// limit against the usual initial values (a sender's own packets leave with 64, 128 or 255
/// untouched), from how the handshake's delay splits (SYN→SYN-ACK against SYN-ACK→ACK), and from
/// packets seen twice one hop apart (a router capturing on both of its interfaces).
public enum VantagePoint: String, Codable, Sendable, CaseIterable {
    /// On the client host (or its link): its packets undecremented, the server's a few hops down.
    case client
    /// On the server host (or its link).
    case server
    /// Between them, hops away from both.
    case path
    /// On one link with both ends (no router between them): a SPAN port, a switch, a shared LAN.
    case link
    /// On a router, seeing each forwarded packet on the way in and on the way out.
    case router
    case unknown

    /// Its place in `allCases`, without building that array (the tally runs per flow).
    var index: Int {
        switch self {
        case .client: 0
        case .server: 1
        case .path: 2
        case .link: 3
        case .router: 4
        case .unknown: 5
        }
    }
}

public struct FlowVantage: Sendable, Equatable {
    public var point: VantagePoint
    /// Hops each side's packets had crossed before the capture saw them (from the initial TTL).
    public var clientHops: Int?
    public var serverHops: Int?
    /// SYN→SYN-ACK as a share of the handshake's round trip, when it says something.
    public var split: Double?

    /// The usual initial TTLs; a TTL is taken to have started at the smallest one above it.
    static func hops(_ ttl: UInt8) -> Int {
        for start in [32, 64, 128, 255] where Int(ttl) <= start { return start - Int(ttl) }
        return 0
    }

    /// Per flow, without building any text (the capture-wide tally judges every flow).
    public init(_ f: Flow) {
        // A side that sent only a RST (a refusal) is judged by that RST.
        let rst = f.reset.map { (role: $0.sender, hops: Self.hops($0.ttl)) }
        let ch = f.client.ttlPackets > 0 ? Self.hops(f.client.ttlMax) : (rst?.role == .client ? rst?.hops : nil)
        let sh = f.server.ttlPackets > 0 ? Self.hops(f.server.ttlMax) : (rst?.role == .server ? rst?.hops : nil)
        clientHops = ch; serverHops = sh
        if let ack = f.handshakeAck, !f.server.syns.isEmpty, let synTime = f.answeredSYNTime {
            let toSynAck = Double(f.server.syns.firstTime &- synTime), toAck = Double(ack.time &- f.server.syns.firstTime)
            if toSynAck + toAck > 200_000 { split = toSynAck / (toSynAck + toAck) }   // below 0.2 ms it says nothing
        }
        if f.client.forwardedCopies > 0 && (f.server.forwardedCopies > 0 || f.server.packets == 0) {
            point = .router
            return
        }
        // The handshake's delay sits on the far side of the capture point.
        let near = split.map { $0 > 0.8 ? VantagePoint.client : ($0 < 0.2 ? .server : .path) }
        let serverOnlyReset = f.server.ttlPackets == 0 && sh != nil
        switch (ch, sh) {
        case (0?, _) where serverOnlyReset: point = .client   // a refusal says where it came from, not where we are
        case (0?, let s?) where s > 0: point = .client
        case (let c?, 0?) where c > 0: point = .server
        case (0?, 0?): point = near == .path ? .link : (near ?? .link)
        case (let c?, let s?): point = c > 0 && s > 0 ? .path : (near ?? .unknown)
        case (0?, nil): point = .client     // only the client spoke, undecremented: its end
        default: point = near ?? .unknown
        }
    }

    /// A vantage known from elsewhere (the capture as a whole), without the flow's own figures.
    init(point: VantagePoint) { self.point = point }

    var atClient: Bool { point == .client }
    var atServer: Bool { point == .server }
}

/// The capture-wide vantage: the one most flows agree on.
public struct CaptureVantage: Codable, Sendable, Equatable {
    public var point: VantagePoint
    /// The host the capture was taken on or next to, when one stands out.
    public var host: String?
    public var because: String
    /// Flows counted per vantage point.
    public var flows: [String: Int]
}

struct VantageTally: Sendable {
    var counts = InlineArray<6, Int>(repeating: 0)
    /// Hosts seen at the near end, for client / server vantages: the few most frequent, kept by
    /// Misra-Gries counting in place (no hashing per flow).
    var nearHosts = InlineArray<4, IPAddress?>(repeating: nil)
    var nearCounts = InlineArray<4, Int>(repeating: 0)
    /// Consecutive flows between one client and one server, counted apart until the pair changes:
    /// a sender whose TTL differs from flow to flow towards one host forges it (nmap picks one
    /// at random per probe), so such a run says nothing about where the capture sat.
    var run: (client: IPAddress, server: IPAddress)?
    var runCounts = InlineArray<6, Int>(repeating: 0)
    var runTTLs = InlineArray<3, UInt8>(repeating: 0)
    var runDistinctTTLs = 0
    /// Flows of the run whose server spoke undecremented: all a forged run can still say.
    var runAtServer = 0
    /// Flows of forged runs, for the wording when nothing else is left.
    var forgedFlows = 0

    mutating func add(_ v: FlowVantage, _ f: Flow) {
        if run?.client != f.clientAddress || run?.server != f.serverAddress {
            commitRun()
            run = (f.clientAddress, f.serverAddress)
        }
        if f.client.ttlPackets > 0, runDistinctTTLs < 3 {
            let ttl = f.client.ttlMax
            var seen = false
            for i in 0..<runDistinctTTLs where runTTLs[i] == ttl { seen = true }
            if !seen { runTTLs[runDistinctTTLs] = ttl; runDistinctTTLs += 1 }
        }
        if v.serverHops == 0 { runAtServer += 1 }
        guard v.point != .unknown else { return }
        runCounts[v.point.index] += 1
    }

    /// Adds the finished run to the tally, unless its TTLs were forged.
    mutating func commitRun() {
        defer {
            runCounts = InlineArray(repeating: 0); runDistinctTTLs = 0; runAtServer = 0; run = nil
        }
        guard let run else { return }
        if runDistinctTTLs >= 3 {
            // Judged by the server's side alone: undecremented, the capture is at the server.
            forgedFlows += runCounts.indices.reduce(0) { $0 + runCounts[$1] }
            counts[VantagePoint.server.index] += runAtServer
            for _ in 0..<runAtServer { near(run.server) }
            return
        }
        for i in 0..<6 where runCounts[i] > 0 {
            counts[i] += runCounts[i]
            let point = VantagePoint.allCases[i]
            guard point == .client || point == .server else { continue }
            for _ in 0..<runCounts[i] { near(point == .client ? run.client : run.server) }
        }
    }

    mutating func near(_ host: IPAddress) {
        for i in 0..<4 where nearHosts[i] == host { nearCounts[i] += 1; return }
        for i in 0..<4 where nearCounts[i] == 0 { nearHosts[i] = host; nearCounts[i] = 1; return }
        for i in 0..<4 { nearCounts[i] -= 1 }
    }

    func summary() -> CaptureVantage {
        var t = self
        t.commitRun()
        return t.tallied()
    }

    private func tallied() -> CaptureVantage {
        var flows: [String: Int] = [:]
        var total = 0, best = 0
        for (i, p) in VantagePoint.allCases.enumerated() where counts[i] > 0 {
            flows[p.rawValue] = counts[i]
            total += counts[i]
            if counts[i] > counts[best] { best = i }
        }
        guard total > 0 else {
            let because = forgedFlows > 0
                ? "the \(forgedFlows) flows to judge by are probes whose TTL changes from probe to probe (forged, as scanners do)"
                : "no flow with TTLs or a handshake to judge by"
            return CaptureVantage(point: .unknown, host: nil, because: because, flows: flows)
        }
        let point = VantagePoint.allCases[best]
        var host: String?
        if point == .client || point == .server {
            // The leading candidate, when it really carries most of those flows (Misra-Gries
            // counts are lower bounds).
            var top = -1
            for i in 0..<4 where nearHosts[i] != nil && (top < 0 || nearCounts[i] > nearCounts[top]) { top = i }
            if top >= 0, nearCounts[top] * 2 > counts[best] { host = nearHosts[top]!.description }
        }
        let because = "\(counts[best]) of \(total) flows put the capture \(Self.phrase(point))\(host.map { " (\($0))" } ?? "")"
        return CaptureVantage(point: point, host: host, because: because, flows: flows)
    }

    static func phrase(_ p: VantagePoint) -> String {
        switch p {
        case .client: "at the client"
        case .server: "at the server"
        case .path: "on the path, hops from both ends"
        case .link: "on the link both ends share"
        case .router: "on a router forwarding the traffic"
        case .unknown: "nowhere certain"
        }
    }
}
