/// TCP flag bits (RFC 9293 plus ECN's CWR/ECE and AccECN's AE, formerly NS).
@frozen public struct TCPFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let fin = Self(rawValue: 0x001)
    public static let syn = Self(rawValue: 0x002)
    public static let rst = Self(rawValue: 0x004)
    public static let psh = Self(rawValue: 0x008)
    public static let ack = Self(rawValue: 0x010)
    public static let urg = Self(rawValue: 0x020)
    public static let ece = Self(rawValue: 0x040)
    public static let cwr = Self(rawValue: 0x080)
    public static let ae = Self(rawValue: 0x100)
}

/// A TCP sequence number; comparisons are modulo 2^32 (RFC 9293 §3.4).
@frozen public struct SeqNum: Hashable, Comparable, Sendable {
    public var raw: UInt32
    @inlinable public init(_ raw: UInt32) { self.raw = raw }
    @inlinable public static func < (a: Self, b: Self) -> Bool { Int32(bitPattern: a.raw &- b.raw) < 0 }
    @inlinable public static func + (a: Self, n: Int) -> Self { Self(a.raw &+ UInt32(truncatingIfNeeded: n)) }
    /// Signed distance `a - b`.
    @inlinable public static func - (a: Self, b: Self) -> Int { Int(Int32(bitPattern: a.raw &- b.raw)) }
}

/// TCP header (RFC 9293 §3.1).
public struct TCPHeader: Sendable {
    public static let minimumLength = 20
    public let bytes: WireBytes

    /// `wireLength`: the segment's length per the IP header, to tell a short segment (malformed)
    /// from a short capture (truncated).
    @inlinable public init(_ b: WireBytes, wireLength: Int) throws(DecodeError) {
        guard b.count >= Self.minimumLength else {
            if wireLength < Self.minimumLength { throw .malformed(.tcp, .headerTooShort) }
            throw .truncated(.tcp, needed: Self.minimumLength, have: b.count)
        }
        let offset = Int(b.u8(12) >> 4) &* 4
        // RFC 9293: Data Offset ≥ 5 words, and the header must fit in the segment.
        guard offset >= Self.minimumLength, offset <= wireLength else { throw .malformed(.tcp, .badDataOffset) }
        guard b.count >= offset else { throw .truncated(.tcp, needed: offset, have: b.count) }
        bytes = b
    }
    @inlinable public init(_ b: WireBytes) throws(DecodeError) { try self.init(b, wireLength: b.count) }

    @inlinable @inline(__always) public var sourcePort: UInt16 { bytes.u16(0) }
    @inlinable @inline(__always) public var destinationPort: UInt16 { bytes.u16(2) }
    @inlinable @inline(__always) public var sequence: SeqNum { SeqNum(bytes.u32(4)) }
    @inlinable @inline(__always) public var acknowledgment: SeqNum { SeqNum(bytes.u32(8)) }
    @inlinable @inline(__always) public var headerLength: Int { Int(bytes.u8(12) >> 4) &* 4 }
    @inlinable @inline(__always) public var flags: TCPFlags { TCPFlags(rawValue: bytes.u16(12) & 0x01ff) }
    @inlinable @inline(__always) public var window: UInt16 { bytes.u16(14) }
    @inlinable @inline(__always) public var checksum: UInt16 { bytes.u16(16) }
    @inlinable @inline(__always) public var urgentPointer: UInt16 { bytes.u16(18) }
    @inlinable @inline(__always) public var options: TCPOptions { TCPOptions(bytes.slice(Self.minimumLength, headerLength)) }
    @inlinable @inline(__always) public var payload: WireBytes { bytes.dropFirst(headerLength) }
}

/// One TCP option.
public enum TCPOption: Sendable, Equatable {
    case mss(UInt16)
    case windowScale(UInt8)
    case sackPermitted
    /// 1–4 (left, right) edges; read them with `TCPOptions.sackBlock`.
    case sack(count: Int)
    case timestamps(value: UInt32, echo: UInt32)
    case md5Signature
    case userTimeout(UInt16)
    case authentication
    case multipath
    case fastOpen(cookieLength: Int)
    case other(kind: UInt8, length: Int)
}

/// Iterates TCP options without allocating (RFC 9293 §3.2). Known kinds must have their exact
/// length; a bad length stops the walk and is kept in `error`.
public struct TCPOptions: Sequence, IteratorProtocol, Sendable {
    public var rest: WireBytes
    public var error: DecodeError?
    /// The bytes of the last SACK option returned.
    public var lastSACK: WireBytes?

    @inlinable public init(_ bytes: WireBytes) { rest = bytes }

    @inlinable public mutating func next() -> TCPOption? {
        while rest.count > 0 {
            let kind = rest.u8(0)
            if kind == 0 { rest = rest.slice(0, 0); return nil }            // end of option list
            if kind == 1 { rest = rest.dropFirst(1); continue }             // no-operation
            guard rest.count >= 2 else { error = .malformed(.tcpOption, .optionLength); return nil }
            let len = Int(rest.u8(1))
            guard len >= 2, len <= rest.count else { error = .malformed(.tcpOption, .optionLength); return nil }
            let o = rest.slice(0, len)
            rest = rest.dropFirst(len)
            switch kind {
            case 2: guard len == 4 else { return bad() }; return .mss(o.u16(2))
            case 3: guard len == 3 else { return bad() }; return .windowScale(o.u8(2))
            case 4: guard len == 2 else { return bad() }; return .sackPermitted
            case 5:
                // RFC 2018: 8 bytes per block, 1 to 4 blocks.
                guard len >= 10, (len &- 2) % 8 == 0, len <= 34 else { return bad() }
                lastSACK = o.dropFirst(2)
                return .sack(count: (len &- 2) / 8)
            case 8: guard len == 10 else { return bad() }; return .timestamps(value: o.u32(2), echo: o.u32(6))
            case 19: guard len == 18 else { return bad() }; return .md5Signature
            case 28: guard len == 4 else { return bad() }; return .userTimeout(o.u16(2))
            case 29: return .authentication
            case 30: return .multipath
            case 34: return .fastOpen(cookieLength: len &- 2)
            default: return .other(kind: kind, length: len)
            }
        }
        return nil
    }

