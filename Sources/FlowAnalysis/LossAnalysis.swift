import PacketDecoding

/// flowdoctor's own account of one side's data (reference/detection-rules.md §9.3): which bytes
/// the capture saw, which were sent again and why, which were lost before the capture point and
/// which the capture itself missed. The Wireshark-compatible counters live beside it, unchanged.
public struct LossState: Sendable {
    public var space = SequenceSpace()
    /// Bytes the peer acknowledged that the capture never saw (capture loss, Zeek's missed_bytes).
    public var missedBytes: UInt64 { space.missedBytes }
    /// Segments the capture saw only after the peer had acknowledged them (capture order, not loss).
    public var seenAfterAck: UInt32 = 0
    /// Bytes sent again: seen before, or filling a hole after the original was lost upstream.
    public var retransmittedBytes: UInt64 = 0
    /// The longest wait before a timeout retransmission (time since the original, or since the
    /// previous attempt: the backoff).
    public var longestRTO: Int64 = 0
    var lastRetransTime: Int64 = 0
    var lastRetransSeq = SeqNum(0)
    var eifelSeq = SeqNum(0)
    var eifelTSval: UInt32 = 0
    /// Data segments sent again (any kind below).
    public var retransmissions: UInt32 = 0
    /// After duplicate ACKs, or filling a hole the peer's SACK blocks show.
    public var fast: UInt32 = 0
    /// After the retransmission timer (no duplicate ACK or SACK trigger).
    public var timeout: UInt32 = 0
    /// The last segment resent early, with no duplicate ACK: Linux's tail-loss probe.
    public var tailLossProbes: UInt32 = 0
    /// Every byte was already acknowledged when it was resent.
    public var spurious: UInt32 = 0
    /// The peer reported receiving data twice (D-SACK, RFC 2883) after retransmissions.
    public var spuriousByDSACK: UInt32 = 0
    /// The first ACK after a timeout retransmission echoed the original's TSval (Eifel, RFC 3522).
    public var spuriousByTimestamps: UInt32 = 0
    public var dsackReports: UInt32 = 0
    /// Retransmissions whose original the capture never saw: lost before the capture point.
    public var lostBeforeCapture: UInt32 = 0
    /// New bytes that arrived below the highest seen, before any retransmission could: reordering.
    public var reordered: UInt32 = 0
    /// Times the peer's ACK covered bytes the capture never saw.
    public var gapEvents: UInt32 = 0
    /// Resent in smaller packets right after a path MTU message: PMTUD at work, not loss.
    public var pathMTUResends: UInt32 = 0
    /// SYN or FIN sent again (the handshake's and close's business, kept apart from data).
    public var controlRetransmissions: UInt32 = 0
    /// The furthest a later bare ACK or RST from this side ran ahead of the highest data the
    /// capture saw from it: bytes it sent that never reached the capture point (a receiver-side
    /// view of a black hole), and the frame that showed it.
    public var aheadOfData: UInt32 = 0
    /// 32 bits keep the flow slot in its budget; frames past 2^32 - 1 are left unnamed (0).
    public var aheadFrame: UInt32 = 0
    /// Zeek's rule (a data segment that does not advance the highest sequence): the T letters.
    var zeekRetransmissions: UInt32 = 0
    /// Attempts at the segment last retransmitted, and the most any segment needed.
    var attempts: UInt16 = 0
    public var maxAttempts: UInt16 = 0
    /// As a receiver: duplicate ACKs in a row (RFC 5681: same ACK and window, data outstanding).
    var dupRun: UInt16 = 0
    var eifelPending = false
    /// Retransmissions by time since the flow began, in doubling buckets: bucket 0 is the first
    /// 10 ms, bucket i covers [10·2^(i-1), 10·2^i) ms, the last everything later (≈ 5.5 min on).
    public var timeline: InlineArray<16, UInt16> = .init(repeating: 0)
    /// As a receiver: the highest right edge of the SACK blocks this side sent (peer's data).
    var sackedHigh: SeqNum?

    public init() {}
}

extension Flow {
    /// Linux's minimum retransmission timeout. A resend of the last segment well before it, with no
    /// duplicate ACK, is a tail-loss probe (RFC 8985 §7: PTO = 2·SRTT).
    static let tailProbeMargin: Int64 = 100_000_000

