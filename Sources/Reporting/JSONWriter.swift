import Diagnosis

/// A small streaming JSON writer: pretty-printed, valid UTF-8, keys in a fixed order per type
/// (dictionaries sorted). Foundation's JSONEncoder spent about 100,000 instructions per flow
/// entry; this writes the same document in a fraction of that.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var depth = 0
    private var first = true
    /// One line, no indentation (jsonl).
    let compact: Bool

    init(capacity: Int = 1 << 16, compact: Bool = false) { bytes.reserveCapacity(capacity); self.compact = compact }

    private mutating func newline() {
        if compact { return }
        bytes.append(0x0a)
        for _ in 0..<depth { bytes.append(0x20); bytes.append(0x20) }
    }
    private mutating func separator() {
        if !first { bytes.append(0x2c) }
        first = false
        newline()
    }
    private mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func beginObject() { bytes.append(0x7b); depth += 1; first = true }
    mutating func endObject() {
        depth -= 1
        if !first { newline() }
        bytes.append(0x7d); first = false
    }
    mutating func beginArray() { bytes.append(0x5b); depth += 1; first = true }
    mutating func endArray() {
        depth -= 1
        if !first { newline() }
        bytes.append(0x5d); first = false
    }

    /// Starts a member of the current object; the value follows.
    mutating func key(_ k: String) {
        separator()
        string(k)
        bytes.append(0x3a); if !compact { bytes.append(0x20) }
    }
    /// Starts an element of the current array.
    mutating func element() { separator() }

    /// Swift strings are valid UTF-8, so bytes are copied as they are except the ones JSON (and
    /// JavaScript: U+2028, U+2029) must not see raw.
    mutating func string(_ s: String) {
        // Most strings (keys, addresses, kinds) need no escaping: copy them in one go.
        var s = s
        let plain: Bool? = s.withUTF8 { buf in
            for b in buf where b < 0x20 || b == 0x22 || b == 0x5c || b == 0x7f || b == 0xe2 { return false }
            bytes.append(0x22)
            bytes.append(contentsOf: buf)
            bytes.append(0x22)
            return true
        }
        if plain == true { return }
        bytes.append(0x22)
        var utf8 = s.utf8.makeIterator()
        var pending: (UInt8, UInt8)? = nil
        while let b = utf8.next() {
            if let (p0, p1) = pending {
                pending = nil
                if p0 == 0xe2 && p1 == 0x80 && (b == 0xa8 || b == 0xa9) { raw(b == 0xa8 ? "\\u2028" : "\\u2029"); continue }
                bytes.append(p0); bytes.append(p1)
            }
            switch b {
            case 0x22: bytes.append(0x5c); bytes.append(0x22)
            case 0x5c: bytes.append(0x5c); bytes.append(0x5c)
            case 0x0a: bytes.append(0x5c); bytes.append(0x6e)
            case 0x0d: bytes.append(0x5c); bytes.append(0x72)
            case 0x09: bytes.append(0x5c); bytes.append(0x74)
            case 0..<0x20, 0x7f:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5c, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
            case 0xe2:
                // Possibly U+2028 / U+2029 (E2 80 A8 / A9): look at the next two bytes first.
                if let b1 = utf8.next() { pending = (b, b1) } else { bytes.append(b) }
            default:
                bytes.append(b)
            }
        }
        if let (p0, p1) = pending { bytes.append(p0); bytes.append(p1) }
        bytes.append(0x22)
    }
    mutating func int<I: BinaryInteger>(_ v: I) { raw(String(v)) }
    mutating func double(_ v: Double) {
        guard v.isFinite else { raw("null"); return }
        if v == v.rounded() && abs(v) < 1e15 { raw(String(Int64(v))) } else { raw(String(v)) }
    }
    mutating func bool(_ v: Bool) { raw(v ? "true" : "false") }
    mutating func null() { raw("null") }

    // Convenience members.
    mutating func field(_ k: String, _ v: String) { key(k); string(v) }
    mutating func field(_ k: String, _ v: String?) { if let v { key(k); string(v) } }
    mutating func field<I: BinaryInteger>(_ k: String, _ v: I) { key(k); int(v) }
    mutating func field(_ k: String, _ v: Double) { key(k); double(v) }
    mutating func field(_ k: String, _ v: Bool) { key(k); bool(v) }
    mutating func field(_ k: String, strings: [String]) {
        key(k); beginArray(); for s in strings { element(); string(s) }; endArray()
    }
    mutating func field<I: BinaryInteger>(_ k: String, ints: [I]) {
        key(k); beginArray(); for s in ints { element(); int(s) }; endArray()
    }
    mutating func field<I: BinaryInteger>(_ k: String, counts: [String: I]) {
        key(k); beginObject(); for (n, v) in counts.sorted(by: { $0.key < $1.key }) { key(n); int(v) }; endObject()
    }

    mutating func evidence(_ v: EvidenceValue) {
        switch v {
        case .int(let x): int(x)
        case .double(let x): double(x)
        case .string(let x): string(x)
        case .bool(let x): bool(x)
        case .array(let xs): beginArray(); for x in xs { element(); evidence(x) }; endArray()
        case .object(let o):
            beginObject(); for (k, x) in o.sorted(by: { $0.key < $1.key }) { key(k); evidence(x) }; endObject()
        }
    }
}

