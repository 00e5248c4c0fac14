import PacketDecoding

/// A flow's update with one TCP segment: the order in which the analyses read and change its
/// state (history, loss, path MTU, Wireshark's counters, the sender's state, stalls, resets), and
/// the sender's per-segment bookkeeping (`TCPPeer.take`).
extension Flow {
    /// No TCP stack resends a SYN this fast; a copy within it is the capture seeing one packet
    /// twice (SPAN, several interfaces), not a retransmission.
    public static let synCopyWindow: Int64 = 50_000_000

    mutating func update(_ s: Segment) {
        if s.isSYN, synCopy(s) { return }
        let idle = s.time &- lastTime
        lastTime = max(lastTime, s.time)
        lastFrame = s.frame

        // History first: its letters describe the packet as it arrived.
        recordHistory(s)

        // Both analyses read the state as it was before this segment.
        let resentBefore = sides(s.fromClient) { me, _ in me.loss.retransmissions }
        analyzeLoss(s)
        let resent = sides(s.fromClient) { me, _ in me.loss.retransmissions } != resentBefore
        trackPathMTU(s, retransmission: resent)
        wiresharkAnalysis(s)
        // Zero-window probes into a closed window: one byte of new data (Wireshark's rule), or
        // Linux's empty segment one below the next sequence number.
        if s.payload <= 1, !s.isRST, !s.isSYN {
            sides(s.fromClient) { me, peer in
                let isProbe = s.payload == 1 || me.highestSeqEnd.map { s.seq + 1 == $0 } ?? false
                if isProbe, peer.zeroWindowClosedSince != 0 { peer.zeroWindowProbes &+= 1 }
            }
        }
        var effects = SegmentEffects()
        let handshakeDone = handshakeAck != nil
        // The hottest call: a plain branch, each side's take inlined.
        let ackBefore: SeqNum?
        if s.fromClient {
            ackBefore = client.highestAck
            client.take(s, peerISN: server.isn, peerSentSYN: server.sentSYN, handshakeDone: handshakeDone, effects: &effects)
        } else {
            ackBefore = server.highestAck
            server.take(s, peerISN: client.isn, peerSentSYN: client.sentSYN, handshakeDone: handshakeDone, effects: &effects)
        }
        trackStalls(s, ackBefore: ackBefore)
        if effects.completesHandshake {
            handshakeAck = (s.frame, s.time)
            initialRTT = s.time &- (answeredSYNTime ?? client.syns.firstTime)
        }
        if effects.synAckBadAck { synAckBadAck = true }
        if effects.strayAck { synAnsweredByStrayAck = true }

        if s.isRST {
            sides(s.fromClient) { me, _ in me.rstCount &+= 1 }
            if reset == nil { reset = makeReset(s, idle: idle) }
        }
    }

    /// A SYN seen again within `synCopyWindow`, same ISN: the capture's copy. Counted, classified
    /// the way Wireshark does, and otherwise ignored.
    mutating func synCopy(_ s: Segment) -> Bool {
        let copy = sides(s.fromClient) { me, _ in
            guard !me.syns.isEmpty, me.isn == s.seq, s.time &- me.syns.lastTime < Self.synCopyWindow else { return false }
            // The same SYN back with a lower TTL: forwarded (its first copy, one hop lower: a
            // router capturing on both interfaces) or round a loop past the capture point.
            if s.ttl < me.lastTTL { me.countCopy(ttl: s.ttl) }
            me.lastTTL = s.ttl
            return true
        }
        guard copy else { return false }
        duplicateSYNs &+= 1
        lastTime = max(lastTime, s.time)
        // Wireshark still classifies the copy (a retransmission, or out of order).
        wiresharkAnalysis(s)
        return true
    }

    /// An ACK that moves forward is progress for the other side's data: it ends that side's wait
    /// (kept if it was the longest). Data sent with nothing outstanding starts a wait of its own.
    @inline(__always)
    mutating func trackStalls(_ s: Segment, ackBefore: SeqNum?) {
        guard !s.isRST else { return }
        sides(s.fromClient) { me, peer in
            // The sender's zero-window state goes in as plain values: no copy of a side per packet.
            if let a = me.highestAck, ackBefore.map({ $0 < a }) ?? true {
                peer.progress(acked: a, time: s.time, frame: s.frame, peerZeroWindows: me.zeroWindowAds, peerClosed: me.zeroWindowClosed)
            }
            if s.payload > 0, me.stallMark == 0 { me.markStall(time: s.time, peerZeroWindows: peer.zeroWindowAds) }
        }
    }

