import PacketDecoding

/// A few frame numbers and times kept in place (no heap): the first ones, up to `capacity`.
public struct EventList: Sendable {
    public static let capacity = 4
    public private(set) var frames: InlineArray<4, UInt64> = .init(repeating: 0)
    public private(set) var times: InlineArray<4, Int64> = .init(repeating: 0)
    public private(set) var lastFrame: UInt64 = 0
    public private(set) var lastTime: Int64 = 0
    /// How many events happened (may exceed what is kept).
    public private(set) var count: UInt32 = 0

    public init() {}

    mutating func add(frame: UInt64, time: Int64) {
        if count < UInt32(Self.capacity) { frames[Int(count)] = frame; times[Int(count)] = time }
        count &+= 1
        lastFrame = frame
        lastTime = time
    }
    public var isEmpty: Bool { count == 0 }
    public var firstFrame: UInt64 { frames[0] }
    public var firstTime: Int64 { times[0] }
    public var keptFrames: [UInt64] { (0..<min(Int(count), Self.capacity)).map { frames[$0] } }
    public var keptTimes: [Int64] { (0..<min(Int(count), Self.capacity)).map { times[$0] } }
}

/// What one endpoint of a TCP connection sent.
public struct TCPPeer: Sendable {
    // Laid out widest first: a flow table of 262,144 slots pays for every byte of padding.
    public var payloadBytes: UInt64 = 0
    /// SYNs (client) or SYN-ACKs (server), retries included.
    public var syns = EventList()
    // Stalls of this side's data: no acknowledged progress while data is outstanding. The mark is
    // when the current wait began (0: nothing outstanding); counters are snapshots taken then.
    public var stallMark: Int64 = 0
    public var stallLongest: Int64 = 0
    public var stallLongestEndFrame: UInt64 = 0
    // Zero windows this endpoint advertised (Wireshark's tcp.analysis.zero_window rule).
    public var zeroWindowClosedSince: Int64 = 0
    public var zeroWindowTotal: Int64 = 0
    public var zeroWindowLongest: Int64 = 0
    public var zeroWindowFirstFrame: UInt64 = 0
    // Wireshark's sequence analysis for this direction (packet-tcp.c, tcp_analyze_sequence_number):
    // nextseq, the last ACK sent and the dup-ACK run; counters named as tshark's filters.
    public var wsNextSeqTime: Int64 = 0
    public var wsLastAckTime: Int64 = 0
    public var retransmittedBytes: UInt64 = 0
    var lastSegmentTime: Int64 = 0
    public var wsNextSeq: SeqNum?
    public var wsLastAck: SeqNum?
    public var isn: SeqNum?
    public var highestSeqEnd: SeqNum?
    public var highestAck: SeqNum?
    public var mac: MACAddress?
    public var stallMarkRetransmissions: UInt32 = 0
    public var stallMarkPeerZeroWindows: UInt32 = 0
    public var zeroWindowAds: UInt32 = 0
    /// Zero-window probes the peer sent while this endpoint's window was closed.
    public var zeroWindowProbes: UInt32 = 0
    public var wsDupAcks: UInt32 = 0
    public var retransmissions: UInt32 = 0
    public var fastRetransmissions: UInt32 = 0
    public var spuriousRetransmissions: UInt32 = 0
    public var outOfOrder: UInt32 = 0
    public var duplicateAcks: UInt32 = 0
    public var lostSegments: UInt32 = 0
    /// Segments with payload, and those of them Wireshark calls retransmissions (any kind).
    public var dataSegments: UInt32 = 0
    public var dataRetransmissions: UInt32 = 0
    /// Data segments seen twice by the capture (same sequence, length and IP ID within 2 ms:
    /// SPAN ports, several interfaces): Wireshark counts them as retransmissions; we set them apart.
    public var captureCopies: UInt32 = 0
    var lastSegmentSeq = SeqNum(0)
    public var packets: UInt32 = 0
    /// FINs sent, and when the first one was.
    public var finCount: UInt32 = 0
    public var firstFINTime: Int64 = 0
    public var rstCount: UInt32 = 0
    // The fingerprint of this endpoint's packets other than RSTs, to spot forged resets.
    public var ttlPackets: UInt32 = 0
    /// Steps between consecutive IPv4 IDs (SYNs left out): +1…+64 counts as sequential.
    public var ipIDSequentialSteps: UInt32 = 0
    public var ipIDOtherSteps: UInt32 = 0
    public var window: UInt16 = 0
    public var ipIDLast: UInt16 = 0
    var lastSegmentLength: UInt16 = 0
    var lastSegmentIPID: UInt16 = 0
    public var mss: UInt16?
    public var windowScale: UInt8?
    /// Why the longest stall lasted: see `StallCause`.
    public var stallLongestCause: UInt8 = 0
    public var ttlMin: UInt8 = .max
    public var ttlMax: UInt8 = 0
    /// A SYN or SYN-ACK was resent with a different ISN.
    public var isnChanged = false
    public var macVaries = false
    public var ipIDSeen = false
    public var wsLastWasKeepAlive = false
    /// Wireshark's win_scale: -1 unknown, -2 no scaling, else the shift.
    var wsWinScale: Int8 = -1
    /// The last window came on a SYN (never scaled).
    var wsWindowFromSYN = false
    public var wsMaxSeqToBeAcked: SeqNum?
    public var ackLostSegments: UInt32 = 0
    public var windowFull: UInt32 = 0
    public var keepAlives: UInt32 = 0
    /// Packets seen again at the capture point with the same IP ID and a lower TTL: a routing
    /// loop carrying them past it more than once.
    public var loopedPackets: UInt32 = 0
    /// Packets seen a second time one hop lower: the capturing router forwarding them
    /// (`tcpdump -i any` on a router), not a loop.
    public var forwardedCopies: UInt16 = 0
    var lastTTL: UInt8 = 0
    var lastSegmentTTL: UInt8 = 0
    /// The TTL of the current packet's first sighting, to tell its copies' TTLs against.
    var copyBaseTTL: UInt8 = 0
    /// flowdoctor's own, byte-accurate loss analysis of this side's data (LossAnalysis.swift).
    public var loss = LossState()
    /// This side's packet sizes against the path (PathMTU.swift).
    public var mtu = MTUState()
    public var zeroWindowClosed: Bool { zeroWindowClosedSince != 0 }

