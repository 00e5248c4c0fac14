/// ICMPv4 message (RFC 792, RFC 1191 for the next-hop MTU).
public struct ICMPv4Message: Sendable {
    public static let headerLength = 8
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.headerLength else { throw .truncated(.icmpv4, needed: Self.headerLength, have: b.count) }
        bytes = b
    }
    @inlinable public var type: UInt8 { bytes.u8(0) }
    @inlinable public var code: UInt8 { bytes.u8(1) }
    @inlinable public var checksum: UInt16 { bytes.u16(2) }
    @inlinable public var identifier: UInt16 { bytes.u16(4) }
    @inlinable public var sequence: UInt16 { bytes.u16(6) }
    /// Destination unreachable, source quench, redirect, time exceeded, parameter problem:
    /// messages that quote the datagram they are about.
    @inlinable public var isError: Bool {
        switch type { case 3, 4, 5, 11, 12: return true; default: return false }
    }
    @inlinable public var isFragmentationNeeded: Bool { type == 3 && code == 4 }
    /// RFC 1191 next-hop MTU; 0 from routers that predate it.
    @inlinable public var nextHopMTU: UInt16 { bytes.u16(6) }
    /// The quoted original datagram of an error message.
    @inlinable public var quoted: QuotedPacket? {
        guard isError else { return nil }
        return QuotedPacket(ipBytes: bytes.dropFirst(Self.headerLength))
    }
}

/// ICMPv6 message (RFC 4443; neighbour discovery from RFC 4861).
public struct ICMPv6Message: Sendable {
    public static let headerLength = 8
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.headerLength else { throw .truncated(.icmpv6, needed: Self.headerLength, have: b.count) }
        bytes = b
    }
    @inlinable public var type: UInt8 { bytes.u8(0) }
    @inlinable public var code: UInt8 { bytes.u8(1) }
    @inlinable public var checksum: UInt16 { bytes.u16(2) }
    /// Types below 128 are errors and quote the offending packet.
    @inlinable public var isError: Bool { type < 128 }
    @inlinable public var isPacketTooBig: Bool { type == 2 }
    @inlinable public var mtu: UInt32 { bytes.u32(4) }
    @inlinable public var identifier: UInt16 { bytes.u16(4) }
    @inlinable public var sequence: UInt16 { bytes.u16(6) }
    /// Neighbour solicitation / advertisement target (types 135, 136).
    @inlinable public var neighborTarget: IPAddress? {
        guard type == 135 || type == 136, bytes.count >= 24 else { return nil }
        return bytes.ipv6Address(8)
    }
    @inlinable public var quoted: QuotedPacket? {
        guard isError else { return nil }
        return QuotedPacket(ipBytes: bytes.dropFirst(Self.headerLength))
    }
}

/// The IP header and start of the transport header quoted in an ICMP error, decoded with the
/// same views. Quotes are short by design, so a cut-off payload is normal here.
public struct QuotedPacket: Sendable {
    public let ipv4: IPv4Header?
    public let ipv6: IPv6Header?
    public let proto: IPProtocol
    /// Transport bytes as quoted (usually at least 8: ports, and the TCP sequence number).
    public let transport: WireBytes

    @inlinable public init?(ipBytes b: WireBytes) {
        guard b.count >= 1 else { return nil }
        switch b.u8(0) >> 4 {
        case 4:
            guard let h = try? IPv4Header(b) else { return nil }
            ipv4 = h; ipv6 = nil; proto = h.proto
            transport = h.fragmentOffset == 0 ? h.payload : b.slice(0, 0)
        case 6:
            guard let h = try? IPv6Header(b) else { return nil }
            var chain = IPv6ExtensionHeaders(first: h.nextHeader, bytes: h.payload)
            while chain.next() != nil {}
            ipv4 = nil; ipv6 = h; proto = chain.nextHeader
            transport = (chain.error == nil && (chain.fragment?.offset ?? 0) == 0) ? chain.rest : b.slice(0, 0)
        default:
            return nil
        }
    }

    @inlinable public var source: IPAddress { ipv4?.source ?? ipv6!.source }
    @inlinable public var destination: IPAddress { ipv4?.destination ?? ipv6!.destination }
    /// The original datagram's length on the wire, as its header claimed.
    @inlinable public var originalLength: Int { ipv4?.totalLength ?? (ipv6.map { IPv6Header.length &+ $0.payloadLength } ?? 0) }
    @inlinable public var sourcePort: UInt16? {
        (proto == .tcp || proto == .udp) && transport.count >= 4 ? transport.u16(0) : nil
    }
    @inlinable public var destinationPort: UInt16? {
        (proto == .tcp || proto == .udp) && transport.count >= 4 ? transport.u16(2) : nil
    }
    @inlinable public var tcpSequence: SeqNum? { proto == .tcp && transport.count >= 8 ? SeqNum(transport.u32(4)) : nil }
    /// TCP flags when the quote reaches them (Linux quotes the whole header).
    @inlinable public var tcpFlags: TCPFlags? {
        proto == .tcp && transport.count >= 14 ? TCPFlags(rawValue: transport.u16(12) & 0x01ff) : nil
    }
    /// The type of a quoted ICMP message (an error about an error must never be answered).
    @inlinable public var icmpType: UInt8? {
        (proto == .icmp || proto == .icmpv6) && transport.count >= 1 ? transport.u8(0) : nil
    }
}
