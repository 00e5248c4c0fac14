// Views over TLS handshake message bodies: the bytes after the 4-byte handshake header.
//
// Two kinds of failure are kept apart, as everywhere in this module:
// - a length that does not fit the container that declares it (the message, an extension block,
//   one extension) is the sender's fault: `.malformed(.tls, …)`;
// - a length that fits but whose bytes were not captured is a short capture:
//   `.truncated(.tls, needed:, have:)` (offsets counted from the start of the body).
// The outermost container is the message itself. When the caller passes `messageLength` (from
// `TLSHandshakeHeader`), the body is held to it; without it the body's end is only where the
// capture stops, so running past it always reads as truncation.
//
// GREASE code points (RFC 8701: 0x0A0A, 0x1A1A, … 0xFAFA, and the ALPN names {0x?A, 0x?A}) are
// skipped by every count and by `highestSupportedVersion` / `alpnFirst`; the raw lists keep them.

/// Shared checks for the length-prefixed vectors of TLS (RFC 8446 §3.4).
@usableFromInline enum TLSWire {
    /// `[offset, offset + n)` must lie inside the declared container ending at `limit` (else
    /// malformed with `reason`) and inside the captured bytes (else truncated).
    @inlinable static func check(_ b: WireBytes, _ offset: Int, _ n: Int, limit: Int,
                                 _ reason: DecodeError.Reason) -> DecodeError? {
        let end = offset &+ n
        if end > limit { return .malformed(.tls, reason) }
        if end > b.count { return .truncated(.tls, needed: end, have: b.count) }
        return nil
    }

    @inlinable static func need(_ b: WireBytes, _ offset: Int, _ n: Int, limit: Int,
                                _ reason: DecodeError.Reason) throws(DecodeError) {
        if let e = check(b, offset, n, limit: limit, reason) { throw e }
    }

    /// The body held to the declared message length, and that length as the outer limit
    /// (`Int.max` when unknown: only the capture bounds the body).
    @inlinable static func bounds(_ body: WireBytes, _ messageLength: Int?) -> (WireBytes, Int) {
        guard let m = messageLength else { return (body, .max) }
        let limit = Swift.max(m, 0)
        return (body.prefix(limit), limit)
    }

    /// The optional extension block that ends a hello at `o`: (first extension, declared end).
    /// Absent when the message ends at `o` (extensions were optional before TLS 1.3).
    @inlinable static func extensionBlock(_ b: WireBytes, at o: Int, limit: Int) throws(DecodeError) -> (Int, Int) {
        if o == limit || (limit == .max && o == b.count) { return (o, o) }
        try need(b, o, 2, limit: limit, .vectorLength)
        let end = o &+ 2 &+ Int(b.u16(o))
        if end > limit { throw .malformed(.tls, .extensionLength) }
        if limit != .max && end < limit { throw .malformed(.tls, .trailingBytes) }
        return (o &+ 2, end)
    }

    /// RFC 8701 §2: both bytes equal, low nibble 0xA.
    @inlinable static func isGREASE(_ v: UInt16) -> Bool { v & 0x0F0F == 0x0A0A && v >> 8 == v & 0xFF }

    /// Orders protocol versions: 3.x by minor, TLS 1.3 drafts (0x7Fnn) between TLS 1.2 and
    /// TLS 1.3, anything else below all of them.
    @inlinable static func versionRank(_ v: UInt16) -> Int {
        switch v >> 8 {
        case 0x03: return Int(v & 0xFF) &* 1024 &+ 1023
        case 0x7F: return 4 &* 1024 &+ Int(v & 0xFF)
        default: return 0
        }
    }

    /// Marks extension `bit` as seen; RFC 8446 §4.2 allows each type once per block.
    @inlinable static func once(_ seen: inout UInt8, _ bit: UInt8) throws(DecodeError) {
        guard seen & bit == 0 else { throw .malformed(.tls, .duplicateExtension) }
        seen |= bit
    }

