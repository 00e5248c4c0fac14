import Diagnosis
import Foundation

/// The report as one self-contained HTML page: inline CSS, inline SVG charts, a few lines of
/// inline script, nothing fetched from anywhere. The markup is also well-formed XML (void elements
/// self-closed, every attribute quoted, only the five XML entities and numeric ones), so a strict
/// parser can check it.
///
/// Every string that is not a literal of this file goes through `escape` — summaries, evidence,
/// file paths, endpoints, filters, SNI, kind titles and checks alike — in element text, attribute
/// values and SVG text.
public enum HTMLReport {
    /// `ladders`: per incident id, the key flow's packets (a second read of the capture) drawn in
    /// the incident's card.
    public static func render(_ r: Report, ladders: [String: Ladder] = [:]) -> String {
        var out = ""
        out.reserveCapacity(48 * 1024)
        let base = TimeBase(r)
        out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        out += "<meta name=\"generator\" content=\"\(e(r.generator.name)) \(e(r.generator.version))\"/>\n"
        out += "<title>\(e(pageTitle(r)))</title>\n<style>\n\(css)</style>\n</head>\n<body>\n"
        out += header(r, base)
        out += "<main>\n"
        out += answer(r, ladders: ladders)
        out += diagnosis(r, base)
        out += services(r)
        out += "<section id=\"charts\">\n<h2>Charts</h2>\n"
        out += timelineChart(r, base)
        out += rttChart(r)
        out += retransmissionChart(r, base)
        out += "</section>\n</main>\n"
        out += footer(r)
        out += script
        out += "</body>\n</html>\n"
        return out
    }

