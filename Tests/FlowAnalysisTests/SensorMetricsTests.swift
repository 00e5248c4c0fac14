import Diagnosis
import FlowAnalysis
import Foundation
import PacketCapture
import SensorMetrics
import Testing
import TestSupport

/// The exposition text as samples: `name{k="v",...}` (labels sorted) -> value.
func metricSamples(_ text: String) -> [String: Double] {
    var out: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else { continue }
        let series = line[..<space]
        guard let brace = series.firstIndex(of: "{") else { out[String(series)] = v; continue }
        let labels = series[series.index(after: brace)..<series.index(before: series.endIndex)]
            .split(separator: ",").map(String.init).sorted()
        out[series[..<brace] + "{" + labels.joined(separator: ",") + "}"] = v
    }
    return out
}

@Suite("Sensor metrics")
struct SensorMetricsTests {
    /// Runs the packets through an analyzer as live capture does: flows finalised feed the metrics.
    final class Run {
        let metrics: SensorMetrics
        var analyzer: Analyzer
        let diagnoser = Diagnoser(thresholds: Thresholds())
        init(_ s: Scenario, topServices: Int = 20) throws {
            let m = SensorMetrics(sensor: "t1", version: "0.0.0", topServices: topServices)
            metrics = m
            analyzer = Analyzer(sink: MetricsSink(m))
            let path = temporaryDirectory("metrics") + "/s.pcap"
            try PCAPWriter(linkType: 1).write(s.frames, to: path)
            let file = try OfflineFile(path: path)
            let link = file.linkType
            _ = file.forEach { rec, matched in
                analyzer.process(rec.bytes, wireLength: rec.wireLength, time: rec.time, link: link, matched: matched)
            }
        }
        /// One tick: decided flows' findings first, as LiveAnalysis streams them, then the counters.
        func tick() {
            for slot in analyzer.flows.liveSlots {
                for f in diagnoser.preview(analyzer.flows.slots[Int(slot)], asOf: analyzer.now) { metrics.finding(f) }
            }
            metrics.tick(analyzer, droppedByKernel: 3, droppedByInterface: 0)
        }
        var samples: [String: Double] { metricSamples(String(decoding: metrics.render(), as: UTF8.self)) }
    }

