import Diagnosis
import Foundation

/// The report for people. Strings that came from packets go through `TextEscape` before printing.
public enum TextReport {
    public static func render(_ r: Report) -> String {
        var out = ""
        let c = r.capture
        out += "flowdoctor \(r.generator.version) — diagnosis\n\n"
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
        if c.truncated { out += "  NOTE       the capture ends mid-packet; everything before the cut was analysed\n" }
        if !c.protocols.isEmpty {
            out += "\nProtocols\n"
            for (k, v) in c.protocols.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                out += "  \(k.padding(toLength: 14, withPad: " ", startingAt: 0)) \(v)\n"
            }
        }
        if !c.decode.malformed.isEmpty || !c.decode.truncated.isEmpty {
            out += "\nDecoding\n"
            for m in c.decode.malformed { out += "  malformed  \(m.layer) \(m.reason ?? "")  \(m.count)\n" }
            for t in c.decode.truncated { out += "  truncated  \(t.layer)  \(t.count) (captured too short to decode)\n" }
        }
        out += services(r)
        if r.limits.flowsEvicted > 0 {
            out += "\nLimits: the flow table held \(r.limits.maxFlows) flows; \(r.limits.flowsEvicted) were finalised early to make room\n"
        }
        out += "\nFindings: \(r.summary.findings) (\(r.summary.errors) errors, \(r.summary.warnings) warnings, \(r.summary.info) info)\n"
        for f in r.findings {
            out += "  [\(f.severity.rawValue)] \(f.kind.rawValue): \(TextEscape.line(f.summary))\n"
            if !f.frames.isEmpty { out += "      frames \(f.frames.prefix(10).map(String.init).joined(separator: ", "))\n" }
            if let check = f.checks.first { out += "      check: \(TextEscape.line(check))\n" }
        }
        if !r.summary.suppressed.isEmpty {
            let s = r.summary.suppressed.sorted { $0.key < $1.key }.map { "\($0.value) more \($0.key)" }.joined(separator: ", ")
            out += "  (not listed, over the per-server cap of \(r.thresholds.maxFindingsPerGroup): \(s))\n"
        }
        return out
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
