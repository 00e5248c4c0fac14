import PacketDecoding

/// An ICMPv4 fragmentation-needed or ICMPv6 packet-too-big that quotes a packet of this flow,
/// validated (RFC 5927 §4.1, RFC 8201), and what the sender did after it.
public struct PathMTUReport: Sendable {
    public var frame: UInt64
    public var time: Int64
    public var reporter: IPAddress
    /// As reported; 0 is an RFC 1191 "old router" that gives no MTU.
    public var reportedMTU: UInt32
    /// The MTU to use: the reported one, or for 0 the plateau below the quoted length.
    public var mtu: UInt32
    public var quotedLength: Int
    public var quotedDF: Bool
    public var v6: Bool
    /// The quoted packet was the client's.
    public var aboutClient: Bool
    public var suspicion: Suspicion
    /// Such messages for this flow in all.
    public var count: UInt32 = 1
    /// The sender's packets after the message: within the MTU, and DF ones still above it more
    /// than a round trip later (the message was ignored, or never reached the sender).
    public var fitting: UInt32 = 0
    public var oversized: UInt32 = 0
    public var largestAfter: Int = 0
    public var firstOversizedFrame: UInt64 = 0
    /// One past the sender's highest byte when the message came: resends below it that fit the
    /// new MTU are the stack repacketizing (Linux's tcp_simple_retransmit), not loss.
    public var senderHighAtReport: SeqNum?

    public struct Suspicion: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The quoted packet was not larger than the MTU it supposedly did not fit.
        public static let notOversized = Suspicion(rawValue: 1)
        /// Below 68 (IPv4) or 1280 (IPv6): no real link has it; a classic attack value.
        public static let mtuTooSmall = Suspicion(rawValue: 2)
        /// The quoted TCP sequence number is outside what the sender had outstanding.
        public static let sequenceOutsideWindow = Suspicion(rawValue: 4)
    }

    /// RFC 1191 §7 plateaus, for routers that report MTU 0.
    static let plateaus: [UInt32] = [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68]

    static func plateau(below length: Int) -> UInt32 {
        plateaus.first { Int($0) < length } ?? 68
    }
}

/// What one side's packet sizes say about the path: the largest packet acknowledged, full-size
/// segments resent without ever being acknowledged (a black hole), and segments above the
/// peer's MSS.
public struct MTUState: Sendable {
    /// The largest IP packet from this side seen at all, and the largest the peer acknowledged.
    public var maxIPLength: UInt16 = 0
    public var largestAcked: UInt16 = 0
    /// Recent segments larger than `largestAcked`, waiting for their ACK.
    var pendingEnd: InlineArray<4, SeqNum> = .init(repeating: SeqNum(0))
    var pendingLength: InlineArray<4, UInt16> = .init(repeating: 0)
    var pendingCount: UInt8 = 0
    // The current episode: DF segments above `largestAcked` resent and not acknowledged.
    var episodeSeq = SeqNum(0)
    var episodeRetransmissions: UInt16 = 0
    var episodeFailSize: UInt16 = 0
    var episodeFrame: UInt64 = 0
    var episodeLargestAcked: UInt16 = 0
    var coveringSize: UInt16 = 0
    /// The worst episode that ended badly or is still open, and how it ended.
    public var blackholeRetransmissions: UInt16 = 0
    public var blackholeFailSize: UInt16 = 0
    public var blackholeFrame: UInt64 = 0
    /// The largest packet acknowledged before it: the path MTU lies above this.
    public var blackholeLargestAcked: UInt16 = 0
    /// The sender got the bytes through in smaller packets (PLPMTUD / tcp_mtu_probing): the size.
    public var blackholeRecoveredSize: UInt16 = 0
    /// Segments whose payload exceeds the peer's MSS, and those that can only be the capture
    /// host's offload (TSO/GSO/GRO) because no link carries them.
    public var overMSS: UInt32 = 0
    public var overMSSLargest: UInt16 = 0
    public var overMSSFirstFrame: UInt64 = 0
    public var offloaded: UInt32 = 0
    public var offloadLargest: UInt16 = 0
    public var maxPayload: UInt16 = 0