extension JSONWriter {
    mutating func endpoint(_ e: Endpoint) {
        beginObject(); field("ip", e.ip); if let p = e.port { field("port", p) }; endObject()
    }

    mutating func flowRef(_ f: FlowRef?) {
        guard let f else { null(); return }
        beginObject()
        if let c = f.client { key("client"); endpoint(c) }
        key("server"); endpoint(f.server)
        field("transport", f.transport)
        endObject()
    }

    mutating func finding(_ f: Finding, sensor: String? = nil, time: String? = nil) {
        beginObject()
        key("causes"); beginArray(); for c in f.causes { element(); cause(c) }; endArray()
        field("checks", strings: f.checks)
        key("evidence"); evidence(.object(f.evidence))
        field("filter", f.filter)
        field("firstTime", f.firstTime)
        key("flow"); flowRef(f.flow)
        field("frames", ints: f.frames)
        field("id", f.id)
        field("incident", f.incident)
        field("kind", f.kind.rawValue)
        field("lastTime", f.lastTime)
        field("sensor", sensor)
        field("severity", f.severity.rawValue)
        field("summary", f.summary)
        field("time", time)
        field("vantage", f.vantage)
        endObject()
    }

    mutating func flow(_ f: FlowEntry) {
        beginObject()
        key("client"); endpoint(f.client)
        field("clientBytes", f.clientBytes)
        if let m = f.clientMSS { field("clientMSS", m) }
        field("clientPackets", f.clientPackets)
        field("connState", f.connState)
        key("counters"); beginObject()
        for name in WiresharkCounters.names { field(name, Int(f.counters[name]!)) }
        endObject()
        field("findings", strings: f.findings)
        field("firstFrame", f.firstFrame)
        field("firstTime", f.firstTime)
        if let r = f.handshakeRTTms { field("handshakeRTTms", r) }
        field("history", f.history)
        field("historyTruncated", f.historyTruncated)
        field("lastFrame", f.lastFrame)
        field("lastTime", f.lastTime)
        field("missedBytes", f.missedBytes)
        field("outcome", f.outcome)
        if let m = f.pathMTU { field("pathMTU", m) }
        if let m = f.pathMTUBelow { field("pathMTUBelow", m) }
        if let t = f.retransmissionTimeline { field("retransmissionTimeline", ints: t) }
        field("roleGuessed", f.roleGuessed)
        key("server"); endpoint(f.server)
        field("serverBytes", f.serverBytes)
        if let m = f.serverMSS { field("serverMSS", m) }
        field("serverPackets", f.serverPackets)
        if let t = f.tls {
            key("tls"); beginObject()
            field("alerts", strings: t.alerts)
            field("alpn", t.alpn)
            field("certificates", t.certificates)
            field("cipherSuite", t.cipherSuite)
            field("completed", t.completed)
            field("offeredVersion", t.offeredVersion)
            field("sni", t.sni)
            field("stage", t.stage)
            field("version", t.version)
            endObject()
        }
        field("transport", f.transport)
        if let t = f.tunnel { field("tunnel", t) }
        if let o = f.tunnelOverhead { field("tunnelOverhead", o) }
        endObject()
    }