    public init() {}
    public var sentSYN: Bool { !syns.isEmpty }
    public var sentFIN: Bool { finCount > 0 }
    public var sentRST: Bool { rstCount > 0 }
}

public enum EndpointRole: String, Sendable, Codable { case client, server }

/// Why data stopped moving.
public enum StallCause: UInt8, Sendable {
    case none = 0
    /// The receiver closed its window.
    case zeroWindow = 1
    /// The sender retransmitted and still nothing was acknowledged (loss, a black hole).
    case retransmissionsUnacked = 2
    /// Neither: the receiver sent nothing that acknowledged the data.
    case noAcknowledgment = 3

    public var name: String {
        switch self {
        case .none: "none"
        case .zeroWindow: "zero-window"
        case .retransmissionsUnacked: "retransmissions-unacked"
        case .noAcknowledgment: "no-acknowledgment"
        }
    }
}

/// Where in the connection's life a RST came.
public enum ResetPhase: String, Sendable, Codable { case handshake, established, afterFin = "after-fin" }

/// RFC 9293 §3.10.7.3 / RFC 5961: how the RST's sequence number fits the receiver's window.
public enum ResetValidity: String, Sendable, Codable { case exact, inWindow = "in-window", outOfWindow = "out-of-window", unknown }

public struct ResetInfo: Sendable {
    public var frame: UInt64
    public var time: Int64
    public var sender: EndpointRole
    public var phase: ResetPhase
    public var validity: ResetValidity
    public var seq: SeqNum
    public var ack: SeqNum?
    public var ttl: UInt8
    public var ipID: UInt16?
    public var mac: MACAddress?
    public var payloadLength: Int
    /// Time since the previous packet of the flow.
    public var idleBefore: Int64
    public var clientBytesBefore: UInt64
    public var serverBytesBefore: UInt64
    /// Bytes the receiver had not yet acknowledged when the sender reset.
    public var unackedBytes: Int64
}

