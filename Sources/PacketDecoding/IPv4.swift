/// IPv4 header (RFC 791). The view is trimmed to Total Length, so Ethernet padding never reaches
/// the transport; a capture shorter than Total Length is snaplen truncation, not an error.
public struct IPv4Header: Sendable {
    public static let minimumLength = 20
    public let bytes: WireBytes

    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.minimumLength else { throw .truncated(.ipv4, needed: Self.minimumLength, have: b.count) }
        guard b.u8(0) >> 4 == 4 else { throw .malformed(.ipv4, .badVersion) }
        let ihl = Int(b.u8(0) & 0x0f) &* 4
        // RFC 791: IHL counts 32-bit words, minimum 5.
        guard ihl >= Self.minimumLength else { throw .malformed(.ipv4, .headerTooShort) }
        let total = Int(b.u16(2))
        // Total Length 0 is what TSO/GSO captures on the sending host show: use what was captured.
        guard total == 0 || total >= ihl else { throw .malformed(.ipv4, .totalLessThanHeader) }
        guard b.count >= ihl else { throw .truncated(.ipv4, needed: ihl, have: b.count) }
        // RFC 791 options: type, length ≥ 2, inside the header; 0 ends the list, 1 is one byte.
        var o = Self.minimumLength
        while o < ihl {
            let kind = b.u8(o)
            if kind == 0 { break }
            if kind == 1 { o &+= 1; continue }
            guard o &+ 1 < ihl else { throw .malformed(.ipv4, .optionLength) }
            let len = Int(b.u8(o &+ 1))
            guard len >= 2, o &+ len <= ihl else { throw .malformed(.ipv4, .optionLength) }
            o &+= len
        }
        bytes = (total != 0 && b.count > total) ? b.slice(0, total) : b
    }

    @inlinable @inline(__always) public var headerLength: Int { Int(bytes.u8(0) & 0x0f) &* 4 }
    @inlinable @inline(__always) public var dscp: UInt8 { bytes.u8(1) >> 2 }
    @inlinable @inline(__always) public var ecn: UInt8 { bytes.u8(1) & 3 }
    /// Total Length from the header (0 for TSO captures).
    @inlinable @inline(__always) public var totalLength: Int { Int(bytes.u16(2)) }
    /// The datagram's length on the wire: Total Length, or what was captured when it is 0.
    @inlinable @inline(__always) public var wireLength: Int { totalLength == 0 ? bytes.count : totalLength }
    @inlinable @inline(__always) public var identification: UInt16 { bytes.u16(4) }
    @inlinable @inline(__always) public var dontFragment: Bool { bytes.u16(6) & 0x4000 != 0 }
    @inlinable @inline(__always) public var moreFragments: Bool { bytes.u16(6) & 0x2000 != 0 }
    /// Offset in bytes.
    @inlinable @inline(__always) public var fragmentOffset: Int { Int(bytes.u16(6) & 0x1fff) &* 8 }
    @inlinable @inline(__always) public var isFragment: Bool { bytes.u16(6) & 0x3fff != 0 }
    @inlinable @inline(__always) public var ttl: UInt8 { bytes.u8(8) }
    @inlinable @inline(__always) public var proto: IPProtocol { IPProtocol(rawValue: bytes.u8(9)) }
    @inlinable @inline(__always) public var checksum: UInt16 { bytes.u16(10) }
    @inlinable @inline(__always) public var source: IPAddress { bytes.ipv4Address(12) }
    @inlinable @inline(__always) public var destination: IPAddress { bytes.ipv4Address(16) }
    @inlinable @inline(__always) public var options: WireBytes { bytes.slice(Self.minimumLength, headerLength) }
    @inlinable @inline(__always) public var payload: WireBytes { bytes.dropFirst(headerLength) }
    /// Payload bytes the datagram carries on the wire (captured or not).
    @inlinable @inline(__always) public var payloadWireLength: Int { Swift.max(wireLength &- headerLength, 0) }
    /// The capture holds less than the datagram (snaplen or an ICMP quote), not a sender error.
    @inlinable @inline(__always) public var payloadIsTruncated: Bool { bytes.count < wireLength }
}
