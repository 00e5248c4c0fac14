import Diagnosis
import Foundation

/// How the text report is laid out: colour only for a terminal that wants it, lines wrapped to
/// its width, details capped unless asked for.
public struct TextStyle: Sendable {
    public var color: Bool
    /// Wrap prose at this many columns (nil: never).
    public var width: Int?
    /// Every finding in the details, not the first few per group.
    public var verbose: Bool
    public init(color: Bool = false, width: Int? = nil, verbose: Bool = false) {
        self.color = color; self.width = width; self.verbose = verbose
    }
}

/// The report for people: what is broken and where to look first, layer by layer in the order a
/// network engineer checks them, then the services, the details and the capture. Strings that
/// came from packets go through `TextEscape` before printing.
public enum TextReport {
    /// Findings shown per group in the details without --verbose.
    static let detailsPerGroup = 3

    /// One line per (kind, server): the findings of one kind against one endpoint.
    struct Group {
        var kind: FindingKind
        var where_: String
        var findings: [Finding]
        var severity: Severity { findings.map(\.severity).max() ?? .info }
    }

    static let layerOrder: [KindInfo.Layer] = [.capture, .link, .network, .transport, .tls, .application]

    static func groups(_ r: Report) -> [Group] {
        var out: [Group] = []
        var index: [String: Int] = [:]
        for f in r.findings {
            let w = f.flow.map { "\($0.server.ip.contains(":") ? "[\($0.server.ip)]" : $0.server.ip)\($0.server.port.map { ":\($0)" } ?? "")" } ?? "capture"
            let key = "\(f.kind.rawValue) \(w)"
            if let i = index[key] { out[i].findings.append(f) } else {
                index[key] = out.count
                out.append(Group(kind: f.kind, where_: w, findings: [f]))
            }
        }
        // Layer by layer; within a layer the worst and the most frequent first.
        return out.sorted { a, b in
            let la = layerOrder.firstIndex(of: a.kind.info.layer) ?? 0, lb = layerOrder.firstIndex(of: b.kind.info.layer) ?? 0
            if la != lb { return la < lb }
            if a.severity != b.severity { return a.severity > b.severity }
            if a.findings.count != b.findings.count { return a.findings.count > b.findings.count }
            return (a.kind.rawValue, a.where_) < (b.kind.rawValue, b.where_)
        }
    }

