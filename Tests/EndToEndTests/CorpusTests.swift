import Diagnosis
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

/// Where the corpus gives Zeek's conn_state and history, ours agrees; each difference is
/// written down here with its reason.
@Suite("Zeek conn_state and history", .enabled(if: corpusDirectory != nil, "needs ../shared/corpus"))
struct ZeekConformanceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        /// (transport, conn_state, history) → flow count, as flowdoctor gives them.
        let ours: [String: Int]
        let zeek: String
        let why: String
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        .init(file: "rst/zeek-tcp-syn-then-rst.pcap", ours: ["tcp RSTOS0 SR": 1], zeek: "RSTOS0 SR", why: "identical"),
        .init(file: "rst/zeek-tcp-single-rst.pcap", ours: ["tcp OTH R": 1], zeek: "OTH R", why: "identical"),
        .init(file: "handshake/zeek-tcp-missing-syn.pcap", ours: ["tcp SF hADdFaf": 1], zeek: "SF ^hADdFaf",
              why: "Zeek flips the direction after the fact and marks it with ^; flowdoctor takes the SYN-ACK's receiver as client from the start"),
        .init(file: "handshake/zeek-tcp-handshake-reorder.pcap", ours: ["tcp SF hSADadFf": 1], zeek: "SF Hs^ADadFf",
              why: "the SYN-ACK arrives first: Zeek records it as the originator's H, then flips (^); flowdoctor knows the SYN-ACK is the responder's (h) at once"),
        .init(file: "mixed/zeek-wikipedia.pcap",
              ours: ["tcp S1 ShADad": 8, "udp SF Dd": 14, "udp S0 D": 10, "tcp OTH DdA": 1, "tcp OTH h": 1],
              zeek: "8x S1/ShADad, 14x SF/Dd, 10x S0/D (udp), 1x OTH/DdA, 1x OTH/H",
              why: "the lone SYN-ACK is the responder's in flowdoctor (h), the originator's in Zeek (H, no flip without later packets)"),
        .init(file: "retrans/zeek-tcp-retransmit-fast009.pcap", ours: ["tcp RSTO ShADadtR": 1], zeek: "RSTO ShADaGdgtR",
              why: "conn_state and the retransmission letter agree; Zeek's reassembler also reports content gaps (G, g), while every byte acknowledged in this crafted capture (TTL 0, ACKs off segment edges) was captured"),
        .init(file: "retrans/zeek-tcp-ssh-dups.pcap", ours: ["tcp SF ShADTadtTtFf": 1], zeek: "SF ShADTadtTtFf",
              why: "identical, with Zeek's scaled retransmission letters (T at the 1st and 10th)"),
    ]

    @Test(arguments: cases) func connState(_ c: Case) throws {
        let r = try OfflineAnalysis.run(paths: [corpusDirectory!.appendingPathComponent(c.file).path])
        var got: [String: Int] = [:]
        for f in r.flows { got["\(f.transport) \(f.connState) \(f.history)", default: 0] += 1 }
        #expect(got == c.ours, "Zeek: \(c.zeek) — \(c.why)")
    }
}

/// Wireshark-compatible counters agree with tshark on every corpus capture; each exception is
/// written down with its reason.
@Suite("tshark counters", .enabled(if: corpusDirectory != nil, "needs ../shared/corpus"))
struct TsharkCounterTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let file: String
        let expected: [String: Int]
        var testDescription: String { file }
    }

    /// tshark-reference.tsv column → flowdoctor's per-flow counter.
    static let columns = ["retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
                          "duplicate_ack", "lost_segment", "zero_window"]

    static func value(_ f: FlowEntry, _ column: String) -> Int { Int(f.counters[column]!) }

    /// Where flowdoctor and tshark differ, and why.
    static let exceptions: [String: [String: String]] = [
        "rst/ndpi-ethereum.pcap": ["lost_segment": "tshark flags one in-order segment (frame 1490) that follows the peer's RST; flowdoctor does not"],
    ]

    static func rows() -> [Row] {
        guard let dir = corpusDirectory,
              let text = try? String(contentsOf: dir.appendingPathComponent("tshark-reference.tsv"), encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        guard let h = lines.first, let f = h.firstIndex(of: "file") else { return [] }
        return lines.dropFirst().compactMap { r in
            guard r.count == h.count else { return nil }
            var e: [String: Int] = [:]
            for c in columns { if let i = h.firstIndex(of: c), let v = Int(r[i]) { e[c] = v } }
            return Row(file: r[f], expected: e)
        }
    }

    @Test("tcp.analysis counters", arguments: rows())
    func counters(_ row: Row) throws {
        let r = try OfflineAnalysis.run(paths: [corpusDirectory!.appendingPathComponent(row.file).path])
        #expect(r.limits.flowsOmittedFromReport == 0)
        for column in Self.columns {
            guard let want = row.expected[column] else { continue }
            let got = r.flows.filter { $0.transport == "tcp" }.reduce(0) { $0 + Self.value($1, column) }
            if let why = Self.exceptions[row.file]?[column] {
                #expect(got != want, "documented difference no longer differs (\(why)): remove the exception")
            } else {
                #expect(got == want, "\(column): tshark \(want), flowdoctor \(got)")
            }
        }
    }

    @Test func enoughRows() { #expect(Self.rows().count >= 50) }
}

/// TLS hellos per capture against tshark's counts in the reference TSV (frames with a
/// ClientHello / ServerHello; one per flow here, since retries on one flow are rare).
@Suite("TLS against tshark", .enabled(if: corpusDirectory != nil, "needs ../shared/corpus"))
struct TLSCorpusTests {
    static let exceptions: [String: String] = [
        "tls/ndpi-google_ssl.pcap": "an SSLv2-style ClientHello: tshark counts it, flowdoctor leaves SSLv2 alone",
        "mixed/suricata-verify-tls-subjectaltname-input.pcap": "tshark finds 39 ServerHellos, flowdoctor 40",
    ]

    static func rows() -> [TsharkCounterTests.Row] {
        guard let dir = corpusDirectory,
              let text = try? String(contentsOf: dir.appendingPathComponent("tshark-reference.tsv"), encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        guard let h = lines.first, let f = h.firstIndex(of: "file"), let ch = h.firstIndex(of: "tls_client_hello"),
              let sh = h.firstIndex(of: "tls_server_hello") else { return [] }
        return lines.dropFirst().compactMap { r in
            guard r.count == h.count, let c = Int(r[ch]), let s = Int(r[sh]), c + s > 0 else { return nil }
            return TsharkCounterTests.Row(file: r[f], expected: ["client_hello": c, "server_hello": s])
        }
    }

    @Test("ClientHello and ServerHello counts", arguments: rows())
    func hellos(_ row: TsharkCounterTests.Row) throws {
        let r = try OfflineAnalysis.run(paths: [corpusDirectory!.appendingPathComponent(row.file).path])
        let tls = r.flows.compactMap(\.tls)
        let got = ["client_hello": tls.filter { $0.offeredVersion != "0x0000" }.count, "server_hello": tls.filter { $0.version != nil }.count]
        if let why = Self.exceptions[row.file] {
            #expect(got != row.expected, "documented difference no longer differs (\(why)): remove the exception")
        } else {
            #expect(got == row.expected)
        }
    }
}
