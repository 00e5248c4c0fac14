// Protocol numbers as open sets: an unknown value is a value, never a decode failure.

@frozen public struct EtherType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static var ipv4: Self { Self(rawValue: 0x0800) }
    @inlinable public static var arp: Self { Self(rawValue: 0x0806) }
    @inlinable public static var vlan: Self { Self(rawValue: 0x8100) }
    @inlinable public static var qinq: Self { Self(rawValue: 0x88A8) }
    @inlinable public static var vlanQinQOld: Self { Self(rawValue: 0x9100) }
    @inlinable public static var ipv6: Self { Self(rawValue: 0x86DD) }
    /// An Ethernet frame inside GRE (RFC 1701's "transparent Ethernet bridging", Linux gretap).
    @inlinable public static var transparentEthernetBridging: Self { Self(rawValue: 0x6558) }
    /// Cisco ERSPAN types I and II inside GRE.
    @inlinable public static var erspan: Self { Self(rawValue: 0x88BE) }
    /// Cisco ERSPAN type III inside GRE.
    @inlinable public static var erspanTypeIII: Self { Self(rawValue: 0x22EB) }
}

@frozen public struct IPProtocol: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public static var hopByHop: Self { Self(rawValue: 0) }
    @inlinable public static var icmp: Self { Self(rawValue: 1) }
    @inlinable public static var ipip: Self { Self(rawValue: 4) }
    @inlinable public static var tcp: Self { Self(rawValue: 6) }
    @inlinable public static var udp: Self { Self(rawValue: 17) }
    @inlinable public static var ipv6: Self { Self(rawValue: 41) }
    @inlinable public static var routing: Self { Self(rawValue: 43) }
    @inlinable public static var fragment: Self { Self(rawValue: 44) }
    @inlinable public static var gre: Self { Self(rawValue: 47) }
    @inlinable public static var esp: Self { Self(rawValue: 50) }
    @inlinable public static var ah: Self { Self(rawValue: 51) }
    @inlinable public static var icmpv6: Self { Self(rawValue: 58) }
    @inlinable public static var noNextHeader: Self { Self(rawValue: 59) }
    @inlinable public static var destinationOptions: Self { Self(rawValue: 60) }
    @inlinable public static var mobility: Self { Self(rawValue: 135) }
    @inlinable public static var hip: Self { Self(rawValue: 139) }
    @inlinable public static var shim6: Self { Self(rawValue: 140) }
}

/// Link-layer header types as `pcap_datalink()` reports them (DLT_ values), plus the LINKTYPE_
/// numbers a file may carry for the same thing.
@frozen public struct LinkType: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }
    @inlinable public static var null: Self { Self(rawValue: 0) }           // BSD loopback, host-order AF_ value
    @inlinable public static var ethernet: Self { Self(rawValue: 1) }
    @inlinable public static var rawLinux: Self { Self(rawValue: 12) }      // DLT_RAW on most systems
    @inlinable public static var rawOpenBSD: Self { Self(rawValue: 14) }    // DLT_RAW on OpenBSD
    @inlinable public static var rawLinktype: Self { Self(rawValue: 101) }  // LINKTYPE_RAW in files
    @inlinable public static var loop: Self { Self(rawValue: 108) }         // OpenBSD loopback, network-order AF_ value
    @inlinable public static var linuxSLL: Self { Self(rawValue: 113) }
    @inlinable public static var ipv4: Self { Self(rawValue: 228) }
    @inlinable public static var ipv6: Self { Self(rawValue: 229) }
    @inlinable public static var linuxSLL2: Self { Self(rawValue: 276) }

    /// The link types flowdoctor decodes.
    public var isSupported: Bool {
        switch self {
        case .null, .ethernet, .rawLinux, .rawOpenBSD, .rawLinktype, .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2:
            return true
        default: return false
        }
    }

    /// A stable, short name for reports.
    public var name: String {
        switch self {
        case .null: "null"
        case .ethernet: "ethernet"
        case .rawLinux, .rawOpenBSD, .rawLinktype: "raw"
        case .loop: "loop"
        case .linuxSLL: "linux-sll"
        case .ipv4: "raw-ipv4"
        case .ipv6: "raw-ipv6"
        case .linuxSLL2: "linux-sll2"
        default: "dlt-\(rawValue)"
        }
    }
}

/// An IP address as 128 bits; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so keys stay fixed-size.
@frozen public struct IPAddress: Hashable, Comparable, Sendable {
    public var high: UInt64
    public var low: UInt64
    @inlinable public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }
    @inlinable public init(v4 a: UInt32) { high = 0; low = 0x0000_FFFF_0000_0000 | UInt64(a) }
    @inlinable public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }
    @inlinable public var v4: UInt32 { UInt32(truncatingIfNeeded: low) }
    @inlinable public static func < (a: Self, b: Self) -> Bool { (a.high, a.low) < (b.high, b.low) }
}

extension IPAddress: CustomStringConvertible {
    public var description: String {
        if isIPv4 {
            let a = v4
            return "\(a >> 24).\((a >> 16) & 0xff).\((a >> 8) & 0xff).\(a & 0xff)"
        }
        var groups: [UInt16] = []
        for i in 0..<4 { groups.append(UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(i)))) }
        for i in 0..<4 { groups.append(UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(i)))) }
        // RFC 5952: compress the longest run (length ≥ 2) of zero groups, the first one on a tie.
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        func hex(_ g: UInt16) -> String { String(g, radix: 16) }
        if bestStart < 0 { return groups.map(hex).joined(separator: ":") }
        let head = groups[0..<bestStart].map(hex).joined(separator: ":")
        let tail = groups[(bestStart + bestLen)...].map(hex).joined(separator: ":")
        return head + "::" + tail
    }
}

/// A 48-bit MAC address in the low bits.
@frozen public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var value: UInt64
    @inlinable public init(_ value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }
    public var description: String {
        (0..<6).map { i in
            let b = UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64(i)))
            return (b < 16 ? "0" : "") + String(b, radix: 16)
        }.joined(separator: ":")
    }
}

extension WireBytes {
    @inlinable @inline(__always) public func mac(_ o: Int) -> MACAddress {
        MACAddress(UInt64(u16(o)) << 32 | UInt64(u32(o &+ 2)))
    }
    @inlinable public func ipv4Address(_ o: Int) -> IPAddress { IPAddress(v4: u32(o)) }
    @inlinable public func ipv6Address(_ o: Int) -> IPAddress { IPAddress(high: u64(o), low: u64(o &+ 8)) }
}
