import Glibc
import PacketDecoding

/// An IP address for building packets: "10.0.0.1" or "fd00::1".
public enum Addr: Sendable, Equatable, ExpressibleByStringLiteral {
    case v4([UInt8])
    case v6([UInt8])

    public init(stringLiteral s: String) { self = Addr.parse(s) }

    public static func parse(_ s: String) -> Addr {
        if s.contains(":") {
            var a = in6_addr()
            precondition(inet_pton(AF_INET6, s, &a) == 1, "bad IPv6 address \(s)")
            return .v6(withUnsafeBytes(of: &a) { Array($0) })
        }
        var a = in_addr()
        precondition(inet_pton(AF_INET, s, &a) == 1, "bad IPv4 address \(s)")
        return .v4(withUnsafeBytes(of: &a) { Array($0) })
    }
    public var bytes: [UInt8] { switch self { case .v4(let b), .v6(let b): b } }
    public var isV6: Bool { if case .v6 = self { true } else { false } }
}

/// A TCP option as the builder writes it (any bytes, including invalid lengths, for tests).
public enum BuildOption: Sendable {
    case mss(UInt16), windowScale(UInt8), sackPermitted, sack([(UInt32, UInt32)])
    case timestamps(UInt32, UInt32), nop, end, raw([UInt8])

    var bytes: [UInt8] {
        switch self {
        case .mss(let v): return [2, 4] + be16(v)
        case .windowScale(let v): return [3, 3, v]
        case .sackPermitted: return [4, 2]
        case .sack(let blocks): return [5, UInt8(2 + 8 * blocks.count)] + blocks.flatMap { be32($0.0) + be32($0.1) }
        case .timestamps(let a, let b): return [8, 10] + be32(a) + be32(b)
        case .nop: return [1]
        case .end: return [0]
        case .raw(let b): return b
        }
    }
}

@inlinable func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
@inlinable func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

/// Builds packets of every layer with correct lengths and checksums, for tests and benchmarks.
public enum PacketBuilder {
    // MARK: checksums

