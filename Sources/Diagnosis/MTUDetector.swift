import FlowAnalysis
import PacketDecoding

/// Path MTU problems per flow (detection-rules.md §9.4): messages from routers and whether the
/// sender honoured them, black holes where no message came, and segments above the peer's MSS.
public struct MTUDetector: FlowDetector {
    public static let raises: [FindingKind] = [.fragNeeded, .fragNeededIgnored, .blackhole, .mssExceeded]
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    /// IP and TCP header bytes around an MSS: what a full segment adds on the wire.
    static func headers(v6: Bool) -> Int { v6 ? 60 : 40 }

    public func judge(_ f: Flow, _ j: inout FlowJudgement) { kinds(f, into: &j.kinds) }

    public func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding { findings(k, f) }

    public func kinds(_ f: Flow, into kinds: inout FlowKinds) {
        // Router messages matter for any protocol (large UDP answers with DF too).
        if let r = f.pathMTU {
            kinds.append(.fragNeeded)
            if r.suspicion.isEmpty && r.oversized >= 2 { kinds.append(.fragNeededIgnored) }
        }
        guard f.isTCP else { return }
        if blackhole(f) != nil { kinds.append(.blackhole) }
        if f.client.mtu.overMSS > 0 || f.server.mtu.overMSS > 0 { kinds.append(.mssExceeded) }
    }

    struct Blackhole {
        var role: EndpointRole
        var receiverSide = false
        var missingBytes = 0
        var retransmissions: UInt16
        var failSize: UInt16
        var largestAcked: UInt16
        var frame: UInt64
        var recoveredSize: UInt16
    }

    /// The size a black hole swallowed, for the flow's report entry.
    public static func blackholeBound(_ f: Flow) -> Int? {
        MTUDetector(thresholds: Thresholds()).blackhole(f).flatMap { $0.receiverSide ? nil : Int($0.failSize) }
    }

    /// RFC 2923 §2.1 from the sender's side: one DF segment larger than anything acknowledged,
    /// resent at least 3 times and never acknowledged at that size, no usable ICMP for it, no
    /// zero window from the receiver, and the connection otherwise working.
    func blackhole(_ f: Flow) -> Blackhole? {
        // Nearly every flow has nothing to look at: leave before copying either side.
        let quiet = f.client.mtu.openEpisode == nil && f.server.mtu.openEpisode == nil
            && f.client.mtu.blackholeRetransmissions == 0 && f.server.mtu.blackholeRetransmissions == 0
            && f.client.loss.aheadOfData == 0 && f.server.loss.aheadOfData == 0
            && f.client.loss.space.holeBytes == 0 && f.server.loss.space.holeBytes == 0
        if quiet { return nil }
        for (role, p, peer) in [(EndpointRole.client, f.client, f.server), (.server, f.server, f.client)] {
            let m = p.mtu
            var b: Blackhole?
            if let e = m.openEpisode, e.retransmissions >= m.blackholeRetransmissions {
                b = Blackhole(role: role, retransmissions: e.retransmissions, failSize: e.failSize, largestAcked: e.largestAcked,
                              frame: e.frame, recoveredSize: 0)
            } else if m.blackholeRetransmissions >= MTUState.blackholeThreshold {
                b = Blackhole(role: role, retransmissions: m.blackholeRetransmissions, failSize: m.blackholeFailSize,
                              largestAcked: m.blackholeLargestAcked, frame: m.blackholeFrame, recoveredSize: m.blackholeRecoveredSize)
            }
            guard let bh = b else { continue }
            if let r = f.pathMTU, r.aboutClient == (role == .client), r.suspicion.isEmpty { continue }
            guard peer.zeroWindowAds == 0, f.handshakeCompleted || bh.largestAcked > 0 else { continue }
            return bh
        }
        // The mirror image at the receiver: the sender's later, small packets reveal data that
        // never arrived and was never acknowledged, and the receiver kept asking for it.
        for (role, p, peer) in [(EndpointRole.client, f.client, f.server), (.server, f.server, f.client)] {
            // A later bare ACK or RST whose sequence number runs past everything that arrived, for
            // bytes the receiver never acknowledged: sent, and lost on the way.
            var ahead = 0
            if p.loss.aheadOfData > 0, let h = p.loss.space.high, peer.highestAck.map({ !(h < $0) }) ?? true { ahead = Int(p.loss.aheadOfData) }
            let missing = max(p.loss.space.holeBytes, ahead)
            // Nothing near full size (the sender's MSS) ever arrived: only what fits a narrower path.
            let fullSize = Int(p.mss ?? 1460) + Self.headers(v6: !f.clientAddress.isIPv4)
            guard f.handshakeCompleted, missing > Int(p.mtu.maxPayload), peer.duplicateAcks >= 2 || ahead > 0, peer.zeroWindowAds == 0,
                  p.mtu.maxIPLength > 0, Int(p.mtu.maxIPLength) + 100 < fullSize, Int(p.mtu.maxIPLength) < 1500 else { continue }
            if let r = f.pathMTU, r.aboutClient == (role == .client), r.suspicion.isEmpty { continue }
            return Blackhole(role: role, receiverSide: true, missingBytes: missing, retransmissions: 0, failSize: 0,
                             largestAcked: p.mtu.maxIPLength, frame: ahead > 0 ? UInt64(p.loss.aheadFrame) : 0, recoveredSize: 0)
        }
        return nil
    }