    /// A `<lo..hi>` vector with a `prefix`-byte length that fills the extension data `d` exactly.
    @inlinable static func filling(_ d: WireBytes, prefix: Int, minimum: Int) throws(DecodeError) -> WireBytes {
        guard d.count >= prefix else { throw .malformed(.tls, .extensionLength) }
        let len = prefix == 1 ? Int(d.u8(0)) : Int(d.u16(0))
        guard len == d.count &- prefix, len >= minimum else { throw .malformed(.tls, .extensionLength) }
        return d.dropFirst(prefix)
    }

    /// server_name (RFC 6066 §3): the first host_name. Entries of other name types are taken as
    /// type(1) + length(2) + bytes, as every deployed implementation writes them, and skipped.
    @inlinable static func hostName(_ d: WireBytes) throws(DecodeError) -> WireBytes? {
        let list = try filling(d, prefix: 2, minimum: 1)
        var p = 0, found: WireBytes? = nil
        while p < list.count {
            guard p &+ 3 <= list.count else { throw .malformed(.tls, .extensionLength) }
            let type = list.u8(p), len = Int(list.u16(p &+ 1))
            p &+= 3
            guard p &+ len <= list.count else { throw .malformed(.tls, .extensionLength) }
            if type == 0 {
                // HostName is opaque<1..2^16-1>.
                guard len > 0 else { throw .malformed(.tls, .zeroLength) }
                if found == nil { found = list.slice(p, p &+ len) }
            }
            p &+= len
        }
        return found
    }

    /// A list of 2-byte code points: the count of non-GREASE entries.
    @inlinable static func countU16(_ list: WireBytes) throws(DecodeError) -> Int {
        guard list.count & 1 == 0 else { throw .malformed(.tls, .extensionLength) }
        var n = 0, p = 0
        while p < list.count { if !isGREASE(list.u16(p)) { n &+= 1 }; p &+= 2 }
        return n
    }
}

/// One extension of a hello's extension block.
public struct TLSExtension: Sendable {
    public let type: UInt16
    public let data: WireBytes
    @inlinable public init(type: UInt16, data: WireBytes) { self.type = type; self.data = data }
}

/// Iterates an extension block (RFC 8446 §4.2) without allocating. An extension is returned only
/// when all its bytes were captured; a header or length overrunning the block stops the walk with
/// `.malformed`, a cut with `.truncated`, kept in `error`.
public struct TLSExtensions: Sequence, IteratorProtocol, Sendable {
    /// The message body the block lies in.
    public let bytes: WireBytes
    @usableFromInline var offset: Int
    /// Declared end of the block (offset in `bytes`; may lie past the captured bytes).
    @usableFromInline let end: Int
    public var error: DecodeError?

    @inlinable init(_ bytes: WireBytes, from start: Int, to end: Int) {
        self.bytes = bytes
        offset = start
        self.end = end
    }

    @inlinable public mutating func next() -> TLSExtension? {
        guard error == nil, offset < end else { return nil }
        if let e = TLSWire.check(bytes, offset, 4, limit: end, .extensionLength) { return stop(e) }
        let type = bytes.u16(offset), len = Int(bytes.u16(offset &+ 2))
        if let e = TLSWire.check(bytes, offset &+ 4, len, limit: end, .extensionLength) { return stop(e) }
        let data = bytes.slice(offset &+ 4, offset &+ 4 &+ len)
        offset &+= 4 &+ len
        return TLSExtension(type: type, data: data)
    }

    @inlinable mutating func stop(_ e: DecodeError) -> TLSExtension? {
        error = e
        offset = end
        return nil
    }
}

/// ClientHello (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2): the fields a diagnosis needs, read in one
/// pass over the extensions.
public struct TLSClientHello: Sendable {
    /// The body, held to `messageLength` when it was given.
    public let bytes: WireBytes
    public let legacyVersion: UInt16
    /// The raw cipher suite list, 2 bytes per suite, GREASE included.
    public let cipherSuiteList: WireBytes
    /// Offered cipher suites, GREASE excluded.
    public let cipherSuiteCount: Int
    /// The host_name of server_name (extension 0, name type 0); nil without one.
    public let serverName: WireBytes?
    /// Protocols in application_layer_protocol_negotiation (extension 16, RFC 7301).
    public let alpnCount: Int
    public let alpnFirst: WireBytes?
    /// Versions in supported_versions (extension 43).
    public let supportedVersionsCount: Int
    /// The highest of them (TLS 1.3 drafts rank between 1.2 and 1.3); nil without any.
    public let highestSupportedVersion: UInt16?
    /// Entries of key_share (extension 51).
    public let keyShareCount: Int
    /// Groups in supported_groups (extension 10).
    public let supportedGroupsCount: Int
    /// Extensions in the block, GREASE types excluded.
    public let extensionCount: Int
    @usableFromInline let extensionStart: Int
    @usableFromInline let extensionEnd: Int

