import Diagnosis
import Foundation
import FlowdoctorCore
import Reporting
import Testing
import TestSupport

/// Every fixture, mutated with a fixed seed (bit flips, truncations, corrupted length fields in
/// the file and in the packets), through the whole analysis and every report format: no crash,
/// no hang, state bounded by the input, reports well-formed.
@Suite("Mutated fixtures") struct MutationTests {
    /// Where each record's header and frame sit in a little-endian classic pcap.
    static func records(_ b: [UInt8]) -> [(header: Int, frame: Int, count: Int)] {
        guard b.count >= 24, b[0] == 0xD4, b[1] == 0xC3 else { return [] }
        var out: [(Int, Int, Int)] = []
        var o = 24
        while o + 16 <= b.count {
            let n = Int(b[o + 8]) | Int(b[o + 9]) << 8 | Int(b[o + 10]) << 16 | Int(b[o + 11]) << 24
            guard o + 16 + n <= b.count else { break }
            out.append((o, o + 16, n))
            o += 16 + n
        }
        return out
    }

    /// Offsets of the length fields in one Ethernet frame at `f` (IP, TCP, UDP, TLS, DNS), each
    /// with its width in bytes.
    static func lengthFields(_ b: [UInt8], frame f: Int, count: Int) -> [(Int, Int)] {
        guard count >= 34 else { return [] }
        var out: [(Int, Int)] = []
        let type = Int(b[f + 12]) << 8 | Int(b[f + 13])
        var ip = f + 14, proto = 0, transport = 0
        if type == 0x0800 {
            out += [(ip, 1), (ip + 2, 2), (ip + 6, 2)]                      // IHL, total length, flags/offset
            proto = Int(b[ip + 9]); transport = ip + Int(b[ip] & 0x0f) * 4
        } else if type == 0x86DD, count >= 54 {
            out += [(ip + 4, 2)]                                             // payload length
            proto = Int(b[ip + 6]); transport = ip + 40
        } else {
            return out
        }
        ip = transport
        guard transport + 20 <= f + count else { return out }
        if proto == 6 {
            out.append((transport + 12, 1))                                  // data offset
            let payload = transport + Int(b[transport + 12] >> 4) * 4
            // The first option's length, and a TLS record's and handshake message's length.
            if payload > transport + 21 { out.append((transport + 21, 1)) }
            if payload + 9 <= f + count, b[payload] >= 20, b[payload] <= 23, b[payload + 1] == 3 {
                out += [(payload + 3, 2), (payload + 6, 3)]
            }
        } else if proto == 17 {
            out.append((transport + 4, 2))                                   // UDP length
            if transport + 20 <= f + count { out += [(transport + 12, 2), (transport + 20, 1)] }   // DNS QDCOUNT, first label
        } else if proto == 1 || proto == 58 {
            if transport + 12 <= f + count { out.append((transport + 8, 1)) }  // the quoted header's first byte
        }
        return out
    }

    enum Kind: CaseIterable { case bitFlips, truncation, recordLength, packetLength }

    static func mutate(_ original: [UInt8], _ kind: Kind, _ rng: inout SplitMix) -> [UInt8] {
        var b = original
        let recs = records(b)
        switch kind {
        case .bitFlips:
            for _ in 0..<(1 + rng.below(16)) {
                let i = rng.below(b.count)
                b[i] ^= UInt8(1) << UInt8(rng.below(8))
            }
        case .truncation:
            b = Array(b.prefix(rng.below(b.count)))
        case .recordLength:
            // A record's captured or wire length: zero, tiny, huge or off by a little.
            guard let r = recs.isEmpty ? nil : recs[rng.below(recs.count)] else { return b }
            let field = r.header + (rng.below(2) == 0 ? 8 : 12)
            let values: [UInt32] = [0, 1, 0xFFFF_FFFF, 0x0004_0001, UInt32(r.count + 1), UInt32(max(r.count - 1, 0)), UInt32(rng.below(70_000))]
            let v = values[rng.below(values.count)]
            for k in 0..<4 { b[field + k] = UInt8(v >> (8 * UInt32(k)) & 0xff) }
        case .packetLength:
            // Several packets' header length fields set to edge values.
            for _ in 0..<(1 + rng.below(8)) {
                guard !recs.isEmpty else { break }
                let r = recs[rng.below(recs.count)]
                let fields = lengthFields(b, frame: r.frame, count: r.count)
                guard !fields.isEmpty else { continue }
                let (at, width) = fields[rng.below(fields.count)]
                // A record cut by an earlier mutant of this loop can end before the field.
                guard at >= 0, at + width <= b.count else { continue }
                let edge: [UInt32] = [0, 1, 2, 0xFFFF_FFFF, UInt32(rng.next() & 0xFFFF_FFFF)]
                let v = edge[rng.below(edge.count)]
                for k in 0..<width { b[at + k] = UInt8(v >> (8 * UInt32(width - 1 - k)) & 0xff) }
            }
        }
        return b
    }

    /// Mutants per fixture and kind. 83 fixtures × 4 kinds × 4 ≈ 1,300 analyses.
    static let perKind = 4

    @Test("bit flips, truncations and corrupted length fields over every fixture: no crash, bounded",
          .timeLimit(.minutes(3)))
    func mutants() throws {
        let dir = FixtureTests.fixtureDirectory.path
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".pcap") }.sorted()
        #expect(names.count >= 40)
        var rng = SplitMix(seed: 0x666C_6F77_646F_6374)                       // "flowdoct"
        let work = NSTemporaryDirectory() + "flowdoctor-mutants-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var analysed = 0, rejected = 0, truncatedReads = 0, malformedPackets: UInt64 = 0
        let started = Date()
        for name in names {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
            for kind in Kind.allCases {
                for n in 0..<Self.perKind {
                    let mutant = Self.mutate(original, kind, &rng)
                    let path = "\(work)/\(name)-\(kind)-\(n).pcap"
                    try Data(mutant).write(to: URL(fileURLWithPath: path))
                    defer { try? FileManager.default.removeItem(atPath: path) }
                    let r: Report
                    do { r = try OfflineAnalysis.run(paths: [path]) } catch {
                        // A header too broken to open: a clear message, never a crash.
                        #expect(!error.description.isEmpty)
                        rejected += 1
                        continue
                    }
                    analysed += 1
                    if r.capture.truncated { truncatedReads += 1 }
                    malformedPackets += r.capture.decode.malformed.reduce(0) { $0 + $1.count }
                    // State is bounded by the input: nothing appears from nowhere.
                    let packets = Int(r.capture.packets)
                    #expect(r.limits.peakFlows + r.limits.peakHalfOpen <= packets, "\(path)")
                    #expect(r.flows.count <= packets && r.services.count <= packets, "\(path)")
                    #expect(r.findings.count <= packets + FindingKind.allCases.count, "\(path)")
                    #expect(r.capture.capturedBytes <= UInt64(mutant.count), "\(path)")
                    // Every format renders; the JSON parses.
                    let json = JSONReport.bytes(r)
                    #expect((try? JSONSerialization.jsonObject(with: Data(json))) != nil, "\(path)")
                    #expect(!TextReport.render(r).isEmpty)
                    if n == 0 { #expect(HTMLReport.render(r).hasSuffix("</html>\n")) }
                }
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("mutants: \(analysed) analysed, \(rejected) rejected at open, \(truncatedReads) read to a cut, "
              + "\(malformedPackets) malformed packets counted, \(String(format: "%.1f", seconds)) s")
        // The mutations reach the decoders: many packets end up counted as malformed.
        #expect(analysed > rejected && malformedPackets > 100 && truncatedReads > 10)
    }
}
