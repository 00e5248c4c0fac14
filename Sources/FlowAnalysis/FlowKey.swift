import PacketDecoding

/// A flow's identity, the same for both directions: the lower (address, port) first.
@frozen public struct FlowKey: Hashable, Sendable {
    public var lowAddress: IPAddress
    public var highAddress: IPAddress
    public var lowPort: UInt16
    public var highPort: UInt16
    public var proto: IPProtocol

    @inlinable public init(lowAddress: IPAddress, highAddress: IPAddress, lowPort: UInt16, highPort: UInt16, proto: IPProtocol) {
        self.lowAddress = lowAddress; self.highAddress = highAddress; self.lowPort = lowPort; self.highPort = highPort
        self.proto = proto
    }

    /// The key and whether the packet was sent by the low side.
    @inlinable
    public static func make(_ src: IPAddress, _ sport: UInt16, _ dst: IPAddress, _ dport: UInt16,
                            _ proto: IPProtocol) -> (key: FlowKey, fromLow: Bool) {
        if (src, sport) <= (dst, dport) {
            return (FlowKey(lowAddress: src, highAddress: dst, lowPort: sport, highPort: dport, proto: proto), true)
        }
        return (FlowKey(lowAddress: dst, highAddress: src, lowPort: dport, highPort: sport, proto: proto), false)
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool {
        a.lowAddress.low == b.lowAddress.low && a.highAddress.low == b.highAddress.low
            && a.lowPort == b.lowPort && a.highPort == b.highPort && a.proto == b.proto
            && a.lowAddress.high == b.lowAddress.high && a.highAddress.high == b.highAddress.high
    }

    /// A cheap symmetric mix (the key is already ordered), good enough for Dictionary and for
    /// sharding by hash.
    @inlinable public func hash(into h: inout Hasher) { h.combine(fastHash) }

    @inlinable public var fastHash: UInt64 {
        var x = lowAddress.low &* 0x9E37_79B9_7F4A_7C15
        x ^= highAddress.low &* 0xC2B2_AE3D_27D4_EB4F
        x ^= (lowAddress.high ^ highAddress.high.rotateLeft(17)) &* 0x1656_67B1_9E37_79F9
        x ^= UInt64(lowPort) << 32 | UInt64(highPort) << 16 | UInt64(proto.rawValue)
        x ^= x >> 29
        return x &* 0xBF58_476D_1CE4_E5B9
    }
}

extension UInt64 {
    @inlinable @inline(__always) func rotateLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
