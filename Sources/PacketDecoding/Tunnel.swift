/// The encapsulations the dissector opens.
public enum TunnelKind: UInt8, Sendable, CaseIterable {
    /// IPv4 or IPv6 straight inside IPv4 or IPv6 (IP protocol 4 or 41: ipip, sit/6in4, ip6tnl).
    case ipInIP
    /// GRE version 0 (RFC 2784, RFC 2890) carrying IP, or an Ethernet frame (0x6558, gretap).
    case gre
    /// VXLAN (RFC 7348): an Ethernet frame in UDP.
    case vxlan
    /// Cisco ERSPAN types I–III: a mirrored Ethernet frame in GRE.
    case erspan

    /// A stable, short name for reports.
    public var name: String {
        switch self {
        case .ipInIP: "ip-in-ip"
        case .gre: "gre"
        case .vxlan: "vxlan"
        case .erspan: "erspan"
        }
    }
}

/// The outermost tunnel a packet arrived in. The packet's IP and transport layers describe the
/// innermost packet; this keeps what the tunnel costs, the usual reason a path MTU is below 1500.
public struct TunnelInfo: Sendable, Equatable {
    public var kind: TunnelKind
    /// The outer IP header's addresses: the tunnel endpoints.
    public var outerSource: IPAddress
    public var outerDestination: IPAddress
    /// Bytes from the first byte of the outer IP header to the first byte of the IP header it
    /// carries: 20 for IPv4 in IPv4, 24 for plain GRE over IPv4, 50 for VXLAN over IPv4.
    public var overhead: Int
    /// The same across every nested tunnel: outermost IP header to innermost one.
    public var totalOverhead: Int
    /// The GRE key, the VXLAN VNI, or the ERSPAN session ID, when the header has one.
    public var key: UInt32?
    /// Tunnels nested, counting this one (1 for a single tunnel).
    public var depth: Int

    @inlinable public init(kind: TunnelKind, outerSource: IPAddress, outerDestination: IPAddress, overhead: Int,
                           totalOverhead: Int, key: UInt32?, depth: Int) {
        self.kind = kind
        self.outerSource = outerSource
        self.outerDestination = outerDestination
        self.overhead = overhead
        self.totalOverhead = totalOverhead
        self.key = key
        self.depth = depth
    }
}

/// GRE header (RFC 2784, with RFC 2890's key and sequence number). Only version 0 without the
/// RFC 1701 routing bits is laid out as below; `isVersion0` says whether the fields may be read.
public struct GREHeader: Sendable {
    public static let minimumLength = 4
    public let bytes: WireBytes

    /// Throws only truncation: another version (PPTP's enhanced GRE, RFC 2637) is a valid view
    /// of its first four bytes, left for the caller to ignore.
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.minimumLength else { throw .truncated(.gre, needed: Self.minimumLength, have: b.count) }
        let flags = b.u16(0)
        if Self.isVersion0(flags) {
            let n = Self.headerLength(flags)
            guard b.count >= n else { throw .truncated(.gre, needed: n, have: b.count) }
        }
        bytes = b
    }

    /// RFC 2784 §2.3: version 0, and bits 1–5 clear apart from RFC 2890's K and S (bits 6–12
    /// are to be ignored on receipt).
    @inlinable static func isVersion0(_ flags: UInt16) -> Bool { flags & 0x4C07 == 0 }
    @inlinable static func headerLength(_ flags: UInt16) -> Int {
        var n = minimumLength
        if flags & 0x8000 != 0 { n &+= 4 }
        if flags & 0x2000 != 0 { n &+= 4 }
        if flags & 0x1000 != 0 { n &+= 4 }
        return n
    }

    @inlinable public var flags: UInt16 { bytes.u16(0) }
    @inlinable public var version: UInt8 { UInt8(truncatingIfNeeded: flags & 7) }
    @inlinable public var isVersion0: Bool { Self.isVersion0(flags) }
    @inlinable public var hasChecksum: Bool { flags & 0x8000 != 0 }
    @inlinable public var hasKey: Bool { flags & 0x2000 != 0 }
    @inlinable public var hasSequence: Bool { flags & 0x1000 != 0 }
    @inlinable public var protocolType: EtherType { EtherType(rawValue: bytes.u16(2)) }
    /// Header length for version 0 (4 to 16 bytes); other versions report the fixed 4.
    @inlinable public var headerLength: Int { isVersion0 ? Self.headerLength(flags) : Self.minimumLength }
    @inlinable public var checksum: UInt16? { isVersion0 && hasChecksum ? bytes.u16(4) : nil }
    @inlinable var keyOffset: Int { hasChecksum ? 8 : 4 }
    @inlinable public var key: UInt32? { isVersion0 && hasKey ? bytes.u32(keyOffset) : nil }
    @inlinable public var sequence: UInt32? {
        isVersion0 && hasSequence ? bytes.u32(hasKey ? keyOffset &+ 4 : keyOffset) : nil
    }
    @inlinable public var payload: WireBytes { bytes.dropFirst(headerLength) }
}

/// VXLAN header (RFC 7348 §5): flags, 24 reserved bits, the 24-bit VNI, 8 reserved bits.
public struct VXLANHeader: Sendable {
    public static let length = 8
    /// The IANA port. Linux's old default, 8472, is not assumed: it is an ordinary port too.
    public static let udpPort: UInt16 = 4789
    public let bytes: WireBytes

    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.length else { throw .truncated(.vxlan, needed: Self.length, have: b.count) }
        bytes = b
    }
    @inlinable public var flags: UInt8 { bytes.u8(0) }
    /// The I flag: it must be set for the VNI to be valid; the other bits are ignored on receipt.
    @inlinable public var hasVNI: Bool { flags & 0x08 != 0 }
    @inlinable public var vni: UInt32 { bytes.u32(4) >> 8 }
    @inlinable public var payload: WireBytes { bytes.dropFirst(Self.length) }
}

/// ERSPAN header after GRE (draft-foschiano-erspan): type II is 8 bytes (version 1); type III is
/// 12 bytes (version 2), plus an 8-byte platform subheader when its O bit is set.
public struct ERSPANHeader: Sendable {
    public static let typeIILength = 8
    public static let typeIIILength = 12
    public let bytes: WireBytes

    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.typeIILength else { throw .truncated(.erspan, needed: Self.typeIILength, have: b.count) }
        if b.u8(0) >> 4 == 2 {
            guard b.count >= Self.typeIIILength else {
                throw .truncated(.erspan, needed: Self.typeIIILength, have: b.count)
            }
            let n = b.u8(11) & 1 != 0 ? Self.typeIIILength &+ 8 : Self.typeIIILength
            guard b.count >= n else { throw .truncated(.erspan, needed: n, have: b.count) }
        }
        bytes = b
    }
    /// 1 for type II, 2 for type III.
    @inlinable public var version: UInt8 { bytes.u8(0) >> 4 }
    @inlinable public var vlan: UInt16 { bytes.u16(0) & 0x0fff }
    @inlinable public var sessionID: UInt16 { bytes.u16(2) & 0x03ff }
    @inlinable public var headerLength: Int {
        guard version == 2 else { return Self.typeIILength }
        return bytes.u8(11) & 1 != 0 ? Self.typeIIILength &+ 8 : Self.typeIIILength
    }
    /// Type III says what it mirrored (0 Ethernet, 2 IP); type II always mirrors Ethernet.
    @inlinable public var carriesEthernet: Bool { version != 2 || (bytes.u16(10) >> 10) & 0x1f == 0 }
    @inlinable public var payload: WireBytes { bytes.dropFirst(headerLength) }
}
