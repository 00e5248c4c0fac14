import Diagnosis
import FlowAnalysis
import Prometheus

/// The metrics of one live sensor, in a Prometheus registry. The capture loop updates them once per
/// tick, per streamed finding and per finalised flow, never per packet; the HTTP listener only
/// reads the registry (which locks on its own).
///
/// Not thread-safe apart from `registry`: call the other methods from the capture thread only.
public final class SensorMetrics: @unchecked Sendable {
    public let registry: PrometheusCollectorRegistry
    public let sensor: String
    /// Services (server ip:port) with their own label; the rest are counted as `other`.
    public let topServices: Int

    /// Every metric family this exports (the deploy files may use only these).
    public static let names: [String] = [
        "flowdoctor_build_info", "flowdoctor_packets_total", "flowdoctor_bytes_total", "flowdoctor_dropped_packets_total",
        "flowdoctor_active_flows", "flowdoctor_findings_total", "flowdoctor_handshakes_total",
        "flowdoctor_handshake_rtt_seconds", "flowdoctor_tcp_data_segments_total",
        "flowdoctor_tcp_retransmitted_segments_total", "flowdoctor_tls_handshake_failures_total",
    ]
    /// Handshake RTT buckets, in seconds: LAN to intercontinental, and retried SYNs (1 s, 3 s).
    public static let rttBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Services whose attempts are counted while they wait for a label; past it new ones go to `other`.
    static let candidateLimit = 4_096
    /// Flows whose handshake was counted, remembered so it is counted once (oldest forgotten first).
    static let countedLimit = 65_536

    let packets, bytes, droppedKernel, droppedInterface, segments, retransmitted: Counter
    let activeFlows: Gauge
    var exported = Totals()
    /// Segment counts of flows already finalised (they leave the table).
    var finishedSegments: UInt64 = 0
    var finishedRetransmitted: UInt64 = 0

    struct Totals { var packets: UInt64 = 0, bytes: UInt64 = 0, kernel: UInt64 = 0, interface: UInt64 = 0, segments: UInt64 = 0, retransmitted: UInt64 = 0 }
    struct FlowID: Hashable { var key: FlowKey; var firstFrame: UInt64 }
    var counted = Set<FlowID>()
    var countedOrder: [FlowID] = []
    var countedHead = 0
    /// Handshakes completed at or after this capture time are looked at on the next tick.
    var watermark: Int64 = .min

    final class Service {
        let label: String
        var attempts: UInt64
        var rtt: ValueHistogram?
        var outcomes: [String: Counter] = [:]
        init(label: String, attempts: UInt64) { self.label = label; self.attempts = attempts }
    }
    var services: [String: Service] = [:]
    var candidates: [String: UInt64] = [:]
    var other: Service?
    var findingCounters: [String: Counter] = [:]
    var tlsCounters: [String: Counter] = [:]

    public init(sensor: String, version: String, topServices: Int = 20) {
        self.sensor = sensor
        self.topServices = max(topServices, 0)
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        let s = [("sensor", sensor)]
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Counter {
            registry.makeCounter(descriptor: .init(namespace: "flowdoctor", metricName: name, unitName: "total", helpText: help),
                                 labels: s + labels)
        }
        registry.makeGauge(descriptor: .init(namespace: "flowdoctor", metricName: "build_info", unitName: "",
                                             helpText: "Always 1: the flowdoctor version this sensor runs."),
                           labels: s + [("version", version)]).set(to: 1.0)
        packets = counter("packets", "Frames captured (read from libpcap).")
        bytes = counter("bytes", "Bytes of captured frames as they were on the wire.")
        let drops = "Packets libpcap reported dropped: where=kernel (capture buffer full) or interface."
        droppedKernel = counter("dropped_packets", drops, [("where", "kernel")])
        droppedInterface = counter("dropped_packets", drops, [("where", "interface")])
        segments = counter("tcp_data_segments", "TCP segments with payload, both directions.")
        retransmitted = counter("tcp_retransmitted_segments", "TCP segments with payload that were retransmissions (any kind).")
        activeFlows = registry.makeGauge(descriptor: .init(namespace: "flowdoctor", metricName: "active_flows", unitName: "",
                                                           helpText: "Flows and SYN-only attempts held by the analyzer."),
                                         labels: s)
    }

