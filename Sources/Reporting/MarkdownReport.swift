import Diagnosis
import Foundation

/// A report to paste into a ticket: the diagnosis and the services as tables, then the details.
/// Text from packets is made inert: table separators, backticks and HTML are escaped.
public enum MarkdownReport {
    public static func render(_ r: Report) -> String {
        let c = r.capture
        var out = "# flowdoctor diagnosis\n\n"
        let names = c.files.map { cell(($0.path as NSString).lastPathComponent) }.joined(separator: ", ")
        out += "**Capture:** \(names) — \(c.packets) packets"
        if let a = c.firstTime, let b = c.lastTime { out += ", \(a) → \(b)" }
        out += "  \n**Findings:** \(r.summary.findings) (\(r.summary.errors) errors, \(r.summary.warnings) warnings, \(r.summary.info) info)\n\n"
        if !r.incidents.isEmpty {
            out += "## Answer\n\n"
            for (n, i) in r.incidents.prefix(TextReport.answerIncidents).enumerated() {
                let who = TextReport.affected(i)
                out += "\(n + 1). **\(i.severity.rawValue)** \(cell(i.title))\(who.isEmpty ? "" : " — \(who)"): \(cell(i.rootCause.text)) (\(i.rootCause.confidence.rawValue))"
                out += i.firstCheck.map { "  \n   run \(command($0))\n" } ?? "\n"
            }
            let rest = r.incidents.count - TextReport.answerIncidents
            if rest > 0 { out += "\n… and \(rest) more incident\(rest == 1 ? "" : "s") below.\n" }
            out += "\n"
        }
        let groups = TextReport.groups(r)
        if groups.isEmpty {
            out += "No problems found.\n"
        } else {
            out += "## Diagnosis\n\n| severity | layer | finding | where | count | what | likely cause | check first |\n|---|---|---|---|---:|---|---|---|\n"
            for g in groups {
                let f = g.findings[0]
                let likely = f.causes.first.map { "\($0.text) (\($0.confidence.rawValue))" } ?? ""
                out += "| \(g.severity.rawValue) | \(g.kind.info.layer.rawValue) | `\(g.kind.rawValue)` | \(cell(g.where_)) | \(g.findings.count) | \(cell(f.summary)) | \(cell(likely)) | \(cell(f.checks.first ?? "")) |\n"
            }
            if !r.summary.suppressed.isEmpty {
                let s = r.summary.suppressed.sorted { $0.key < $1.key }.map { "\($0.value) more `\($0.key)`" }.joined(separator: ", ")
                out += "\nNot listed (over the per-server cap of \(r.thresholds.maxFindingsPerGroup)): \(s).\n"
            }
        }
        let rows = r.services.filter { $0.transport == "tcp" && $0.attempts > 0 }.prefix(20)
        if !rows.isEmpty {
            out += "\n## Services\n\n| server | attempts | ok | failed | RTT p50/p95 ms | retrans | TLS ok/failed | resets |\n|---|---:|---:|---|---|---:|---|---:|\n"
            for s in rows {
                let failed = s.failed.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                let rtt = s.handshakeRTTms.map { "\(TextReport.fmt($0.p50))/\(TextReport.fmt($0.p95))" } ?? "–"
                let retrans = s.retransmissionRatePercent.map { TextReport.fmt($0) + "%" } ?? "–"
                let tls = s.tls.map { "\($0.completed)/\($0.failed)" } ?? "–"
                out += "| \(cell(s.endpoint)) | \(s.attempts) | \(s.established) | \(failed.isEmpty ? "–" : failed) | \(rtt) | \(retrans) | \(tls) | \(s.resets.values.reduce(0, +)) |\n"
            }
        }
        if !groups.isEmpty {
            out += "\n## Details\n"
            for g in groups {
                out += "\n### `\(g.kind.rawValue)` on \(cell(g.where_)) — \(g.kind.info.title)\n\n"
                for f in g.findings.prefix(TextReport.detailsPerGroup) {
                    out += "- **\(f.severity.rawValue)**: \(cell(f.summary))\n"
                    if !f.frames.isEmpty { out += "  - frames \(f.frames.prefix(10).map(String.init).joined(separator: ", "))\n" }
                    out += "  - Wireshark filter: \(code(f.filter))\n"
                }
                if g.findings.count > TextReport.detailsPerGroup { out += "- … \(g.findings.count - TextReport.detailsPerGroup) more\n" }
                out += "\nCauses:\n\n"
                for c in g.findings[0].causes {
                    out += "1. **\(cell(c.text))** (\(c.confidence.rawValue)) — because \(cell(c.because.joined(separator: "; ")))\n"
                    for k in c.checks { out += "   - on \(cell(k.on)): \(command(k.run))\n" }
                    if let t = c.tellApart { out += "   - to tell apart: \(cell(t))\n" }
                }
            }
        }
        return out
    }

    /// Table-safe, inert text: no pipes, HTML, or line breaks; control characters made visible.
    static func cell(_ s: String) -> String {
        var out = ""
        for ch in TextEscape.line(s) {
            switch ch {
            case "|": out += "\\|"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "*", "_", "[", "]", "#": out += "\\\(ch)"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A code span that holds any text (a longer fence when the text has backticks).
    /// A command: a code span when nothing in it could be read as markup, else escaped text.
    static func command(_ s: String) -> String {
        s.contains(where: { $0 == "<" || $0 == ">" || $0 == "&" }) ? cell(s) : code(s)
    }

    static func code(_ s: String) -> String {
        let t = TextEscape.line(s).replacingOccurrences(of: "|", with: "\\|")
        return t.contains("`") ? "`` \(t) ``" : "`\(t)`"
    }
}