    @inlinable mutating func bad() -> TCPOption? {
        error = .malformed(.tcpOption, .optionLength)
        rest = rest.slice(0, 0)
        return nil
    }

    /// Edges of block `i` of the last SACK option.
    @inlinable public func sackBlock(_ i: Int) -> (left: SeqNum, right: SeqNum)? {
        guard let s = lastSACK, i >= 0, i &* 8 &+ 8 <= s.count else { return nil }
        return (SeqNum(s.u32(i &* 8)), SeqNum(s.u32(i &* 8 &+ 4)))
    }

    /// One pass over the options into plain values (the hot path uses this).
    @inlinable public var summary: TCPOptionSummary {
        var s = TCPOptionSummary()
        // Most segments of a bulk transfer carry exactly NOP, NOP, Timestamps (RFC 7323 App. A).
        if rest.count == 12 && rest.u32(0) == 0x0101_080A {
            s.timestamps = (rest.u32(4), rest.u32(8))
            return s
        }
        // A SYN with only an MSS (scanners, SYN floods, small stacks).
        if rest.count == 4 && rest.u16(0) == 0x0204 {
            s.mss = rest.u16(2)
            return s
        }
        // Linux's SYN: MSS, SACK permitted, Timestamps, NOP, Window scale.
        if rest.count == 20 && rest.u16(0) == 0x0204 && rest.u32(4) == 0x0402_080A && rest.u32(16) & 0xFFFF_FF00 == 0x0103_0300 {
            s.mss = rest.u16(2)
            s.sackPermitted = true
            s.timestamps = (rest.u32(8), rest.u32(12))
            s.windowScale = rest.u8(19)
            return s
        }
        var it = self
        while let o = it.next() {
            switch o {
            case .mss(let v): s.mss = v
            case .windowScale(let v): s.windowScale = v
            case .sackPermitted: s.sackPermitted = true
            case .sack(let n):
                s.sackBlockCount = UInt8(n)
                if let b = it.sackBlock(0) { s.sack0 = b }
                if n > 1, let b = it.sackBlock(1) { s.sack1 = b }
                if n > 2, let b = it.sackBlock(2) { s.sack2 = b }
                if n > 3, let b = it.sackBlock(3) { s.sack3 = b }
            case .timestamps(let v, let e): s.timestamps = (v, e)
            default: break
            }
        }
        s.malformed = it.error != nil
        return s
    }
}

/// The options a flow tracker needs, as plain values.
public struct TCPOptionSummary: Sendable {
    public var mss: UInt16?
    public var windowScale: UInt8?
    public var sackPermitted = false
    public var timestamps: (value: UInt32, echo: UInt32)?
    public var sackBlockCount: UInt8 = 0
    public var sack0 = (left: SeqNum(0), right: SeqNum(0))
    public var sack1 = (left: SeqNum(0), right: SeqNum(0))
    public var sack2 = (left: SeqNum(0), right: SeqNum(0))
    public var sack3 = (left: SeqNum(0), right: SeqNum(0))
    public var malformed = false
    @inlinable public init() {}
    @inlinable public func sackBlock(_ i: Int) -> (left: SeqNum, right: SeqNum)? {
        guard i < Int(sackBlockCount) else { return nil }
        switch i { case 0: return sack0; case 1: return sack1; case 2: return sack2; default: return sack3 }
    }
}

/// UDP header (RFC 768).
public struct UDPHeader: Sendable {
    public static let length = 8
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes, wireLength: Int) throws(DecodeError) {
        guard b.count >= Self.length else {
            if wireLength < Self.length { throw .malformed(.udp, .headerTooShort) }
            throw .truncated(.udp, needed: Self.length, have: b.count)
        }
        let len = Int(b.u16(4))
        // Length 0 is a jumbogram (RFC 2675) or TSO; otherwise it covers at least the header
        // and no more than the IP payload.
        guard len == 0 || (len >= Self.length && len <= wireLength) else { throw .malformed(.udp, .badLength) }
        bytes = (len != 0 && b.count > len) ? b.slice(0, len) : b
    }
    @inlinable public init(_ b: WireBytes) throws(DecodeError) { try self.init(b, wireLength: b.count) }
    @inlinable @inline(__always) public var sourcePort: UInt16 { bytes.u16(0) }
    @inlinable @inline(__always) public var destinationPort: UInt16 { bytes.u16(2) }
    @inlinable @inline(__always) public var length: Int { Int(bytes.u16(4)) }
    @inlinable @inline(__always) public var checksum: UInt16 { bytes.u16(6) }
    @inlinable @inline(__always) public var payload: WireBytes { bytes.dropFirst(Self.length) }
}