    /// One streamed finding: a line a person can follow as it scrolls.
    public static func line(_ f: Finding, style: TextStyle = TextStyle()) -> String {
        let p = Paint(style.color)
        return p.severity(f.severity, f.severity.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)) + " "
            + p.bold(f.kind.rawValue) + " " + wrap(TextEscape.line(f.summary), indent: 8, style, first: false)
    }

    /// Incidents shown in the answer block; the rest are counted on one line.
    static let answerIncidents = 11

    /// "Answer": per incident what is broken, where, who is hit, the likely root cause with its
    /// confidence, and the command to run first; at most `answerIncidents` of them (errors first).
    static func answer(_ r: Report, _ p: Paint, _ style: TextStyle) -> String {
        guard !r.incidents.isEmpty else { return "\nAnswer: nothing broken found\n" }
        var out = "\n" + p.bold("Answer") + "\n"
        for (n, i) in r.incidents.prefix(answerIncidents).enumerated() {
            let who = affected(i)
            let head = "\(n + 1). " + p.severity(i.severity, i.severity.rawValue.uppercased()) + " " + p.bold(TextEscape.line(i.title))
                + (who.isEmpty ? "" : " — \(who)") + ": " + TextEscape.line(i.rootCause.text) + " (\(i.rootCause.confidence.rawValue))"
            // Two lines an incident, cut to the terminal's width: the answer stays one screen.
            out += clip(head, style) + "\n"
            if let c = i.firstCheck { out += clip("   run " + TextEscape.line(c), style) + "\n" }
        }
        let rest = r.incidents.dropFirst(answerIncidents)
        if !rest.isEmpty {
            let worst = rest.map(\.severity).max() ?? .info
            out += "   … and \(rest.count) more incident\(rest.count == 1 ? "" : "s") (at worst \(worst.rawValue)): see below\n"
        }
        return out
    }

    /// A line cut to the width (colour codes not counted), with "…" where it was cut.
    static func clip(_ s: String, _ style: TextStyle) -> String {
        guard let w = style.width, w > 20 else { return s }
        var visible = 0, out = "", inEscape = false
        for ch in s {
            if ch == "\u{1B}" { inEscape = true }
            if inEscape { out.append(ch); if ch == "m" { inEscape = false }; continue }
            if visible == w - 1 { return out + "…" + (style.color ? "\u{1B}[0m" : "") }
            out.append(ch); visible += 1
        }
        return out
    }

    /// "3 clients, 12 flows", or nothing for a capture-wide incident.
    static func affected(_ i: Incident) -> String {
        var parts: [String] = []
        if i.affected.clients > 1 { parts.append("\(i.affected.clients) clients") }
        if i.affected.servers > 1 { parts.append("\(i.affected.servers) servers") }
        if i.affected.flows > 1 { parts.append("\(i.affected.flows) flows") }
        if Set(i.chain.compactMap(\.kind)).count > 1 { parts.append("\(i.chain.filter { $0.kind != nil }.count) findings") }
        // A fact that led to the findings (a DNS answer) names where the chain starts.
        if let s = i.chain.first, s.fact != nil {
            parts.append("after \(s.summary)" + (s.frames?.first.map { " (frame \($0))" } ?? ""))
        }
        return parts.joined(separator: ", ")
    }

    public static func render(_ r: Report, style: TextStyle = TextStyle()) -> String {
        let p = Paint(style.color)
        var out = ""
        let c = r.capture
        let names = c.files.map { TextEscape.line(($0.path as NSString).lastPathComponent) }.joined(separator: ", ")
        out += p.bold("flowdoctor \(r.generator.version)") + " — \(names): \(c.packets) packets"
        if c.durationSeconds > 0 { out += " over \(String(format: "%.3f", c.durationSeconds)) s" }
        out += "\n"
        let sum = r.summary
        out += "Findings: \(sum.findings) (" + p.severity(.error, "\(sum.errors) errors") + ", "
            + p.severity(.warning, "\(sum.warnings) warnings") + ", \(sum.info) info)\n"
        if c.truncated { out += p.severity(.warning, "NOTE the capture ends mid-packet; everything before the cut was analysed") + "\n" }

        // 0. The answer: one incident a line or two, most impact first.
        out += answer(r, p, style)

        // 1. What is broken, layer by layer.
        let gs = groups(r)
        if !gs.isEmpty {
            out += "\n" + p.bold("Diagnosis") + " (by layer, worst first)\n"
            var layer: KindInfo.Layer?
            for g in gs {
                let info = g.kind.info
                if info.layer != layer {
                    layer = info.layer
                    out += "  " + p.dim(info.layer.rawValue.uppercased()) + "\n"
                }
                let count = g.findings.count > 1 ? " ×\(g.findings.count)" : ""
                out += "  " + p.severity(g.severity, g.severity.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0))
                    + " " + p.bold(g.kind.rawValue) + count + " " + TextEscape.line(g.where_) + " — " + info.title + "\n"
                out += wrap(TextEscape.line(g.findings[0].summary), indent: 10, style)
                if let likely = g.findings[0].likely { out += wrap(TextEscape.line(likely), indent: 10, style) }
                if let check = g.findings[0].checks.first { out += wrap("check: " + TextEscape.line(check), indent: 10, style) }
            }
            if !sum.suppressed.isEmpty {
                let s = sum.suppressed.sorted { $0.key < $1.key }.map { "\($0.value) more \($0.key)" }.joined(separator: ", ")
                out += "  (not listed, over the per-server cap of \(r.thresholds.maxFindingsPerGroup): \(s))\n"
            }
        } else {
            out += "\nNo problems found.\n"
        }

        // 2. Who is affected.
        out += services(r)

        // 3. The evidence, capped.
        if !gs.isEmpty {
            out += "\n" + p.bold("Details") + (style.verbose ? "\n" : " (the first \(detailsPerGroup) of each group; --verbose for all)\n")
            for g in gs {
                for f in style.verbose ? g.findings : Array(g.findings.prefix(detailsPerGroup)) {
                    out += "  " + p.severity(f.severity, "[\(f.severity.rawValue)]") + " \(f.kind.rawValue): "
                    out += wrap(TextEscape.line(f.summary), indent: 6, style, first: false)
                    if !f.frames.isEmpty { out += "      frames \(f.frames.prefix(10).map(String.init).joined(separator: ", "))\n" }
                    out += wrap("filter: " + TextEscape.line(f.filter), indent: 6, style)
                    if style.verbose {
                        for (n, c) in f.causes.enumerated() {
                            out += wrap("\(n == 0 ? "likely" : "or"): " + TextEscape.line(Finding.line(c)), indent: 6, style)
                            for k in c.checks { out += wrap("check: " + TextEscape.line(k.text), indent: 8, style) }
                            if let t = c.tellApart { out += wrap("to tell apart: " + TextEscape.line(t), indent: 8, style) }
                        }
                    } else {
                        if let likely = f.likely { out += wrap(TextEscape.line(likely), indent: 6, style) }
                        if let check = f.checks.first { out += wrap("check: " + TextEscape.line(check), indent: 6, style) }
                    }
                }
                if !style.verbose && g.findings.count > detailsPerGroup {
                    out += "      … \(g.findings.count - detailsPerGroup) more \(g.kind.rawValue) on \(TextEscape.line(g.where_))\n"
                }
            }
        }

        // 4. The capture itself.
        out += "\n" + p.bold("Capture") + "\n"
        for f in c.files {
            let cut = f.truncated ? "  TRUNCATED: \(TextEscape.line(f.readError ?? "file ends mid-packet"))" : ""
            out += "  file       \(TextEscape.line(f.path)) (\(f.format), \(f.linkType), snaplen \(f.snapshotLength), \(f.packets) packets)\(cut)\n"
        }
        out += "  link types \(c.linkTypes.joined(separator: ", "))\n"
        if let f = c.filter { out += "  filter     \(TextEscape.line(f)) (\(c.analyzedPackets) of \(c.packets) packets matched)\n" }
        out += "  packets    \(c.packets)\n"
        out += "  bytes      \(c.bytes) on the wire, \(c.capturedBytes) captured\n"
        if let a = c.firstTime, let b = c.lastTime {
            out += "  time       \(a) → \(b) (\(String(format: "%.3f", c.durationSeconds)) s)\n"
        }
        if c.snaplenCutPackets > 0 { out += "  snaplen    \(c.snaplenCutPackets) packets cut short by the capture's snapshot length\n" }
        if c.timestampsOutOfOrder > 0 { out += "  timestamps \(c.timestampsOutOfOrder) packets earlier than the one before\n" }
        if !c.protocols.isEmpty {
            out += "  protocols  " + c.protocols.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) })
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        for m in c.decode.malformed { out += "  malformed  \(m.layer) \(m.reason ?? "")  \(m.count)\n" }
        for t in c.decode.truncated { out += "  truncated  \(t.layer)  \(t.count) (captured too short to decode)\n" }
        let t = r.thresholds
        out += wrap("thresholds syn-timeout \(fmt(t.synTimeoutSeconds)) s, idle-reset \(fmt(t.idleResetSeconds)) s, stall \(fmt(t.stallSeconds)) s, "
                    + "retransmissions \(t.retransmissionMinCount) and \(fmt(t.retransmissionMinRate * 100))%, zero window \(fmt(t.zeroWindowMinSeconds)) s or \(t.zeroWindowMinAdvertisements)×, "
                    + "TLS slow \(fmt(t.tlsSlowSeconds)) s, SYN flood \(t.synFloodMinHalfOpen) half-open from \(t.synFloodMinSources) sources (all in the JSON report)",
                    indent: 2, style)
        if r.limits.flowsEvicted > 0 {
            out += "  limits     the flow table held \(r.limits.maxFlows) flows; \(r.limits.flowsEvicted) were finalised early to make room\n"
        }
        let l = r.limits
        var caps: [String] = []
        if l.fragmentSetsEvicted > 0 { caps.append("\(l.fragmentSetsEvicted) fragment sets forced out") }
        if l.namesEvicted > 0 { caps.append("\(l.namesEvicted) DNS/ARP records handed over early") }
        if l.holesForgotten > 0 { caps.append("\(l.holesForgotten) sequence holes forgotten (bytes counted as seen)") }
        if l.historyTruncatedFlows > 0 { caps.append("\(l.historyTruncatedFlows) flow histories cut short") }
        if !caps.isEmpty {
            out += "  caps       \(caps.joined(separator: "; "))\n"
        }
        return out
    }

    /// `text` wrapped at the style's width, each line indented; `first: false` continues a line
    /// already started.
    static func wrap(_ text: String, indent: Int, _ style: TextStyle, first: Bool = true) -> String {
        let pad = String(repeating: " ", count: indent)
        guard let width = style.width, width > indent + 20 else { return (first ? pad : "") + text + "\n" }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && indent + line.count + 1 + word.count > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines.enumerated().map { ($0.offset == 0 && !first ? "" : pad) + $0.element }.joined(separator: "\n") + "\n"
    }

    static let maxServiceRows = 20

    /// Per server endpoint, worst first (the order the report's model already has).
    static func services(_ r: Report) -> String {
        let rows = r.services.filter { $0.transport == "tcp" && $0.attempts + $0.resets.values.reduce(0, +) > 0 }
        guard !rows.isEmpty else { return "" }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        let anyMTU = rows.contains { $0.pathMTU != nil }
        let anyTLS = rows.contains { $0.tls != nil }
        var out = "\nServices (TCP, worst first)\n"
        out += "  " + pad("server", 30) + lpad("attempts", 9) + lpad("ok", 6) + "  " + pad("failed", 34) + lpad("rtt p50/p95 ms", 16) + lpad("retrans", 9) + (anyMTU ? lpad("pmtu", 6) : "") + (anyTLS ? lpad("tls ok/failed", 15) : "") + "  resets\n"
        for s in rows.prefix(maxServiceRows) {
            let failed = s.failed.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let rtt = s.handshakeRTTms.map { "\(fmt($0.p50))/\(fmt($0.p95))" } ?? "-"
            let resets = s.resets.values.reduce(0, +)
            let retrans = s.retransmissionRatePercent.map { fmt($0) + "%" } ?? "-"
            out += "  " + pad(s.endpoint, 30) + lpad("\(s.attempts)", 9) + lpad("\(s.established)", 6) + "  "
                + pad(failed.isEmpty ? "-" : failed, 34) + lpad(rtt, 16) + lpad(retrans, 9)
                + (anyMTU ? lpad(s.pathMTU.map(String.init) ?? "-", 6) : "")
                + (anyTLS ? lpad(s.tls.map { "\($0.completed)/\($0.failed)" } ?? "-", 15) : "") + "  \(resets == 0 ? "-" : "\(resets)")\n"
        }
        if rows.count > maxServiceRows { out += "  … \(rows.count - maxServiceRows) more in the JSON report\n" }
        return out
    }

    static func fmt(_ v: Double) -> String { v < 10 ? String(format: "%.1f", v) : String(Int(v.rounded())) }
}

