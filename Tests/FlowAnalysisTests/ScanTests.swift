import Diagnosis
import PacketDecoding
import Reporting
import SensorMetrics
import TestSupport
import Testing

/// Scans and probes on built captures: a SYN scan, a connect scan, a host sweep and an ARP sweep
/// are one info finding each, not outages; near misses (a few ports, real sessions, an answered
/// ARP neighbourhood, many clients failing at one service) stay what they are.
@Suite("Scans") struct ScanTests {
    enum Style { case syn, connect }

    /// `scanner` tries `ports` ports of the server: open ones answer (SYN-ACK, then the scanner's
    /// RST or, for a connect scan, its ACK and RST), closed ones reset, the rest stay silent.
    static func portScan(ports: Int, open: Set<UInt16> = [22, 80, 443], closed: Set<UInt16> = [25, 110],
                         style: Style = .syn, data: Bool = false) -> Scenario {
        var s = Scenario()
        s.client = "10.0.0.66"
        for i in 0..<ports {
            let port: UInt16 = [22, 25, 80, 110, 443][safe: i] ?? UInt16(1000 + i)
            s.sport = port; s.cport = 50000; s.cisn = 1000 + UInt32(i) * 10
            s.c([.syn])
            if open.contains(port) {
                s.s([.syn, .ack], ack: s.cisn + 1)
                if style == .connect || data {
                    s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 1)
                    if data { s.exchange() }
                    s.c([.rst, .ack], seq: s.cisn + 1, ack: s.sisn + 1)
                } else {
                    s.c([.rst], seq: s.cisn + 1)
                }
            } else if closed.contains(port) {
                s.s([.rst, .ack], seq: 0, ack: s.cisn + 1)
            }
        }
        s.end(after: 5)
        return s
    }

    /// One source tries port 445 on `hosts` hosts, none answering but the first two.
    static func hostSweep(hosts: Int) -> Scenario {
        var s = Scenario()
        s.client = "10.0.0.66"; s.sport = 445
        for i in 0..<hosts {
            s.server = Addr(stringLiteral: "10.0.1.\(i + 1)"); s.cport = 51000 + UInt16(i)
            s.c([.syn])
            if i < 2 { s.s([.syn, .ack], ack: s.cisn + 1); s.c([.rst], seq: s.cisn + 1) }
        }
        s.end(after: 5)
        return s
    }

    /// `asker` asks ARP for `targets` addresses; the first `answered` reply.
    static func arpSweep(targets: Int, answered: Int) -> Scenario {
        var s = Scenario()
        for i in 0..<targets {
            let target = Addr(stringLiteral: "10.0.0.\(100 + i)")
            s.frames.append(CapturedFrame(B.frame(.ethernet, B.arp(op: 1, senderMAC: B.clientMAC, senderIP: "10.0.0.66", targetMAC: 0, targetIP: target),
                                                  etherType: 0x0806, src: B.clientMAC, dst: 0xFFFF_FFFF_FFFF), time: s.t))
            s.wait(0.01)
            if i < answered {
                s.frames.append(CapturedFrame(B.frame(.ethernet, B.arp(op: 2, senderMAC: 0x0200_0000_1000 + UInt64(i), senderIP: target, targetMAC: B.clientMAC, targetIP: "10.0.0.66"),
                                                      etherType: 0x0806, src: 0x0200_0000_1000 + UInt64(i), dst: B.clientMAC), time: s.t))
                s.wait(0.01)
            }
        }
        s.end(after: 5)
        return s
    }

    @Test("a SYN scan is one info finding naming the open ports; its probes are no failures and leave the services table")
    func synScan() throws {
        let r = try Self.portScan(ports: 40).analyze()
        let scan = try #require(r.only(.portScan).first, "\(r.kinds())")
        #expect(scan.severity == .info)
        #expect(scan.summary.contains("10.0.0.66 probed 40 ports of 10.0.0.2") && scan.summary.contains("open: 22, 80, 443"), "\(scan.summary)")
        #expect(scan.summary.contains("2 closed") && scan.summary.contains("35 filtered"), "\(scan.summary)")
        #expect(scan.causes.first?.id == "scan.ports/scanner")
        #expect(r.findings.allSatisfy { $0.severity == .info }, "\(r.kinds())")
        #expect(r.summary.suppressed.isEmpty, "\(r.summary.suppressed)")
        #expect(!r.services.contains { $0.transport == "tcp" }, "\(r.services.map(\.endpoint))")
    }

    @Test("a connect scan (full handshakes reset at once, no data) is a scan too")
    func connectScan() throws {
        let r = try Self.portScan(ports: 30, style: .connect).analyze()
        #expect(r.only(.portScan).count == 1 && r.only(.resetAbort).isEmpty && r.only(.handshakeRefused).isEmpty, "\(r.kinds())")
    }

    @Test("near misses: a client trying a few ports, or exchanging data, is no scan")
    func portScanNearMisses() throws {
        let few = try Self.portScan(ports: 10).analyze()
        #expect(few.only(.portScan).isEmpty && !few.only(.handshakeUnanswered).isEmpty, "\(few.kinds())")
        // The open ports carried data: sessions, not probes; the silent ones still count as probes
        // only if enough remain (here 35 of 40 do, so the scan stays, the sessions are not folded).
        let sessions = try Self.portScan(ports: 40, data: true).analyze()
        #expect(sessions.services.contains { $0.port == 80 && $0.established == 1 }, "a port with data stays in the table")
    }

    @Test("a host sweep of one port is one finding naming the hosts that answered")
    func sweep() throws {
        let r = try Self.hostSweep(hosts: 24).analyze()
        let f = try #require(r.only(.hostSweep).first, "\(r.kinds())")
        #expect(f.summary.contains("swept port 445 on 24 hosts") && f.summary.contains("10.0.1.1"), "\(f.summary)")
        #expect(r.only(.handshakeUnanswered).isEmpty)
        #expect(try Self.hostSweep(hosts: 8).analyze().only(.hostSweep).isEmpty)
    }

    @Test("many clients failing at one service is an outage, not a sweep")
    func outageIsNoScan() throws {
        var s = Scenario()
        for i in 0..<30 {
            s.client = Addr(stringLiteral: "10.0.2.\(i + 1)"); s.cport = 40000 + UInt16(i)
            s.c([.syn])
        }
        s.end(after: 5)
        let r = try s.analyze()
        #expect(r.findings.allSatisfy { !$0.kind.rawValue.hasPrefix("scan.") } && !r.only(.handshakeUnanswered).isEmpty, "\(r.kinds())")
    }

    @Test("an ARP sweep folds its unanswered questions; a neighbourhood that answers is no sweep")
    func arp() throws {
        let r = try Self.arpSweep(targets: 30, answered: 3).analyze()
        let f = try #require(r.only(.arpSweep).first, "\(r.kinds())")
        #expect(f.summary.contains("asked ARP for 30 addresses") && f.summary.contains("27 went unanswered"), "\(f.summary)")
        #expect(r.only(.arpUnanswered).isEmpty)
        let answered = try Self.arpSweep(targets: 30, answered: 25).analyze()
        #expect(answered.only(.arpSweep).isEmpty && answered.only(.arpUnanswered).count == 5, "\(answered.kinds())")
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

/// Live capture: failed attempts wait a moment, so a scanner's probes become one scan finding and
/// never reach the handshake metrics as failures; a real failure is only a little late.
@Suite("Scans, live") struct LiveScanTests {
    static func unanswered(_ client: String, _ server: String, port: Int) -> Finding {
        Finding(kind: .handshakeUnanswered, severity: .error, summary: "", frames: [], firstTime: 0, lastTime: 0, evidence: [:],
                filter: "", flow: FlowRef(transport: "tcp", client: Endpoint(ip: client, port: 40000), server: Endpoint(ip: server, port: port)))
    }

    @Test("a port scan streams one scan finding and no failure; metrics count no probe; another client's failure is streamed late")
    func portScan() {
        var filter = LiveScanFilter(thresholds: Thresholds())
        let m = SensorMetrics(sensor: "t1", version: "0")
        var streamed: [Finding] = []
        func emit(_ fs: [Finding]) { for f in fs { m.finding(f); streamed.append(f) } }
        var now: Int64 = 1_000_000_000
        emit(filter.offer(Self.unanswered("10.0.0.9", "10.0.0.2", port: 80), now: now))       // a real failure
        for p in 1...40 {
            now += 20_000_000
            emit(filter.offer(Self.unanswered("10.0.0.66", "10.0.0.2", port: 1000 + p), now: now))
            emit(filter.due(now: now))
        }
        #expect(streamed.map(\.kind) == [.portScan], "\(streamed.map(\.kind))")
        #expect(streamed.first?.summary.contains("16 ports of 10.0.0.2") == true)
        now += 3_000_000_000
        emit(filter.due(now: now))
        #expect(streamed.map(\.kind) == [.portScan, .handshakeUnanswered] && streamed.last?.flow?.client?.ip == "10.0.0.9")
        let s = metricSamples(String(decoding: m.render(), as: UTF8.self))
        let failures = s.filter { $0.key.hasPrefix("flowdoctor_handshakes_total") && $0.key.contains("unanswered") }
        #expect(failures.values.reduce(0, +) == 1, "only the real failure counts: \(failures)")
    }

    @Test("a host sweep is one scan finding; a client failing at fewer ports than the threshold is streamed as failures")
    func sweepAndNearMiss() {
        var filter = LiveScanFilter(thresholds: Thresholds())
        var out: [Finding] = []
        for h in 1...20 { out += filter.offer(Self.unanswered("10.0.0.66", "10.0.1.\(h)", port: 445), now: Int64(h)) }
        #expect(out.map(\.kind) == [.hostSweep])
        var near = LiveScanFilter(thresholds: Thresholds())
        var few: [Finding] = []
        for p in 1...5 { few += near.offer(Self.unanswered("10.0.0.7", "10.0.0.2", port: p), now: 0) }
        few += near.due(now: 5_000_000_000)
        #expect(few.count == 5 && few.allSatisfy { $0.kind == .handshakeUnanswered })
    }
}