    @inlinable public init(_ body: WireBytes, messageLength: Int? = nil) throws(DecodeError) {
        let (b, limit) = TLSWire.bounds(body, messageLength)
        // legacy_version(2) random(32) legacy_session_id<0..32>
        try TLSWire.need(b, 0, 35, limit: limit, .headerTooShort)
        let sessionIDLength = Int(b.u8(34))
        guard sessionIDLength <= 32 else { throw .malformed(.tls, .vectorLength) }
        try TLSWire.need(b, 35, sessionIDLength &+ 2, limit: limit, .vectorLength)
        var o = 35 &+ sessionIDLength
        // cipher_suites<2..2^16-2>, compression_methods<1..2^8-1>
        let suitesLength = Int(b.u16(o))
        o &+= 2
        guard suitesLength >= 2, suitesLength & 1 == 0 else { throw .malformed(.tls, .vectorLength) }
        try TLSWire.need(b, o, suitesLength &+ 1, limit: limit, .vectorLength)
        let suites = b.slice(o, o &+ suitesLength)
        o &+= suitesLength
        let compressionLength = Int(b.u8(o))
        o &+= 1
        guard compressionLength >= 1 else { throw .malformed(.tls, .vectorLength) }
        try TLSWire.need(b, o, compressionLength, limit: limit, .vectorLength)
        o &+= compressionLength
        let (start, end) = try TLSWire.extensionBlock(b, at: o, limit: limit)

        var serverName: WireBytes? = nil, alpnFirst: WireBytes? = nil, highest: UInt16? = nil
        var alpnCount = 0, versions = 0, keyShares = 0, groups = 0, count = 0
        var seen: UInt8 = 0
        var it = TLSExtensions(b, from: start, to: end)
        while let e = it.next() {
            if !TLSWire.isGREASE(e.type) { count &+= 1 }
            switch e.type {
            case 0:
                try TLSWire.once(&seen, 1)
                serverName = try TLSWire.hostName(e.data)
            case 10:
                // NamedGroupList named_group_list<2..2^16-1>
                try TLSWire.once(&seen, 2)
                groups = try TLSWire.countU16(TLSWire.filling(e.data, prefix: 2, minimum: 2))
            case 16:
                // ProtocolNameList protocol_name_list<2..2^16-1>; ProtocolName opaque<1..2^8-1>
                try TLSWire.once(&seen, 4)
                let list = try TLSWire.filling(e.data, prefix: 2, minimum: 2)
                var p = 0
                while p < list.count {
                    let len = Int(list.u8(p))
                    guard len > 0 else { throw .malformed(.tls, .zeroLength) }
                    guard p &+ 1 &+ len <= list.count else { throw .malformed(.tls, .extensionLength) }
                    let name = list.slice(p &+ 1, p &+ 1 &+ len)
                    p &+= 1 &+ len
                    if len == 2 && TLSWire.isGREASE(name.u16(0)) { continue }
                    if alpnFirst == nil { alpnFirst = name }
                    alpnCount &+= 1
                }
            case 43:
                // ClientHello form: ProtocolVersion versions<2..254>
                try TLSWire.once(&seen, 8)
                let list = try TLSWire.filling(e.data, prefix: 1, minimum: 2)
                guard list.count & 1 == 0 else { throw .malformed(.tls, .extensionLength) }
                var p = 0
                while p < list.count {
                    let v = list.u16(p)
                    p &+= 2
                    if TLSWire.isGREASE(v) { continue }
                    versions &+= 1
                    if let h = highest, TLSWire.versionRank(h) >= TLSWire.versionRank(v) { continue }
                    highest = v
                }
            case 51:
                // KeyShareEntry client_shares<0..2^16-1>: group(2) key_exchange<1..2^16-1>
                try TLSWire.once(&seen, 16)
                let list = try TLSWire.filling(e.data, prefix: 2, minimum: 0)
                var p = 0
                while p < list.count {
                    guard p &+ 4 <= list.count else { throw .malformed(.tls, .extensionLength) }
                    let group = list.u16(p), len = Int(list.u16(p &+ 2))
                    guard len > 0 else { throw .malformed(.tls, .zeroLength) }
                    guard p &+ 4 &+ len <= list.count else { throw .malformed(.tls, .extensionLength) }
                    p &+= 4 &+ len
                    if !TLSWire.isGREASE(group) { keyShares &+= 1 }
                }
            default:
                break
            }
        }
        if let e = it.error { throw e }

        bytes = b
        legacyVersion = b.u16(0)
        cipherSuiteList = suites
        cipherSuiteCount = try TLSWire.countU16(suites)
        self.serverName = serverName
        self.alpnCount = alpnCount
        self.alpnFirst = alpnFirst
        supportedVersionsCount = versions
        highestSupportedVersion = highest
        keyShareCount = keyShares
        supportedGroupsCount = groups
        extensionCount = count
        extensionStart = start
        extensionEnd = end
    }

