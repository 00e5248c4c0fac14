import Diagnosis
import FlowAnalysis
import PacketDecoding
import TestSupport

/// Cause rule cases for connection setup and resets (RuleCoverageTests.swift): tcp.handshake.*,
/// tcp.syn-flood, tcp.reset.*.
extension RuleCoverage {
    static let connect: [RuleCase] = handshake + resets + scans

    static let scans: [RuleCase] = [
        RuleCase(id: "scan.ports/scanner",
                 fires: { try ScanTests.portScan(ports: 40).findings() },
                 nearMiss: { try ScanTests.portScan(ports: 10).findings() }),            // a few ports: no scan
        RuleCase(id: "scan.hosts/sweep",
                 fires: { try ScanTests.hostSweep(hosts: 24).findings() },
                 nearMiss: { try ScanTests.hostSweep(hosts: 8).findings() }),
        RuleCase(id: "scan.arp/sweep",
                 fires: { try ScanTests.arpSweep(targets: 30, answered: 3).findings() },
                 nearMiss: { try ScanTests.arpSweep(targets: 30, answered: 25).findings() }),   // most answered
    ]

    // MARK: recipes

    /// SYNs unanswered: three tries over 3 s, seen `hops` after the client.
    static func unanswered(hops: UInt8 = 0, otherPortAnswered: Bool = false, otherHostAnswered: Bool = false,
                           arpForServer: Bool = false) -> Scenario {
        var s = Scenario()
        if otherPortAnswered || otherHostAnswered {
            let real = s.server
            if otherHostAnswered { s.server = "10.0.0.9" }
            s.sport = 22; s.handshake(); s.exchange()
            s.server = real; s.cport = 40002; s.cisn = 7000
            s.sport = 8080
        }
        s.clientTTL = 64 - hops
        s.c([.syn]); s.wait(1); s.c([.syn]); s.wait(2); s.c([.syn])
        if arpForServer {
            // The last hop asks for the server and nothing answers.
            for _ in 0..<3 {
                s.frames.append(CapturedFrame(B.frame(.ethernet, B.arp(op: 1, senderMAC: B.serverMAC, senderIP: "10.0.0.254", targetMAC: 0, targetIP: s.server),
                                                      etherType: 0x0806, src: B.serverMAC, dst: 0xFFFF_FFFF_FFFF), time: s.t))
                s.wait(1)
            }
        }
        s.end(after: 5)
        return s
    }

    /// Unanswered SYNs to a server whose other flows put the capture on that server's host.
    static func unansweredAtServer(_ atServer: Bool) -> Scenario {
        var s = Scenario()
        s.clientTTL = atServer ? 57 : 64; s.serverTTL = atServer ? 64 : 57
        for i in 0..<3 {
            s.cport = 41000 + UInt16(i); s.cisn = 1000 + UInt32(i) * 1000
            s.handshake(); s.exchange()
        }
        s.cport = 42000; s.cisn = 9000
        s.c([.syn]); s.wait(1); s.c([.syn]); s.wait(2); s.c([.syn])
        s.end(after: 5)
        return s
    }

    /// A SYN refused by a RST with `rstTTL`, after a working connection on another port (TTL 63).
    static func refused(rstTTL: UInt8) -> Scenario {
        var s = Scenario()
        s.sport = 443; s.handshake(); s.exchange()
        s.cport = 40001; s.sport = 8443; s.cisn = 9000
        s.c([.syn]); s.s([.rst, .ack], seq: 0, ack: s.cisn + 1, ttl: rstTTL)
        return s
    }

    /// An IPv6 refusal from a client host that reached `v4Port` over IPv4.
    static func refusedV6(v4Port: UInt16) -> Scenario {
        var s = Scenario()
        s.sport = v4Port; s.handshake(); s.exchange()
        var v6 = Scenario(v6: true)
        v6.t = s.t
        v6.sport = 8080; v6.cport = 40009
        v6.c([.syn]); v6.s([.rst, .ack], seq: 0, ack: v6.cisn + 1)
        s.frames += v6.frames
        return s
    }

