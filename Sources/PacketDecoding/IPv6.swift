/// IPv6 fixed header (RFC 8200 §3). Trimmed to 40 + Payload Length like IPv4.
public struct IPv6Header: Sendable {
    public static let length = 40
    public let bytes: WireBytes

    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.length else { throw .truncated(.ipv6, needed: Self.length, have: b.count) }
        guard b.u8(0) >> 4 == 6 else { throw .malformed(.ipv6, .badVersion) }
        let total = Self.length &+ Int(b.u16(4))
        // Payload Length 0: a jumbogram or a TSO capture; take what was captured.
        bytes = (b.u16(4) != 0 && b.count > total) ? b.slice(0, total) : b
    }

    @inlinable @inline(__always) public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: bytes.u16(0) >> 4) }
    @inlinable @inline(__always) public var flowLabel: UInt32 { bytes.u32(0) & 0x000F_FFFF }
    @inlinable @inline(__always) public var payloadLength: Int { Int(bytes.u16(4)) }
    @inlinable @inline(__always) public var wireLength: Int { payloadLength == 0 ? bytes.count : Self.length &+ payloadLength }
    @inlinable @inline(__always) public var nextHeader: IPProtocol { IPProtocol(rawValue: bytes.u8(6)) }
    @inlinable @inline(__always) public var hopLimit: UInt8 { bytes.u8(7) }
    @inlinable @inline(__always) public var source: IPAddress { bytes.ipv6Address(8) }
    @inlinable @inline(__always) public var destination: IPAddress { bytes.ipv6Address(24) }
    /// Everything after the fixed header: extension headers, then the upper layer.
    @inlinable @inline(__always) public var payload: WireBytes { bytes.dropFirst(Self.length) }
    @inlinable @inline(__always) public var payloadIsTruncated: Bool { bytes.count < wireLength }
}

/// One IPv6 extension header as the chain walk yields it.
public struct IPv6ExtensionHeader: Sendable {
    public let type: IPProtocol
    public let bytes: WireBytes
    @inlinable public init(type: IPProtocol, bytes: WireBytes) { self.type = type; self.bytes = bytes }
    @inlinable @inline(__always) public var nextHeader: IPProtocol { IPProtocol(rawValue: bytes.u8(0)) }
}

/// IPv6 Fragment header fields (RFC 8200 §4.5).
public struct FragmentInfo: Sendable, Equatable {
    public var identification: UInt32
    public var offset: Int
    public var moreFragments: Bool
    @inlinable public init(identification: UInt32, offset: Int, moreFragments: Bool) {
        self.identification = identification; self.offset = offset; self.moreFragments = moreFragments
    }
    /// RFC 6946: offset 0 and M clear is an "atomic" fragment, a complete datagram.
    @inlinable @inline(__always) public var isAtomic: Bool { offset == 0 && !moreFragments }
}

/// Walks the extension-header chain without allocating. Stops at the first non-extension
/// header, at ESP, at a non-first fragment, or on an error (kept in `error`).
public struct IPv6ExtensionHeaders: Sequence, IteratorProtocol, Sendable {
    /// More headers than any real stack sends; hostile chains stop here.
    public static let maximumDepth = 16
    public var rest: WireBytes
    public var nextHeader: IPProtocol
    public var depth = 0
    public var error: DecodeError?
    public var fragment: FragmentInfo?
    /// What follows the Fragment header: the fragment's data, and the protocol it belongs to
    /// (the reassembly key; later extension headers in a first fragment are part of the data).
    public var afterFragment: WireBytes?
    public var fragmentProtocol: IPProtocol?

    @inlinable public init(first: IPProtocol, bytes: WireBytes) { rest = bytes; nextHeader = first }

    @inlinable public static func isExtension(_ p: IPProtocol) -> Bool {
        switch p {
        case .hopByHop, .routing, .fragment, .destinationOptions, .ah, .mobility, .hip, .shim6: return true
        default: return false
        }
    }

    @inlinable public mutating func next() -> IPv6ExtensionHeader? {
        guard error == nil, Self.isExtension(nextHeader) else { return nil }
        // After a fragment with a non-zero offset the bytes are the middle of some datagram.
        if let f = fragment, f.offset != 0 { return nil }
        guard depth < Self.maximumDepth else { error = .malformed(.ipv6Ext, .extensionChainTooLong); return nil }
        guard rest.count >= 8 else { error = .truncated(.ipv6Ext, needed: 8, have: rest.count); return nil }
        let length: Int
        switch nextHeader {
        case .fragment: length = 8
        case .ah: length = (Int(rest.u8(1)) &+ 2) &* 4          // RFC 4302: 32-bit words minus 2
        default: length = (Int(rest.u8(1)) &+ 1) &* 8           // RFC 8200: 8-octet units minus 1
        }
        guard rest.count >= length else { error = .truncated(.ipv6Ext, needed: length, have: rest.count); return nil }
        let header = IPv6ExtensionHeader(type: nextHeader, bytes: rest.slice(0, length))
        if nextHeader == .fragment {
            let v = rest.u16(2)
            fragment = FragmentInfo(identification: rest.u32(4), offset: Int(v & 0xfff8), moreFragments: v & 1 != 0)
            afterFragment = rest.dropFirst(length)
            fragmentProtocol = header.nextHeader
        }
        nextHeader = header.nextHeader
        rest = rest.dropFirst(length)
        depth &+= 1
        return header
    }
}