    /// The higher of `legacyVersion` and `highestSupportedVersion`.
    @inlinable public var highestOfferedVersion: UInt16 {
        guard let s = highestSupportedVersion,
              TLSWire.versionRank(s) > TLSWire.versionRank(legacyVersion) else { return legacyVersion }
        return s
    }
    @inlinable public var random: WireBytes { bytes.slice(2, 34) }
    /// Every extension again, for those not summarized here.
    @inlinable public var extensions: TLSExtensions { TLSExtensions(bytes, from: extensionStart, to: extensionEnd) }
}

/// ServerHello (RFC 8446 §4.1.3; RFC 5246 §7.4.1.3), HelloRetryRequest included.
public struct TLSServerHello: Sendable {
    /// The body, held to `messageLength` when it was given.
    public let bytes: WireBytes
    public let legacyVersion: UInt16
    public let cipherSuite: UInt16
    /// supported_versions (extension 43) when present, else `legacyVersion`.
    public let selectedVersion: UInt16
    public let isHelloRetryRequest: Bool
    /// key_share (extension 51) is present.
    public let hasKeyShare: Bool
    /// The server share's group, or a HelloRetryRequest's selected_group.
    public let keyShareGroup: UInt16?
    /// Extensions in the block, GREASE types excluded.
    public let extensionCount: Int
    @usableFromInline let extensionStart: Int
    @usableFromInline let extensionEnd: Int

