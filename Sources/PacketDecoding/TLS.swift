/// TLS content types (RFC 8446 §5.1 and the IANA registry).
@frozen public struct TLSContentType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public static var changeCipherSpec: Self { Self(rawValue: 20) }
    @inlinable public static var alert: Self { Self(rawValue: 21) }
    @inlinable public static var handshake: Self { Self(rawValue: 22) }
    @inlinable public static var applicationData: Self { Self(rawValue: 23) }
    @inlinable public static var heartbeat: Self { Self(rawValue: 24) }
}

/// TLS record header: type(1) version(2) length(2).
public struct TLSRecordHeader: Sendable {
    public static let length = 5
    /// RFC 8446 §5.2: a TLSCiphertext fragment is at most 2^14 + 256 bytes; TLS 1.2 allowed
    /// 2^14 + 2048. Anything longer is not TLS.
    public static let maximumFragment = 16384 + 2048
    public let bytes: WireBytes

    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.length else { throw .truncated(.tls, needed: Self.length, have: b.count) }
        guard (20...24).contains(b.u8(0)) else { throw .malformed(.tls, .badContentType) }
        // Record versions: SSL 3.0 (3,0) to TLS 1.2 (3,3); TLS 1.3 still writes (3,3) or (3,1).
        guard b.u8(1) == 3, b.u8(2) <= 4 else { throw .malformed(.tls, .badVersion) }
        guard Int(b.u16(3)) <= Self.maximumFragment else { throw .malformed(.tls, .recordTooLong) }
        bytes = b
    }
    @inlinable public var contentType: TLSContentType { TLSContentType(rawValue: bytes.u8(0)) }
    @inlinable public var version: UInt16 { bytes.u16(1) }
    @inlinable public var fragmentLength: Int { Int(bytes.u16(3)) }
    /// The fragment as captured (may be shorter than `fragmentLength`).
    @inlinable public var fragment: WireBytes { bytes.slice(Self.length, Self.length &+ fragmentLength) }
    @inlinable public var isComplete: Bool { bytes.count >= Self.length &+ fragmentLength }
}

/// TLS handshake message header: type(1) length(3).
public struct TLSHandshakeHeader: Sendable {
    public static let length = 4
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.length else { throw .truncated(.tls, needed: Self.length, have: b.count) }
        bytes = b
    }
    /// 1 ClientHello, 2 ServerHello, 4 NewSessionTicket, 8 EncryptedExtensions, 11 Certificate,
    /// 12 ServerKeyExchange, 13 CertificateRequest, 14 ServerHelloDone, 15 CertificateVerify,
    /// 16 ClientKeyExchange, 20 Finished.
    @inlinable public var messageType: UInt8 { bytes.u8(0) }
    @inlinable public var messageLength: Int { Int(bytes.u24(1)) }
    @inlinable public var body: WireBytes { bytes.slice(Self.length, Self.length &+ messageLength) }
    @inlinable public var isComplete: Bool { bytes.count >= Self.length &+ messageLength }
}

/// A TLS alert: level(1) description(2).
public struct TLSAlert: Sendable {
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= 2 else { throw .truncated(.tls, needed: 2, have: b.count) }
        bytes = b
    }
    /// 1 warning, 2 fatal.
    @inlinable public var level: UInt8 { bytes.u8(0) }
    @inlinable public var description: UInt8 { bytes.u8(1) }
}

/// DNS message header (RFC 1035 §4.1.1).
public struct DNSHeader: Sendable {
    public static let length = 12
    public let bytes: WireBytes
    @inlinable public init(_ b: WireBytes) throws(DecodeError) {
        guard b.count >= Self.length else { throw .truncated(.dns, needed: Self.length, have: b.count) }
        bytes = b
    }
    @inlinable public var id: UInt16 { bytes.u16(0) }
    @inlinable public var isResponse: Bool { bytes.u8(2) & 0x80 != 0 }
    @inlinable public var opcode: UInt8 { (bytes.u8(2) >> 3) & 0x0f }
    @inlinable public var authoritative: Bool { bytes.u8(2) & 0x04 != 0 }
    @inlinable public var truncated: Bool { bytes.u8(2) & 0x02 != 0 }
    @inlinable public var recursionDesired: Bool { bytes.u8(2) & 0x01 != 0 }
    @inlinable public var recursionAvailable: Bool { bytes.u8(3) & 0x80 != 0 }
    /// 0 NOERROR, 1 FORMERR, 2 SERVFAIL, 3 NXDOMAIN, 4 NOTIMP, 5 REFUSED.
    @inlinable public var rcode: UInt8 { bytes.u8(3) & 0x0f }
    @inlinable public var questionCount: Int { Int(bytes.u16(4)) }
    @inlinable public var answerCount: Int { Int(bytes.u16(6)) }
    @inlinable public var authorityCount: Int { Int(bytes.u16(8)) }
    @inlinable public var additionalCount: Int { Int(bytes.u16(10)) }
    @inlinable public var body: WireBytes { bytes.dropFirst(Self.length) }
}

