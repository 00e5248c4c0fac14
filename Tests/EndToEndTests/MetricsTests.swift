import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SensorMetrics
import Testing

/// A tool on PATH (or in /usr/sbin, /sbin), as the lab checks them.
func toolPath(_ tool: String) -> String? {
    for dir in ((ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin").split(separator: ":") {
        let p = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

let promtool = toolPath("promtool")

/// Runs a tool to its end; output and errors together.
func runTool(_ path: String, _ args: [String], in dir: URL? = nil, input: String? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let dir { p.currentDirectoryURL = dir }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    let inPipe = Pipe()
    p.standardInput = input == nil ? FileHandle.nullDevice : inPipe
    try p.run()
    if let input {
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self))
}

/// The metric families an expression names (histogram series reduced to their family).
func metricNames(in expr: String) -> Set<String> {
    // Not inside a recording rule's name (level:metric:operations).
    let re = try! NSRegularExpression(pattern: "(?<![:A-Za-z0-9_])flowdoctor_[a-z0-9_]+(?![:A-Za-z0-9_])")
    let ns = expr as NSString
    return Set(re.matches(in: expr, range: NSRange(location: 0, length: ns.length)).map { m in
        var n = ns.substring(with: m.range)
        for s in ["_bucket", "_sum", "_count"] where n.hasSuffix(s) && !SensorMetrics.names.contains(n) { n = String(n.dropLast(s.count)) }
        return n
    })
}

/// The exposition text as samples: `name{k="v",...}` (labels sorted) -> value.
func exposition(_ text: String) -> [String: Double] {
    var out: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else { continue }
        let series = line[..<space]
        guard let brace = series.firstIndex(of: "{") else { out[String(series)] = v; continue }
        let labels = series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",").map(String.init).sorted()
        out[series[..<brace] + "{" + labels.joined(separator: ",") + "}"] = v
    }
    return out
}

@Suite("Fleet deployment files")
struct DeployTests {
    static let deploy = repositoryRoot.appendingPathComponent("deploy")

    @Test("promtool accepts the rules and the scrape configuration, and the rules' unit tests pass",
          .enabled(if: promtool != nil, "needs promtool (Debian: prometheus)"))
    func promtoolAccepts() throws {
        let dir = Self.deploy.appendingPathComponent("prometheus")
        let rules = try runTool(promtool!, ["check", "rules", "flowdoctor-rules.yml"], in: dir)
        #expect(rules.status == 0, "\(rules.output)")
        #expect(rules.output.contains("SUCCESS: 7 rules found"), "\(rules.output)")
        let config = try runTool(promtool!, ["check", "config", "prometheus.yml"], in: dir)
        #expect(config.status == 0, "\(config.output)")
        let unit = try runTool(promtool!, ["test", "rules", "flowdoctor-rules.test.yml"], in: dir)
        #expect(unit.status == 0, "\(unit.output)")
    }

    @Test("every metric the rules name is one flowdoctor exports; the issue's alerts are there")
    func rulesUseExportedMetrics() throws {
        let text = try String(contentsOf: Self.deploy.appendingPathComponent("prometheus/flowdoctor-rules.yml"), encoding: .utf8)
        let used = metricNames(in: text)
        #expect(used.isSuperset(of: ["flowdoctor_handshakes_total", "flowdoctor_findings_total", "flowdoctor_tls_handshake_failures_total"]))
        #expect(used.isSubset(of: Set(SensorMetrics.names)), "unknown: \(used.subtracting(SensorMetrics.names))")
        for alert in ["FlowdoctorHandshakeFailures", "FlowdoctorMTUBlackhole", "FlowdoctorTLSAlertSpike"] {
            #expect(text.contains("alert: \(alert)"))
        }
        #expect(text.contains("> 0.05") && text.contains("for: 5m") && text.contains(#"kind="mtu.blackhole""#))
    }