    /// The exposition text (Prometheus text format 0.0.4).
    public func render() -> [UInt8] { registry.emitToBuffer() }

    // MARK: per tick

    /// Brings the counters up to date with the analyzer and libpcap's drop counts (cumulative).
    public func tick(_ a: Analyzer, droppedByKernel: UInt64, droppedByInterface: UInt64) {
        var segs = finishedSegments, rex = finishedRetransmitted
        let since = watermark
        for s in a.flows.liveSlots {
            let i = Int(s)
            segs &+= UInt64(a.flows.slots[i].client.dataSegments) &+ UInt64(a.flows.slots[i].server.dataSegments)
            rex &+= UInt64(a.flows.slots[i].client.dataRetransmissions) &+ UInt64(a.flows.slots[i].server.dataRetransmissions)
            if let ack = a.flows.slots[i].handshakeAck, ack.time >= since { handshakeCompleted(a.flows.slots[i]) }
        }
        // Timestamps may step back a little: look a second behind the latest packet next time.
        watermark = a.now &- 1_000_000_000
        let now = Totals(packets: a.stats.packets, bytes: a.stats.wireBytes, kernel: droppedByKernel,
                         interface: droppedByInterface, segments: segs, retransmitted: rex)
        func advance(_ c: Counter, _ new: UInt64, _ old: UInt64) { if new > old { c.increment(by: Int64(clamping: new - old)) } }
        advance(packets, now.packets, exported.packets)
        advance(bytes, now.bytes, exported.bytes)
        advance(droppedKernel, now.kernel, exported.kernel)
        advance(droppedInterface, now.interface, exported.interface)
        advance(segments, now.segments, exported.segments)
        advance(retransmitted, now.retransmitted, exported.retransmitted)
        exported.packets = max(exported.packets, now.packets); exported.bytes = max(exported.bytes, now.bytes)
        exported.kernel = max(exported.kernel, now.kernel); exported.interface = max(exported.interface, now.interface)
        exported.segments = max(exported.segments, now.segments)
        exported.retransmitted = max(exported.retransmitted, now.retransmitted)
        activeFlows.set(to: Double(a.flows.count + a.halfOpen.count))
    }

    /// A flow leaves the analyzer: keep its segment counts, and count its handshake if no tick did.
    public func flowFinished(_ f: Flow) {
        finishedSegments &+= UInt64(f.client.dataSegments) &+ UInt64(f.server.dataSegments)
        finishedRetransmitted &+= UInt64(f.client.dataRetransmissions) &+ UInt64(f.server.dataRetransmissions)
        if let ack = f.handshakeAck, ack.time >= watermark { handshakeCompleted(f) }
    }

    func handshakeCompleted(_ f: Flow) {
        guard f.isTCP, let rtt = f.handshakeRTT else { return }
        let id = FlowID(key: f.key, firstFrame: f.firstFrame)
        guard counted.insert(id).inserted else { return }
        if countedOrder.count < Self.countedLimit {
            countedOrder.append(id)
        } else {
            counted.remove(countedOrder[countedHead])
            countedOrder[countedHead] = id
            countedHead = (countedHead + 1) % Self.countedLimit
        }
        let s = service(Self.endpoint(f.serverAddress.description, Int(f.serverPort), v4: f.serverAddress.isIPv4))
        outcome(s, "completed").increment()
        histogram(s).record(Double(max(rtt, 0)) / 1e9)
    }

    // MARK: per finding

    /// Handshake failures end in these findings; the outcome label is the kind's last part.
    static let handshakeFailures: Set<FindingKind> = [.handshakeUnanswered, .handshakeRefused, .handshakeUnreachable, .handshakeIncomplete]