    static func scenario() -> Scenario {
        var s = Scenario()
        // Port 80: a handshake (2 ms SYN to ACK), a request sent twice (one retransmission), a response, FINs.
        s.handshake()
        s.c([.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1, payload: 100)
        s.wait(0.3)
        s.c([.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1, payload: 100)
        s.s([.ack, .psh], seq: s.sisn + 1, ack: s.cisn + 101, payload: 500)
        s.c([.ack, .fin], seq: s.cisn + 101, ack: s.sisn + 501)
        s.s([.ack, .fin], seq: s.sisn + 501, ack: s.cisn + 102)
        s.c([.ack], seq: s.cisn + 102, ack: s.sisn + 502)
        // Port 81: refused.
        s.sport = 81; s.cport = 40001
        s.c([.syn]); s.s([.rst, .ack], seq: 0, ack: s.cisn + 1)
        return s
    }

    @Test("counters, the handshake histogram and outcomes come from the analyzer; ticks never count twice")
    func fromAnalyzer() throws {
        let s = Self.scenario()
        let run = try Run(s)
        run.tick()
        let m = run.samples
        #expect(m[#"flowdoctor_packets_total{sensor="t1"}"#] == Double(s.frames.count))
        #expect(m[#"flowdoctor_bytes_total{sensor="t1"}"#] == Double(s.frames.reduce(0) { $0 + $1.bytes.count }))
        #expect(m[#"flowdoctor_dropped_packets_total{sensor="t1",where="kernel"}"#] == 3)
        #expect(m[#"flowdoctor_active_flows{sensor="t1"}"#] == 2)
        #expect(m[#"flowdoctor_handshakes_total{outcome="completed",sensor="t1",service="10.0.0.2:80"}"#] == 1)
        #expect(m[#"flowdoctor_handshakes_total{outcome="refused",sensor="t1",service="10.0.0.2:81"}"#] == 1)
        #expect(m[#"flowdoctor_handshake_rtt_seconds_count{sensor="t1",service="10.0.0.2:80"}"#] == 1)
        #expect(m[#"flowdoctor_handshake_rtt_seconds_sum{sensor="t1",service="10.0.0.2:80"}"#] == 0.002)
        #expect(m[#"flowdoctor_handshake_rtt_seconds_bucket{le="0.0025",sensor="t1",service="10.0.0.2:80"}"#] == 1)
        #expect(m[#"flowdoctor_handshake_rtt_seconds_bucket{le="0.001",sensor="t1",service="10.0.0.2:80"}"#] == 0)
        #expect(m[#"flowdoctor_findings_total{kind="tcp.handshake.refused",sensor="t1",severity="error"}"#] == 1)
        #expect(m[#"flowdoctor_tcp_data_segments_total{sensor="t1"}"#] == 3)
        #expect(m[#"flowdoctor_tcp_retransmitted_segments_total{sensor="t1"}"#] == 1)
        #expect(m[#"flowdoctor_build_info{sensor="t1",version="0.0.0"}"#] == 1)

        // Another tick, then the flows leave the table (end of capture) and one more: nothing moves
        // but the active flows.
        run.metrics.tick(run.analyzer, droppedByKernel: 3, droppedByInterface: 0)
        run.analyzer.finish()
        run.metrics.tick(run.analyzer, droppedByKernel: 3, droppedByInterface: 0)
        let after = run.samples
        for (k, v) in m where !k.hasPrefix("flowdoctor_active_flows") { #expect(after[k] == v, "\(k)") }
        #expect(after[#"flowdoctor_active_flows{sensor="t1"}"#] == 0)
        // Every family exported is in the published list (the deploy files are checked against it).
        let families = Set(after.keys.map { k in
            var n = String(k.prefix { $0 != "{" })
            for suffix in ["_bucket", "_sum", "_count"] where n.hasSuffix(suffix) && n.hasPrefix("flowdoctor_handshake_rtt") {
                n = String(n.dropLast(suffix.count))
            }
            return n
        })
        #expect(families.isSubset(of: Set(SensorMetrics.names)), "\(families.subtracting(SensorMetrics.names))")
    }

    static func refused(_ server: String, port: Int) -> Finding {
        Finding(kind: .handshakeRefused, severity: .error, summary: "", frames: [], firstTime: 0, lastTime: 0, evidence: [:],
                causes: [], filter: "",
                flow: FlowRef(transport: "tcp", client: Endpoint(ip: "10.9.9.9", port: 40000), server: Endpoint(ip: server, port: port)))
    }

    @Test("service labels are bounded: the busiest keep theirs, the rest are other, a much busier newcomer takes a place")
    func boundedServices() {
        let m = SensorMetrics(sensor: "t1", version: "0", topServices: 2)
        m.finding(Self.refused("10.0.0.1", port: 1))
        m.finding(Self.refused("10.0.0.1", port: 1))
        m.finding(Self.refused("10.0.0.2", port: 2))
        m.finding(Self.refused("10.0.0.3", port: 3))        // no room: other
        m.finding(Self.refused("fd00::4", port: 4))         // other
        var s = metricSamples(String(decoding: m.render(), as: UTF8.self))
        func refused(_ service: String) -> Double? { s[#"flowdoctor_handshakes_total{outcome="refused",sensor="t1",service="\#(service)"}"#] }
        #expect(refused("10.0.0.1:1") == 2)
        #expect(refused("10.0.0.2:2") == 1)
        #expect(refused("other") == 2)
        #expect(refused("10.0.0.3:3") == nil)
        // 10.0.0.3:3 reaches twice the quietest labelled service: it takes that place.
        m.finding(Self.refused("10.0.0.3", port: 3))
        s = metricSamples(String(decoding: m.render(), as: UTF8.self))
        #expect(refused("10.0.0.3:3") == 1)
        #expect(refused("10.0.0.2:2") == nil)
        #expect(refused("10.0.0.1:1") == 2)
        #expect(refused("other") == 2)
        let labelled = Set(s.keys.filter { $0.hasPrefix("flowdoctor_handshakes_total") })
        #expect(labelled.count == 3)
        // Findings count by kind and severity regardless of the service labels.
        #expect(s[#"flowdoctor_findings_total{kind="tcp.handshake.refused",sensor="t1",severity="error"}"#] == 6)
    }

    @Test("TLS failures by alert name; an abort without one is alert=none")
    func tlsFailures() {
        let m = SensorMetrics(sensor: "t1", version: "0")
        func tls(_ kind: FindingKind, _ ev: [String: EvidenceValue]) -> Finding {
            Finding(kind: kind, severity: .error, summary: "", frames: [], firstTime: 0, lastTime: 0, evidence: ev,
                    causes: [], filter: "", flow: nil)
        }
        m.finding(tls(.tlsAlert, ["alert": .string("unknown_ca")]))
        m.finding(tls(.tlsAlert, ["alert": .string("unknown_ca")]))
        m.finding(tls(.tlsAborted, [:]))
        let s = metricSamples(String(decoding: m.render(), as: UTF8.self))
        #expect(s[#"flowdoctor_tls_handshake_failures_total{alert="unknown_ca",sensor="t1"}"#] == 2)
        #expect(s[#"flowdoctor_tls_handshake_failures_total{alert="none",sensor="t1"}"#] == 1)
    }
}

/// Finalised flows into the metrics, as live capture's sink does.
final class MetricsSink: AnalysisSink {
    let metrics: SensorMetrics
    init(_ m: SensorMetrics) { metrics = m }
    func flowEnded(_ f: Flow, now: Int64) { metrics.flowFinished(f) }
    func fragmented(_ d: FragmentedDatagram) {}
    func dnsTransaction(_ t: DNSTransaction) {}
    func arpRecord(_ r: ARPRecord) {}
}