public struct ICMPErrorInfo: Sendable {
    public var frame: UInt64
    public var time: Int64
    public var v6: Bool
    public var type: UInt8
    public var code: UInt8
    /// Milliseconds from the flow's last packet before it to the error (capped): how long the
    /// router took to answer a packet that was not a SYN. In what was padding.
    public var afterLastPacketMs: UInt32 = 0
    /// Who sent the ICMP error (a router, or the destination host).
    public var reporter: IPAddress
    /// Next-hop MTU (ICMPv4 frag-needed) or MTU (ICMPv6 packet too big).
    public var mtu: UInt32
    /// The quoted packet was sent by the client.
    public var aboutClientPacket: Bool
    public var quotedSYN: Bool
}

/// Zeek's endpoint states, derived from what the endpoint sent.
public enum EndpointState: String, Sendable { case inactive, synSent, synAckSent, partial, established, closed, reset }

/// One flow: TCP with its handshake and reset bookkeeping, or UDP / other with counters only.
/// Fixed-size; updated in place in the flow table.
public struct Flow: Sendable {
    public var key: FlowKey
    /// The client is the low side of the key.
    public var clientIsLow: Bool
    /// Who the client is was guessed (no SYN seen): lower port = server.
    public var roleGuessed: Bool
    public var firstTime: Int64
    public var lastTime: Int64
    public var firstFrame: UInt64
    public var lastFrame: UInt64
    public var client = TCPPeer()
    public var server = TCPPeer()
    /// The client ACKed the SYN-ACK (or sent data acknowledging it).
    public var handshakeAck: (frame: UInt64, time: Int64)?
    /// The SYN-ACK acknowledged something other than the client's SYN.
    public var synAckBadAck = false
    /// The SYN was answered by a bare ACK for some other sequence space: the server (or a
    /// middlebox) still holds state of an older connection on this 4-tuple.
    public var synAnsweredByStrayAck = false
    /// Data was seen without the handshake (the capture started mid-connection).
    public var midstream: Bool
    public var reset: ResetInfo?
    public var icmp: ICMPErrorInfo?
    public var icmpCount: UInt32 = 0
    /// The first fragmentation-needed / packet-too-big for this flow, validated.
    public var pathMTU: PathMTUReport?
    /// The flow was seen inside a tunnel (TunnelKind raw value + 1; 0: not tunnelled), and the
    /// bytes the tunnel adds to each packet: what it costs the path MTU.
    public var tunnelKindCode: UInt8 = 0
    public var tunnelOverhead: UInt16 = 0
    public var tunnelKind: TunnelKind? { tunnelKindCode == 0 ? nil : TunnelKind(rawValue: tunnelKindCode &- 1) }
    /// The TLS handshake, when the flow carries TLS: at most one element, on the heap only for
    /// TLS flows (a slot pays 8 bytes for it). Changed in place through the table.
    public var tls = ContiguousArray<TLSSession>()
    /// The first data was not TLS.
    public var tlsRuledOut = false
    /// SYN / SYN-ACK copies seen within microseconds (capture duplicates), ignored.
    public var duplicateSYNs: UInt32 = 0
    /// Wireshark's iRTT (SYN to the ACK completing the handshake), once known.
    public var initialRTT: Int64 = 0
    public var history = History()