    /// The answer first: one card per incident, most impact first, with its root cause, who is
    /// hit, the command to run and the chain of findings it explains.
    static func answer(_ r: Report, ladders: [String: Ladder]) -> String {
        guard !r.incidents.isEmpty else { return "" }
        var out = "<section id=\"answer\">\n<h2>Answer</h2>\n"
        for i in r.incidents {
            let who = TextReport.affected(i)
            out += "<article class=\"incident \(i.severity.rawValue)\" id=\"\(e(i.id))\">\n"
            out += "<h3><span class=\"sev\">\(i.severity.rawValue)</span> \(e(i.title))\(who.isEmpty ? "" : " <span class=\"muted\">— \(e(who))</span>")</h3>\n"
            out += "<p class=\"cause\">\(e(i.rootCause.text)) <span class=\"muted\">(\(i.rootCause.confidence.rawValue), <code>\(e(i.rootCause.id))</code>)</span></p>\n"
            if let c = i.firstCheck { out += "<p class=\"check\">run <code>\(e(c))</code></p>\n" }
            if let l = ladders[i.id] { out += ladder(l, id: i.id) }
            if i.chain.count > 1 {
                out += "<ol class=\"chain\">\n"
                for s in i.chain { out += "<li><code>\(e(s.kind?.rawValue ?? s.fact ?? ""))</code> \(e(s.summary))\(s.frames.map { " (frame \($0.map(String.init).joined(separator: ", ")))" } ?? "")</li>\n" }
                out += "</ol>\n"
            }
            out += "</article>\n"
        }
        return out + "</section>\n"
    }

    /// The key flow as a ladder: one column per host, one arrow per packet, the failing one marked.
    static func ladder(_ l: Ladder, id: String) -> String {
        let width = 680, top = 44, step = 24
        let height = top + l.rungs.count * step + (l.omitted > 0 ? 28 : 12)
        func x(_ s: Ladder.Side) -> Int { s == .client ? 150 : (s == .server ? width - 110 : (width + 40) / 2) }
        let t0 = l.rungs.first?.time ?? 0
        var out = "<figure class=\"ladder\"><svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(e("packets between \(l.client) and \(l.server)"))\">\n"
        out += "<title>\(e("The key flow: \(l.client) and \(l.server)"))</title>\n"
        out += "<defs><marker id=\"arrow-\(e(id))\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n"
        var columns: [(Ladder.Side, String)] = [(.client, "client " + l.client), (.server, "server " + l.server)]
        if let o = l.other { columns.append((.other, o)) }
        for (side, name) in columns {
            out += "<text class=\"host\" x=\"\(x(side))\" y=\"16\" text-anchor=\"middle\">\(e(name))</text>"
            out += "<line class=\"lane\" x1=\"\(x(side))\" y1=\"24\" x2=\"\(x(side))\" y2=\"\(height - 8)\"/>\n"
        }
        for (n, r) in l.rungs.enumerated() {
            let y = top + n * step
            let ms = Double(r.time &- t0) / 1e6
            let when = ms < 1000 ? String(format: "+%.1f ms", ms) : String(format: "+%.2f s", ms / 1000)
            out += "<g class=\"rung\(r.failing ? " failing" : "")\" data-frame=\"\(r.frame)\">"
            out += "<text class=\"time\" x=\"4\" y=\"\(y + 4)\">\(e(when))</text>"
            out += "<line x1=\"\(x(r.from))\" y1=\"\(y)\" x2=\"\(x(r.to))\" y2=\"\(y)\" marker-end=\"url(#arrow-\(e(id)))\"/>"
            out += "<text class=\"label\" x=\"\((x(r.from) + x(r.to)) / 2)\" y=\"\(y - 4)\" text-anchor=\"middle\">\(e((r.failing ? "✗ " : "") + r.label + " #\(r.frame)"))</text>"
            out += "</g>\n"
        }
        if l.omitted > 0 {
            out += "<text class=\"time\" x=\"4\" y=\"\(height - 10)\">\(e("… \(l.omitted) more packets of this flow not drawn"))</text>\n"
        }
        return out + "</svg></figure>\n"
    }

    // MARK: Escaping

    /// Text from packets, files or anywhere else, made safe for HTML element content, double-quoted
    /// attribute values and SVG text: control, C1 and bidi-override characters become visible
    /// `\u{…}` escapes first (as `TextEscape.line` does for the terminal; a backslash is doubled so
    /// the escapes stay unambiguous), then `& < > " '` become entities. Unicode noncharacters, which
    /// XML forbids, are made visible too.
    public static func escape(_ s: String) -> String {
        var out = ""
        let visible = TextEscape.line(s)
        out.unicodeScalars.reserveCapacity(visible.unicodeScalars.count)
        for u in visible.unicodeScalars {
            switch u.value {
            case 0x26: out += "&amp;"
            case 0x3c: out += "&lt;"
            case 0x3e: out += "&gt;"
            case 0x22: out += "&quot;"
            case 0x27: out += "&#39;"
            case 0xfdd0...0xfdef: out += "\\u{\(String(u.value, radix: 16))}"
            case let v where v & 0xfffe == 0xfffe: out += "\\u{\(String(u.value, radix: 16))}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    private static func e(_ s: String) -> String { escape(s) }

    /// Escaped text whose `backquoted` commands become <code> (backquotes survive escaping, so
    /// the markup is added to text that is already inert).
    static func withCode(_ s: String) -> String {
        let parts = escape(s).split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return escape(s) }
        var out = ""
        for (i, p) in parts.enumerated() {
            // An unpaired last backquote stays a backquote.
            if i % 2 == 1 && i == parts.count - 1 { out += "`" + p } else { out += i % 2 == 1 ? "<code>\(p)</code>" : String(p) }
        }
        return out
    }

    // MARK: Header

    static func pageTitle(_ r: Report) -> String {
        let names = r.capture.files.map { URL(fileURLWithPath: $0.path).lastPathComponent }
        let files = names.count <= 2 ? names.joined(separator: ", ") : "\(names[0]) and \(names.count - 1) more files"
        let s = r.summary
        return "flowdoctor — \(files.isEmpty ? "no files" : files) (\(s.errors) errors, \(s.warnings) warnings)"
    }

    static func header(_ r: Report, _ base: TimeBase) -> String {
        let c = r.capture, s = r.summary
        var out = "<header>\n<h1>flowdoctor diagnosis</h1>\n"
        out += "<p class=\"totals\">"
        out += "<span class=\"badge b-error\">\(s.errors) error\(s.errors == 1 ? "" : "s")</span> "
        out += "<span class=\"badge b-warning\">\(s.warnings) warning\(s.warnings == 1 ? "" : "s")</span> "
        out += "<span class=\"badge b-info\">\(s.info) info</span> "
        out += "<span class=\"muted\">\(s.findings) finding\(s.findings == 1 ? "" : "s") in all</span></p>\n"
        out += "<table class=\"facts\">\n"
        for f in c.files {
            out += "<tr><th>file</th><td><code>\(e(f.path))</code> (\(e(f.format)), \(e(f.linkType)), snaplen \(f.snapshotLength), \(f.packets) packet\(f.packets == 1 ? "" : "s"))"
            if f.truncated { out += " <strong class=\"bad\">truncated: \(e(f.readError ?? "file ends mid-packet"))</strong>" }
            out += "</td></tr>\n"
        }
        if !c.linkTypes.isEmpty { out += "<tr><th>link types</th><td>\(e(c.linkTypes.joined(separator: ", ")))</td></tr>\n" }
        if let f = c.filter {
            out += "<tr><th>filter</th><td><code>\(e(f))</code> (\(c.analyzedPackets) of \(c.packets) packets matched)</td></tr>\n"
        }
        out += "<tr><th>packets</th><td>\(c.packets)</td></tr>\n"
        out += "<tr><th>bytes</th><td>\(c.bytes) on the wire, \(c.capturedBytes) captured</td></tr>\n"
        if let a = c.firstTime, let b = c.lastTime {
            out += "<tr><th>time</th><td>\(e(a)) → \(e(b)) (\(String(format: "%.3f", c.durationSeconds)) s)</td></tr>\n"
        }
        if r.limits.flows > 0 || !r.flows.isEmpty {
            out += "<tr><th>flows</th><td>\(max(r.limits.flows, r.flows.count)), \(r.services.count) service\(r.services.count == 1 ? "" : "s")</td></tr>\n"
        }
        if !c.protocols.isEmpty {
            let p = c.protocols.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\(e($0.key)) \($0.value)" }
            out += "<tr><th>protocols</th><td>\(p.joined(separator: " · "))</td></tr>\n"
        }
        var notes: [String] = []
        if c.snaplenCutPackets > 0 { notes.append("\(c.snaplenCutPackets) packets cut short by the capture's snapshot length") }
        if c.timestampsOutOfOrder > 0 { notes.append("\(c.timestampsOutOfOrder) packets earlier than the one before") }
        if c.truncated { notes.append("the capture ends mid-packet; everything before the cut was analysed") }
        for m in c.decode.malformed { notes.append("malformed \(m.layer) \(m.reason ?? ""): \(m.count)") }
        for t in c.decode.truncated { notes.append("truncated \(t.layer): \(t.count) (captured too short to decode)") }
        if r.limits.flowsEvicted > 0 {
            notes.append("the flow table held \(r.limits.maxFlows) flows; \(r.limits.flowsEvicted) were finalised early to make room")
        }
        if r.limits.flowsOmittedFromReport > 0 {
            notes.append("\(r.limits.flowsOmittedFromReport) flows are counted but not listed in the report (nor in the charts)")
        }
        if r.limits.servicesOmitted > 0 { notes.append("\(r.limits.servicesOmitted) flows to services beyond the table's cap are not in the services table") }
        for n in notes { out += "<tr><th>note</th><td>\(e(n))</td></tr>\n" }
        out += "</table>\n"
        out += "<nav><a href=\"#diagnosis\">Diagnosis</a> · <a href=\"#services\">Services</a> · <a href=\"#charts\">Charts</a>"
        out += " <button type=\"button\" id=\"toggle-details\" hidden=\"hidden\">Expand all details</button></nav>\n"
        out += "</header>\n"
        return out
    }

    // MARK: Diagnosis

    struct Group {
        var kind: FindingKind
        var server: String
        var findings: [Finding]
        var severity: Severity { findings.map(\.severity).max() ?? .info }
        var firstTime: Int64 { findings.map(\.firstTime).min() ?? 0 }
        /// The server as people read it: one endpoint, an address with several ports, or the capture.
        var label: String {
            var eps: [String] = []
            for f in findings { if let fl = f.flow { let s = endpoint(fl.server); if !eps.contains(s) { eps.append(s) } } }
            if eps.isEmpty { return "capture-wide" }
            return eps.count == 1 ? eps[0] : "\(server) (\(eps.count) ports)"
        }
    }

    /// Findings by (kind, server address), the grouping the per-server cap uses; worst first.
    static func groups(_ findings: [Finding]) -> [Group] {
        var index: [String: Int] = [:]
        var out: [Group] = []
        for f in findings {
            let server = f.flow?.server.ip ?? ""
            // Findings share a card only when they share kind, server and first cause.
            let key = f.kind.rawValue + "\u{0}" + server + "\u{0}" + (f.causes.first?.id ?? "")
            if let i = index[key] { out[i].findings.append(f) } else {
                index[key] = out.count
                out.append(Group(kind: f.kind, server: server, findings: [f]))
            }
        }
        return out.sorted {
            ($0.severity, $0.findings.count, $1.firstTime, $1.kind.rawValue, $1.server)
                > ($1.severity, $1.findings.count, $0.firstTime, $0.kind.rawValue, $0.server)
        }
    }

    static let maxFramesListed = 20
    static let maxEvidenceKeys = 10
    static let maxEvidenceChars = 300

    static func diagnosis(_ r: Report, _ base: TimeBase) -> String {
        var out = "<section id=\"diagnosis\">\n<h2>Diagnosis</h2>\n"
        let gs = groups(r.findings)
        if gs.isEmpty { out += "<p class=\"empty\">No findings: nothing in this capture looks wrong.</p>\n" }
        for (n, g) in gs.enumerated() {
            let info = g.kind.info
            let first = g.findings[0]
            let sev = g.severity.rawValue
            out += "<article class=\"group \(sev)\" id=\"group-\(n + 1)\">\n"
            out += "<h3><span class=\"badge b-\(sev)\">\(sev)</span> \(e(info.title))"
            out += " <span class=\"count\">× \(g.findings.count)</span> <span class=\"where\">\(e(g.label))</span></h3>\n"
            out += "<p class=\"meta\"><code>\(e(g.kind.rawValue))</code> · layer \(e(info.layer.rawValue)) · first at \(e(base.describe(g.firstTime)))</p>\n"
            out += "<p class=\"summary\">\(e(first.summary))</p>\n"
            if let c = first.causes.first {
                out += "<p class=\"likely\"><strong>Likely:</strong> \(e(c.text)) <span class=\"confidence c-\(c.confidence.rawValue)\">\(c.confidence.rawValue)</span>"
                if !c.because.isEmpty { out += " — because \(e(c.because.joined(separator: "; ")))" }
                out += "</p>\n"
            }
            if let check = first.causes.first?.checks.first {
                out += "<p class=\"check\"><strong>Check first:</strong> on \(e(check.on)): <code>\(e(check.run))</code></p>\n"
            }
            out += "<details>\n<summary>\(g.findings.count == 1 ? "Details" : "All \(g.findings.count) findings"): frames, Wireshark filter, evidence</summary>\n"
            out += "<p class=\"meaning\">\(e(info.meaning))</p>\n"
            out += "<ol class=\"findings\">\n"
            for f in g.findings { out += finding(f, base) }
            out += "</ol>\n"
            if !first.causes.isEmpty {
                out += "<p class=\"sub\">Causes, most likely first</p>\n<ol class=\"causes\">\n"
                for c in first.causes {
                    out += "<li><strong>\(e(c.text))</strong> <span class=\"confidence c-\(c.confidence.rawValue)\">\(c.confidence.rawValue)</span> <code>\(e(c.id))</code>"
                    if !c.because.isEmpty { out += "<div class=\"because\">because \(e(c.because.joined(separator: "; ")))</div>" }
                    if let t = c.tellApart { out += "<div class=\"because\">to tell apart: \(e(t))</div>" }
                    if !c.checks.isEmpty {
                        out += "<ul>" + c.checks.map { "<li>on \(e($0.on)): <code>\(e($0.run))</code></li>" }.joined() + "</ul>"
                    }
                    out += "</li>\n"
                }
                out += "</ol>\n"
            }
            out += "</details>\n</article>\n"
        }
        if !r.summary.suppressed.isEmpty {
            let s = r.summary.suppressed.sorted { $0.key < $1.key }.map { "\($0.value) more \($0.key)" }.joined(separator: ", ")
            out += "<p class=\"muted\">Not listed, over the per-server cap of \(r.thresholds.maxFindingsPerGroup): \(e(s)).</p>\n"
        }
        out += "</section>\n"
        return out
    }

    static func finding(_ f: Finding, _ base: TimeBase) -> String {
        var out = "<li>\n<p><span class=\"badge b-\(f.severity.rawValue)\">\(f.severity.rawValue)</span> \(e(f.summary))</p>\n<dl class=\"kv\">\n"
        out += "<dt>time</dt><dd>\(e(base.describe(f.firstTime)))"
        if f.lastTime > f.firstTime { out += " to \(e(base.describe(f.lastTime)))" }
        out += "</dd>\n"
        if let fl = f.flow {
            let c = fl.client.map(endpoint) ?? "?"
            out += "<dt>flow</dt><dd><code>\(e(fl.transport)) \(e(c)) → \(e(endpoint(fl.server)))</code></dd>\n"
        }
        if !f.frames.isEmpty {
            var frames = f.frames.prefix(maxFramesListed).map(String.init).joined(separator: ", ")
            if f.frames.count > maxFramesListed { frames += " … (\(f.frames.count) in all)" }
            out += "<dt>frames</dt><dd>\(frames)</dd>\n"
        }
        if !f.filter.isEmpty { out += "<dt>Wireshark filter</dt><dd><code class=\"filter\">\(e(f.filter))</code></dd>\n" }
        if !f.evidence.isEmpty {
            out += "<dt>evidence</dt><dd><table class=\"evidence\">\n"
            let keys = f.evidence.keys.sorted()
            for k in keys.prefix(maxEvidenceKeys) {
                out += "<tr><th>\(e(k))</th><td>\(e(clip(evidenceText(f.evidence[k]!, nested: false), maxEvidenceChars)))</td></tr>\n"
            }
            if keys.count > maxEvidenceKeys { out += "<tr><th>…</th><td>\(keys.count - maxEvidenceKeys) more in the JSON report</td></tr>\n" }
            out += "</table></dd>\n"
        }
        out += "</dl>\n</li>\n"
        return out
    }

    /// Evidence as compact text (JSON-like; strings unquoted at the top level). Escaped by the caller.
    static func evidenceText(_ v: EvidenceValue, nested: Bool) -> String {
        switch v {
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return nested ? "\"\(s)\"" : s
        case .array(let a):
            var items = a.prefix(8).map { evidenceText($0, nested: true) }
            if a.count > 8 { items.append("… \(a.count - 8) more") }
            return "[" + items.joined(separator: ", ") + "]"
        case .object(let o):
            let items = o.sorted { $0.key < $1.key }.map { "\($0.key): \(evidenceText($0.value, nested: true))" }
            return "{" + items.joined(separator: ", ") + "}"
        }
    }

    static func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n)) + "…" }

    // MARK: Services

    static let maxServiceRows = 200

    static func services(_ r: Report) -> String {
        var out = "<section id=\"services\">\n<h2>Services <span class=\"muted\">(TCP, worst first)</span></h2>\n"
        let rows = r.services.filter { $0.transport == "tcp" && $0.attempts + $0.resets.values.reduce(0, +) > 0 }
        guard !rows.isEmpty else { return out + "<p class=\"empty\">No TCP connection attempts in this capture.</p>\n</section>\n" }
        let anyMTU = rows.contains { $0.pathMTU != nil }
        let anyTLS = rows.contains { $0.tls != nil }
        out += "<div class=\"scroll\"><table class=\"services\">\n<thead><tr><th>server</th><th class=\"num\">attempts</th><th class=\"num\">ok</th>"
        out += "<th>failed</th><th class=\"num\">RTT p50/p95 ms</th><th class=\"num\">retrans</th>"
        if anyMTU { out += "<th class=\"num\">PMTU</th>" }
        if anyTLS { out += "<th class=\"num\">TLS ok/failed</th>" }
        out += "<th class=\"num\">resets</th></tr></thead>\n<tbody>\n"
        for s in rows.prefix(maxServiceRows) {
            let failedCount = s.failed.values.reduce(0, +)
            let failed = s.failed.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let resets = s.resets.values.reduce(0, +)
            let resetDetail = s.resets.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out += "<tr\(failedCount > 0 ? " class=\"bad\"" : "")><td><code>\(e(s.endpoint))</code>"
            if let names = s.tls?.serverNames, !names.isEmpty {
                let shown = names.prefix(3).joined(separator: ", ") + (names.count > 3 ? " +\(names.count - 3) more" : "")
                out += "<div class=\"names\">TLS names: \(e(shown))</div>"
            }
            out += "</td><td class=\"num\">\(s.attempts)</td><td class=\"num\">\(s.established)</td>"
            out += "<td>\(failed.isEmpty ? "–" : e(failed))</td>"
            out += "<td class=\"num\">\(s.handshakeRTTms.map { "\(ms($0.p50))/\(ms($0.p95))" } ?? "–")</td>"
            out += "<td class=\"num\">\(s.retransmissionRatePercent.map { fmt($0) + "%" } ?? "–")</td>"
            if anyMTU { out += "<td class=\"num\">\(s.pathMTU.map(String.init) ?? "–")</td>" }
            if anyTLS { out += "<td class=\"num\">\(s.tls.map { "\($0.completed)/\($0.failed)" } ?? "–")</td>" }
            out += resets == 0 ? "<td class=\"num\">–</td>" : "<td class=\"num\" title=\"\(e(resetDetail))\">\(resets)</td>"
            out += "</tr>\n"
        }
        out += "</tbody>\n</table></div>\n"
        if rows.count > maxServiceRows { out += "<p class=\"muted\">… \(rows.count - maxServiceRows) more services in the JSON report.</p>\n" }
        out += "</section>\n"
        return out
    }

    // MARK: Time

    /// The capture's time span, for the x axis and for "+1.234 s" offsets.
    struct TimeBase {
        var start: Int64
        var end: Int64
        var known: Bool

        init(_ r: Report) {
            var lo = r.capture.firstTime.flatMap(HTMLReport.parseISO) ?? .max
            var hi = r.capture.lastTime.flatMap(HTMLReport.parseISO) ?? .min
            for f in r.flows { lo = min(lo, f.firstTime); hi = max(hi, f.lastTime) }
            known = lo != .max
            if !known { lo = 0; hi = 0 }
            if hi < lo { hi = lo }
            start = lo; end = hi
        }

        var seconds: Double { Double(end &- start) / 1e9 }

        /// "2024-05-01T10:00:01.250000Z (+1.250 s)".
        func describe(_ t: Int64) -> String {
            let iso = Timestamps.iso8601(t)
            guard known else { return iso }
            return "\(iso) (+\(String(format: "%.3f", Double(t &- start) / 1e9)) s)"
        }
    }

    /// The inverse of `Timestamps.iso8601` (UTC, 1–9 fraction digits).
    static func parseISO(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        guard u.count >= 21, u[4] == 0x2d, u[7] == 0x2d, u[10] == 0x54, u[13] == 0x3a, u[16] == 0x3a, u[19] == 0x2e,
              u[u.count - 1] == 0x5a, u.count - 21 <= 9 else { return nil }
        func num(_ a: Int, _ b: Int) -> Int64? {
            var v: Int64 = 0
            for i in a..<b { guard u[i] >= 0x30, u[i] <= 0x39 else { return nil }; v = v * 10 + Int64(u[i] - 0x30) }
            return v
        }
        guard let y = num(0, 4), let m = num(5, 7), let d = num(8, 10), let hh = num(11, 13), let mm = num(14, 16),
              let ss = num(17, 19), var frac = num(20, u.count - 1), (1...12).contains(m) else { return nil }
        for _ in 0..<(9 - (u.count - 21)) { frac *= 10 }
        // Days since 1970-01-01 from a civil date (Howard Hinnant's algorithm).
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return (days * 86_400 + hh * 3600 + mm * 60 + ss) * 1_000_000_000 + frac
    }

    // MARK: Charts

    static let chartWidth = 960.0
    static let fontAttributes = "font-family=\"system-ui, sans-serif\" font-size=\"11\" fill=\"#1b1f24\""

    struct Lane { var name: String; var color: String }
    static let lanes = [
        Lane(name: "established", color: "#2e7d32"), Lane(name: "refused", color: "#c62828"),
        Lane(name: "unanswered", color: "#e65100"), Lane(name: "unreachable", color: "#6a1b9a"),
        Lane(name: "incomplete", color: "#a07800"), Lane(name: "other", color: "#6b7280"),
    ]
    static func lane(_ outcome: String) -> Int { lanes.firstIndex { $0.name == outcome } ?? lanes.count - 1 }

    /// Time columns of the timeline: marks are merged per (outcome, column), so there are at most
    /// 6 × 480 of them however many flows there are.
    static let timelineColumns = 480

    static func svgOpen(_ id: String, height: Double, title: String, desc: String) -> String {
        "<svg id=\"\(id)\" class=\"chart\" viewBox=\"0 0 \(n(chartWidth)) \(n(height))\" width=\"\(n(chartWidth))\" height=\"\(n(height))\" "
            + "role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" \(fontAttributes)>\n"
            + "<title id=\"\(id)-title\">\(e(title))</title>\n<desc id=\"\(id)-desc\">\(e(desc))</desc>\n"
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", size: Int? = nil, weight: String? = nil,
                     fill: String? = nil, extra: String = "") -> String {
        var a = "x=\"\(n(x))\" y=\"\(n(y))\""
        if anchor != "start" { a += " text-anchor=\"\(anchor)\"" }
        if let size { a += " font-size=\"\(size)\"" }
        if let weight { a += " font-weight=\"\(weight)\"" }
        if let fill { a += " fill=\"\(fill)\"" }
        if !extra.isEmpty { a += " " + extra }
        return "<text \(a)>\(e(s))</text>\n"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ stroke: String = "#9aa0a6") -> String {
        "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"1\"/>\n"
    }

    static func figure(_ id: String, _ heading: String, _ body: String, caption: String) -> String {
        "<figure id=\"fig-\(id)\">\n<h3>\(e(heading))</h3>\n\(body)<figcaption>\(e(caption))</figcaption>\n</figure>\n"
    }

    static func empty(_ id: String, _ heading: String, _ message: String) -> String {
        "<figure id=\"fig-\(id)\">\n<h3>\(e(heading))</h3>\n<p class=\"empty\" id=\"\(id)-empty\">\(e(message))</p>\n</figure>\n"
    }

    /// 1. Every listed flow at its first packet, one lane per handshake outcome.
    static func timelineChart(_ r: Report, _ base: TimeBase) -> String {
        let id = "chart-timeline", heading = "Connection attempts and failures over time"
        guard !r.flows.isEmpty, base.known else { return empty(id, heading, "No flows to chart.") }
        let left = 150.0, right = 16.0, top = 10.0, laneH = 26.0
        let plotW = chartWidth - left - right
        let plotH = laneH * Double(lanes.count)
        let height = top + plotH + 46
        let span = max(base.end &- base.start, 1)
        var cells: [Int: Int] = [:]  // lane * columns + column -> flows
        var perLane = [Int](repeating: 0, count: lanes.count)
        var firstFailure: FlowEntry?
        for f in r.flows {
            let l = lane(f.outcome)
            perLane[l] += 1
            let t = min(max(f.firstTime, base.start), base.end)
            let col = min(timelineColumns - 1, Int(Double(t &- base.start) / Double(span) * Double(timelineColumns)))
            cells[l * timelineColumns + col, default: 0] += 1
            if (1...4).contains(l), firstFailure == nil || f.firstTime < firstFailure!.firstTime { firstFailure = f }
        }
        let counts = zip(lanes, perLane).filter { $0.1 > 0 }.map { "\($0.1) \($0.0.name)" }.joined(separator: ", ")
        var desc = "\(r.flows.count) flow\(r.flows.count == 1 ? "" : "s") by first packet over \(String(format: "%.3f", base.seconds)) s: \(counts)."
        if let f = firstFailure {
            desc += " First failure (\(f.outcome)) at +\(String(format: "%.3f", Double(f.firstTime &- base.start) / 1e9)) s: \(endpoint(f.client)) → \(endpoint(f.server))."
        } else {
            desc += " No failed attempts."
        }
        var svg = svgOpen(id, height: height, title: heading, desc: desc)
        // Lanes, labelled with their counts; the swatch doubles as the legend.
        for (i, l) in lanes.enumerated() {
            let y = top + Double(i) * laneH
            svg += "<rect x=\"\(n(left))\" y=\"\(n(y))\" width=\"\(n(plotW))\" height=\"\(n(laneH))\" fill=\"\(i % 2 == 0 ? "#f6f7f9" : "#ffffff")\"/>\n"
            svg += "<rect x=\"8\" y=\"\(n(y + 8))\" width=\"10\" height=\"10\" fill=\"\(l.color)\"/>\n"
            svg += text(24, y + 17, "\(l.name) (\(perLane[i]))", weight: perLane[i] > 0 && i > 0 && i < 5 ? "600" : nil)
        }
        // Ticks.
        let ticks = niceTicks(base.seconds)
        for t in ticks.values {
            let x = left + (base.seconds > 0 ? t / base.seconds : 0) * plotW
            svg += line(x, top, x, top + plotH, "#e1e4e8")
            svg += line(x, top + plotH, x, top + plotH + 4)
            svg += text(x, top + plotH + 16, secondsLabel(t, step: ticks.step), anchor: "middle", size: 10)
        }
        svg += line(left, top + plotH, left + plotW, top + plotH)
        svg += text(left + plotW / 2, height - 6, "time since the capture started (first packet \(Timestamps.iso8601(base.start)))", anchor: "middle")
        // Marks: darker where more flows share a column.
        let peak = cells.values.max() ?? 1
        let colW = plotW / Double(timelineColumns)
        for key in cells.keys.sorted() {
            let count = cells[key]!
            let l = key / timelineColumns, col = key % timelineColumns
            let x = left + Double(col) * colW
            let opacity = peak <= 1 ? 0.9 : 0.45 + 0.55 * log(Double(count)) / log(Double(peak))
            let at = Double(col) / Double(timelineColumns) * base.seconds
            svg += "<rect class=\"mark\" x=\"\(n(x))\" y=\"\(n(top + Double(l) * laneH + 4))\" width=\"\(n(max(colW, 3)))\" height=\"\(n(laneH - 8))\" fill=\"\(lanes[l].color)\" fill-opacity=\"\(n(opacity, 2))\">"
            svg += "<title>\(count) \(lanes[l].name) at +\(String(format: "%.3f", at)) s</title></rect>\n"
        }
        svg += "</svg>\n"
        var caption = "One mark per flow at its first packet, by handshake outcome (other: not TCP, captured mid-stream, pending or aborted by the client); darker marks stand for more flows. "
        caption += desc
        if r.limits.flowsOmittedFromReport > 0 { caption += " \(r.limits.flowsOmittedFromReport) flows not listed in the report are not shown." }
        return figure(id, heading, svg, caption: caption)
    }

    /// 2. Handshake RTT per server endpoint, on log-scaled buckets shared by all panels.
    static let maxRTTServices = 6
    static let rttEdges: [Double] = (-3...6).flatMap { k in [1.0, 2, 5].map { $0 * pow(10, Double(k)) } }

    static func rttChart(_ r: Report) -> String {
        let id = "chart-rtt", heading = "Handshake RTT by service"
        var samples: [String: [Double]] = [:]
        var names: [String: [String]] = [:]
        for f in r.flows {
            guard let rtt = f.handshakeRTTms, rtt.isFinite, rtt >= 0 else { continue }
            let k = endpoint(f.server)
            samples[k, default: []].append(rtt)
            if let sni = f.tls?.sni, !(names[k] ?? []).contains(sni), (names[k] ?? []).count < 3 { names[k, default: []].append(sni) }
        }
        guard !samples.isEmpty else { return empty(id, heading, "No handshakes to chart: no flow in the report has a measured handshake RTT.") }
        let services = samples.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.prefix(maxRTTServices)
        let all = services.flatMap(\.value)
        // Bucket edges: the 1-2-5 series from below the fastest to above the slowest, at least 6 buckets.
        var lo = rttEdges.lastIndex { $0 <= all.min()! } ?? 0
        var hi = rttEdges.firstIndex { $0 > all.max()! } ?? rttEdges.count - 1
        while hi - lo < 6, hi < rttEdges.count - 1 || lo > 0 { if hi < rttEdges.count - 1 { hi += 1 }; if hi - lo < 6, lo > 0 { lo -= 1 } }
        let edges = Array(rttEdges[lo...hi])
        let left = 56.0, right = 16.0, top = 8.0, labelH = 20.0, barsH = 52.0, gap = 12.0
        let plotW = chartWidth - left - right
        let panelH = labelH + barsH + gap
        let height = top + panelH * Double(services.count) + 40
        func x(_ v: Double) -> Double { left + (log10(v) - log10(edges[0])) / (log10(edges.last!) - log10(edges[0])) * plotW }
        func bucket(_ v: Double) -> Int { max(0, min(edges.count - 2, (edges.lastIndex { $0 <= v } ?? 0))) }
        var descs: [String] = []
        var body = ""
        for (i, (svc, values)) in services.enumerated() {
            let y0 = top + Double(i) * panelH
            let sorted = values.sorted()
            let p50 = sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * 0.5).rounded()))]
            var label = "\(svc): \(values.count) handshake\(values.count == 1 ? "" : "s"), p50 \(ms(p50)) ms"
            label += values.count == 1 ? "" : ", range \(ms(sorted[0]))–\(ms(sorted.last!)) ms"
            if let ns = names[svc], !ns.isEmpty { label += " (TLS name \(ns.joined(separator: ", ")))" }
            descs.append(label)
            body += text(left, y0 + 14, label, size: 12, weight: "600")
            var counts = [Int](repeating: 0, count: edges.count - 1)
            for v in values { counts[bucket(v)] += 1 }
            let peak = counts.max() ?? 1
            let base = y0 + labelH + barsH
            for k in edges.indices where k > 0 && k < edges.count - 1 && isPowerOf10(edges[k]) {
                body += line(x(edges[k]), y0 + labelH, x(edges[k]), base, "#e1e4e8")
            }
            for (k, c) in counts.enumerated() where c > 0 {
                let x0 = x(edges[k]), x1 = x(edges[k + 1])
                let h = max(2, Double(c) / Double(peak) * (barsH - 12))
                body += "<rect class=\"hbar\" x=\"\(n(x0 + 1))\" y=\"\(n(base - h))\" width=\"\(n(max(1, x1 - x0 - 2)))\" height=\"\(n(h))\" fill=\"#3b6fb6\">"
                body += "<title>\(c) handshake\(c == 1 ? "" : "s") of \(rttLabel(edges[k]))–\(rttLabel(edges[k + 1])) ms</title></rect>\n"
                if x1 - x0 >= 14 { body += text((x0 + x1) / 2, base - h - 2, String(c), anchor: "middle", size: 9) }
            }
            body += line(left, base, left + plotW, base)
            body += text(left - 6, base, "0", anchor: "end", size: 9)
            body += text(left - 6, base - barsH + 16, String(peak), anchor: "end", size: 9)
        }
        let axisY = top + panelH * Double(services.count) - gap
        let spacing = plotW / Double(edges.count - 1)
        for v in edges where spacing >= 26 || isPowerOf10(v) {
            body += line(x(v), axisY, x(v), axisY + 4)
            body += text(x(v), axisY + 15, rttLabel(v), anchor: "middle", size: 10)
        }
        body += text(left + plotW / 2, height - 6, "handshake RTT, ms (log scale; SYN to SYN-ACK or SYN-ACK to ACK, as seen where captured)", anchor: "middle")
        body += text(14, top + (axisY - top) / 2, "handshakes", anchor: "middle", extra: "transform=\"rotate(-90 14 \(n(top + (axisY - top) / 2)))\"")
        let desc = descs.joined(separator: "; ") + "."
        var svg = svgOpen(id, height: height, title: heading, desc: desc)
        svg += body + "</svg>\n"
        var caption = "Handshake RTT histograms, one row per service (the \(services.count) with the most samples). " + desc
        if samples.count > services.count { caption += " \(samples.count - services.count) more service\(samples.count - services.count == 1 ? "" : "s") not shown." }
        return figure(id, heading, svg, caption: caption)
    }

    static func isPowerOf10(_ v: Double) -> Bool { let l = log10(v); return abs(l - l.rounded()) < 1e-9 }

    static func rttLabel(_ ms: Double) -> String { ms >= 1000 ? number(ms / 1000) + " s" : number(ms) }

    /// 3. Retransmissions by time since each flow began, for the flows with the most.
    static let maxRetransFlows = 8

    /// The left edge of timeline bucket i in ms: 0, 10, 20, 40… (bucket i covers [10·2^(i-1), 10·2^i)).
    static func bucketStart(_ i: Int) -> Double { i == 0 ? 0 : 10 * pow(2, Double(i - 1)) }

    static func msLabel(_ ms: Double) -> String { ms == 0 ? "0" : (ms < 1000 ? "\(number(ms)) ms" : "\(number(ms / 1000)) s") }

    static func bucketRange(_ i: Int) -> String { i == 15 ? "≥ \(msLabel(bucketStart(15)))" : "\(msLabel(bucketStart(i)))–\(msLabel(bucketStart(i + 1)))" }

    static func retransmissionChart(_ r: Report, _ base: TimeBase) -> String {
        let id = "chart-retrans", heading = "Retransmissions over time, worst flows"
        func total(_ f: FlowEntry) -> Int { f.retransmissionTimeline?.reduce(0, +) ?? 0 }
        // Only flows with a timeline: one whose only resends were SYNs or SYN-ACKs (Wireshark counts
        // those too) has no data retransmissions to place in time.
        let candidates = r.flows.filter { total($0) > 0 }
        let handshakeOnly = r.flows.count { $0.counters.retransmission > 0 && total($0) == 0 }
        let note = handshakeOnly == 0 ? "" : " \(handshakeOnly) flow\(handshakeOnly == 1 ? "" : "s") resent only handshake segments (SYN or SYN-ACK), which have no timeline."
        let flows = candidates
            .sorted { ($0.counters.retransmission, total($0), $1.firstTime) > ($1.counters.retransmission, total($1), $0.firstTime) }
            .prefix(maxRetransFlows)
        guard !flows.isEmpty else { return empty(id, heading, "No retransmissions to chart: no flow in the report resent data." + note) }
        let left = 56.0, right = 16.0, top = 8.0, labelH = 20.0, barsH = 48.0, gap = 12.0
        let plotW = chartWidth - left - right
        let barW = plotW / 16
        let panelH = labelH + barsH + gap
        let height = top + panelH * Double(flows.count) + 50
        var descs: [String] = []
        var body = ""
        for (i, f) in flows.enumerated() {
            let y0 = top + Double(i) * panelH
            let tl = (f.retransmissionTimeline ?? []) + [Int](repeating: 0, count: max(0, 16 - (f.retransmissionTimeline?.count ?? 0)))
            var label = "\(f.transport) \(endpoint(f.client)) → \(endpoint(f.server))"
            if let sni = f.tls?.sni { label += " (\(sni))" }
            label += ": \(total(f)) retransmission\(total(f) == 1 ? "" : "s") (Wireshark counts \(f.counters.retransmission))"
            if base.known { label += ", flow began at +\(String(format: "%.3f", Double(f.firstTime &- base.start) / 1e9)) s" }
            let parts = tl.prefix(16).enumerated().filter { $0.element > 0 }.map { "\($0.element) in \(bucketRange($0.offset))" }
            descs.append(label + "; " + parts.joined(separator: ", "))
            body += text(left, y0 + 14, label, size: 12, weight: "600")
            let peak = max(1, tl.prefix(16).max() ?? 1)
            let baseY = y0 + labelH + barsH
            for (k, c) in tl.prefix(16).enumerated() where c > 0 {
                let h = max(2, Double(c) / Double(peak) * (barsH - 12))
                let x0 = left + Double(k) * barW
                body += "<rect class=\"rbar\" x=\"\(n(x0 + 2))\" y=\"\(n(baseY - h))\" width=\"\(n(barW - 4))\" height=\"\(n(h))\" fill=\"#c2571a\">"
                body += "<title>\(c) retransmission\(c == 1 ? "" : "s") \(bucketRange(k)) after the flow began</title></rect>\n"
                body += text(x0 + barW / 2, baseY - h - 2, String(c), anchor: "middle", size: 9)
            }
            body += line(left, baseY, left + plotW, baseY)
            body += text(left - 6, baseY, "0", anchor: "end", size: 9)
            body += text(left - 6, baseY - barsH + 16, String(peak), anchor: "end", size: 9)
        }
        let axisY = top + panelH * Double(flows.count) - gap
        for k in 0...15 {
            let x = left + Double(k) * barW
            body += line(x, axisY, x, axisY + 4)
            body += text(x, axisY + (k % 2 == 0 ? 15 : 27), msLabel(bucketStart(k)), anchor: "middle", size: 10)
        }
        body += text(left + plotW / 2, height - 6, "time since the flow's first packet (doubling buckets: the first 10 ms, then up to 20 ms, 40 ms …; the last is everything later)", anchor: "middle")
        body += text(14, top + (axisY - top) / 2, "retransmissions", anchor: "middle", extra: "transform=\"rotate(-90 14 \(n(top + (axisY - top) / 2)))\"")
        let desc = descs.joined(separator: ". ") + "."
        var svg = svgOpen(id, height: height, title: heading, desc: desc)
        svg += body + "</svg>\n"
        var caption = "The \(flows.count) flow\(flows.count == 1 ? "" : "s") with the most retransmissions (ranked by Wireshark's tcp.analysis.retransmission count), each a row of 16 buckets of time since the flow began; the bars count the data segments flowdoctor saw sent again, both directions. " + desc
        if candidates.count > flows.count { caption += " \(candidates.count - flows.count) more flow\(candidates.count - flows.count == 1 ? "" : "s") with retransmissions not shown." }
        caption += note
        return figure(id, heading, svg, caption: caption)
    }

    // MARK: Axis helpers

    /// Round tick positions (1-2-5 steps) covering 0...span seconds.
    static func niceTicks(_ span: Double) -> (values: [Double], step: Double) {
        guard span > 0 else { return ([0], 1) }
        let raw = span / 8
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var v: [Double] = []
        var t = 0.0
        while t <= span * (1 + 1e-9) && v.count < 50 { v.append(t); t += step }
        return (v, step)
    }

    static func secondsLabel(_ s: Double, step: Double) -> String {
        if s == 0 { return "0" }
        return step < 1 ? number((s * 1000 * 1000).rounded() / 1000) + " ms" : number(s) + " s"
    }

    // MARK: Footer

    static func footer(_ r: Report) -> String {
        var out = "<footer>\n<p>Generated by \(e(r.generator.name)) \(e(r.generator.version)) (\(e(r.generator.libpcap))), report schema \(e(r.schema)).</p>\n"
        out += "<details>\n<summary>Thresholds in force</summary>\n<table class=\"facts\">\n"
        let e2 = JSONEncoder()
        e2.outputFormatting = .sortedKeys
        if let data = try? e2.encode(r.thresholds), let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for k in obj.keys.sorted() { out += "<tr><th>\(e(k))</th><td>\(e(String(describing: obj[k]!)))</td></tr>\n" }
        }
        out += "</table>\n</details>\n</footer>\n"
        return out
    }

    // MARK: Formatting

    static func endpoint(_ p: Endpoint) -> String {
        guard let port = p.port else { return p.ip }
        return p.ip.contains(":") ? "[\(p.ip)]:\(port)" : "\(p.ip):\(port)"
    }

    static func fmt(_ v: Double) -> String { v < 10 ? String(format: "%.1f", v) : String(Int(v.rounded())) }

    /// Milliseconds with two significant digits below 10 (LAN handshakes take tens of microseconds).
    static func ms(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        if v >= 10 { return String(Int(v.rounded())) }
        if v >= 1 { return String(format: "%.1f", v) }
        if v >= 0.1 { return String(format: "%.2f", v) }
        return v >= 0.001 ? String(format: "%.3f", v) : (v == 0 ? "0" : "<0.001")
    }

    /// Up to 3 decimals, trailing zeros dropped.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return String(describing: v) }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        var s = String(format: "%.3f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// SVG coordinates.
    static func n(_ v: Double, _ digits: Int = 1) -> String {
        let s = String(format: "%.\(digits)f", v)
        return s.hasSuffix(digits == 1 ? ".0" : ".00") ? String(s.dropLast(digits + 1)) : s
    }

    // MARK: Style and script

    /// Neither `<` nor `&` appears in the style or the script, so both are also valid XML text.
    static let css = """
        :root { color-scheme: light; --err: #b3261e; --err-bg: #fdecea; --warn: #8a4b00; --warn-bg: #fff3e0;
                --info: #0b57d0; --info-bg: #e8f0fe; --line: #d5d9de; --muted: #5f6368; --text: #1b1f24; }
        * { box-sizing: border-box; }
        body { margin: 0 auto; max-width: 1180px; padding: 16px 28px 48px; color: var(--text); background: #fff;
               font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        h1 { font-size: 1.6em; margin: .2em 0 .3em; }
        h2 { font-size: 1.25em; margin: 1.8em 0 .6em; padding-bottom: .2em; border-bottom: 2px solid var(--line); }
        h3 { font-size: 1.05em; margin: 0 0 .3em; }
        code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .88em;
               overflow-wrap: anywhere; }
        table { border-collapse: collapse; }
        th, td { text-align: left; vertical-align: top; padding: 2px 12px 2px 0; }
        .facts th { color: var(--muted); font-weight: 600; white-space: nowrap; }
        .muted, figcaption, .meta { color: var(--muted); }
        .incident { border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 0 0 10px; }
        .incident.error { border-left-color: var(--err); } .incident.warning { border-left-color: var(--warn); } .incident.info { border-left-color: var(--info); }
        .incident .sev { text-transform: uppercase; font-size: .8em; font-weight: 700; margin-right: .4em; }
        svg.ladder { max-width: 100%; height: auto; font: 12px ui-monospace, Menlo, Consolas, monospace; }
        svg.ladder .lane { stroke: var(--line); stroke-width: 2; } svg.ladder .host { font-weight: 700; fill: var(--text); }
        svg.ladder .rung line { stroke: var(--text); stroke-width: 1.3; } svg.ladder .rung text { fill: var(--text); }
        svg.ladder .time { fill: var(--muted); } svg.ladder marker path { fill: var(--text); }
        svg.ladder .rung.failing line { stroke: var(--err); stroke-width: 2.2; } svg.ladder .rung.failing text.label { fill: var(--err); font-weight: 700; }
        .empty { color: var(--muted); font-style: italic; }
        .bad { color: var(--err); }
        nav { margin: 12px 0 0; }
        nav a { color: var(--info); }
        button { margin-left: 12px; font: inherit; font-size: .9em; padding: 2px 10px; }
        .badge { display: inline-block; padding: 0 8px; border-radius: 10px; border: 1px solid; font-size: .78em;
                 font-weight: 700; text-transform: uppercase; letter-spacing: .03em; vertical-align: 1px; }
        .b-error { color: var(--err); background: var(--err-bg); }
        .b-warning { color: var(--warn); background: var(--warn-bg); }
        .b-info { color: var(--info); background: var(--info-bg); }
        .totals .badge { font-size: .9em; padding: 2px 10px; }
        .group { border: 1px solid var(--line); border-left: 6px solid var(--info); border-radius: 6px; padding: 10px 14px;
                 margin: 10px 0; break-inside: avoid; }
        .group.error { border-left-color: var(--err); }
        .group.warning { border-left-color: #d98300; }
        .group .count { font-weight: 400; color: var(--muted); }
        .group .where { font-weight: 400; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .88em; }
        .group p { margin: .25em 0; }
        .summary { font-size: 1.02em; }
        .check strong { color: var(--muted); }
        .meaning { color: var(--muted); max-width: 75em; }
        details { margin-top: .4em; }
        details summary { cursor: pointer; color: var(--info); }
        ol.findings { padding-left: 1.6em; }
        ol.findings li { margin: .5em 0; padding-bottom: .4em; border-bottom: 1px dashed var(--line); }
        dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: .3em 0; }
        dl.kv dt { color: var(--muted); }
        dl.kv dd { margin: 0; min-width: 0; }
        table.evidence th { font-weight: 400; color: var(--muted); font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .88em; }
        table.evidence td { overflow-wrap: anywhere; }
        .sub { font-weight: 600; margin-top: .6em; }
        .scroll { overflow-x: auto; }
        table.services { width: 100%; font-size: .93em; }
        table.services th, table.services td { border-bottom: 1px solid var(--line); padding: 4px 8px; }
        table.services thead th { background: #f1f3f5; }
        table.services tr.bad td:first-child { border-left: 4px solid var(--err); }
        .names { color: var(--muted); font-size: .85em; overflow-wrap: anywhere; }
        .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        figure { margin: 1em 0 1.6em; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; break-inside: avoid; }
        figure svg { display: block; width: 100%; height: auto; max-width: 960px; }
        figcaption { font-size: .88em; margin-top: 8px; }
        footer { margin-top: 2.5em; padding-top: .6em; border-top: 1px solid var(--line); color: var(--muted); font-size: .88em; }
        @media print {
          body { max-width: none; padding: 0; font-size: 10.5pt; }
          nav, button { display: none; }
          a { color: inherit; text-decoration: none; }
          h2 { break-after: avoid; }
          .group, figure, tr { break-inside: avoid; }
          details summary { color: inherit; }
          .scroll { overflow: visible; }
        }

        """

    /// Expand / collapse every `<details>`, and open them all for printing. The button stays
    /// hidden without script.
    static let script = """
        <script>
        (function () {
          var b = document.getElementById('toggle-details');
          function all(open) { document.querySelectorAll('details').forEach(function (d) { d.open = open; }); }
          b.hidden = false;
          b.addEventListener('click', function () {
            var open = b.getAttribute('aria-pressed') !== 'true';
            all(open); b.setAttribute('aria-pressed', open ? 'true' : 'false');
            b.textContent = open ? 'Collapse all details' : 'Expand all details';
          });
          window.addEventListener('beforeprint', function () { all(true); });
        })();
        </script>

        """
}
