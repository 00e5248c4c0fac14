/// Everything one packet decoded to: a stack value of optional layers, rebuilt per packet.
/// Views borrow the packet's bytes and must not outlive the packet callback.
public struct DecodedPacket: Sendable {
    public var sourceMAC: MACAddress?
    public var destinationMAC: MACAddress?
    public var vlanCount: UInt8 = 0
    public var outerVLAN: UInt16?
    public var innerVLAN: UInt16?
    /// The network protocol the link layer announced.
    public var etherType: EtherType?
    public var arp: ARPPacket?
    public var ipv4: IPv4Header?
    public var ipv6: IPv6Header?
    public var ipv6ExtensionCount: UInt8 = 0
    /// Set for IPv4 datagrams with MF or an offset, and for IPv6 with a Fragment header.
    public var fragment: FragmentInfo?
    /// The upper-layer protocol after IP (and after IPv6 extension headers).
    public var transportProtocol: IPProtocol?
    public var tcp: TCPHeader?
    public var udp: UDPHeader?
    public var icmpv4: ICMPv4Message?
    public var icmpv6: ICMPv6Message?
    /// The transport payload (TCP/UDP data), as captured.
    public var payload: WireBytes?
    /// The transport segment's length on the wire per the IP header (nil for a first fragment,
    /// whose IP length covers only a piece).
    public var transportWireLength: Int?
    /// Where decoding stopped early; a partial decode is normal.
    public var error: DecodeError?

    @inlinable public init() {}

    @inlinable public var sourceAddress: IPAddress? { ipv4?.source ?? ipv6?.source }
    @inlinable public var destinationAddress: IPAddress? { ipv4?.destination ?? ipv6?.destination }
    /// TTL or hop limit.
    @inlinable public var hopLimit: UInt8? { ipv4?.ttl ?? ipv6?.hopLimit }
}

/// Decodes a frame of a given link type into a `DecodedPacket`: a switch on link type and
/// EtherType, no dynamic dispatch, no allocation.
public enum Dissector {
    /// More than QinQ plus two provider tags is not a real stack.
    public static let maximumVLANDepth = 4

    @inlinable
    public static func dissect(_ b: WireBytes, link: LinkType) -> DecodedPacket {
        var p = DecodedPacket()
        do throws(DecodeError) {
            try dissectLink(b, link: link, into: &p)
        } catch {
            p.error = error
        }
        return p
    }

    @inlinable
    static func dissectLink(_ b: WireBytes, link: LinkType, into p: inout DecodedPacket) throws(DecodeError) {
        switch link {
        case .ethernet:
            let eth = try EthernetHeader(b)
            p.sourceMAC = eth.source
            p.destinationMAC = eth.destination
            if eth.isLengthField { return }                       // 802.3 + LLC (STP, CDP…): not IP
            try ethernetPayload(eth.etherType, eth.payload, into: &p)
        case .linuxSLL:
            let h = try LinuxSLLHeader(b)
            p.sourceMAC = h.sourceMAC
            try ethernetPayload(h.protocolType, h.payload, into: &p)
        case .linuxSLL2:
            let h = try LinuxSLL2Header(b)
            p.sourceMAC = h.sourceMAC
            try ethernetPayload(h.protocolType, h.payload, into: &p)
        case .null, .loop:
            let h = try NullHeader(b, networkOrder: link == .loop)
            guard let t = h.etherType else { throw .malformed(.null, .unknownFamily) }
            p.etherType = t
            try network(t, h.payload, into: &p)
        case .rawLinux, .rawOpenBSD, .rawLinktype:
            guard b.count >= 1 else { throw .truncated(.link, needed: 1, have: 0) }
            switch b.u8(0) >> 4 {
            case 4: p.etherType = .ipv4; try network(.ipv4, b, into: &p)
            case 6: p.etherType = .ipv6; try network(.ipv6, b, into: &p)
            default: throw .malformed(.link, .badVersion)
            }
        case .ipv4:
            p.etherType = .ipv4; try network(.ipv4, b, into: &p)
        case .ipv6:
            p.etherType = .ipv6; try network(.ipv6, b, into: &p)
        default:
            throw .malformed(.link, .unknownFamily)
        }
    }