    /// RFC 1071 Internet checksum.
    public static func checksum(_ data: [UInt8], initial: UInt32 = 0) -> UInt16 {
        var sum = initial
        var i = 0
        while i + 1 < data.count { sum &+= UInt32(data[i]) << 8 | UInt32(data[i + 1]); i += 2 }
        if i < data.count { sum &+= UInt32(data[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) &+ (sum >> 16) }
        return ~UInt16(sum)
    }

    static func pseudoHeader(_ src: Addr, _ dst: Addr, proto: UInt8, length: Int) -> [UInt8] {
        if src.isV6 { return src.bytes + dst.bytes + be32(UInt32(length)) + [0, 0, 0, proto] }
        return src.bytes + dst.bytes + [0, proto] + be16(UInt16(length))
    }

    // MARK: transport

    public static func tcpSegment(src: Addr, dst: Addr, sport: UInt16, dport: UInt16, seq: UInt32 = 1000,
                                  ack: UInt32 = 0, flags: TCPFlags, window: UInt16 = 65535,
                                  options: [BuildOption] = [], payload: [UInt8] = [],
                                  dataOffset: Int? = nil) -> [UInt8] {
        var opts = options.flatMap(\.bytes)
        while opts.count % 4 != 0 { opts.append(0) }
        let hlen = 20 + opts.count
        let off = dataOffset ?? hlen / 4
        var h = be16(sport) + be16(dport) + be32(seq) + be32(ack)
        h += [UInt8(off << 4) | UInt8((flags.rawValue >> 8) & 1), UInt8(flags.rawValue & 0xff)]
        h += be16(window) + [0, 0] + [0, 0] + opts
        var seg = h + payload
        let c = checksum(pseudoHeader(src, dst, proto: 6, length: seg.count) + seg)
        seg[16] = UInt8(c >> 8); seg[17] = UInt8(c & 0xff)
        return seg
    }

    public static func udpDatagram(src: Addr, dst: Addr, sport: UInt16, dport: UInt16, payload: [UInt8],
                                   lengthField: UInt16? = nil) -> [UInt8] {
        var d = be16(sport) + be16(dport) + be16(lengthField ?? UInt16(8 + payload.count)) + [0, 0] + payload
        var c = checksum(pseudoHeader(src, dst, proto: 17, length: d.count) + d)
        if c == 0 { c = 0xffff }
        d[6] = UInt8(c >> 8); d[7] = UInt8(c & 0xff)
        return d
    }

    /// An ICMPv4 message; `rest` is the 4 bytes after the checksum (id/seq, or unused + MTU).
    public static func icmpv4(type: UInt8, code: UInt8, rest: UInt32 = 0, body: [UInt8] = []) -> [UInt8] {
        var m = [type, code, 0, 0] + be32(rest) + body
        let c = checksum(m)
        m[2] = UInt8(c >> 8); m[3] = UInt8(c & 0xff)
        return m
    }

    public static func icmpv6(src: Addr, dst: Addr, type: UInt8, code: UInt8, rest: UInt32 = 0, body: [UInt8] = []) -> [UInt8] {
        var m = [type, code, 0, 0] + be32(rest) + body
        let c = checksum(pseudoHeader(src, dst, proto: 58, length: m.count) + m)
        m[2] = UInt8(c >> 8); m[3] = UInt8(c & 0xff)
        return m
    }

    // MARK: network

    public static func ipv4(src: Addr, dst: Addr, proto: UInt8, payload: [UInt8], ttl: UInt8 = 64, id: UInt16 = 1,
                            dontFragment: Bool = true, moreFragments: Bool = false, fragmentOffset: Int = 0,
                            options: [UInt8] = [], totalLength: UInt16? = nil, ihl: Int? = nil,
                            version: UInt8 = 4) -> [UInt8] {
        var opts = options
        while opts.count % 4 != 0 { opts.append(0) }
        let hl = 20 + opts.count
        var flags: UInt16 = UInt16(fragmentOffset / 8) & 0x1fff
        if dontFragment { flags |= 0x4000 }
        if moreFragments { flags |= 0x2000 }
        var h: [UInt8] = [version << 4 | UInt8(ihl ?? hl / 4), 0] + be16(totalLength ?? UInt16(hl + payload.count))
        h += be16(id) + be16(flags) + [ttl, proto, 0, 0] + src.bytes + dst.bytes + opts
        let c = checksum(h)
        h[10] = UInt8(c >> 8); h[11] = UInt8(c & 0xff)
        return h + payload
    }

    /// IPv6 with an optional extension-header chain: each (type, body) gets its next-header byte
    /// and length set; bodies are padded to the header's unit.
    public static func ipv6(src: Addr, dst: Addr, proto: UInt8, payload: [UInt8], hopLimit: UInt8 = 64,
                            extensions: [(type: UInt8, body: [UInt8])] = [], payloadLength: UInt16? = nil) -> [UInt8] {
        var chain: [UInt8] = []
        for (i, e) in extensions.enumerated() {
            let next = i + 1 < extensions.count ? extensions[i + 1].type : proto
            chain += extensionHeader(type: e.type, next: next, body: e.body)
        }
        let first = extensions.first?.type ?? proto
        let plen = chain.count + payload.count
        let h: [UInt8] = [0x60, 0, 0, 0] + be16(payloadLength ?? UInt16(plen)) + [first, hopLimit] + src.bytes + dst.bytes
        return h + chain + payload
    }

    public static func extensionHeader(type: UInt8, next: UInt8, body: [UInt8]) -> [UInt8] {
        switch type {
        case 44:   // fragment: body is offset/flags(2) + id(4); fixed 8 bytes
            return [next, 0] + Array((body + [0, 0, 0, 0, 0, 0]).prefix(6))
        case 51:   // AH: length in 4-octet units minus 2
            var b = body
            while (b.count + 2) % 4 != 0 || b.count < 10 { b.append(0) }
            return [next, UInt8((b.count + 2) / 4 - 2)] + b
        default:   // 8-octet units minus 1
            var b = body
            while (b.count + 2) % 8 != 0 { b.append(0) }
            return [next, UInt8((b.count + 2) / 8 - 1)] + b
        }
    }

    /// A fragment header body: offset in bytes (multiple of 8), M flag, identification.
    public static func fragmentBody(offset: Int, more: Bool, id: UInt32) -> [UInt8] {
        be16(UInt16(offset & 0xfff8) | (more ? 1 : 0)) + be32(id)
    }

    /// IP packet carrying TCP (v4 or v6 by address).
    public static func tcp(_ src: Addr, _ sport: UInt16, _ dst: Addr, _ dport: UInt16, flags: TCPFlags,
                           seq: UInt32 = 1000, ack: UInt32 = 0, window: UInt16 = 65535, options: [BuildOption] = [],
                           payload: [UInt8] = [], ttl: UInt8 = 64, id: UInt16 = 1) -> [UInt8] {
        let seg = tcpSegment(src: src, dst: dst, sport: sport, dport: dport, seq: seq, ack: ack, flags: flags,
                             window: window, options: options, payload: payload)
        return ip(src, dst, proto: 6, seg, ttl: ttl, id: id)
    }

    public static func udp(_ src: Addr, _ sport: UInt16, _ dst: Addr, _ dport: UInt16, payload: [UInt8],
                           ttl: UInt8 = 64) -> [UInt8] {
        ip(src, dst, proto: 17, udpDatagram(src: src, dst: dst, sport: sport, dport: dport, payload: payload), ttl: ttl)
    }

    public static func ip(_ src: Addr, _ dst: Addr, proto: UInt8, _ payload: [UInt8], ttl: UInt8 = 64, id: UInt16 = 1) -> [UInt8] {
        src.isV6 ? ipv6(src: src, dst: dst, proto: proto, payload: payload, hopLimit: ttl)
                 : ipv4(src: src, dst: dst, proto: proto, payload: payload, ttl: ttl, id: id)
    }

    // MARK: link

    public static let clientMAC: UInt64 = 0x02_00_00_00_00_01
    public static let serverMAC: UInt64 = 0x02_00_00_00_00_02

    static func mac(_ v: UInt64) -> [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: v >> (40 - 8 * UInt64($0))) } }

    /// Wraps an IP packet (or ARP, by `etherType`) in the header of the given link type.
    public static func frame(_ link: LinkType, _ packet: [UInt8], etherType: UInt16? = nil, vlans: [UInt16] = [],
                             src: UInt64 = clientMAC, dst: UInt64 = serverMAC, padTo: Int = 0) -> [UInt8] {
        let type = etherType ?? (packet.first.map { $0 >> 4 == 6 ? 0x86DD : 0x0800 } ?? 0x0800)
        switch link {
        case .ethernet:
            var tags: [UInt8] = []
            for (i, v) in vlans.enumerated() {
                let inner: UInt16 = i + 1 < vlans.count ? 0x8100 : type
                tags += be16(v) + be16(inner)
            }
            let outer: UInt16 = vlans.isEmpty ? type : (vlans.count > 1 ? 0x88A8 : 0x8100)
            var f = mac(dst) + mac(src) + be16(outer) + tags + packet
            while f.count < padTo { f.append(0) }
            return f
        case .linuxSLL:
            return be16(4) + be16(1) + be16(6) + mac(src) + [0, 0] + be16(type) + packet
        case .linuxSLL2:
            return be16(type) + [0, 0] + be32(2) + be16(1) + [4, 6] + mac(src) + [0, 0] + packet
        case .null:
            let af: UInt32 = type == 0x86DD ? 10 : 2
            return [UInt8(af & 0xff), UInt8(af >> 8 & 0xff), 0, 0] + packet      // little-endian host
        case .loop:
            return be32(type == 0x86DD ? 24 : 2) + packet
        default:
            return packet                                                        // raw IP kinds
        }
    }

    /// An ARP request or reply (RFC 826) for IPv4 over Ethernet.
    public static func arp(op: UInt16, senderMAC: UInt64, senderIP: Addr, targetMAC: UInt64, targetIP: Addr) -> [UInt8] {
        be16(1) + be16(0x0800) + [6, 4] + be16(op) + mac(senderMAC) + senderIP.bytes + mac(targetMAC) + targetIP.bytes
    }
}