    @inlinable public init(_ body: WireBytes, messageLength: Int? = nil) throws(DecodeError) {
        let (b, limit) = TLSWire.bounds(body, messageLength)
        // legacy_version(2) random(32) legacy_session_id_echo<0..32> cipher_suite(2) compression(1)
        try TLSWire.need(b, 0, 35, limit: limit, .headerTooShort)
        let sessionIDLength = Int(b.u8(34))
        guard sessionIDLength <= 32 else { throw .malformed(.tls, .vectorLength) }
        try TLSWire.need(b, 35, sessionIDLength &+ 3, limit: limit, .vectorLength)
        let suite = b.u16(35 &+ sessionIDLength)
        let (start, end) = try TLSWire.extensionBlock(b, at: 38 &+ sessionIDLength, limit: limit)
        // RFC 8446 §4.1.3: a HelloRetryRequest's random is SHA-256("HelloRetryRequest").
        let retry = b.u64(2) == 0xCF21_AD74_E59A_6111 && b.u64(10) == 0xBE1D_8C02_1E65_B891
            && b.u64(18) == 0xC2A2_1116_7ABB_8C5E && b.u64(26) == 0x079E_09E2_C8A8_339C

        var selected: UInt16? = nil, group: UInt16? = nil
        var count = 0, seen: UInt8 = 0
        var it = TLSExtensions(b, from: start, to: end)
        while let e = it.next() {
            if !TLSWire.isGREASE(e.type) { count &+= 1 }
            let d = e.data
            switch e.type {
            case 43:
                // ServerHello form: selected_version(2)
                try TLSWire.once(&seen, 8)
                guard d.count == 2 else { throw .malformed(.tls, .extensionLength) }
                selected = d.u16(0)
            case 51:
                // HelloRetryRequest: selected_group(2); ServerHello: group(2) key_exchange<1..2^16-1>
                try TLSWire.once(&seen, 16)
                if retry {
                    guard d.count == 2 else { throw .malformed(.tls, .extensionLength) }
                } else {
                    guard d.count >= 4, Int(d.u16(2)) == d.count &- 4 else { throw .malformed(.tls, .extensionLength) }
                    guard d.count > 4 else { throw .malformed(.tls, .zeroLength) }
                }
                group = d.u16(0)
            default:
                break
            }
        }
        if let e = it.error { throw e }

        bytes = b
        legacyVersion = b.u16(0)
        cipherSuite = suite
        selectedVersion = selected ?? legacyVersion
        isHelloRetryRequest = retry
        hasKeyShare = group != nil
        keyShareGroup = group
        extensionCount = count
        extensionStart = start
        extensionEnd = end
    }

    @inlinable public var random: WireBytes { bytes.slice(2, 34) }
    @inlinable public var extensions: TLSExtensions { TLSExtensions(bytes, from: extensionStart, to: extensionEnd) }
}

/// The certificates of a Certificate message, each as its DER bytes, without allocating.
/// TLS ≤ 1.2 (RFC 5246 §7.4.2): certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>.
/// TLS 1.3 (RFC 8446 §4.4.2): certificate_request_context<0..255>, then certificate_list of
/// CertificateEntry { cert_data<1..2^24-1>, extensions<0..2^16-1> }; the extensions are skipped.
/// An entry overrunning the list (or the list the message) stops the walk with `.malformed`, a
/// cut with `.truncated`, kept in `error`. A certificate is returned only when wholly captured.
public struct TLSCertificateList: Sequence, IteratorProtocol, Sendable {
    /// The body, held to `messageLength` when it was given.
    public let bytes: WireBytes
    /// The request context of a TLS 1.3 Certificate (empty for TLS ≤ 1.2).
    public let requestContext: WireBytes
    /// certificate_list's declared length.
    public let listLength: Int
    public var error: DecodeError?
    @usableFromInline var offset: Int
    @usableFromInline let end: Int
    @usableFromInline let tls13: Bool

    @inlinable public init(_ body: WireBytes, messageLength: Int? = nil) {
        self.init(body, messageLength: messageLength, tls13: false)
    }

    @inlinable public init(tls13Body body: WireBytes, messageLength: Int? = nil) {
        self.init(body, messageLength: messageLength, tls13: true)
    }

    @inlinable init(_ body: WireBytes, messageLength: Int?, tls13: Bool) {
        let (b, limit) = TLSWire.bounds(body, messageLength)
        bytes = b
        self.tls13 = tls13
        var o = 0
        var failure: DecodeError? = nil
        var context = b.slice(0, 0)
        if tls13 {
            failure = TLSWire.check(b, 0, 1, limit: limit, .headerTooShort)
            if failure == nil {
                let n = Int(b.u8(0))
                failure = TLSWire.check(b, 1, n, limit: limit, .vectorLength)
                if failure == nil { context = b.slice(1, 1 &+ n); o = 1 &+ n }
            }
        }
        var length = 0
        if failure == nil {
            failure = TLSWire.check(b, o, 3, limit: limit, tls13 ? .vectorLength : .headerTooShort)
            if failure == nil {
                length = Int(b.u24(o))
                o &+= 3
                if o &+ length > limit {
                    failure = .malformed(.tls, .vectorLength)
                } else if limit != .max && o &+ length < limit {
                    failure = .malformed(.tls, .trailingBytes)
                }
            }
        }
        requestContext = context
        listLength = length
        error = failure
        offset = o
        end = failure == nil ? o &+ length : o
    }