    mutating func wiresharkAnalysis(_ s: Segment) {
        let irtt = initialRTT
        sides(s.fromClient) { me, peer in TCPPeer.wiresharkAnalysis(&me, &peer, s, irtt: irtt) }
    }

    @inline(__always)
    mutating func recordHistory(_ s: Segment) {
        let (syn, ack, fin, rst) = (s.isSYN, s.hasACK, s.isFIN, s.isRST)
        let fromClient = s.fromClient
        // Plain values, not a copy of the sender's state.
        let (synsEmpty, isn, sentFIN, sentRST) = sides(fromClient) { me, _ in (me.syns.isEmpty, me.isn, me.sentFIN, me.sentRST) }
        if syn && (fin || rst) { history.recordOnce(UInt8(ascii: "Q"), originator: fromClient) }
        if fin && rst { history.recordOnce(UInt8(ascii: "I"), originator: fromClient) }
        if syn {
            // A retried SYN with the same ISN is not recorded again (Zeek's rule).
            if synsEmpty || isn != s.seq {
                history.record(ack ? UInt8(ascii: "H") : UInt8(ascii: "S"), originator: fromClient)
            }
        }
        if fin && !sentFIN { history.record(UInt8(ascii: "F"), originator: fromClient) }
        if rst && !sentRST { history.record(UInt8(ascii: "R"), originator: fromClient) }
        if s.payload > 0 { history.recordOnce(UInt8(ascii: "D"), originator: fromClient) }
        else if ack && !syn && !fin && !rst { history.recordOnce(UInt8(ascii: "A"), originator: fromClient) }
        if s.window == 0 && !rst && !syn { history.recordOnce(UInt8(ascii: "W"), originator: fromClient) }
    }

    func makeReset(_ s: Segment, idle: Int64) -> ResetInfo {
        let role = s.role, seq = s.seq
        let sender = role == .client ? client : server
        let receiver = role == .client ? server : client
        let phase: ResetPhase
        if client.sentFIN || server.sentFIN { phase = .afterFin }
        else if handshakeCompleted || (midstream && client.packets > 0 && server.packets > 0) || receiver.payloadBytes > 0 || sender.payloadBytes > 0 { phase = .established }
        else { phase = .handshake }
        // The receiver's RCV.NXT is the highest ACK it sent; its window bounds what it accepts.
        // A RST at the sender's own next sequence number is what a real stack sends.
        let validity: ResetValidity
        if let rcvNxt = receiver.highestAck {
            let d = seq - rcvNxt
            let senderNext = sender.highestSeqEnd
            // Window scale counts only when both SYNs carried it (RFC 7323); without the
            // handshake the scale is unknown, so the window cannot be judged from above.
            let scaleKnown = !client.syns.isEmpty && !server.syns.isEmpty
            let scale = scaleKnown ? Int((sender.windowScale != nil && receiver.windowScale != nil) ? receiver.windowScale! : 0) : 14
            let window = max(Int(receiver.window) << min(scale, 14), 1)
            if d == 0 || seq == senderNext { validity = .exact }
            else if (d > 0 && d < window) || (senderNext.map { seq - $0 < 0 && d > -window } ?? false) { validity = .inWindow }
            else { validity = .outOfWindow }
        } else if role == .server, let isn = client.isn, s.hasACK {
            validity = s.ack == isn + 1 ? .exact : .outOfWindow                // RFC 9293: a RST answering a SYN
        } else {
            validity = .unknown
        }
        let unacked: Int64
        // Only meaningful inside one sequence space: anything beyond 1 GiB is a stray ACK.
        if let end = sender.highestSeqEnd, let acked = receiver.highestAck, case let d = end - acked, d >= 0, d < 1 << 30 {
            unacked = Int64(d)
        } else { unacked = 0 }
        return ResetInfo(frame: s.frame, time: s.time, sender: role, phase: phase, validity: validity, seq: seq,
                         ack: s.hasACK ? s.ack : nil, ttl: s.ttl, ipID: s.ipID, mac: s.mac, payloadLength: s.payload,
                         idleBefore: packetsBefore > 0 ? idle : 0, clientBytesBefore: client.payloadBytes,
                         serverBytesBefore: server.payloadBytes, unackedBytes: unacked)
    }