    public init() {}

    /// Fewer retransmissions are loss; this many of one oversized segment is RFC 2923's black hole.
    public static let blackholeThreshold: UInt16 = 3

    /// A data segment from this side.
    mutating func sent(seq: SeqNum, payload: Int, ipLength: Int, df: Bool, retransmission: Bool, frame: UInt64) {
        let len = UInt16(clamping: ipLength)
        maxIPLength = max(maxIPLength, len)
        maxPayload = max(maxPayload, UInt16(clamping: payload))
        // The latest packet carrying the episode's first byte: smaller than the failing size
        // means the sender repacketized (PLPMTUD, tcp_mtu_probing).
        if episodeRetransmissions > 0, !(episodeSeq < seq), episodeSeq < seq + max(payload, 1) { coveringSize = len }
        if retransmission {
            guard df, len > largestAcked else { return }
            // A tail-loss probe resends the last segment first; the timeouts that follow resend the
            // first unacknowledged one: follow that one.
            if episodeRetransmissions == 0 || (seq < episodeSeq && episodeRetransmissions < Self.blackholeThreshold) {
                episodeSeq = seq
                episodeFrame = frame
                episodeLargestAcked = largestAcked
                episodeFailSize = len
                coveringSize = len
                episodeRetransmissions = 1
            } else if seq == episodeSeq && len >= episodeFailSize {
                // A smaller resend is the sender probing a lower size, not another failure.
                episodeRetransmissions &+= 1
            }
            return
        }
        guard len > largestAcked else { return }
        if Int(pendingCount) < 4 {
            pendingEnd[Int(pendingCount)] = seq + payload
            pendingLength[Int(pendingCount)] = len
            pendingCount &+= 1
        } else {
            // Keep the largest sizes: they are what could raise `largestAcked`.
            var smallest = 0
            for i in 1..<4 where pendingLength[i] < pendingLength[smallest] { smallest = i }
            if len > pendingLength[smallest] { pendingEnd[smallest] = seq + payload; pendingLength[smallest] = len }
        }
    }

    /// The peer acknowledged everything below `ack`.
    mutating func acknowledged(_ ack: SeqNum) {
        var i = 0
        while i < Int(pendingCount) {
            if !(ack < pendingEnd[i]) {
                largestAcked = max(largestAcked, pendingLength[i])
                pendingCount &-= 1
                pendingEnd[i] = pendingEnd[Int(pendingCount)]
                pendingLength[i] = pendingLength[Int(pendingCount)]
            } else {
                i += 1
            }
        }
        guard episodeRetransmissions > 0, episodeSeq < ack else { return }
        // The episode's bytes got through: in smaller packets (recovery) or at full size (plain loss).
        if episodeRetransmissions >= Self.blackholeThreshold && coveringSize < episodeFailSize {
            record()
            blackholeRecoveredSize = coveringSize
        }
        episodeRetransmissions = 0
    }

    mutating func record() {
        if episodeRetransmissions >= Self.blackholeThreshold && episodeRetransmissions >= blackholeRetransmissions {
            blackholeRetransmissions = episodeRetransmissions
            blackholeFailSize = episodeFailSize
            blackholeFrame = episodeFrame
            blackholeLargestAcked = episodeLargestAcked
        }
    }

    /// At the flow's end: an episode still open counts.
    public var openEpisode: (retransmissions: UInt16, failSize: UInt16, frame: UInt64, largestAcked: UInt16)? {
        episodeRetransmissions >= Self.blackholeThreshold
            ? (episodeRetransmissions, episodeFailSize, episodeFrame, episodeLargestAcked) : nil
    }

