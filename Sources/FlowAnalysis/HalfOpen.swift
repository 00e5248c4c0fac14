import PacketDecoding

/// A connection attempt that has sent nothing but SYNs (one ISN). Kept in a small record of
/// its own table until anything else arrives: in a SYN flood or a scan nearly every attempt stays
/// this way, and a full flow slot for each would cost five times the memory traffic.
public struct HalfOpen: TableEntry {
    public var key: FlowKey
    public var clientIsLow: Bool
    public var isn: SeqNum
    public var syns = EventList()
    public var mss: UInt16?
    public var windowScale: UInt8?
    public var window: UInt16
    public var ttl: UInt8
    public var ipID: UInt16?
    public var mac: MACAddress?
    public var duplicateSYNs: UInt32 = 0
    /// The SYN seen again with a lower TTL (a loop), and the TTL last seen.
    public var loopedSYNs: UInt32 = 0
    /// The SYN's first copy one hop lower: the capturing router forwarding it, not a loop.
    public var forwardedSYNs: UInt16 = 0
    public var lastTTL: UInt8 = 0
    /// The TTL of the current SYN's first sighting (0: the first SYN's).
    public var copyBaseTTL: UInt8 = 0

    public var firstFrame: UInt64 { syns.firstFrame }
    public var lastTime: Int64 { syns.lastTime }

    /// The full flow this attempt amounts to: its first SYN replayed through the flow's own
    /// update, then the retries' count, times and frames.
    public func flow() -> Flow {
        var f = Flow(key: key, clientIsLow: clientIsLow, roleGuessed: false, midstream: false,
                     time: syns.firstTime, frame: syns.firstFrame)
        var options = TCPOptionSummary()
        options.mss = mss
        options.windowScale = windowScale
        f.update(Segment(fromClient: true, flags: [.syn], seq: isn, ack: SeqNum(0), window: window, payload: 0, options: options,
                         ttl: ttl, ipID: ipID, mac: mac, time: syns.firstTime, frame: syns.firstFrame))
        f.client.syns = syns
        f.client.packets = syns.count
        f.client.ttlPackets = syns.count
        f.lastTime = syns.lastTime
        f.lastFrame = syns.lastFrame
        f.duplicateSYNs = duplicateSYNs
        f.client.loopedPackets = loopedSYNs
        f.client.forwardedCopies = forwardedSYNs
        // Every resent SYN and every copy is a retransmission to Wireshark.
        f.client.retransmissions = (syns.count &- 1) &+ duplicateSYNs
        f.client.wsNextSeqTime = syns.lastTime
        return f
    }
}