    mutating func service(_ s: ServiceSummary) {
        beginObject()
        field("attempts", s.attempts)
        field("clients", s.clients)
        field("dataSegments", s.dataSegments)
        if let d = s.dns {
            key("dns"); beginObject()
            field("answerRatePercent", d.answerRatePercent); field("answered", d.answered)
            if let l = d.latencyMs {
                key("latencyMs"); beginObject(); field("p50", l.p50); field("p95", l.p95); field("samples", l.samples); endObject()
            }
            field("queries", d.queries)
            field("truncatedAnswers", d.truncatedAnswers)
            endObject()
        }
        field("endpoint", s.endpoint)
        field("established", s.established)
        field("failed", counts: s.failed)
        field("flows", s.flows)
        if let r = s.handshakeRTTms {
            key("handshakeRTTms"); beginObject(); field("p50", r.p50); field("p95", r.p95); field("samples", r.samples); endObject()
        }
        field("ip", s.ip)
        if let m = s.pathMTU { field("pathMTU", m) }
        field("port", s.port)
        field("resets", counts: s.resets)
        if let r = s.retransmissionRatePercent { field("retransmissionRatePercent", r) }
        field("retransmissions", s.retransmissions)
        field("slowHandshakes", s.slowHandshakes)
        if let t = s.tls {
            key("tls"); beginObject()
            field("completed", t.completed); field("failed", t.failed); field("handshakes", t.handshakes)
            field("serverNames", strings: t.serverNames); field("versions", counts: t.versions)
            endObject()
        }
        field("transport", s.transport)
        endObject()
    }

    mutating func capture(_ c: CaptureSummary) {
        beginObject()
        field("analyzedPackets", c.analyzedPackets)
        field("bytes", c.bytes)
        field("capturedBytes", c.capturedBytes)
        key("decode"); beginObject()
        for (name, list) in [("malformed", c.decode.malformed), ("truncated", c.decode.truncated)] {
            key(name); beginArray()
            for d in list { element(); beginObject(); field("count", d.count); field("layer", d.layer); field("reason", d.reason); endObject() }
            endArray()
        }
        endObject()
        field("durationSeconds", c.durationSeconds)
        key("files"); beginArray()
        for f in c.files {
            element(); beginObject()
            field("format", f.format); field("linkType", f.linkType); field("linkTypeNumber", f.linkTypeNumber)
            field("packets", f.packets); field("path", f.path); field("readError", f.readError)
            field("snapshotLength", f.snapshotLength); field("truncated", f.truncated)
            endObject()
        }
        endArray()
        field("filter", c.filter)
        field("firstTime", c.firstTime)
        field("lastTime", c.lastTime)
        field("linkTypes", strings: c.linkTypes)
        field("packets", c.packets)
        field("protocols", counts: c.protocols)
        field("snaplenCutPackets", c.snaplenCutPackets)
        field("timestampsOutOfOrder", c.timestampsOutOfOrder)
        field("truncated", c.truncated)
        if let v = c.vantage {
            key("vantage"); beginObject()
            field("because", v.because)
            field("flows", counts: v.flows)
            field("host", v.host)
            field("point", v.point.rawValue)
            endObject()
        }
        endObject()
    }

    mutating func cause(_ c: Cause) {
        beginObject()
        field("because", strings: c.because)
        key("checks"); beginArray()
        for k in c.checks { element(); beginObject(); field("on", k.on); field("run", k.run); endObject() }
        endArray()
        field("confidence", c.confidence.rawValue)
        field("id", c.id)
        field("tellApart", c.tellApart)
        field("text", c.text)
        endObject()
    }