    /// A SYN answered by ICMP type/code from a router, after `delay` seconds.
    static func icmpAnswer(type: UInt8 = 3, code: UInt8, delay: Double = 0) -> Scenario {
        var s = Scenario()
        let syn = B.tcp(s.client, s.cport, s.server, s.sport, flags: [.syn], seq: s.cisn)
        s.add(syn)
        s.wait(delay)
        s.add(B.ipv4(src: "10.0.0.254", dst: s.client, proto: 1, payload: B.icmpv4(type: type, code: code, body: Array(syn.prefix(28)))),
              fromClient: false)
        return s
    }

    /// SYN, SYN-ACK and then: the client's ACK (and the SYN-ACK resent), its RST, or nothing.
    enum Answer { case ack, rst, none }
    static func incomplete(atServer: Bool, client answer: Answer) -> Scenario {
        var s = Scenario()
        s.clientTTL = atServer ? 63 : 64; s.serverTTL = atServer ? 64 : 63
        s.c([.syn]); s.wait(0.01)
        s.s([.syn, .ack], ack: s.cisn + 1); s.wait(0.01)
        switch answer {
        case .ack: s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 1)
        case .rst: s.c([.rst], seq: s.cisn + 1)
        case .none: break
        }
        if answer != .rst {
            s.wait(1); s.s([.syn, .ack], ack: s.cisn + 1)
            s.wait(2); s.s([.syn, .ack], ack: s.cisn + 1)
        }
        s.end(after: 5)
        return s
    }

    /// A handshake that took `syns` SYNs and `synAcks` SYN-ACKs.
    static func slow(syns: Int, synAcks: Int, atServer: Bool = false) -> Scenario {
        var s = Scenario()
        s.clientTTL = atServer ? 57 : 64; s.serverTTL = atServer ? 64 : 57
        for i in 0..<syns { if i > 0 { s.wait(1) }; s.c([.syn]) }
        for i in 0..<synAcks { if i > 0 { s.wait(1) }; s.s([.syn, .ack], ack: s.cisn + 1) }
        s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 1)
        s.exchange()
        return s
    }

    /// A SYN-ACK acknowledging `ack` (the SYN's sequence + 1 is right).
    static func synAck(acking ack: UInt32) -> Scenario {
        var s = Scenario()
        s.c([.syn]); s.s([.syn, .ack], ack: ack)
        s.c([.ack], seq: s.cisn + 1, ack: s.sisn + 1)
        s.exchange()
        return s
    }

    /// Half-open attempts at one service from `sources` spoofed addresses; with `answered`, the
    /// server sends each a SYN-ACK (a flood whose server answers).
    static func flood(sources: Int, attempts: Int, answered: Bool = false) -> Scenario {
        var s = Scenario()
        for i in 0..<attempts {
            s.client = Addr(stringLiteral: "198.51.\(i % sources / 250).\(i % sources % 250 + 1)")
            s.cport = 1024 + UInt16(i % 60000)
            s.c([.syn])
            if answered { s.s([.syn, .ack], ack: s.cisn + 1) }
        }
        s.end(after: 5)
        return s
    }

    static let handshake: [RuleCase] = [
        RuleCase(id: "tcp.handshake.unanswered/path-filter",
                 fires: { try unanswered().findings() },
                 nearMiss: { try unanswered(otherPortAnswered: true).findings() }),   // the host answers elsewhere
        RuleCase(id: "tcp.handshake.unanswered/port-filtered",
                 fires: { try unanswered(otherPortAnswered: true).findings() },
                 nearMiss: { try unanswered(otherHostAnswered: true).findings() }),   // another host answered, not this one
        RuleCase(id: "tcp.handshake.unanswered/host-down",
                 fires: { try unanswered(arpForServer: true).findings() },
                 nearMiss: { try unanswered().findings() }),                          // no ARP seen for it
        RuleCase(id: "tcp.handshake.unanswered/server-host-drop",
                 fires: { try unansweredAtServer(true).findings() },
                 nearMiss: { try unansweredAtServer(false).findings() }),             // the capture is at the client
        RuleCase(id: "tcp.handshake.unanswered/syn-queue-full",
                 fires: { try unansweredAtServer(true).findings() },
                 nearMiss: { try unansweredAtServer(false).findings() }, leads: false),
        // It leads under a SYN flood at the same service.
        RuleCase(id: "tcp.handshake.unanswered/syn-queue-full",
                 fires: { try flood(sources: 400, attempts: 1200).findings() },
                 nearMiss: { try unansweredAtServer(true).findings() }),
        RuleCase(id: "tcp.handshake.unanswered/return-path",
                 fires: { try unanswered().findings() },
                 nearMiss: { try unansweredAtServer(true).findings() }, leads: false),  // at the server no SYN-ACK left
        RuleCase(id: "tcp.handshake.refused/no-listener",
                 fires: { try refused(rstTTL: 63).findings() },
                 nearMiss: { try refused(rstTTL: 60).findings() }),                   // another device sent the RST
        RuleCase(id: "tcp.handshake.refused/reject-rule",
                 fires: { try refused(rstTTL: 60).findings() },
                 nearMiss: { try refused(rstTTL: 63).findings() }),                   // the server's own TTL
        RuleCase(id: "tcp.handshake.refused/ipv4-only",
                 fires: { try refusedV6(v4Port: 8080).findings() },
                 nearMiss: { try refusedV6(v4Port: 9090).findings() }),               // IPv4 worked on another port
        RuleCase(id: "tcp.handshake.unreachable/admin-prohibited",
                 fires: { try icmpAnswer(code: 13).findings() },
                 nearMiss: { try icmpAnswer(code: 0).findings() }),
        RuleCase(id: "tcp.handshake.unreachable/reject-rule",
                 fires: { try icmpAnswer(code: 1).findings() },
                 nearMiss: { try icmpAnswer(code: 1, delay: 3).findings() }),         // late: a neighbour lookup failed
        RuleCase(id: "tcp.handshake.unreachable/no-neighbour",
                 fires: { try icmpAnswer(code: 1, delay: 3).findings() },
                 nearMiss: { try icmpAnswer(code: 1).findings() }),
        RuleCase(id: "tcp.handshake.unreachable/no-route",
                 fires: { try icmpAnswer(code: 0).findings() },
                 nearMiss: { try icmpAnswer(code: 13).findings() }),
        RuleCase(id: "tcp.handshake.unreachable/ttl-exceeded",
                 fires: { try icmpAnswer(type: 11, code: 0).findings() },
                 nearMiss: { try icmpAnswer(code: 0).findings() }),
        RuleCase(id: "tcp.handshake.incomplete/accept-queue-full",
                 fires: { try incomplete(atServer: true, client: .ack).findings() },
                 nearMiss: { try incomplete(atServer: false, client: .ack).findings() }),   // at the client: the ACK may be lost
        RuleCase(id: "tcp.handshake.incomplete/ack-lost",
                 fires: { try incomplete(atServer: false, client: .ack).findings() },
                 nearMiss: { try incomplete(atServer: true, client: .ack).findings() }),
        RuleCase(id: "tcp.handshake.incomplete/client-no-socket",
                 fires: { try incomplete(atServer: false, client: .rst).findings() },
                 nearMiss: { try incomplete(atServer: false, client: .none).findings() }),
        RuleCase(id: "tcp.handshake.incomplete/spoofed-source",
                 fires: { try flood(sources: 400, attempts: 1200, answered: true).findings() },
                 nearMiss: { try incomplete(atServer: false, client: .none).findings() }),          // one attempt, no flood
        RuleCase(id: "tcp.handshake.incomplete/synack-dropped",
                 fires: { try incomplete(atServer: false, client: .none).findings() },
                 nearMiss: { try incomplete(atServer: false, client: .rst).findings() }),
        RuleCase(id: "tcp.handshake.slow/syn-lost",
                 fires: { try slow(syns: 2, synAcks: 1).findings() },
                 nearMiss: { try slow(syns: 2, synAcks: 1, atServer: true).findings() }),   // the server saw the first SYN
        RuleCase(id: "tcp.handshake.slow/syn-queue-full",
                 fires: { try slow(syns: 2, synAcks: 1, atServer: true).findings() },
                 nearMiss: { try slow(syns: 2, synAcks: 1).findings() }),
        RuleCase(id: "tcp.handshake.slow/synack-lost",
                 fires: { try slow(syns: 1, synAcks: 2).findings() },
                 nearMiss: { try slow(syns: 2, synAcks: 1).findings() }),
        RuleCase(id: "tcp.handshake.invalid/stale-state",
                 fires: { try synAck(acking: 1000 + 77).findings() },
                 nearMiss: { try synAck(acking: 1000 + 1).findings() }),
        RuleCase(id: "tcp.syn-flood/flood",
                 fires: { try flood(sources: 400, attempts: 1200).findings() },
                 nearMiss: { try flood(sources: 2, attempts: 1200).findings() }),     // two sources: not a flood
    ]

    // MARK: resets

    /// A connection reset by `sender` after an exchange (or none), with the given TTL and IP ID.
    static func reset(by sender: EndpointRole, exchange: Bool = true, request: Bool = false, idle: Double = 0,
                      afterFIN: Bool = false, rstTTL: UInt8? = nil, rstID: UInt16? = nil) -> Scenario {
        var s = Scenario()
        s.serverIDStep = 1
        s.handshake()
        if exchange { for _ in 0..<4 { s.exchange() } }   // the server's IP IDs count up (SYN-ACKs left out)
        if request { s.c([.ack, .psh], seq: s.cisn + 1, ack: s.sisn + 1, payload: 200); s.cisn += 200 }
        s.wait(idle)
        if afterFIN { s.c([.fin, .ack], seq: s.cisn + 1, ack: s.sisn + 1); s.cisn += 1 }
        if sender == .server {
            s.s([.rst, .ack], seq: s.sisn + 1, ack: s.cisn + 1, ttl: rstTTL, id: rstID)
        } else {
            s.c([.rst, .ack], seq: s.cisn + 1, ack: s.sisn + 1, ttl: rstTTL)
        }
        return s
    }

    static let resets: [RuleCase] = [
        RuleCase(id: "tcp.reset.abort/unanswered-request",
                 fires: { try reset(by: .server, exchange: false, request: true).findings() },
                 nearMiss: { try reset(by: .server).findings() }),                    // a response had been sent
        RuleCase(id: "tcp.reset.abort/server-abort",
                 fires: { try reset(by: .server).findings() },
                 nearMiss: { try reset(by: .client).findings() }),                    // the client sent it
        RuleCase(id: "tcp.reset.abort/client-abort",
                 fires: { try reset(by: .client).findings() },
                 nearMiss: { try reset(by: .server).findings() }),
        RuleCase(id: "tcp.reset.abort/socket-gone",
                 fires: { try reset(by: .server, rstID: 0).findings() },
                 nearMiss: { try reset(by: .server).findings() }),                    // the RST continues the IP ID count
        RuleCase(id: "tcp.reset.abort/unused",
                 fires: { try reset(by: .client, exchange: false).findings() },
                 nearMiss: { try reset(by: .client).findings() }),                    // data was exchanged
        RuleCase(id: "tcp.reset.middlebox/forged",
                 fires: { try reset(by: .server, rstTTL: 50).findings() },
                 nearMiss: { try reset(by: .server, rstTTL: 63).findings() }),        // the server's own TTL
        RuleCase(id: "tcp.reset.after-idle/state-timeout",
                 fires: { try reset(by: .server, idle: 400).findings() },
                 nearMiss: { try reset(by: .server, idle: 10).findings() }),
        RuleCase(id: "tcp.reset.after-close/abortive-close",
                 fires: { try reset(by: .server, afterFIN: true).findings() },
                 nearMiss: { try reset(by: .server).findings() }),                    // no FIN before it
    ]
}