    /// A segment above the MSS the peer announced: the capture host's offload when it is larger
    /// than any link would carry in one packet, else a real oversize.
    mutating func checkMSS(payload: Int, peerMSS: UInt16?, frame: UInt64) {
        guard let mss = peerMSS, mss > 0, payload > Int(mss) else { return }
        // A quarter over the MSS is more than any option overhead explains: several segments
        // merged (TSO/GSO on the sender, GRO on the receiver).
        if payload > Int(mss) + Int(mss) / 4 {
            offloaded &+= 1
            offloadLargest = max(offloadLargest, UInt16(clamping: payload))
        } else {
            if overMSS == 0 { overMSSFirstFrame = frame }
            overMSS &+= 1
            overMSSLargest = max(overMSSLargest, UInt16(clamping: payload))
        }
    }
}

extension Flow {
    /// Sizes against the path: after `analyzeLoss` (which says whether the segment was a
    /// retransmission), before `take`.
    mutating func trackPathMTU(_ s: Segment, retransmission: Bool) {
        let (fromClient, payload, ipLength, df, time, frame) = (s.fromClient, s.payload, s.ipLength, s.df, s.time, s.frame)
        let rst = s.isRST, syn = s.isSYN
        if s.hasACK && !rst { sides(fromClient) { _, peer in peer.mtu.acknowledged(s.ack) } }
        guard payload > 0, !rst, !syn else { return }
        sides(fromClient) { me, peer in
            me.mtu.sent(seq: s.seq, payload: payload, ipLength: ipLength, df: df, retransmission: retransmission, frame: frame)
            me.mtu.checkMSS(payload: payload, peerMSS: peer.mss, frame: frame)
        }
        // Did the sender honour a path MTU message? Packets more than a round trip after it count.
        if var r = pathMTU, r.aboutClient == fromClient, time > r.time {
            if ipLength <= Int(r.mtu) {
                r.fitting &+= 1
            } else if df, time &- r.time > max(initialRTT, 1_000_000) {
                if r.oversized == 0 { r.firstOversizedFrame = frame }
                r.oversized &+= 1
                r.largestAfter = max(r.largestAfter, ipLength)
            }
            pathMTU = r
        }
    }

    /// An ICMPv4 fragmentation-needed or ICMPv6 packet-too-big quoting this flow's packet.
    mutating func attachPathMTU(reporter: IPAddress, reportedMTU: UInt32, quotedLength: Int, quotedDF: Bool,
                                quotedSeq: SeqNum?, v6: Bool, aboutClient: Bool, time: Int64, frame: UInt64) {
        if pathMTU != nil {
            pathMTU!.count &+= 1
            // Each message about the same sender covers what it had sent by then.
            if pathMTU!.aboutClient == aboutClient, let h = (aboutClient ? client : server).highestSeqEnd {
                pathMTU!.senderHighAtReport = h
            }
            return
        }
        let mtu = reportedMTU == 0 && !v6 ? PathMTUReport.plateau(below: quotedLength) : reportedMTU
        var suspicion = PathMTUReport.Suspicion()
        if quotedLength <= Int(mtu) { suspicion.insert(.notOversized) }
        if mtu < (v6 ? 1280 : 68) { suspicion.insert(.mtuTooSmall) }
        // RFC 5927 §4.1: the quoted sequence number must be one the sender has sent and not yet had acknowledged.
        let sender = aboutClient ? client : server
        let receiver = aboutClient ? server : client
        if let q = quotedSeq, let next = sender.highestSeqEnd {
            let una = receiver.highestAck ?? sender.isn ?? q
            if q < una || !(q < next) { suspicion.insert(.sequenceOutsideWindow) }
        }
        pathMTU = PathMTUReport(frame: frame, time: time, reporter: reporter, reportedMTU: reportedMTU, mtu: mtu,
                                quotedLength: quotedLength, quotedDF: quotedDF, v6: v6, aboutClient: aboutClient,
                                suspicion: suspicion)
        pathMTU!.senderHighAtReport = sender.highestSeqEnd
    }
}
