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
    /// A fragment's data as captured, its length per the IP header, and the protocol of the
    /// datagram it belongs to: what the fragment tracker needs.
    public var fragmentData: WireBytes?
    public var fragmentWireLength = 0
    public var fragmentProtocol: IPProtocol?
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
    /// The outermost tunnel the packet came in, nil when it came bare. Once a tunnel is opened,
    /// the layers from `ipv4`/`ipv6` down describe the innermost packet, so analysis sees the
    /// inner flow; MACs, VLANs and `etherType` stay the capture link's.
    public var tunnel: TunnelInfo?

    @inlinable public init() {}

    @inlinable @inline(__always) public var sourceAddress: IPAddress? { ipv4?.source ?? ipv6?.source }
    @inlinable @inline(__always) public var destinationAddress: IPAddress? { ipv4?.destination ?? ipv6?.destination }
    /// TTL or hop limit.
    @inlinable @inline(__always) public var hopLimit: UInt8? { ipv4?.ttl ?? ipv6?.hopLimit }

    /// Forgets a tunnel's outer network and transport layers before its inner packet is decoded.
    @inlinable mutating func dropOuterLayers() {
        arp = nil
        ipv4 = nil
        ipv6 = nil
        ipv6ExtensionCount = 0
        fragment = nil
        fragmentData = nil
        fragmentWireLength = 0
        fragmentProtocol = nil
        transportProtocol = nil
        tcp = nil
        udp = nil
        icmpv4 = nil
        icmpv6 = nil
        payload = nil
        transportWireLength = nil
    }
}

/// Where a header sits among nested tunnels.
@usableFromInline struct Encapsulation: Sendable {
    /// Tunnels opened so far.
    @usableFromInline var depth: Int
    /// Bytes from the first byte of the outermost IP header to this point.
    @usableFromInline var offset: Int
    @inlinable init(depth: Int, offset: Int) { self.depth = depth; self.offset = offset }
    @inlinable static var none: Self { Self(depth: 0, offset: 0) }
    @inlinable func advanced(by n: Int) -> Self { Self(depth: depth, offset: offset &+ n) }
}

/// Decodes a frame of a given link type into a `DecodedPacket`: a switch on link type and
/// EtherType, no dynamic dispatch, no allocation.
public enum Dissector {
    /// More than QinQ plus two provider tags is not a real stack.
    public static let maximumVLANDepth = 4
    /// Tunnels nested deeper than this are a decoder attack, not a deployment.
    public static let maximumTunnelDepth = 4

    @inlinable
    public static func dissect(_ b: WireBytes, link: LinkType) -> DecodedPacket {
        var p = DecodedPacket()
        dissect(b, link: link, into: &p)
        return p
    }