    /// After an Ethernet-like header: VLAN tags (802.1Q, 802.1ad, the old 0x9100), then IP or ARP.
    @inlinable
    static func ethernetPayload(_ type: EtherType, _ b: WireBytes, into p: inout DecodedPacket) throws(DecodeError) {
        var type = type, rest = b
        while type == .vlan || type == .qinq || type == .vlanQinQOld {
            guard p.vlanCount < maximumVLANDepth else { throw .malformed(.vlan, .vlanTooDeep) }
            let tag = try VLANTag(rest)
            if p.vlanCount == 0 { p.outerVLAN = tag.vlanID } else if p.vlanCount == 1 { p.innerVLAN = tag.vlanID }
            p.vlanCount &+= 1
            type = tag.etherType
            rest = tag.payload
        }
        p.etherType = type
        try network(type, rest, into: &p)
    }

    @inlinable
    static func network(_ type: EtherType, _ b: WireBytes, into p: inout DecodedPacket) throws(DecodeError) {
        switch type {
        case .ipv4:
            let ip = try IPv4Header(b)
            p.ipv4 = ip
            p.transportProtocol = ip.proto
            if ip.isFragment {
                p.fragment = FragmentInfo(identification: UInt32(ip.identification), offset: ip.fragmentOffset,
                                          moreFragments: ip.moreFragments)
                // Only the first fragment starts with a transport header.
                if ip.fragmentOffset != 0 { return }
            }
            try firstFragmentTolerant(!ip.moreFragments) { () throws(DecodeError) in
                try transport(ip.proto, ip.payload, wireLength: ip.payloadWireLength, complete: !ip.moreFragments, into: &p)
            }
        case .ipv6:
            let ip = try IPv6Header(b)
            p.ipv6 = ip
            var chain = IPv6ExtensionHeaders(first: ip.nextHeader, bytes: ip.payload)
            while chain.next() != nil {}
            p.ipv6ExtensionCount = UInt8(truncatingIfNeeded: chain.depth)
            p.transportProtocol = chain.nextHeader
            p.fragment = chain.fragment
            if let e = chain.error { throw e }
            if let f = chain.fragment, f.offset != 0 { return }
            let used = ip.payload.count &- chain.rest.count
            let complete = !(chain.fragment?.moreFragments ?? false)
            try firstFragmentTolerant(complete) { () throws(DecodeError) in
                try transport(chain.nextHeader, chain.rest, wireLength: Swift.max(ip.wireLength &- IPv6Header.length &- used, 0),
                              complete: complete, into: &p)
            }
        case .arp:
            p.arp = try ARPPacket(b)
        default:
            return
        }
    }

    /// A first fragment may legitimately cut the transport header short (a tiny fragment is a
    /// fragmentation matter, judged by the fragment tracker), so its decode errors are dropped.
    @inlinable
    static func firstFragmentTolerant(_ complete: Bool, _ body: () throws(DecodeError) -> Void) throws(DecodeError) {
        if complete { try body() } else { do { try body() } catch {} }
    }

    /// `complete` is false for a first fragment: the transport header's own lengths then refer
    /// to the reassembled datagram, so they are not checked against this piece.
    @inlinable
    static func transport(_ proto: IPProtocol, _ b: WireBytes, wireLength: Int, complete: Bool,
                          into p: inout DecodedPacket) throws(DecodeError) {
        if complete { p.transportWireLength = wireLength }
        switch proto {
        case .tcp:
            let t = try TCPHeader(b, wireLength: complete ? wireLength : Int.max)
            p.tcp = t
            p.payload = t.payload
        case .udp:
            let u = try UDPHeader(b, wireLength: complete ? wireLength : Int.max)
            p.udp = u
            p.payload = u.payload
        case .icmp:
            p.icmpv4 = try ICMPv4Message(b)
        case .icmpv6:
            p.icmpv6 = try ICMPv6Message(b)
        default:
            return
        }
    }
}