extension DNSHeader {
    /// The first question's name (dotted, lower case, into `name`), type and class. Compression
    /// pointers are followed only backwards and at most 16 times, and names stop at 255 bytes, so
    /// a hostile message can neither loop nor grow without bound.
    @inlinable public func firstQuestion(into name: inout InlineArray<256, UInt8>, count: inout Int) throws(DecodeError)
        -> (type: UInt16, qclass: UInt16) {
        let m = bytes
        count = 0
        guard questionCount > 0 else { throw .malformed(.dns, .zeroLength) }
        var o = DNSHeader.length
        var end = -1          // where the question continues after the first pointer
        var jumps = 0
        while true {
            guard o < m.count else { throw .truncated(.dns, needed: o + 1, have: m.count) }
            let len = Int(m.u8(o))
            if len == 0 { o += 1; break }
            if len & 0xC0 == 0xC0 {
                guard o + 1 < m.count else { throw .truncated(.dns, needed: o + 2, have: m.count) }
                let target = (len & 0x3F) << 8 | Int(m.u8(o + 1))
                // Backwards only, and not forever: loops and forward chains are malformed.
                guard target < o, jumps < 16 else { throw .malformed(.dns, .badLength) }
                jumps += 1
                if end < 0 { end = o + 2 }
                o = target
                continue
            }
            guard len & 0xC0 == 0 else { throw .malformed(.dns, .badLength) }
            guard count + len + 1 <= 255 else { throw .malformed(.dns, .recordTooLong) }
            guard o + 1 + len <= m.count else { throw .truncated(.dns, needed: o + 1 + len, have: m.count) }
            if count > 0 { name[count] = 0x2E; count += 1 }
            for i in 0..<len {
                let c = m.u8(o + 1 + i)
                name[count] = (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c
                count += 1
            }
            o += 1 + len
        }
        let after = end >= 0 ? end : o
        guard after + 4 <= m.count else { throw .truncated(.dns, needed: after + 4, have: m.count) }
        return (m.u16(after), m.u16(after + 2))
    }

    /// The A and AAAA addresses of the answer section, the first `addresses.count` of them; stops
    /// quietly at the first record it cannot read. At most 32 records are walked, and a name is
    /// skipped (not followed): a compression pointer ends it.
    @inlinable public func answerAddresses(into addresses: inout InlineArray<4, IPAddress>) -> Int {
        let m = bytes
        var o = DNSHeader.length
        @inline(__always) func skipName(_ o: inout Int) -> Bool {
            var steps = 0
            while o < m.count, steps < 128 {
                let len = Int(m.u8(o))
                if len == 0 { o += 1; return true }
                if len & 0xC0 == 0xC0 { o += 2; return o <= m.count }
                guard len & 0xC0 == 0 else { return false }
                o += 1 + len
                steps += 1
            }
            return false
        }
        for _ in 0..<min(questionCount, 4) {
            guard skipName(&o), o + 4 <= m.count else { return 0 }
            o += 4
        }
        var n = 0
        for _ in 0..<min(answerCount, 32) where n < addresses.count {
            guard skipName(&o), o + 10 <= m.count else { break }
            let type = m.u16(o), qclass = m.u16(o + 2), length = Int(m.u16(o + 8))
            o += 10
            guard o + length <= m.count else { break }
            if qclass == 1, type == 1, length == 4 {
                addresses[n] = IPAddress(v4: m.u32(o)); n += 1
            } else if qclass == 1, type == 28, length == 16 {
                addresses[n] = IPAddress(high: m.u64(o), low: m.u64(o + 8)); n += 1
            }
            o += length
        }
        return n
    }
}