    var packetsBefore: UInt32 { client.packets &+ server.packets &- 1 }

    /// One UDP datagram.
    mutating func updateDatagram(fromClient: Bool, payload: Int, time: Int64, frame: UInt64) {
        lastTime = max(lastTime, time)
        lastFrame = frame
        if fromClient {
            client.packets &+= 1; client.payloadBytes &+= UInt64(payload)
            if client.packets == 1 { history.record(UInt8(ascii: "D"), originator: true) }
        } else {
            server.packets &+= 1; server.payloadBytes &+= UInt64(payload)
            if server.packets == 1 { history.record(UInt8(ascii: "D"), originator: false) }
        }
    }

    /// An ICMP error that quotes a packet of this flow; the first one is kept.
    mutating func attach(_ e: ICMPErrorInfo) {
        icmpCount &+= 1
        if icmp == nil { icmp = e }
    }
}

extension TCPPeer {
    /// Wireshark's per-segment rules, in its order (reference/detection-rules.md §1.2), on the
    /// sender's state (`fwd`) and the receiver's (`rev`, which "ACKed unseen segment" updates).
    /// Counts what tshark's tcp.analysis.* filters would match, so flows can be checked against it.
    @inline(__always)
    static func wiresharkAnalysis(_ fwd: inout TCPPeer, _ rev: inout TCPPeer, _ s: Segment, irtt: Int64) {
        let (flags, seq, ack, window, seglen, time, ipID, ttl) = (s.flags, s.seq, s.ack, s.window, s.payload, s.time, s.ipID, s.ttl)
        let windowScale = s.options.windowScale
        let syn = flags.contains(.syn), fin = flags.contains(.fin), rst = flags.contains(.rst), hasACK = flags.contains(.ack)
        let control = syn || fin || rst
        if syn {
            // Window scaling counts only when both SYNs carry it (verify_tcp_window_scaling).
            if let ws = windowScale { fwd.wsWinScale = Int8(min(ws, 14)) }
            if fwd.wsWinScale == -1 { fwd.wsWinScale = -2; rev.wsWinScale = -2 }
            else if hasACK && rev.wsWinScale == -2 { fwd.wsWinScale = -2 }
        }
        var zeroWindowProbe = false, keepAlive = false, skipDupAck = false
        let next = fwd.wsNextSeq
        if seglen == 1, let n = next, seq == n, rev.window == 0, rev.wsLastAck != nil {
            zeroWindowProbe = true
        } else {
            if let n = next, n < seq, !rst { fwd.lostSegments &+= 1 }
            if seglen <= 1, let n = next, seq + 1 == n, !control {
                keepAlive = true
                fwd.keepAlives &+= 1
            }
            if seglen > 0, !control, rev.wsWinScale != -1, let ra = rev.wsLastAck {
                let shift = rev.wsWindowFromSYN || rev.wsWinScale < 0 ? 0 : Int(rev.wsWinScale)
                if seq + seglen == ra + (Int(rev.window) << shift) { fwd.windowFull &+= 1 }
            }
            let sameAck = seglen == 0 && window == fwd.window && next.map { seq == $0 } ?? false && fwd.wsLastAck == ack && !control
            if sameAck && window != 0 && rev.wsLastWasKeepAlive { skipDupAck = true }        // keep-alive ACK
            if sameAck && !skipDupAck && window != 0 {
                fwd.wsDupAcks &+= 1
                fwd.duplicateAcks &+= 1
            }
        }
        if fwd.wsLastAck != ack { fwd.wsDupAcks = 0 }
        // ACKed unseen segment: this ACK covers bytes of the other direction never seen. Flagged
        // once per run: the mark moves to what was seen (tshark 4.0's rule).
        if hasACK, let m = rev.wsMaxSeqToBeAcked, m < ack {
            fwd.ackLostSegments &+= 1
            rev.wsMaxSeqToBeAcked = rev.wsNextSeq
        }
        if seglen > 0 { fwd.dataSegments &+= 1 }
        let retransmissionsBefore = fwd.retransmissions
        if !zeroWindowProbe && !keepAlive && (seglen > 0 || syn || fin), let next {
            // A segment of more than one byte starting one below nextseq is new data (a probe overlap).
            let notAdvanced = seq < next && !(seglen > 1 && seq + 1 == next)
            if seglen > 0, let acked = rev.wsLastAck, !(acked < seq + seglen) {
                fwd.spuriousRetransmissions &+= 1
                fwd.retransmissions &+= 1
            } else if notAdvanced {
                let end = seq + seglen + (syn || fin ? 1 : 0)
                if rev.wsDupAcks >= 2, let a = rev.wsLastAck, a == seq, time &- rev.wsLastAckTime < 20_000_000 {
                    fwd.fastRetransmissions &+= 1
                    fwd.retransmissions &+= 1
                } else if time &- fwd.wsNextSeqTime < (irtt > 0 ? irtt : 3_000_000) && end != next {
                    fwd.outOfOrder &+= 1
                } else {
                    fwd.retransmissions &+= 1
                }
            }
        }
        var isCopy = false
        if seglen > 0 && fwd.retransmissions != retransmissionsBefore {
            let sameSegment = fwd.lastSegmentSeq == seq && Int(fwd.lastSegmentLength) == seglen
            let same = ipID.map { sameSegment && fwd.lastSegmentIPID == $0 } ?? false
            // IPv6 has no IP ID: the same segment with a lower hop limit within the window is a copy
            // (a sender's own resend leaves with the same hop limit).
            if (same || (ipID == nil && sameSegment)) && ttl < fwd.lastSegmentTTL && time &- fwd.lastSegmentTime < 500_000_000 {
                // The same packet back with a lower TTL: forwarded by the capturing router (its
                // first copy, one hop lower) or a routing loop past the capture point (more).
                isCopy = true
                fwd.countCopy(ttl: ttl)
                fwd.captureCopies &+= 1
            } else if same && time &- fwd.lastSegmentTime < 2_000_000 {
                fwd.captureCopies &+= 1
            } else {
                fwd.dataRetransmissions &+= 1
                fwd.retransmittedBytes &+= UInt64(seglen)
            }
        }
        if seglen > 0 {
            if !isCopy { fwd.copyBaseTTL = ttl }
            fwd.lastSegmentSeq = seq
            fwd.lastSegmentLength = UInt16(truncatingIfNeeded: seglen)
            fwd.lastSegmentIPID = ipID ?? 0
            fwd.lastSegmentTime = time
            fwd.lastSegmentTTL = ttl
        }
        // Remember nextseq (a zero-window probe never advances it), then the ACK and window.
        let end = seq + seglen + (syn || fin ? 1 : 0)
        if !zeroWindowProbe && !rst, fwd.wsNextSeq.map({ $0 < end }) ?? true {
            fwd.wsNextSeq = end
            fwd.wsNextSeqTime = time
        }
        if !zeroWindowProbe, fwd.wsMaxSeqToBeAcked.map({ $0 == seq }) ?? true { fwd.wsMaxSeqToBeAcked = fwd.wsNextSeq }
        if hasACK && !rst {
            fwd.wsLastAck = ack
            fwd.wsLastAckTime = time
        }
        fwd.wsWindowFromSYN = syn
        fwd.wsLastWasKeepAlive = keepAlive
    }
}