    /// Runs before the Wireshark analysis and `take`: it reads both sides as they were before
    /// this segment.
    mutating func analyzeLoss(_ s: Segment) {
        var afterPTB = false
        if let r = pathMTU, r.aboutClient == s.fromClient, r.suspicion.isEmpty, s.time >= r.time, s.ipLength <= Int(r.mtu),
           let h = r.senderHighAtReport, s.seq < h {
            afterPTB = true
        }
        // Three fields change at once (both sides and the history): a branch, not `sides`.
        if s.fromClient {
            Self.lossStep(&client, &server, s, irtt: initialRTT, afterPTB: afterPTB, flowStart: firstTime, history: &history)
        } else {
            Self.lossStep(&server, &client, s, irtt: initialRTT, afterPTB: afterPTB, flowStart: firstTime, history: &history)
        }
    }

    @inline(__always)
    static func lossStep(_ me: inout TCPPeer, _ peer: inout TCPPeer, _ s: Segment,
                         irtt: Int64, afterPTB: Bool, flowStart: Int64, history: inout History) {
        let (flags, seq, ack, window, payload, options) = (s.flags, s.seq, s.ack, s.window, s.payload, s.options)
        let (ipID, time, frame, ttl, senderIsOriginator) = (s.ipID, s.time, s.frame, s.ttl, s.fromClient)
        let syn = flags.contains(.syn), fin = flags.contains(.fin), rst = flags.contains(.rst)
        if payload == 0 && !syn && !fin, let h = me.loss.space.high, h < seq {
            // A bare ACK or RST carries the sender's next sequence number: what it says was sent.
            let ahead = UInt32(truncatingIfNeeded: seq - h)
            if ahead > me.loss.aheadOfData && ahead < 1 << 30 { me.loss.aheadOfData = ahead; me.loss.aheadFrame = UInt32(exactly: frame) ?? 0 }
        }
        if rst { return }
        let clientOriginated = senderIsOriginator
        // As a receiver: what this segment says about the peer's data.
        if flags.contains(.ack) {
            let outstanding = peer.loss.space.high.map { ack < $0 } ?? false
            if payload == 0 && !syn && !fin, let last = me.wsLastAck, last == ack, window == me.window, outstanding {
                me.loss.dupRun &+= 1
            } else if me.wsLastAck != ack {
                me.loss.dupRun = 0
            }
            if peer.loss.space.acknowledge(ack, time: time) > 0 {
                peer.loss.gapEvents &+= 1
                if isPowerOfTen(peer.loss.gapEvents) { history.record(UInt8(ascii: "G"), originator: !clientOriginated) }
            }
            if peer.loss.eifelPending, peer.loss.eifelSeq < ack {
                peer.loss.eifelPending = false
                if let ts = options.timestamps, ts.echo != 0, SeqNum(ts.echo) < SeqNum(peer.loss.eifelTSval) {
                    peer.loss.spuriousByTimestamps &+= 1
                }
            }
            if options.sackBlockCount > 0 {
                let b0 = options.sack0
                // RFC 2883: a first block below the cumulative ACK, or inside the second, reports a duplicate.
                let dsack = !(ack < b0.right) ||
                    (options.sackBlockCount > 1 && !(b0.left < options.sack1.left) && !(options.sack1.right < b0.right))
                if dsack {
                    peer.loss.dsackReports &+= 1
                    if peer.loss.spuriousByDSACK < peer.loss.retransmissions { peer.loss.spuriousByDSACK &+= 1 }
                }
                for i in (dsack ? 1 : 0)..<Int(options.sackBlockCount) {
                    if let b = options.sackBlock(i), ack < b.right, me.loss.sackedHigh.map({ $0 < b.right }) ?? true {
                        me.loss.sackedHigh = b.right
                    }
                }
            }
            if let s = me.loss.sackedHigh, !(ack < s) { me.loss.sackedHigh = nil }
        }

        // As a sender.
        let span = payload &+ (syn ? 1 : 0) &+ (fin ? 1 : 0)
        guard span > 0 else { return }
        let highBefore = me.loss.space.high
        if payload > 0, !me.sentRST, let h = me.highestSeqEnd, !(h < seq + span) {
            me.loss.zeekRetransmissions &+= 1
            if isPowerOfTen(me.loss.zeekRetransmissions) { history.record(UInt8(ascii: "T"), originator: clientOriginated) }
        }
        if payload > 0 && !syn && !fin {
            // Not data: keep-alives, window probes (Linux's included) and the capture's own copies.
            if payload <= 1, let h = highBefore, seq + 1 == h { return }
            if payload <= 1, peer.window == 0, peer.highestAck != nil { return }
            if let id = ipID, me.lastSegmentSeq == seq, Int(me.lastSegmentLength) == payload, me.lastSegmentIPID == id,
               time &- me.lastSegmentTime < 2_000_000 { return }
            // IPv6 (no IP ID): the same segment again with a lower hop limit is the capture's copy.
            if ipID == nil, ttl != 0, me.lastSegmentSeq == seq, Int(me.lastSegmentLength) == payload, ttl < me.lastSegmentTTL,
               time &- me.lastSegmentTime < 500_000_000 { return }
        }
        let tsval = options.timestamps?.value
        let cov = me.loss.space.add(seq: seq, end: seq + span, time: time, tsval: tsval, ipID: ipID)
        guard cov.seen > 0 || cov.filled > 0 else { return }
        if cov.seen == 0 && cov.filled == cov.filledAcked {
            me.loss.seenAfterAck &+= 1
            return
        }
        if payload == 0 {
            if cov.seen > 0 { me.loss.controlRetransmissions &+= 1 }
            return
        }
        if cov.seen == 0, let hole = cov.hole,
           reordered(hole: hole, tsval: tsval, ipID: ipID, idSequential: me.ipIDSequentialSteps > 4 &* me.ipIDOtherSteps,
                     time: time, irtt: irtt) {
            me.loss.reordered &+= 1
            return
        }
        me.loss.retransmissions &+= 1
        me.loss.retransmittedBytes &+= UInt64(cov.seen &+ cov.filled)
        let bucket = timelineBucket(time &- flowStart)
        me.loss.timeline[bucket] = me.loss.timeline[bucket] &+ 1
        if cov.seen == 0 { me.loss.lostBeforeCapture &+= 1 }
        let again = me.loss.attempts > 0 && me.loss.lastRetransSeq == seq
        let since = again ? time &- me.loss.lastRetransTime : (me.stallMark != 0 ? time &- me.stallMark : 0)
        me.loss.attempts = again ? me.loss.attempts &+ 1 : 1
        me.loss.maxAttempts = max(me.loss.maxAttempts, me.loss.attempts)
        me.loss.lastRetransSeq = seq
        me.loss.lastRetransTime = time
        if afterPTB {
            me.loss.pathMTUResends &+= 1
        } else if let acked = peer.highestAck, !(acked < seq + payload) {
            me.loss.spurious &+= 1
        } else if (peer.loss.dupRun >= 2 && peer.wsLastAck.map { !(seq < $0) } ?? false)
                    || (peer.loss.sackedHigh.map { seq < $0 } ?? false) {
            me.loss.fast &+= 1
        } else if !again, let h = highBefore, seq + payload == h, peer.loss.dupRun == 0,
                  time &- me.wsNextSeqTime < irtt &+ irtt / 2 &+ tailProbeMargin {
            me.loss.tailLossProbes &+= 1
        } else {
            me.loss.timeout &+= 1
            me.loss.longestRTO = max(me.loss.longestRTO, since)
            if let v = tsval {
                me.loss.eifelPending = true
                me.loss.eifelTSval = v
                me.loss.eifelSeq = seq
            }
        }
    }