    @Test("the Grafana dashboard is valid JSON with the issue's panels, each querying exported metrics")
    func dashboard() throws {
        let data = try Data(contentsOf: Self.deploy.appendingPathComponent("grafana/flowdoctor-dashboard.json"))
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(doc["panels"] as? [[String: Any]])
        var titles: [String: String] = [:]
        var ids = Set<Int>()
        for p in panels {
            let title = try #require(p["title"] as? String)
            titles[title] = p["type"] as? String
            ids.insert(try #require(p["id"] as? Int))
            let targets = try #require(p["targets"] as? [[String: Any]], "\(title): no targets")
            #expect(!targets.isEmpty)
            for t in targets {
                let expr = try #require(t["expr"] as? String)
                let names = metricNames(in: expr)
                #expect(!names.isEmpty, "\(title): \(expr)")
                #expect(names.isSubset(of: Set(SensorMetrics.names)), "\(title): unknown \(names.subtracting(SensorMetrics.names))")
                #expect(expr.contains("$sensor"), "\(title): not filtered by the sensor variable")
            }
        }
        #expect(ids.count == panels.count, "panel ids repeat")
        #expect(titles["Handshake latency"] == "heatmap")
        #expect(titles["Failures by kind"] != nil)
        #expect(titles["TCP retransmission ratio"] != nil)
        #expect(titles["Top failing services"] == "table")
        let variables = ((doc["templating"] as? [String: Any])?["list"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(variables?.contains("sensor") == true)
    }

    @Test("the systemd unit runs as an unprivileged user with only the capture capability")
    func systemdUnit() throws {
        let unit = try String(contentsOf: Self.deploy.appendingPathComponent("systemd/flowdoctor-sensor.service"), encoding: .utf8)
        let lines = unit.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("User=flowdoctor"))
        #expect(lines.contains("AmbientCapabilities=CAP_NET_RAW"))
        #expect(lines.contains("CapabilityBoundingSet=CAP_NET_RAW"))
        #expect(!unit.contains("User=root") && !unit.contains("CAP_SYS_ADMIN"))
        #expect(lines.contains("NoNewPrivileges=yes"))
        #expect(unit.contains("--metrics-listen") && unit.contains("--findings-out"))
    }
}

@Suite("Metrics listener")
struct MetricsListenerTests {
    @Test("a bad --metrics-listen is a usage error (exit 2, one line)")
    func badListen() throws {
        for bad in ["9464", "host:port", "::1:9464", "127.0.0.1:70000"] {
            let r = try runFlowdoctor(["capture", "-i", "lo", "--metrics-listen", bad])
            #expect(r.status == 2, "\(bad): \(r.stderr)")
            #expect(r.stderr.contains("--metrics-listen wants HOST:PORT"), "\(bad): \(r.stderr)")
        }
    }

    @Test("GET /metrics answers the registry's text; other paths 404, other methods 405", .timeLimit(.minutes(3)))
    func serves() async throws {
        let metrics = SensorMetrics(sensor: "unit", version: "0")
        let server = try MetricsServer(host: "127.0.0.1", port: 0, registry: metrics.registry)
        defer { server.stop() }
        #expect(server.port > 0)
        func fetch(_ path: String, method: String = "GET") async throws -> (Int, String, String?) {
            var req = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)\(path)")!)
            req.httpMethod = method
            let (data, response) = try await URLSession.shared.data(for: req)
            let http = response as! HTTPURLResponse
            return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type"))
        }
        let (status, body, type) = try await fetch("/metrics")
        #expect(status == 200)
        #expect(type?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(exposition(body)[#"flowdoctor_packets_total{sensor="unit"}"#] == 0)
        #expect(try await fetch("/metrics?x=1").0 == 200)
        #expect(try await fetch("/").0 == 404)
        #expect(try await fetch("/metrics", method: "POST").0 == 405)
        let (headStatus, headBody, _) = try await fetch("/metrics", method: "HEAD")
        #expect(headStatus == 200 && headBody.isEmpty)
        // A head past NIO's 80 KiB limit is refused (or the connection closed), and the listener goes on.
        var huge = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/metrics")!)
        huge.setValue(String(repeating: "x", count: 100_000), forHTTPHeaderField: "X-Big")
        if let (_, response) = try? await URLSession.shared.data(for: huge) {
            #expect((response as! HTTPURLResponse).statusCode >= 400)
        }
        #expect(try await fetch("/metrics").0 == 200)
        // Taken ports are an error, not a crash.
        #expect(throws: MetricsServer.ListenError.self) { _ = try MetricsServer(host: "127.0.0.1", port: server.port, registry: metrics.registry) }
    }
}

/// The whole sensor: Scripts/metrics-check captures in namespaces as nobody with CAP_NET_RAW only,
/// scrapes /metrics while it runs, and hands the text to promtool.
@Suite("Sensor in the lab", .enabled(if: labCanRun && promtool != nil && toolPath("setpriv") != nil,
                                      "needs root, iproute2, nftables, python3, openssl, setpriv and promtool"))
struct SensorLabTests {
    @Test("a live capture's metrics pass promtool and count what happened; jsonl lines carry time, sensor and kind",
          .timeLimit(.minutes(2)))
    func scrape() throws {
        let out = NSTemporaryDirectory() + "flowdoctor-metrics-\(getpid())"
        let run = try runScript(["bash", repositoryRoot.appendingPathComponent("Scripts/metrics-check").path, flowdoctorBinary.path, out],
                                log: out + ".log")
        func read(_ name: String) -> String { (try? String(contentsOfFile: out + "/" + name, encoding: .utf8)) ?? "" }
        func trimmed(_ name: String) -> String { read(name).trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(run.status == 0, "metrics-check: \(run.log)")
        #expect(trimmed("status") == "0", "capture exit status; stderr: \(read("capture.err"))")
        #expect(read("capture.err").contains("as nobody"), "not unprivileged: \(read("capture.err"))")
        #expect(trimmed("metrics.status") == "200")
        #expect(trimmed("notfound.status") == "404")
        #expect(trimmed("promtool.status") == "0", "promtool check metrics: \(read("promtool.txt"))\n\(read("metrics.txt"))")

        let m = exposition(read("metrics.txt"))
        let ctx = "client: \(read("client.txt"))\nmetrics:\n\(read("metrics.txt"))"
        func v(_ series: String) -> Double? { m[series] }
        #expect((v(#"flowdoctor_packets_total{sensor="lab-a"}"#) ?? 0) >= 20, "\(ctx)")
        #expect((v(#"flowdoctor_bytes_total{sensor="lab-a"}"#) ?? 0) > 1000)
        #expect(v(#"flowdoctor_dropped_packets_total{sensor="lab-a",where="kernel"}"#) == 0)
        // --metrics-services 2: the echo server and the refused port keep their labels, the rest are other.
        #expect(v(#"flowdoctor_handshakes_total{outcome="completed",sensor="lab-a",service="10.78.0.2:9200"}"#) == 3, "\(ctx)")
        #expect(v(#"flowdoctor_handshakes_total{outcome="refused",sensor="lab-a",service="10.78.0.2:9201"}"#) == 1, "\(ctx)")
        #expect(v(#"flowdoctor_handshakes_total{outcome="unanswered",sensor="lab-a",service="other"}"#) == 1, "\(ctx)")
        #expect(v(#"flowdoctor_handshakes_total{outcome="completed",sensor="lab-a",service="other"}"#) == 1, "\(ctx)")
        #expect(!m.keys.contains { $0.contains("9202") || $0.contains("9203") }, "\(ctx)")
        #expect(v(#"flowdoctor_handshake_rtt_seconds_count{sensor="lab-a",service="10.78.0.2:9200"}"#) == 3, "\(ctx)")
        let rttSum = v(#"flowdoctor_handshake_rtt_seconds_sum{sensor="lab-a",service="10.78.0.2:9200"}"#) ?? -1
        #expect(rttSum > 0 && rttSum < 0.5, "\(ctx)")
        #expect(v(#"flowdoctor_findings_total{kind="tcp.handshake.refused",sensor="lab-a",severity="error"}"#) == 1, "\(ctx)")
        #expect(v(#"flowdoctor_findings_total{kind="tcp.handshake.unanswered",sensor="lab-a",severity="error"}"#) == 1, "\(ctx)")
        let tls = m.filter { $0.key.hasPrefix("flowdoctor_tls_handshake_failures_total{") }
        #expect(tls.values.reduce(0, +) == 1, "\(ctx)")
        #expect(v(#"flowdoctor_tls_handshake_failures_total{alert="unknown_ca",sensor="lab-a"}"#) == 1, "\(ctx)")
        #expect((v(#"flowdoctor_tcp_data_segments_total{sensor="lab-a"}"#) ?? 0) >= 6, "\(ctx)")
        #expect(v(#"flowdoctor_active_flows{sensor="lab-a"}"#) != nil)

        // The jsonl file: one finding per line, each valid against the report schema's finding, and
        // an incident line before the first finding of each incident, which names it.
        let validator = try JSONSchemaTests.validator()
        let lines = read("findings.jsonl").split(separator: "\n")
        #expect(lines.count >= 3)
        var kinds = Set<String>(), opened = Set<String>()
        for line in lines {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(obj["sensor"] as? String == "lab-a")
            #expect((obj["time"] as? String)?.hasSuffix("Z") == true)
            if let incident = obj["incident"] as? [String: Any] {
                let errors = validator.validate(incident, against: "#/$defs/incident")
                #expect(errors.isEmpty, "\(errors)")
                opened.insert(incident["id"] as? String ?? "")
                continue
            }
            kinds.insert(obj["kind"] as? String ?? "")
            #expect(opened.contains(obj["incident"] as? String ?? "-"), "a finding names an incident already announced")
            let errors = validator.validate(obj, against: "#/$defs/finding")
            #expect(errors.isEmpty, "\(errors)")
        }
        #expect(kinds.isSuperset(of: ["tcp.handshake.refused", "tcp.handshake.unanswered", "tls.alert"]), "\(kinds)")

        let left = try namespacesLeft("fdmet-")
        #expect(left.isEmpty, "namespaces left behind: \(left)")
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: out + ".log")
    }
}
