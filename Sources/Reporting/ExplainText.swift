import Foundation
import Diagnosis

/// The long form of a finding kind, for `flowdoctor explain`.
public enum ExplainText {
    public static func render(_ i: KindInfo) -> String {
        var out = "\(i.kind.rawValue): \(i.title)\n"
        out += "layer: \(i.layer.rawValue)    default severity: \(i.defaultSeverity.rawValue)\n\n"
        out += "What it means\n" + wrap(i.meaning) + "\n\n"
        out += "How flowdoctor detects it\n" + wrap(i.detection) + "\n\n"
        out += "Likely causes\n" + i.causes.map { "  - " + $0 }.joined(separator: "\n") + "\n\n"
        let rules = CauseCatalog.causes(of: i.kind)
        if !rules.isEmpty {
            out += "Cause rules (id: what raises it / what rules it out)\n"
            for r in rules {
                out += "  - \(r.id): \(r.title)\n"
                out += wrap("raised by: " + r.raisedBy, width: 88).replacingOccurrences(of: "\n  ", with: "\n      ").replacingOccurrences(of: "^  ", with: "      ", options: .regularExpression) + "\n"
                out += wrap("ruled out by: " + r.ruledOutBy, width: 88).replacingOccurrences(of: "\n  ", with: "\n      ").replacingOccurrences(of: "^  ", with: "      ", options: .regularExpression) + "\n"
            }
            out += "\n"
        }
        out += "What to check next\n" + i.checks.map { "  - " + $0 }.joined(separator: "\n") + "\n"
        if !i.related.isEmpty { out += "\nRelated: " + i.related.map(\.rawValue).joined(separator: ", ") + "\n" }
        return out
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