/// Makes untrusted text safe for a terminal: control characters (including ESC, so no terminal
/// escape sequences) become visible escapes.
public enum TextEscape {
    public static func line(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for u in s.unicodeScalars {
            switch u.value {
            case 0x5c: out += "\\\\"
            case 0x00..<0x20, 0x7f, 0x80..<0xa0, 0x2028, 0x2029, 0x202a...0x202e, 0x2066...0x2069:
                out += "\\u{\(String(u.value, radix: 16))}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}

/// ANSI styling, or none.
struct Paint {
    let on: Bool
    init(_ on: Bool) { self.on = on }
    func code(_ c: String, _ s: String) -> String { on ? "\u{1B}[\(c)m\(s)\u{1B}[0m" : s }
    func bold(_ s: String) -> String { code("1", s) }
    func dim(_ s: String) -> String { code("2", s) }
    func severity(_ v: Severity, _ s: String) -> String {
        switch v {
        case .error: code("1;31", s)
        case .warning: code("33", s)
        case .info: code("36", s)
        }
    }
}

extension Finding {
    /// "likely: <cause> (<confidence>) — because <evidence>", for every format.
    public var likely: String? { causes.first.map { "likely: " + Self.line($0) } }

    static func line(_ c: Cause) -> String {
        "\(c.text) (\(c.confidence.rawValue))" + (c.because.isEmpty ? "" : " — because " + c.because.joined(separator: "; "))
    }
}
