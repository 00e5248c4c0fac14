/// Ethernet II header (IEEE 802.3 frames with a length field are reported by `isLengthField`).
public struct EthernetHeader: Sendable {
    public static let length = 14
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.length else { throw .truncated(.ethernet, needed: Self.length, have: b.count) }
        bytes = b
    }
    @inlinable @inline(__always) public var destination: MACAddress { bytes.mac(0) }
    @inlinable @inline(__always) public var source: MACAddress { bytes.mac(6) }
    @inlinable @inline(__always) public var etherType: EtherType { EtherType(rawValue: bytes.u16(12)) }
    /// Values ≤ 1500 are an 802.3 length, not a type (LLC/SNAP follows).
    @inlinable @inline(__always) public var isLengthField: Bool { bytes.u16(12) <= 1500 }
    @inlinable @inline(__always) public var payload: WireBytes { bytes.dropFirst(Self.length) }
}

/// One 802.1Q / 802.1ad tag: TCI then the inner EtherType.
public struct VLANTag: Sendable {
    public static let length = 4
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.length else { throw .truncated(.vlan, needed: Self.length, have: b.count) }
        bytes = b
    }
    @inlinable @inline(__always) public var priority: UInt8 { UInt8(bytes.u16(0) >> 13) }
    @inlinable @inline(__always) public var vlanID: UInt16 { bytes.u16(0) & 0x0fff }
    @inlinable @inline(__always) public var etherType: EtherType { EtherType(rawValue: bytes.u16(2)) }
    @inlinable @inline(__always) public var payload: WireBytes { bytes.dropFirst(Self.length) }
}

/// Linux "cooked" capture v1 (DLT_LINUX_SLL): 16 bytes, protocol at offset 14.
public struct LinuxSLLHeader: Sendable {
    public static let length = 16
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.length else { throw .truncated(.sll, needed: Self.length, have: b.count) }
        bytes = b
    }
    /// 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us.
    @inlinable @inline(__always) public var packetType: UInt16 { bytes.u16(0) }
    @inlinable @inline(__always) public var hardwareType: UInt16 { bytes.u16(2) }
    @inlinable @inline(__always) public var addressLength: Int { Int(bytes.u16(4)) }
    /// The link-layer source address when it is a MAC (ARPHRD_ETHER, 6 bytes).
    @inlinable @inline(__always) public var sourceMAC: MACAddress? { addressLength == 6 ? bytes.mac(6) : nil }
    @inlinable @inline(__always) public var protocolType: EtherType { EtherType(rawValue: bytes.u16(14)) }
    @inlinable @inline(__always) public var payload: WireBytes { bytes.dropFirst(Self.length) }
}

/// Linux "cooked" capture v2 (DLT_LINUX_SLL2): 20 bytes, protocol at offset 0.
public struct LinuxSLL2Header: Sendable {
    public static let length = 20
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.length else { throw .truncated(.sll2, needed: Self.length, have: b.count) }
        bytes = b
    }
    @inlinable @inline(__always) public var protocolType: EtherType { EtherType(rawValue: bytes.u16(0)) }
    @inlinable @inline(__always) public var interfaceIndex: UInt32 { bytes.u32(4) }
    @inlinable @inline(__always) public var hardwareType: UInt16 { bytes.u16(8) }
    @inlinable @inline(__always) public var packetType: UInt8 { bytes.u8(10) }
    @inlinable @inline(__always) public var addressLength: Int { Int(bytes.u8(11)) }
    @inlinable @inline(__always) public var sourceMAC: MACAddress? { addressLength == 6 ? bytes.mac(12) : nil }
    @inlinable @inline(__always) public var payload: WireBytes { bytes.dropFirst(Self.length) }
}

/// BSD loopback (DLT_NULL: host byte order; DLT_LOOP: network byte order): a 4-byte AF_ value.
public struct NullHeader: Sendable {
    public static let length = 4
    public let bytes: WireBytes
    public let networkOrder: Bool
    @inlinable public init(_ b: WireBytes, networkOrder: Bool) throws(DecodeError) {
        guard b.count >= Self.length else { throw .truncated(.null, needed: Self.length, have: b.count) }
        bytes = b
        self.networkOrder = networkOrder
    }
    /// The address family. DLT_NULL files may come from a host of either byte order, so a value
    /// that only makes sense byte-swapped is taken byte-swapped (as libpcap's own filter code does).
    @inlinable public var family: UInt32 {
        let be = bytes.u32(0)
        if networkOrder { return be }
        let le = bytes.u32le(0)
        return le & 0xFFFF_0000 == 0 ? le : be
    }
    /// The network protocol the family names: AF_INET is 2 everywhere; AF_INET6 is 10 (Linux),
    /// 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS).
    @inlinable public var etherType: EtherType? {
        switch family {
        case 2: return .ipv4
        case 10, 24, 28, 30: return .ipv6
        default: return nil
        }
    }
    @inlinable @inline(__always) public var payload: WireBytes { bytes.dropFirst(Self.length) }
}

/// ARP for IPv4 over Ethernet (the only form flowdoctor analyses).
public struct ARPPacket: Sendable {
    public static let length = 28
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= 8 else { throw .truncated(.arp, needed: 8, have: b.count) }
        // RFC 826: hardware 1 (Ethernet), protocol 0x0800, lengths 6 and 4.
        guard b.u16(0) == 1, b.u16(2) == 0x0800, b.u8(4) == 6, b.u8(5) == 4 else {
            throw .malformed(.arp, .badHardwareType)
        }
        guard b.count >= Self.length else { throw .truncated(.arp, needed: Self.length, have: b.count) }
        bytes = b
    }
    /// 1 request, 2 reply.
    @inlinable @inline(__always) public var operation: UInt16 { bytes.u16(6) }
    @inlinable @inline(__always) public var senderMAC: MACAddress { bytes.mac(8) }
    @inlinable @inline(__always) public var senderIP: IPAddress { bytes.ipv4Address(14) }
    @inlinable @inline(__always) public var targetMAC: MACAddress { bytes.mac(18) }
    @inlinable @inline(__always) public var targetIP: IPAddress { bytes.ipv4Address(24) }
}