/// What one segment changed beyond its sender's own state.
struct SegmentEffects {
    var completesHandshake = false
    var synAckBadAck = false
    var strayAck = false
}

extension TCPPeer {
    /// Updates the sender's state with one segment; the peer is read through plain values so
    /// nothing is copied per packet.
    @inline(__always)
    mutating func take(_ s: Segment, peerISN: SeqNum?, peerSentSYN: Bool, handshakeDone: Bool, effects: inout SegmentEffects) {
        let (flags, seq, ack, window, payload, options) = (s.flags, s.seq, s.ack, s.window, s.payload, s.options)
        let (ttl, ipID, mac, time, frame, fromClient) = (s.ttl, s.ipID, s.mac, s.time, s.frame, s.fromClient)
        let isRST = flags.contains(.rst), isSYN = flags.contains(.syn), hasACK = flags.contains(.ack)
        packets &+= 1
        payloadBytes &+= UInt64(payload)
        if !isRST { fingerprint(ttl: ttl, ipID: isSYN ? nil : ipID, mac: mac) }
        lastTTL = ttl
        if isSYN {
            copyBaseTTL = ttl
            if syns.isEmpty {
                isn = seq
                mss = options.mss
                windowScale = options.windowScale
            } else if let isn, isn != seq {
                isnChanged = true
            }
            syns.add(frame: frame, time: time)
            if hasACK, !fromClient, let cisn = peerISN, ack != cisn + 1 { effects.synAckBadAck = true }
        }
        // A bare ACK answering a SYN with some other number: state left from an older connection.
        if !fromClient, !isSYN, !isRST, hasACK, syns.isEmpty, !handshakeDone, let cisn = peerISN, ack != cisn + 1 {
            effects.strayAck = true
        }
        // Sequence space this segment occupies (SYN and FIN count one each).
        let span = payload &+ (isSYN ? 1 : 0) &+ (flags.contains(.fin) ? 1 : 0)
        if span > 0 && !isRST {
            let end = seq + span
            if highestSeqEnd.map({ $0 < end }) ?? true { highestSeqEnd = end }
        }
        if hasACK && !isRST {
            if highestAck.map({ $0 < ack }) ?? true { highestAck = ack }
            self.window = window
        }
        // Wireshark's rule: window 0 on a segment that is not SYN, FIN or RST. The window
        // reopens with the next segment from this side that offers room.
        if window == 0 && !isSYN && !isRST && !flags.contains(.fin) {
            zeroWindowAds &+= 1
            if zeroWindowClosedSince == 0 {
                zeroWindowClosedSince = time
                if zeroWindowFirstFrame == 0 { zeroWindowFirstFrame = frame }
            }
        } else if window > 0 && !isRST && zeroWindowClosedSince != 0 {
            closeZeroWindow(at: time)
        }
        if flags.contains(.fin) {
            if finCount == 0 { firstFINTime = time }
            finCount &+= 1
        }
        // The client's ACK of the SYN-ACK completes the handshake.
        if fromClient, !handshakeDone, !isSYN, !isRST, hasACK, peerSentSYN, let sisn = peerISN, ack == sisn + 1 {
            effects.completesHandshake = true
        }
    }

