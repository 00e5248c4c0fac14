import FlowdoctorCore
import Foundation
import Testing

/// Public captures no one here wrote (../shared/corpus, never copied into this repository):
/// every one that libpcap reads gives capinfos' packet count, with nothing truncated.
@Suite("Reference corpus", .enabled(if: corpusDirectory != nil, "needs ../shared/corpus"))
struct CorpusTests {
    struct Entry: Sendable, CustomTestStringConvertible {
        let file: String
        let packets: UInt64
        var testDescription: String { file }
    }

    static func manifest() -> [Entry] {
        guard let dir = corpusDirectory,
              let text = try? String(contentsOf: dir.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8) else { return [] }
        let rows = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        guard let header = rows.first, let f = header.firstIndex(of: "file"), let p = header.firstIndex(of: "packets") else { return [] }
        return rows.dropFirst().compactMap { r in r.count > max(f, p) ? UInt64(r[p]).map { Entry(file: r[f], packets: $0) } : nil }
    }

    @Test("packet counts match capinfos", arguments: manifest())
    func packets(_ e: Entry) throws {
        let path = corpusDirectory!.appendingPathComponent(e.file).path
        let r = try OfflineAnalysis.run(paths: [path])
        #expect(r.capture.packets == e.packets)
        #expect(!r.capture.truncated)
        #expect(r.capture.decode.malformed.isEmpty, "malformed: \(r.capture.decode.malformed)")
    }

    @Test func manifestIsRead() {
        #expect(Self.manifest().count >= 50)
    }
}