    public init(key: FlowKey, clientIsLow: Bool, roleGuessed: Bool, midstream: Bool, time: Int64, frame: UInt64) {
        self.key = key; self.clientIsLow = clientIsLow; self.roleGuessed = roleGuessed; self.midstream = midstream
        firstTime = time; lastTime = time; firstFrame = frame; lastFrame = frame
    }

    public var isTCP: Bool { key.proto == .tcp }

    mutating func noteTunnel(_ t: TunnelInfo) {
        tunnelKindCode = t.kind.rawValue &+ 1
        tunnelOverhead = UInt16(clamping: t.totalOverhead)
    }
    public var clientAddress: IPAddress { clientIsLow ? key.lowAddress : key.highAddress }
    public var serverAddress: IPAddress { clientIsLow ? key.highAddress : key.lowAddress }
    public var clientPort: UInt16 { clientIsLow ? key.lowPort : key.highPort }
    public var serverPort: UInt16 { clientIsLow ? key.highPort : key.lowPort }
    public var handshakeCompleted: Bool { handshakeAck != nil }

    /// Closed for good: both FINs, or a RST (a later SYN with a new ISN starts a new flow).
    public var isClosed: Bool {
        reset != nil || (client.sentFIN && server.sentFIN)
    }

    public func state(of role: EndpointRole) -> EndpointState {
        let p = role == .client ? client : server
        if p.sentRST { return .reset }
        if p.sentFIN { return .closed }
        if p.packets == 0 { return .inactive }
        if handshakeCompleted { return .established }
        if p.sentSYN { return role == .client ? .synSent : .synAckSent }
        return .partial
    }

    /// Zeek's conn_state, derived the way conn/main.zeek does from both endpoint states.
    public var connState: String {
        guard isTCP else {
            switch (client.packets > 0, server.packets > 0) {
            case (true, true): return "SF"
            case (true, false): return "S0"
            case (false, true): return "SHR"
            default: return "OTH"
            }
        }
        let o = state(of: .client), r = state(of: .server)
        let oInactive = o == .inactive || o == .partial
        let rInactive = r == .inactive || r == .partial
        if r == .reset {
            if o == .synSent || o == .synAckSent || (o == .reset && client.payloadBytes == 0 && server.payloadBytes == 0) { return "REJ" }
            return oInactive ? "RSTRH" : "RSTR"
        }
        if o == .reset {
            if rInactive {
                // ^?S[^HAFGIQ]*R : a SYN, then a RST before any reply.
                let h = history.letters.drop { $0 == UInt8(ascii: "^") }
                if h.first == UInt8(ascii: "S"),
                   let r = h.dropFirst().firstIndex(where: { !"HAFGIQ".utf8.contains($0) && $0 == UInt8(ascii: "R") }),
                   !h[h.index(after: h.startIndex)..<r].contains(where: { "HAFGIQ".utf8.contains($0) }) {
                    return "RSTOS0"
                }
                return "OTH"
            }
            return "RSTO"
        }
        if o == .closed && r == .closed { return "SF" }
        if o == .closed { return rInactive ? "SH" : "S2" }
        if r == .closed { return oInactive ? "SHR" : "S3" }
        if o == .synSent && r == .inactive { return "S0" }
        if o == .established && r == .established { return "S1" }
        return "OTH"
    }

    /// Time from the SYN that was answered to the client's ACK of the SYN-ACK (Wireshark's iRTT).
    public var handshakeRTT: Int64? {
        guard let ack = handshakeAck, !server.syns.isEmpty else { return nil }
        let answered = answeredSYNTime ?? client.syns.firstTime
        return ack.time - answered
    }

    /// The last SYN sent before the first SYN-ACK.
    public var answeredSYNTime: Int64? {
        guard !client.syns.isEmpty else { return nil }
        let synAck = server.syns.isEmpty ? Int64.max : server.syns.firstTime
        var t: Int64? = nil
        for x in client.syns.keptTimes where x <= synAck { t = x }
        return t
    }
}