    /// Decodes into `p`, which must be fresh (`DecodedPacket()`): no copy of the result.
    @inlinable
    public static func dissect(_ b: WireBytes, link: LinkType, into p: inout DecodedPacket) {
        do throws(DecodeError) {
            try dissectLink(b, link: link, into: &p)
        } catch {
            p.error = error
        }
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
    static func ethernetPayload(_ type: EtherType, _ b: WireBytes, at enc: Encapsulation = .none,
                                into p: inout DecodedPacket) throws(DecodeError) {
        var type = type, rest = b, tags = 0
        while type == .vlan || type == .qinq || type == .vlanQinQOld {
            guard tags < maximumVLANDepth else { throw .malformed(.vlan, .vlanTooDeep) }
            let tag = try VLANTag(rest)
            // A tunnelled frame's tags are the overlay's, not the capture link's.
            if enc.depth == 0 {
                if tags == 0 { p.outerVLAN = tag.vlanID } else if tags == 1 { p.innerVLAN = tag.vlanID }
                p.vlanCount &+= 1
            }
            tags &+= 1
            type = tag.etherType
            rest = tag.payload
        }
        var enc = enc
        if enc.depth == 0 { p.etherType = type } else { enc = extendTunnel(&p, by: tags &* VLANTag.length, enc) }
        try network(type, rest, at: enc, into: &p)
    }

    @inlinable
    static func network(_ type: EtherType, _ b: WireBytes, at enc: Encapsulation = .none,
                        into p: inout DecodedPacket) throws(DecodeError) {
        switch type {
        case .ipv4:
            let ip = try IPv4Header(b)
            p.ipv4 = ip
            p.transportProtocol = ip.proto
            if ip.isFragment {
                p.fragment = FragmentInfo(identification: UInt32(ip.identification), offset: ip.fragmentOffset,
                                          moreFragments: ip.moreFragments)
                p.fragmentData = ip.payload
                p.fragmentWireLength = ip.payloadWireLength
                p.fragmentProtocol = ip.proto
                // Only the first fragment starts with a transport header.
                if ip.fragmentOffset != 0 { return }
            }
            try firstFragmentTolerant(!ip.moreFragments) { () throws(DecodeError) in
                try transport(ip.proto, ip.payload, wireLength: ip.payloadWireLength, complete: !ip.moreFragments,
                              at: enc.advanced(by: ip.headerLength), into: &p)
            }
        case .ipv6:
            let ip = try IPv6Header(b)
            p.ipv6 = ip
            var chain = IPv6ExtensionHeaders(first: ip.nextHeader, bytes: ip.payload)
            while chain.next() != nil {}
            p.ipv6ExtensionCount = UInt8(truncatingIfNeeded: chain.depth)
            p.transportProtocol = chain.nextHeader
            p.fragment = chain.fragment
            if let data = chain.afterFragment {
                p.fragmentData = data
                p.fragmentWireLength = Swift.max(ip.wireLength &- IPv6Header.length &- (ip.payload.count &- data.count), 0)
                p.fragmentProtocol = chain.fragmentProtocol
            }
            if let e = chain.error { throw e }
            if let f = chain.fragment, f.offset != 0 { return }
            let used = ip.payload.count &- chain.rest.count
            let complete = !(chain.fragment?.moreFragments ?? false)
            try firstFragmentTolerant(complete) { () throws(DecodeError) in
                try transport(chain.nextHeader, chain.rest, wireLength: Swift.max(ip.wireLength &- IPv6Header.length &- used, 0),
                              complete: complete, at: enc.advanced(by: IPv6Header.length &+ used), into: &p)
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
    /// to the reassembled datagram, so they are not checked against this piece, and a tunnel in
    /// it is not opened (the inner packet is incomplete). `enc.offset` is where `b` starts.
    @inlinable
    static func transport(_ proto: IPProtocol, _ b: WireBytes, wireLength: Int, complete: Bool,
                          at enc: Encapsulation = .none, into p: inout DecodedPacket) throws(DecodeError) {
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
            if complete && u.destinationPort == VXLANHeader.udpPort { try vxlan(u, wireLength: wireLength, at: enc, into: &p) }
        case .ipip:
            if complete { try ipInIP(.ipv4, b, at: enc, into: &p) }
        case .ipv6:
            if complete { try ipInIP(.ipv6, b, at: enc, into: &p) }
        case .gre:
            if complete { try gre(b, at: enc, into: &p) }
        case .icmp:
            p.icmpv4 = try ICMPv4Message(b)
        case .icmpv6:
            p.icmpv6 = try ICMPv6Message(b)
        default:
            return
        }
    }

    // MARK: tunnels

    /// Opens a tunnel whose header (from `enc.offset`) is `headerLength` bytes: records it,
    /// forgets the outer layers, and says where the inner packet starts.
    @inlinable
    static func enterTunnel(_ kind: TunnelKind, key: UInt32?, headerLength: Int, at enc: Encapsulation,
                            into p: inout DecodedPacket) throws(DecodeError) -> Encapsulation {
        guard enc.depth < maximumTunnelDepth else { throw .malformed(.tunnel, .tunnelTooDeep) }
        let inner = enc.offset &+ headerLength
        if enc.depth == 0 {
            let zero = IPAddress(high: 0, low: 0)
            p.tunnel = TunnelInfo(kind: kind, outerSource: p.sourceAddress ?? zero, outerDestination: p.destinationAddress ?? zero,
                                  overhead: inner, totalOverhead: inner, key: key, depth: 1)
        } else {
            p.tunnel?.depth = enc.depth &+ 1
            p.tunnel?.totalOverhead = inner
        }
        p.dropOuterLayers()
        return Encapsulation(depth: enc.depth &+ 1, offset: inner)
    }

    /// Counts a tunnelled frame's link header (Ethernet, VLAN tags) into the overhead.
    @inlinable
    static func extendTunnel(_ p: inout DecodedPacket, by n: Int, _ enc: Encapsulation) -> Encapsulation {
        p.tunnel?.totalOverhead &+= n
        if enc.depth == 1 { p.tunnel?.overhead &+= n }
        return enc.advanced(by: n)
    }

    /// IP protocol 4 or 41: the inner IP header follows the outer one directly.
    @inlinable
    static func ipInIP(_ type: EtherType, _ b: WireBytes, at enc: Encapsulation, into p: inout DecodedPacket) throws(DecodeError) {
        let inner = try enterTunnel(.ipInIP, key: nil, headerLength: 0, at: enc, into: &p)
        try network(type, b, at: inner, into: &p)
    }

    /// GRE version 0; other versions, routing bits and unknown protocol types stay an unknown transport.
    @inlinable
    static func gre(_ b: WireBytes, at enc: Encapsulation, into p: inout DecodedPacket) throws(DecodeError) {
        let g = try GREHeader(b)
        guard g.isVersion0 else { return }
        let type = g.protocolType
        switch type {
        case .ipv4, .ipv6:
            let inner = try enterTunnel(.gre, key: g.key, headerLength: g.headerLength, at: enc, into: &p)
            try network(type, g.payload, at: inner, into: &p)
        case .transparentEthernetBridging:
            let inner = try enterTunnel(.gre, key: g.key, headerLength: g.headerLength, at: enc, into: &p)
            try tunneledEthernet(g.payload, at: inner, into: &p)
        case .erspan, .erspanTypeIII:
            // Type I (0x88BE without a sequence number) has no ERSPAN header of its own.
            var length = g.headerLength, frame = g.payload, key = g.key
            if type == .erspanTypeIII || g.hasSequence {
                let e = try ERSPANHeader(g.payload)
                guard e.version == (type == .erspanTypeIII ? 2 : 1), e.carriesEthernet else { return }
                length &+= e.headerLength
                frame = e.payload
                key = UInt32(e.sessionID)
            }
            let inner = try enterTunnel(.erspan, key: key, headerLength: length, at: enc, into: &p)
            try tunneledEthernet(frame, at: inner, into: &p)
        default:
            return
        }
    }

    /// VXLAN on its IANA port; `enc` is where the UDP header starts. A datagram too short for a
    /// VXLAN header and a frame, or without the I flag, is some other use of the port.
    @inlinable
    static func vxlan(_ u: UDPHeader, wireLength: Int, at enc: Encapsulation, into p: inout DecodedPacket) throws(DecodeError) {
        let onWire = u.length != 0 ? u.length : wireLength
        guard onWire >= UDPHeader.length &+ VXLANHeader.length &+ EthernetHeader.length else { return }
        let v = try VXLANHeader(u.payload)
        guard v.hasVNI else { return }
        let inner = try enterTunnel(.vxlan, key: v.vni, headerLength: UDPHeader.length &+ VXLANHeader.length, at: enc, into: &p)
        try tunneledEthernet(v.payload, at: inner, into: &p)
    }

    /// An Ethernet frame carried in a tunnel. Its MACs are the overlay's, not the capture link's.
    @inlinable
    static func tunneledEthernet(_ b: WireBytes, at enc: Encapsulation, into p: inout DecodedPacket) throws(DecodeError) {
        let eth = try EthernetHeader(b)
        let enc = extendTunnel(&p, by: EthernetHeader.length, enc)
        if eth.isLengthField { return }                           // 802.3 + LLC: not IP
        try ethernetPayload(eth.etherType, eth.payload, at: enc, into: &p)
    }
}