    public func findings(_ k: FindingKind, _ f: Flow) -> Finding {
        switch k {
        case .fragNeeded: return fragNeeded(f)
        case .fragNeededIgnored: return ignored(f)
        case .blackhole: return blackholeFinding(f)
        default: return mssExceeded(f)
        }
    }

    /// Who sent the packet the message or the loss is about, and to whom.
    func sides(_ f: Flow, client: Bool) -> (who: String, peer: String, role: String) {
        client ? (FlowFacts.client(f), FlowFacts.server(f), "client") : (FlowFacts.server(f), FlowFacts.client(f), "server")
    }

    /// The tunnel the flow runs in, when there is one: its overhead is the usual reason a path
    /// MTU is below 1500.
    func tunnelNote(_ f: Flow) -> String {
        guard let k = f.tunnelKind else { return "" }
        return " (inside a \(k.name) tunnel that adds \(f.tunnelOverhead) bytes to each packet: on a 1500-byte path that leaves \(1500 - Int(f.tunnelOverhead)))"
    }

    func finding(_ k: FindingKind, _ f: Flow, _ role: String, _ detail: MTUEvidence.Detail, severity: Severity, summary: String,
                 frames: [UInt64], firstTime: Int64, filter: String) -> Finding {
        let facts = FindingFacts.mtu(MTUEvidence(sender: role == "client" ? .client : .server, path: .init(f), detail: detail))
        return Finding(kind: k, severity: severity, summary: summary, frames: frames, firstTime: firstTime, lastTime: f.lastTime,
                       facts: facts, filter: filter, flow: FlowFacts.ref(f))
    }

    func fragNeeded(_ f: Flow) -> Finding {
        let r = f.pathMTU!
        let (who, peer, role) = sides(f, client: r.aboutClient)
        let what = r.v6 ? "packet too big" : "fragmentation needed"
        var summary = "\(r.reporter) reported \(what), MTU \(r.reportedMTU == 0 ? "0 (an old router; \(r.mtu) assumed)" : "\(r.mtu)"), for a \(r.quotedLength)-byte packet from \(who) to \(peer)"
        if r.count > 1 { summary += " (\(r.count) such messages)" }
        summary += tunnelNote(f)
        var reasons: [String] = []
        if r.suspicion.contains(.notOversized) { reasons.append("the quoted packet (\(r.quotedLength) bytes) fits the MTU") }
        if r.suspicion.contains(.mtuTooSmall) { reasons.append("MTU \(r.mtu) is below the minimum of \(r.v6 ? 1280 : 68)") }
        if r.suspicion.contains(.sequenceOutsideWindow) { reasons.append("the quoted TCP sequence number is not one the sender had outstanding") }
        let honoured = r.oversized < 2 && r.fitting > 0
        if !reasons.isEmpty {
            summary += "; suspicious: it does not match the flow (forged, or about another connection)"
        } else if r.oversized >= 2 {
            summary += "; \(who) kept sending larger packets"
        } else if honoured {
            summary += "; \(who) honoured it: its later packets fit"
        } else {
            summary += "; nothing later from \(who) shows whether it was honoured"
        }
        // An MSS that cannot fit the path: every full segment needs the message again (or is lost).
        let peerMSS = r.aboutClient ? f.server.mss : f.client.mss
        let detail = MTUEvidence.Detail.fragNeeded(.init(
            reporter: r.reporter, mtu: Int(r.mtu), reportedMTU: Int(r.reportedMTU), quotedLength: Int(r.quotedLength),
            quotedDF: r.quotedDF, messages: Int(r.count), honoured: reasons.isEmpty && honoured,
            packetsFittingAfter: Int(r.fitting), packetsOversizedAfter: Int(r.oversized), suspicionReasons: reasons,
            mssExceedsPathMTU: peerMSS.map { Int($0) + Self.headers(v6: r.v6) > Int(r.mtu) } ?? false))
        return finding(.fragNeeded, f, role, detail, severity: reasons.isEmpty ? .info : .warning, summary: summary, frames: [r.frame],
                       firstTime: r.time, filter: FlowFacts.filter(f) + (r.v6 ? " || icmpv6.type==2" : " || (icmp.type==3 && icmp.code==4)"))
    }

