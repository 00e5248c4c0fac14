import Diagnosis

/// The long form of a finding kind, for `flowdoctor explain`.
public enum ExplainText {
    public static func render(_ i: KindInfo) -> String {
        var out = "\(i.kind.rawValue): \(i.title)\n"
        out += "layer: \(i.layer.rawValue)    default severity: \(i.defaultSeverity.rawValue)\n\n"
        out += "What it means\n" + wrap(i.meaning) + "\n\n"
        out += "How flowdoctor detects it\n" + wrap(i.detection) + "\n\n"
        // The causes a finding of this kind can be given, each read from that finding's evidence.
        out += "Likely causes (each finding ranks the ones its evidence supports: id, what raises it, what rules it out)\n"
        for r in CauseCatalog.causes(of: i.kind) {
            out += "  - \(r.id): \(r.title)\n"
            out += indent(wrap("raised by: " + r.raisedBy, width: 86)) + "\n"
            out += indent(wrap("ruled out by: " + r.ruledOutBy, width: 86)) + "\n"
        }
        out += "\n"
        out += "What to check next (in a report each cause carries these filled with the finding's values)\n"
            + i.checks.map { "  - " + $0 }.joined(separator: "\n") + "\n"
        if !i.related.isEmpty { out += "\nRelated: " + i.related.map(\.rawValue).joined(separator: ", ") + "\n" }
        return out
    }

    static func indent(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    }

    static func wrap(_ s: String, width: Int = 92) -> String {
        var lines: [String] = [], line = " "
        for w in s.split(separator: " ") {
            if line.count + w.count + 1 > width { lines.append(line); line = " " }
            line += " " + w
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }
}
