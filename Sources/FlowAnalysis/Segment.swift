import PacketDecoding

/// One TCP segment as the flow layer reads it: built once per packet by the analyzer and read by
/// every analysis of its flow (history, loss, path MTU, Wireshark's counters, the sender's state,
/// resets). Plain values only: nothing here allocates or holds a String.
public struct Segment: Sendable {
    /// Its direction: sent by the flow's client.
    public var fromClient: Bool
    public var flags: TCPFlags
    public var seq: SeqNum
    public var ack: SeqNum
    public var window: UInt16
    /// Payload length on the wire (from the IP length, not what the capture kept).
    public var payload: Int
    public var options: TCPOptionSummary
    public var ttl: UInt8
    /// IPv4's identification; nil over IPv6.
    public var ipID: UInt16?
    public var mac: MACAddress?
    public var time: Int64
    public var frame: UInt64
    /// The IP packet's length on the wire and its Don't Fragment bit (IPv6: always set).
    public var ipLength: Int
    public var df: Bool

    @inlinable
    public init(fromClient: Bool, flags: TCPFlags, seq: SeqNum, ack: SeqNum, window: UInt16, payload: Int,
                options: TCPOptionSummary, ttl: UInt8, ipID: UInt16?, mac: MACAddress?, time: Int64, frame: UInt64,
                ipLength: Int = 0, df: Bool = true) {
        self.fromClient = fromClient; self.flags = flags; self.seq = seq; self.ack = ack; self.window = window
        self.payload = payload; self.options = options; self.ttl = ttl; self.ipID = ipID; self.mac = mac
        self.time = time; self.frame = frame; self.ipLength = ipLength; self.df = df
    }

    @inlinable public var isSYN: Bool { flags.contains(.syn) }
    @inlinable public var isRST: Bool { flags.contains(.rst) }
    @inlinable public var isFIN: Bool { flags.contains(.fin) }
    @inlinable public var hasACK: Bool { flags.contains(.ack) }
    @inlinable public var role: EndpointRole { fromClient ? .client : .server }
}

extension Flow {
    /// The state of a segment's sender and of its receiver, in that order: one call instead of a
    /// branch per direction, with no copy of either side.
    @inline(__always)
    mutating func sides<R>(_ fromClient: Bool, _ body: (_ sender: inout TCPPeer, _ receiver: inout TCPPeer) -> R) -> R {
        fromClient ? body(&client, &server) : body(&server, &client)
    }
}
