import FlowAnalysis
import FlowdoctorCore
import Foundation
import PacketCapture
import PacketDecoding
import Reporting
import Testing
import TestSupport

/// `analyze --threads N` must give the report of one thread: the same findings in the same order,
/// the same capped examples, services and flows. Only `limits.peakFlows` / `peakHalfOpen` may
/// differ (with N workers they are the sum of the workers' peaks).
@Suite("Sharded analysis (--threads)") struct ThreadsTests {
    static func canonicalJSON(_ paths: [String], threads: Int) throws -> Data {
        var o = OfflineAnalysis.Options()
        o.threads = threads
        let r = try OfflineAnalysis.run(paths: paths, options: o)
        var doc = try #require(try JSONSerialization.jsonObject(with: Data(JSONReport.bytes(r))) as? [String: Any])
        var limits = try #require(doc["limits"] as? [String: Any])
        limits["peakFlows"] = nil
        limits["peakHalfOpen"] = nil
        doc["limits"] = limits
        return try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
    }

    static func dnsQuery(id: UInt16, name: String, response rcode: UInt8? = nil) -> [UInt8] {
        var m: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff)]
        m += rcode.map { [0x81, 0x80 | $0] } ?? [0x01, 0x00]
        m += [0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") { m.append(UInt8(label.utf8.count)); m += Array(label.utf8) }
        m += [0, 0, 1, 0, 1]
        return m
    }

    /// Many clients, each a different host pair, doing everything that ends in a finding or a
    /// record: unanswered, refused and ICMP-unreachable handshakes, clean and reset connections,
    /// DNS without answer and NXDOMAIN, incomplete fragments, ARP without reply; over 400 s, so
    /// sweeps finalise closed flows in the middle; 30 unanswered clients of one server so the
    /// per-server cap of detailed findings decides which are kept; one corrupt record.
    static func mixedCapture() -> [CapturedFrame] {
        var frames: [CapturedFrame] = []
        let server: Addr = "10.0.0.1", dns: Addr = "10.0.0.53", router: Addr = "10.9.9.9"
        let second: Int64 = 1_000_000_000
        func add(_ p: [UInt8], _ t: Int64) { frames.append(CapturedFrame(PacketBuilder.frame(.ethernet, p), time: t)) }
        for i in 0..<150 {
            let client = Addr.parse("10.1.\(i / 200).\(i % 200 + 1)")
            let t0 = 1_700_000_000 * second + Int64(i) * 27 * second / 10
            let port = UInt16(40_000 + i)
            let isn = UInt32(1000 + 7919 * i)
            switch i % 5 {
            case 0:
                add(PacketBuilder.tcp(client, port, server, 443, flags: [.syn], seq: isn), t0)
                add(PacketBuilder.tcp(client, port, server, 443, flags: [.syn], seq: isn), t0 + second)
            case 1:
                add(PacketBuilder.tcp(client, port, server, 443, flags: [.syn], seq: isn), t0)
                add(PacketBuilder.tcp(server, 443, client, port, flags: [.rst, .ack], seq: 0, ack: isn + 1), t0 + second / 1000)
            case 2, 4:
                let s: UInt32 = 5_000_000 + UInt32(i)
                add(PacketBuilder.tcp(client, port, server, 443, flags: [.syn], seq: isn), t0)
                add(PacketBuilder.tcp(server, 443, client, port, flags: [.syn, .ack], seq: s, ack: isn + 1), t0 + second / 100)
                add(PacketBuilder.tcp(client, port, server, 443, flags: [.ack], seq: isn + 1, ack: s + 1), t0 + second / 50)
                add(PacketBuilder.tcp(client, port, server, 443, flags: [.ack, .psh], seq: isn + 1, ack: s + 1,
                                      payload: Array(repeating: 0x41, count: 100)), t0 + second / 40)
                add(PacketBuilder.tcp(server, 443, client, port, flags: [.ack], seq: s + 1, ack: isn + 101), t0 + second / 30)
                if i % 5 == 2 {
                    add(PacketBuilder.tcp(client, port, server, 443, flags: [.fin, .ack], seq: isn + 101, ack: s + 1), t0 + second / 20)
                    add(PacketBuilder.tcp(server, 443, client, port, flags: [.fin, .ack], seq: s + 1, ack: isn + 102), t0 + second / 10)
                    add(PacketBuilder.tcp(client, port, server, 443, flags: [.ack], seq: isn + 102, ack: s + 2), t0 + second / 5)
                } else {
                    add(PacketBuilder.tcp(server, 443, client, port, flags: [.rst, .ack], seq: s + 1, ack: isn + 101), t0 + 2 * second)
                }
            default:
                let syn = PacketBuilder.tcp(client, port, server, 443, flags: [.syn], seq: isn)
                add(syn, t0)
                add(PacketBuilder.ip(router, client, proto: 1, PacketBuilder.icmpv4(type: 3, code: 13, body: Array(syn.prefix(28)))),
                    t0 + second / 100)
            }
            // DNS: every client asks; even ones get NXDOMAIN, odd ones nothing.
            let q = dnsQuery(id: UInt16(i), name: "host\(i).example")
            add(PacketBuilder.udp(client, 50_000 + UInt16(i), dns, 53, payload: q), t0 + second / 2)
            if i % 2 == 0 {
                add(PacketBuilder.udp(dns, 53, client, 50_000 + UInt16(i), payload: dnsQuery(id: UInt16(i), name: "host\(i).example", response: 3)),
                    t0 + second / 2 + second / 100)
            }
            // Every seventh client: a UDP datagram in fragments whose last piece never comes.
            if i % 7 == 0 {
                let body = PacketBuilder.udpDatagram(src: client, dst: server, sport: 5000, dport: 5001, payload: Array(repeating: 7, count: 3000))
                add(PacketBuilder.ipv4(src: client, dst: server, proto: 17, payload: Array(body.prefix(1480)), id: UInt16(i),
                                       dontFragment: false, moreFragments: true), t0 + second / 3)
                add(PacketBuilder.ipv4(src: client, dst: server, proto: 17, payload: Array(body[1480..<2960]), id: UInt16(i),
                                       dontFragment: false, moreFragments: true, fragmentOffset: 1480), t0 + second / 3 + 1000)
            }
            // One record claims more captured bytes than were on the wire: the reader counts it.
            if i == 3 {
                frames.append(CapturedFrame(PacketBuilder.frame(.ethernet, PacketBuilder.udp(client, 6000, server, 6001, payload: [1, 2, 3])),
                                            time: t0 + second / 6, wireLength: 20))
            }
            // Every eleventh: an ARP request for a neighbour that never replies.
            if i % 11 == 0 {
                frames.append(CapturedFrame(PacketBuilder.frame(.ethernet, PacketBuilder.arp(op: 1, senderMAC: PacketBuilder.clientMAC,
                                                                                         senderIP: client, targetMAC: 0, targetIP: Addr.parse("10.1.9.\(i % 250 + 1)")),
                                                                etherType: 0x0806, dst: 0xFFFF_FFFF_FFFF), time: t0 + second / 4))
            }
        }
        return frames
    }

    @Test("a capture of many host pairs, spread over workers, gives the one-thread report")
    func mixedCaptureIsIdentical() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mixed.pcap"
        let frames = Self.mixedCapture()
        try PCAPWriter(linkType: 1).write(frames, to: path)

        // The packets really spread over the workers.
        var shards = Set<UInt64>()
        for f in frames {
            WireBytes.with(f.bytes) { b in shards.insert(Analyzer.shardHash(Dissector.dissect(b, link: .ethernet)) % 4) }
        }
        #expect(shards.count == 4)

        let one = try Self.canonicalJSON([path], threads: 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: one) as? [String: Any])
        let kinds = Set(((doc["findings"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String })
        for k in ["tcp.handshake.unanswered", "tcp.handshake.refused", "tcp.handshake.unreachable", "tcp.reset.abort",
                  "dns.error", "dns.unanswered", "ip.fragments.incomplete", "arp.unanswered", "decode.malformed"] {
            #expect(kinds.contains(k), "the mixed capture should raise \(k); got \(kinds.sorted())")
        }
        let suppressed = ((doc["summary"] as? [String: Any])?["suppressed"] as? [String: Any]) ?? [:]
        #expect(!suppressed.isEmpty, "the per-server cap should have suppressed some findings")
        for n in [2, 3, 4, 7] {
            let many = try Self.canonicalJSON([path], threads: n)
            #expect(many == one, "--threads \(n) differs from one thread")
        }
    }

    @Test("every fixture gives the same report with 3 threads as with one")
    func fixturesAreIdentical() throws {
        for name in JSONSchemaTests.fixtures() {
            let p = JSONSchemaTests.fixtureDirectory.appendingPathComponent(name).path
            #expect(try Self.canonicalJSON([p], threads: 3) == Self.canonicalJSON([p], threads: 1), "\(name)")
        }
    }

    @Test("every corpus capture gives the same report with 2 threads as with one",
          .enabled(if: corpusDirectory != nil, "needs ../shared/corpus"))
    func corpusIsIdentical() throws {
        for file in JSONSchemaTests.corpus() {
            let p = corpusDirectory!.appendingPathComponent(file).path
            guard FileManager.default.fileExists(atPath: p) else { continue }
            #expect(try Self.canonicalJSON([p], threads: 2) == Self.canonicalJSON([p], threads: 1), "\(file)")
        }
    }

    @Test("the hash read straight from the bytes agrees with the one from the decoded packet")
    func quickHashAgrees() throws {
        var checked = 0
        var paths = JSONSchemaTests.fixtures().map { JSONSchemaTests.fixtureDirectory.appendingPathComponent($0).path }
        if let c = corpusDirectory { paths += JSONSchemaTests.corpus().map { c.appendingPathComponent($0).path } }
        for path in paths where FileManager.default.fileExists(atPath: path) {
            let f = try OfflineFile(path: path)
            let link = f.linkType
            _ = f.forEach { rec, _ in
                let p = Dissector.dissect(rec.bytes, link: link)
                guard p.error == nil, let quick = Analyzer.quickShardHash(rec.bytes, link: link) else { return }
                checked += 1
                #expect(quick == Analyzer.shardHash(p), "\(path)")
            }
        }
        #expect(checked > 10_000)
    }

    @Test("the CLI takes --threads and refuses nonsense")
    func cli() throws {
        let fixture = JSONSchemaTests.fixtureDirectory.appendingPathComponent(try #require(JSONSchemaTests.fixtures().first)).path
        let a = try runFlowdoctor(["analyze", "--threads", "2", "--format", "json", fixture])
        #expect(a.status == 0)
        #expect(a.stdout.contains("\"findings\""))
        let bad = try runFlowdoctor(["analyze", "--threads", "0", fixture])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--threads"))
    }
}