    func ignored(_ f: Flow) -> Finding {
        let r = f.pathMTU!
        let (who, peer, role) = sides(f, client: r.aboutClient)
        let summary = "\(who) kept sending packets of up to \(r.largestAfter) bytes to \(peer) after \(r.reporter) reported a path MTU of \(r.mtu): \(r.oversized) oversized packets more than a round trip later"
        return finding(.fragNeededIgnored, f, role, .ignored(reporter: r.reporter, mtu: Int(r.mtu), oversizedAfter: Int(r.oversized), largestAfter: Int(r.largestAfter)),
                       severity: .error, summary: summary, frames: [r.frame, r.firstOversizedFrame], firstTime: r.time, filter: FlowFacts.filter(f))
    }

    func blackholeFinding(_ f: Flow) -> Finding {
        let b = blackhole(f)!
        let (who, peer, role) = sides(f, client: b.role == .client)
        if b.receiverSide {
            let proof = b.frame != 0 ? "; its later small segment (frame \(b.frame)) carries a sequence number \(b.missingBytes) bytes past the last data that arrived" : ""
            let summary = "\(b.missingBytes) bytes from \(who) never reached \(peer) and were never acknowledged, while its packets of up to \(b.largestAcked) bytes did\(proof): full-size packets are lost on the path (a path MTU black hole, seen from the receiver; the sender's side shows its resends)\(tunnelNote(f))"
            let detail = MTUEvidence.Detail.blackholeAtReceiver(
                missingBytes: Int(b.missingBytes), largestArrived: Int(b.largestAcked),
                duplicateAcks: Int(b.role == .client ? f.server.duplicateAcks : f.client.duplicateAcks), icmpSeen: f.pathMTU != nil,
                sequenceJumpFrame: b.frame)
            return finding(.blackhole, f, role, detail, severity: .error, summary: summary, frames: b.frame != 0 ? [b.frame] : [],
                           firstTime: f.firstTime, filter: FlowFacts.filter(f))
        }
        var summary = "\(b.failSize)-byte packets from \(who) to \(peer) were resent \(b.retransmissions) times and never acknowledged, while packets of up to \(b.largestAcked) bytes got through and no ICMP said why: a path MTU black hole"
        summary += b.recoveredSize > 0
            ? "; \(who) recovered by resending in \(b.recoveredSize)-byte packets (path MTU between \(b.largestAcked) and \(b.failSize - 1))"
            : "; the path MTU lies between \(b.largestAcked) and \(b.failSize - 1) bytes"
        summary += tunnelNote(f)
        let detail = MTUEvidence.Detail.blackholeAtSender(
            retransmissions: Int(b.retransmissions), failingSize: Int(b.failSize), largestAcknowledged: Int(b.largestAcked),
            recoveredWithSize: Int(b.recoveredSize), icmpSeen: f.pathMTU != nil)
        return finding(.blackhole, f, role, detail, severity: b.recoveredSize > 0 ? .warning : .error, summary: summary, frames: [b.frame],
                       firstTime: f.firstTime, filter: FlowFacts.filter(f) + " && tcp.analysis.retransmission")
    }

    func mssExceeded(_ f: Flow) -> Finding {
        let clientWorse = f.client.mtu.overMSS >= f.server.mtu.overMSS
        let p = clientWorse ? f.client : f.server
        let announced = (clientWorse ? f.server.mss : f.client.mss) ?? 0
        let (who, peer, role) = sides(f, client: clientWorse)
        let summary = "\(who) sent \(p.mtu.overMSS) segment\(p.mtu.overMSS == 1 ? "" : "s") of up to \(p.mtu.overMSSLargest) bytes of payload to \(peer), which announced an MSS of \(announced)\(tunnelNote(f))"
        return finding(.mssExceeded, f, role, .mssExceeded(segments: Int(p.mtu.overMSS), largestPayload: Int(p.mtu.overMSSLargest), announcedMSS: Int(announced)),
                       severity: .warning, summary: summary, frames: [p.mtu.overMSSFirstFrame], firstTime: f.firstTime,
                       filter: FlowFacts.filter(f) + " && tcp.len > \(announced)")
    }
}
