import Diagnosis
import FlowdoctorCore
import Foundation
import Reporting
import Testing

/// The hand-written JSON writer must say exactly what the report's Codable model says.
@Suite("JSON report") struct JSONReportTests {
    static func normalized(_ v: Any) -> Any {
        if let d = v as? [String: Any] {
            var out: [String: Any] = [:]
            // Codable leaves a nil optional out; the writer writes "flow": null. Same meaning.
            for (k, x) in d where !(x is NSNull) { out[k] = normalized(x) }
            return out
        }
        if let a = v as? [Any] { return a.map(normalized) }
        if let n = v as? NSNumber { return n.doubleValue }
        return v
    }

    @Test("the writer and Codable agree on every fixture report", arguments: FixtureTests.cases().prefix(40).map(\.pcap))
    func agrees(_ pcap: String) throws {
        let r = try OfflineAnalysis.run(paths: [pcap])
        let ours = try JSONSerialization.jsonObject(with: Data(JSONReport.render(r).utf8))
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        let reference = try JSONSerialization.jsonObject(with: e.encode(r))
        #expect(NSDictionary(dictionary: Self.normalized(ours) as! [String: Any])
                    .isEqual(to: Self.normalized(reference) as! [String: Any]))
        let doc = ours as! [String: Any]
        for f in doc["findings"] as! [[String: Any]] { #expect(f.keys.contains("flow"), "flow is always present, null when capture-wide") }
    }

    @Test("strings from packets are escaped into valid JSON") func escaping() throws {
        var r = try OfflineAnalysis.run(paths: [FixtureTests.cases()[0].pcap])
        let hostile = "a\"b\\c\nd\u{1b}[31m\u{0}e\u{2028}ü😀"
        r.findings = [Finding(kind: .decodeMalformed, severity: .warning, summary: hostile, frames: [1], firstTime: 0, lastTime: 0,
                              evidence: ["name": .string(hostile), "nested": .object(["x": .array([.double(0.25), .bool(true)])])],
                              causes: [], filter: "", flow: nil)]
        let text = JSONReport.render(r)
        #expect(!text.contains("\u{1b}") && !text.contains("\u{0}"))
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let f = try #require((doc["findings"] as? [[String: Any]])?.first)
        #expect(f["summary"] as? String == hostile)
        #expect((f["evidence"] as? [String: Any])?["name"] as? String == hostile)
        #expect(f["flow"] is NSNull)
    }
}