    /// The cause of the wait that began at the mark, judged now.
    public func stallCause(peerZeroWindows: UInt32, peerClosed: Bool) -> StallCause {
        if peerZeroWindows > stallMarkPeerZeroWindows || peerClosed { return .zeroWindow }
        if retransmissions > stallMarkRetransmissions { return .retransmissionsUnacked }
        return .noAcknowledgment
    }

    mutating func markStall(time: Int64, peerZeroWindows: UInt32) {
        stallMark = time
        stallMarkRetransmissions = retransmissions
        stallMarkPeerZeroWindows = peerZeroWindows
    }

    /// The peer acknowledged up to `acked`.
    mutating func progress(acked: SeqNum, time: Int64, frame: UInt64, peerZeroWindows: UInt32, peerClosed: Bool) {
        if stallMark != 0 {
            let wait = time &- stallMark
            if wait > stallLongest {
                stallLongest = wait
                stallLongestEndFrame = frame
                stallLongestCause = stallCause(peerZeroWindows: peerZeroWindows, peerClosed: peerClosed).rawValue
            }
        }
        if let next = wsNextSeq, acked < next { markStall(time: time, peerZeroWindows: peerZeroWindows) } else { stallMark = 0 }
    }

    mutating func closeZeroWindow(at time: Int64) {
        let d = max(time &- zeroWindowClosedSince, 0)
        zeroWindowTotal &+= d
        zeroWindowLongest = max(zeroWindowLongest, d)
        zeroWindowClosedSince = 0
    }

    @inline(__always)
    mutating func fingerprint(ttl: UInt8, ipID: UInt16?, mac: MACAddress?) {
        ttlPackets &+= 1
        ttlMin = min(ttlMin, ttl)
        ttlMax = max(ttlMax, ttl)
        // SYNs are left out: Linux sends its SYN-ACK with ID 0 before the socket's counter starts.
        if let id = ipID {
            if ipIDSeen {
                let step = id &- ipIDLast
                if step >= 1 && step <= 64 { ipIDSequentialSteps &+= 1 } else { ipIDOtherSteps &+= 1 }
            }
            ipIDLast = id
            ipIDSeen = true
        }
        if let m = mac {
            if let known = self.mac { if known != m { macVaries = true } } else { self.mac = m }
        }
    }
}

extension TCPPeer {
    /// One more sighting of a packet already seen, with a lower TTL: one hop below its first
    /// sighting is a router forwarding it past the capture (however many interfaces saw it); two
    /// or more hops below, it came round a loop.
    mutating func countCopy(ttl: UInt8) {
        if Int(ttl) >= Int(copyBaseTTL) - 1 { if forwardedCopies < .max { forwardedCopies &+= 1 } } else { loopedPackets &+= 1 }
    }
}