    /// A finding streamed by the live capture (said once per flow and kind).
    public func finding(_ f: Finding) {
        let key = f.kind.rawValue + "\u{0}" + f.severity.rawValue
        let c = findingCounters[key] ?? {
            let c = registry.makeCounter(
                descriptor: .init(namespace: "flowdoctor", metricName: "findings", unitName: "total",
                                  helpText: "Findings decided while capturing, by kind (see `flowdoctor explain KIND`) and severity."),
                labels: [("sensor", sensor), ("kind", f.kind.rawValue), ("severity", f.severity.rawValue)])
            findingCounters[key] = c
            return c
        }()
        c.increment()
        if Self.handshakeFailures.contains(f.kind), let server = f.flow?.server {
            let s = service(Self.endpoint(server.ip, server.port, v4: !server.ip.contains(":")))
            outcome(s, String(f.kind.rawValue.split(separator: ".").last ?? "failed")).increment()
        }
        if f.kind == .tlsAlert || f.kind == .tlsAborted {
            var alert = "none"
            if f.kind == .tlsAlert, case .string(let a)? = f.evidence["alert"] { alert = a }
            tlsFailure(alert).increment()
        }
    }

    func tlsFailure(_ alert: String) -> Counter {
        if let c = tlsCounters[alert] { return c }
        let c = registry.makeCounter(
            descriptor: .init(namespace: "flowdoctor", subsystem: "tls", metricName: "handshake_failures", unitName: "total",
                              helpText: "TLS handshakes that failed, by the fatal alert sent (none: aborted without a plaintext alert)."),
            labels: [("sensor", sensor), ("alert", alert)])
        tlsCounters[alert] = c
        return c
    }

    // MARK: services (bounded labels)

    static func endpoint(_ ip: String, _ port: Int?, v4: Bool) -> String {
        let p = port.map { ":\($0)" } ?? ""
        return v4 || port == nil ? ip + p : "[\(ip)]" + p
    }

    /// The series of a service: its own while it is among the busiest `topServices`, else `other`.
    /// A newcomer takes the place of the quietest labelled service once it has twice its attempts
    /// (so labels do not flap); the series of a service that loses its place are removed.
    func service(_ label: String) -> Service {
        if let s = services[label] { s.attempts &+= 1; return s }
        var attempts: UInt64 = 1
        if let n = candidates[label] { attempts = n &+ 1 } else if candidates.count >= Self.candidateLimit { return otherService() }
        candidates[label] = attempts
        if services.count < topServices {
            return promote(label, attempts)
        }
        if let quietest = services.values.min(by: { $0.attempts < $1.attempts }), attempts >= 2 * max(quietest.attempts, 1) {
            for c in quietest.outcomes.values { registry.unregisterCounter(c) }
            if let h = quietest.rtt { registry.unregisterValueHistogram(h) }
            services[quietest.label] = nil
            if candidates.count < Self.candidateLimit { candidates[quietest.label] = quietest.attempts }
            return promote(label, attempts)
        }
        return otherService()
    }

    private func promote(_ label: String, _ attempts: UInt64) -> Service {
        candidates[label] = nil
        let s = Service(label: label, attempts: attempts)
        services[label] = s
        return s
    }

    private func otherService() -> Service {
        if let o = other { o.attempts &+= 1; return o }
        let o = Service(label: "other", attempts: 1)
        other = o
        return o
    }

    func outcome(_ s: Service, _ outcome: String) -> Counter {
        if let c = s.outcomes[outcome] { return c }
        let c = registry.makeCounter(
            descriptor: .init(namespace: "flowdoctor", metricName: "handshakes", unitName: "total",
                              helpText: "TCP handshakes by server (ip:port; the less busy ones as other) and outcome: completed, refused, unanswered, unreachable, incomplete."),
            labels: [("sensor", sensor), ("service", s.label), ("outcome", outcome)])
        s.outcomes[outcome] = c
        return c
    }

    func histogram(_ s: Service) -> ValueHistogram {
        if let h = s.rtt { return h }
        let h = registry.makeValueHistogram(
            descriptor: .init(namespace: "flowdoctor", metricName: "handshake_rtt", unitName: "seconds",
                              helpText: "TCP handshake round-trip time (SYN answered to the client's ACK), by server."),
            labels: [("sensor", sensor), ("service", s.label)], buckets: Self.rttBuckets)
        s.rtt = h
        return h
    }
}