    @inlinable public mutating func next() -> WireBytes? {
        guard error == nil, offset < end else { return nil }
        if let e = TLSWire.check(bytes, offset, 3, limit: end, .vectorLength) { return stop(e) }
        let len = Int(bytes.u24(offset))
        guard len > 0 else { return stop(.malformed(.tls, .zeroLength)) }
        if let e = TLSWire.check(bytes, offset &+ 3, len, limit: end, .vectorLength) { return stop(e) }
        let der = bytes.slice(offset &+ 3, offset &+ 3 &+ len)
        offset &+= 3 &+ len
        if tls13 {
            // The certificate is whole: return it even if its extensions are cut or bad.
            if let e = TLSWire.check(bytes, offset, 2, limit: end, .extensionLength) { _ = stop(e); return der }
            let n = Int(bytes.u16(offset))
            if let e = TLSWire.check(bytes, offset &+ 2, n, limit: end, .extensionLength) { _ = stop(e); return der }
            offset &+= 2 &+ n
        }
        return der
    }

    @inlinable mutating func stop(_ e: DecodeError) -> WireBytes? {
        error = e
        offset = end
        return nil
    }
}

/// Names for reports (cold path: these build strings).
public enum TLSNames {
    /// RFC 8701 GREASE value: both bytes equal, low nibble 0xA.
    @inlinable public static func isGREASE(_ v: UInt16) -> Bool { TLSWire.isGREASE(v) }
    /// Orders versions (TLS 1.3 drafts between 1.2 and 1.3).
    @inlinable public static func versionRank(_ v: UInt16) -> Int { TLSWire.versionRank(v) }

    /// "SSL 3.0", "TLS 1.0" … "TLS 1.3", DTLS versions, TLS 1.3 drafts, "GREASE (0x1a1a)",
    /// else "0x" and four hex digits.
    public static func version(_ v: UInt16) -> String {
        switch v {
        case 0x0002: return "SSL 2.0"
        case 0x0300: return "SSL 3.0"
        case 0x0301: return "TLS 1.0"
        case 0x0302: return "TLS 1.1"
        case 0x0303: return "TLS 1.2"
        case 0x0304: return "TLS 1.3"
        case 0xFEFF: return "DTLS 1.0"
        case 0xFEFD: return "DTLS 1.2"
        case 0xFEFC: return "DTLS 1.3"
        default:
            if isGREASE(v) { return "GREASE (\(hex(v)))" }
            if v >> 8 == 0x7F { return "TLS 1.3 draft \(v & 0xFF)" }
            return hex(v)
        }
    }

    /// RFC 8996: SSL 2.0 and 3.0 (already prohibited), TLS 1.0, TLS 1.1 and DTLS 1.0.
    public static func isDeprecated(version v: UInt16) -> Bool {
        switch v {
        case 0x0002, 0x0300, 0x0301, 0x0302, 0xFEFF: return true
        default: return false
        }
    }

    /// The IANA TLS Alert registry's description names ("alert_<n>" when unassigned).
    public static func alert(_ description: UInt8) -> String {
        switch description {
        case 0: return "close_notify"
        case 10: return "unexpected_message"
        case 20: return "bad_record_mac"
        case 21: return "decryption_failed"
        case 22: return "record_overflow"
        case 30: return "decompression_failure"
        case 40: return "handshake_failure"
        case 41: return "no_certificate"
        case 42: return "bad_certificate"
        case 43: return "unsupported_certificate"
        case 44: return "certificate_revoked"
        case 45: return "certificate_expired"
        case 46: return "certificate_unknown"
        case 47: return "illegal_parameter"
        case 48: return "unknown_ca"
        case 49: return "access_denied"
        case 50: return "decode_error"
        case 51: return "decrypt_error"
        case 60: return "export_restriction"
        case 70: return "protocol_version"
        case 71: return "insufficient_security"
        case 80: return "internal_error"
        case 86: return "inappropriate_fallback"
        case 90: return "user_canceled"
        case 100: return "no_renegotiation"
        case 109: return "missing_extension"
        case 110: return "unsupported_extension"
        case 111: return "certificate_unobtainable"
        case 112: return "unrecognized_name"
        case 113: return "bad_certificate_status_response"
        case 114: return "bad_certificate_hash_value"
        case 115: return "unknown_psk_identity"
        case 116: return "certificate_required"
        case 117: return "general_error"
        case 120: return "no_application_protocol"
        case 121: return "ech_required"
        default: return "alert_\(description)"
        }
    }