    /// A hole filled by bytes sent before the segment that revealed it (older TSval, older IP ID
    /// from a host that counts them up), or within the initial RTT of it (3 ms without one): a
    /// retransmission needs at least a round trip past the capture point, so the original came late.
    static func reordered(hole: SequenceSpace.Hole, tsval: UInt32?, ipID: UInt16?, idSequential: Bool, time: Int64,
                          irtt: Int64) -> Bool {
        if let v = tsval, hole.openerHasTS, v != hole.openerTSval { return SeqNum(v) < SeqNum(hole.openerTSval) }
        if let id = ipID, hole.openerHasID, idSequential, id != hole.openerIPID {
            return Int16(bitPattern: id &- hole.openerIPID) < 0
        }
        return time &- hole.opened < (irtt > 0 ? irtt : 3_000_000)
    }

    static func timelineBucket(_ sinceStart: Int64) -> Int {
        var limit: Int64 = 10_000_000, i = 0
        while i < 15 && sinceStart >= limit { limit &*= 2; i += 1 }
        return i
    }

    /// Zeek's scaled history: a letter at the 1st, 10th, 100th… occurrence.
    static func isPowerOfTen(_ n: UInt32) -> Bool {
        var p: UInt32 = 1
        while p < n && p <= UInt32.max / 10 { p &*= 10 }
        return p == n
    }
}