    mutating func incident(_ i: Incident) {
        beginObject()
        key("affected"); beginObject()
        field("clients", i.affected.clients); field("flows", i.affected.flows); field("servers", i.affected.servers)
        endObject()
        key("chain"); beginArray()
        for s in i.chain {
            element(); beginObject()
            field("fact", s.fact); field("finding", s.finding)
            if let fr = s.frames { field("frames", ints: fr) }
            field("kind", s.kind?.rawValue); field("summary", s.summary); endObject()
        }
        endArray()
        field("findings", strings: i.findings)
        field("firstCheck", i.firstCheck)
        field("firstTime", i.firstTime)
        field("id", i.id)
        field("lastTime", i.lastTime)
        field("layer", i.layer)
        key("rootCause"); beginObject()
        field("confidence", i.rootCause.confidence.rawValue); field("id", i.rootCause.id); field("text", i.rootCause.text)
        endObject()
        field("severity", i.severity.rawValue)
        field("title", i.title)
        field("where", i.place)
        endObject()
    }

    mutating func report(_ r: Report) {
        beginObject()
        key("capture"); capture(r.capture)
        key("findings"); beginArray(); for f in r.findings { element(); finding(f) }; endArray()
        key("flows"); beginArray(); for f in r.flows { element(); flow(f) }; endArray()
        key("generator"); beginObject(); field("libpcap", r.generator.libpcap); field("name", r.generator.name); field("version", r.generator.version); endObject()
        key("incidents"); beginArray(); for i in r.incidents { element(); incident(i) }; endArray()
        let l = r.limits
        key("limits"); beginObject()
        field("flows", l.flows); field("flowsEvicted", l.flowsEvicted); field("flowsOmittedFromReport", l.flowsOmittedFromReport)
        field("fragmentSetsEvicted", l.fragmentSetsEvicted); field("historyTruncatedFlows", l.historyTruncatedFlows)
        field("holesForgotten", l.holesForgotten)
        field("maxFlows", l.maxFlows); field("namesEvicted", l.namesEvicted); field("peakFlows", l.peakFlows)
        field("peakHalfOpen", l.peakHalfOpen)
        field("servicesOmitted", l.servicesOmitted)
        endObject()
        field("schema", r.schema)
        key("services"); beginArray(); for s in r.services { element(); service(s) }; endArray()
        let s = r.summary
        key("summary"); beginObject()
        field("byKind", counts: s.byKind); field("errors", s.errors); field("findings", s.findings); field("info", s.info)
        field("suppressed", counts: s.suppressed); field("warnings", s.warnings)
        endObject()
        let t = r.thresholds
        key("thresholds"); beginObject()
        field("arpSweepMinTargets", t.arpSweepMinTargets)
        field("idleResetSeconds", t.idleResetSeconds); field("maxFindingsPerGroup", t.maxFindingsPerGroup)
        field("maxReportedFlows", t.maxReportedFlows)
        field("retransmissionMinCount", t.retransmissionMinCount); field("retransmissionMinRate", t.retransmissionMinRate)
        field("outOfOrderMinCount", t.outOfOrderMinCount); field("outOfOrderMinRate", t.outOfOrderMinRate)
        field("scanMinHosts", t.scanMinHosts); field("scanMinPorts", t.scanMinPorts)
        field("stallSeconds", t.stallSeconds)
        field("synFloodMinHalfOpen", t.synFloodMinHalfOpen)
        field("synFloodMinSources", t.synFloodMinSources); field("synTimeoutSeconds", t.synTimeoutSeconds)
        field("tlsSlowSeconds", t.tlsSlowSeconds)
        field("dnsSlowSeconds", t.dnsSlowSeconds)
        field("zeroWindowMinAdvertisements", t.zeroWindowMinAdvertisements)
        field("zeroWindowMinSeconds", t.zeroWindowMinSeconds)
        endObject()
        endObject()
    }
}
