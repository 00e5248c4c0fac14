import PacketDecoding

/// Tunnel encapsulations: each wraps a whole inner IP packet (or Ethernet frame) in an outer IP
/// packet whose family follows the outer addresses.
extension PacketBuilder {
    /// IP-in-IP: protocol 4 for an inner IPv4 packet, 41 for IPv6.
    public static func ipInIP(outerSrc: Addr, outerDst: Addr, inner: [UInt8], ttl: UInt8 = 64, id: UInt16 = 1) -> [UInt8] {
        let proto: UInt8 = inner.first.map { $0 >> 4 == 6 ? 41 : 4 } ?? 4
        return ip(outerSrc, outerDst, proto: proto, inner, ttl: ttl, id: id)
    }

    /// A GRE header and its payload (RFC 2784, RFC 2890). `flags` ORs extra bits into the first
    /// word (routing, reserved) to build headers a receiver must not decapsulate.
    public static func greMessage(protocolType: UInt16, checksum: Bool = false, key: UInt32? = nil, seq: UInt32? = nil,
                                  version: UInt8 = 0, flags: UInt16 = 0, payload: [UInt8]) -> [UInt8] {
        var word = flags | UInt16(version & 7)
        if checksum { word |= 0x8000 }
        if key != nil { word |= 0x2000 }
        if seq != nil { word |= 0x1000 }
        var m = be16(word) + be16(protocolType)
        if checksum { m += [0, 0, 0, 0] }                  // checksum + Reserved1
        if let key { m += be32(key) }
        if let seq { m += be32(seq) }
        m += payload
        if checksum {
            // RFC 2784: over the GRE header and payload, with the checksum field zero.
            let c = PacketBuilder.checksum(m)
            m[4] = UInt8(c >> 8); m[5] = UInt8(c & 0xff)
        }
        return m
    }

    /// GRE over IP; the protocol type defaults to the inner packet's IP version.
    public static func gre(outerSrc: Addr, outerDst: Addr, protocolType: UInt16? = nil, checksum: Bool = false,
                           key: UInt32? = nil, seq: UInt32? = nil, version: UInt8 = 0, flags: UInt16 = 0,
                           inner: [UInt8], id: UInt16 = 1) -> [UInt8] {
        let type = protocolType ?? (inner.first.map { $0 >> 4 == 6 ? 0x86DD : 0x0800 } ?? 0x0800)
        let m = greMessage(protocolType: type, checksum: checksum, key: key, seq: seq, version: version, flags: flags, payload: inner)
        return ip(outerSrc, outerDst, proto: 47, m, id: id)
    }

    /// An Ethernet frame (inner MACs, optional VLAN tags) for tunnels that carry frames.
    public static func innerFrame(_ packet: [UInt8], etherType: UInt16? = nil, vlans: [UInt16] = []) -> [UInt8] {
        frame(.ethernet, packet, etherType: etherType, vlans: vlans, src: 0x02_00_00_00_0a_01, dst: 0x02_00_00_00_0a_02)
    }

    /// VXLAN (RFC 7348) over UDP; `flags` 0x08 is the I flag.
    public static func vxlan(outerSrc: Addr, outerDst: Addr, vni: UInt32, innerFrame: [UInt8], sport: UInt16 = 49152,
                             dport: UInt16 = 4789, flags: UInt8 = 0x08) -> [UInt8] {
        let header: [UInt8] = [flags, 0, 0, 0] + be32(vni << 8)
        return ip(outerSrc, outerDst, proto: 17,
                  udpDatagram(src: outerSrc, dst: outerDst, sport: sport, dport: dport, payload: header + innerFrame))
    }

    /// ERSPAN type II: GRE with a sequence number, the 8-byte ERSPAN header, the mirrored frame.
    public static func erspanII(outerSrc: Addr, outerDst: Addr, session: UInt16, vlan: UInt16 = 0, index: UInt32 = 0,
                                seq: UInt32 = 1, innerFrame: [UInt8]) -> [UInt8] {
        let header = be16(0x1000 | (vlan & 0x0fff)) + be16(session & 0x03ff) + be32(index & 0xF_FFFF)
        return gre(outerSrc: outerSrc, outerDst: outerDst, protocolType: 0x88BE, seq: seq, inner: header + innerFrame)
    }

    /// ERSPAN type III: 12-byte header (frame type Ethernet), plus the platform subheader when
    /// `platformSubheader` is set (the O bit).
    public static func erspanIII(outerSrc: Addr, outerDst: Addr, session: UInt16, timestamp: UInt32 = 0,
                                 frameType: UInt8 = 0, platformSubheader: Bool = false, seq: UInt32 = 1,
                                 innerFrame: [UInt8]) -> [UInt8] {
        var header = be16(0x2000) + be16(session & 0x03ff) + be32(timestamp)
        header += be16(0) + be16(UInt16(frameType & 0x1f) << 10 | (platformSubheader ? 1 : 0))
        if platformSubheader { header += [UInt8](repeating: 0, count: 8) }
        return gre(outerSrc: outerSrc, outerDst: outerDst, protocolType: 0x22EB, seq: seq, inner: header + innerFrame)
    }
}