    /// IANA names of common cipher suites; nil for the rest.
    public static func cipherSuite(_ c: UInt16) -> String? {
        switch c {
        // TLS 1.3 (RFC 8446 §B.4)
        case 0x1301: return "TLS_AES_128_GCM_SHA256"
        case 0x1302: return "TLS_AES_256_GCM_SHA384"
        case 0x1303: return "TLS_CHACHA20_POLY1305_SHA256"
        case 0x1304: return "TLS_AES_128_CCM_SHA256"
        case 0x1305: return "TLS_AES_128_CCM_8_SHA256"
        // ECDHE AEAD
        case 0xC02B: return "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        case 0xC02C: return "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        case 0xC02F: return "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        case 0xC030: return "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        case 0xCCA8: return "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        case 0xCCA9: return "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        // ECDHE CBC
        case 0xC009: return "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"
        case 0xC00A: return "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"
        case 0xC013: return "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
        case 0xC014: return "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"
        case 0xC023: return "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"
        case 0xC024: return "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"
        case 0xC027: return "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"
        case 0xC028: return "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"
        // DHE
        case 0x009E: return "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
        case 0x009F: return "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"
        case 0xCCAA: return "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        // RSA key exchange
        case 0x009C: return "TLS_RSA_WITH_AES_128_GCM_SHA256"
        case 0x009D: return "TLS_RSA_WITH_AES_256_GCM_SHA384"
        case 0x002F: return "TLS_RSA_WITH_AES_128_CBC_SHA"
        case 0x0035: return "TLS_RSA_WITH_AES_256_CBC_SHA"
        case 0x003C: return "TLS_RSA_WITH_AES_128_CBC_SHA256"
        case 0x003D: return "TLS_RSA_WITH_AES_256_CBC_SHA256"
        case 0x000A: return "TLS_RSA_WITH_3DES_EDE_CBC_SHA"
        case 0x0004: return "TLS_RSA_WITH_RC4_128_MD5"
        case 0x0005: return "TLS_RSA_WITH_RC4_128_SHA"
        // More DHE and ECDHE CBC, still offered by older stacks
        case 0x0033: return "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"
        case 0x0039: return "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"
        case 0x0067: return "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"
        case 0x006B: return "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"
        case 0x0016: return "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"
        case 0xC012: return "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"
        // AES-CCM (RFC 6655, RFC 7251)
        case 0xC09C: return "TLS_RSA_WITH_AES_128_CCM"
        case 0xC09D: return "TLS_RSA_WITH_AES_256_CCM"
        case 0xC0AC: return "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"
        case 0xC0AD: return "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"
        case 0xC0AE: return "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"
        case 0xC0AF: return "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"
        // NULL ciphers: authentication without encryption
        case 0x0001: return "TLS_RSA_WITH_NULL_MD5"
        case 0x0002: return "TLS_RSA_WITH_NULL_SHA"
        case 0x003B: return "TLS_RSA_WITH_NULL_SHA256"
        case 0xC001: return "TLS_ECDH_ECDSA_WITH_NULL_SHA"
        case 0xC006: return "TLS_ECDHE_ECDSA_WITH_NULL_SHA"
        case 0xC00B: return "TLS_ECDH_RSA_WITH_NULL_SHA"
        case 0xC010: return "TLS_ECDHE_RSA_WITH_NULL_SHA"
        case 0xC015: return "TLS_ECDH_anon_WITH_NULL_SHA"
        // Signalling values (RFC 5746, RFC 7507)
        case 0x00FF: return "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"
        case 0x5600: return "TLS_FALLBACK_SCSV"
        default: return nil
        }
    }

    /// "0x" and four lowercase hex digits.
    static func hex(_ v: UInt16) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
