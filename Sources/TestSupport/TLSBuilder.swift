import PacketDecoding

/// TLS records and handshake messages for tests: correct lengths everywhere, fixed randoms and
/// keys. Patch the returned bytes to make them wrong.
public enum TLSBuilder {
    /// RFC 8446 §4.1.3: the random of a HelloRetryRequest.
    public static let helloRetryRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    // MARK: records

    /// A record: type(1) version(2) length(2) and the body (lengths past 65535 wrap: test use only).
    public static func record(type: TLSContentType = .handshake, version: UInt16 = 0x0303, body: [UInt8]) -> [UInt8] {
        [type.rawValue] + u16(version) + u16(UInt16(truncatingIfNeeded: body.count)) + body
    }

    /// An alert message (level 1 warning, 2 fatal): the 2-byte record body, not a record.
    public static func alert(level: UInt8 = 2, description: UInt8) -> [UInt8] { [level, description] }

    /// A handshake message: type(1) length(3) and the body.
    public static func handshake(type: UInt8, body: [UInt8]) -> [UInt8] { [type] + u24(body.count) + body }

    // MARK: hellos

    /// A ClientHello handshake message (with its 4-byte header). Extensions, in this order, only
    /// when asked for: server_name (`sni`; "" writes an empty host name), supported_groups
    /// (`groups`, default the key-share groups), ALPN, supported_versions, key_share (32-byte keys),
    /// then `extraExtensions` as given. With no extension at all the block is left out.
    public static func clientHello(version: UInt16 = 0x0303, sni: String? = nil, alpn: [String] = [],
                                   supportedVersions: [UInt16] = [], keyShares: [UInt16] = [],
                                   cipherSuites: [UInt16] = [0x1301, 0xC02F], groups: [UInt16]? = nil,
                                   sessionID: [UInt8] = [], compressionMethods: [UInt8] = [0],
                                   extraExtensions: [(type: UInt16, data: [UInt8])] = []) -> [UInt8] {
        var exts: [(type: UInt16, data: [UInt8])] = []
        if let sni { exts.append((0, serverNameData([(0, Array(sni.utf8))]))) }
        let groupList = groups ?? keyShares
        if !groupList.isEmpty { exts.append((10, vector16(groupList.flatMap(u16)))) }
        if !alpn.isEmpty { exts.append((16, vector16(alpn.flatMap { vector8(Array($0.utf8)) }))) }
        if !supportedVersions.isEmpty { exts.append((43, vector8(supportedVersions.flatMap(u16)))) }
        if !keyShares.isEmpty {
            exts.append((51, vector16(keyShares.flatMap { g in u16(g) + vector16(key(for: g)) })))
        }
        exts += extraExtensions
        var body = u16(version) + random(0xC1) + vector8(sessionID)
        body += vector16(cipherSuites.flatMap(u16)) + vector8(compressionMethods)
        if !exts.isEmpty { body += extensionBlock(exts) }
        return handshake(type: 1, body: body)
    }

    /// A ServerHello handshake message (with its 4-byte header). `selectedVersion` adds
    /// supported_versions and then key_share too (`keyShareGroup`, nil for none): a share for a
    /// ServerHello, only the group for a HelloRetryRequest.
    public static func serverHello(version: UInt16 = 0x0303, cipher: UInt16, selectedVersion: UInt16? = nil,
                                   helloRetry: Bool = false, keyShareGroup: UInt16? = 0x001D,
                                   sessionID: [UInt8] = [],
                                   extraExtensions: [(type: UInt16, data: [UInt8])] = []) -> [UInt8] {
        var exts: [(type: UInt16, data: [UInt8])] = []
        if let selectedVersion {
            exts.append((43, u16(selectedVersion)))
            if let g = keyShareGroup { exts.append((51, helloRetry ? u16(g) : u16(g) + vector16(key(for: g)))) }
        }
        exts += extraExtensions
        var body = u16(version) + (helloRetry ? helloRetryRandom : random(0x5E)) + vector8(sessionID)
        body += u16(cipher) + [0]
        if !exts.isEmpty { body += extensionBlock(exts) }
        return handshake(type: 2, body: body)
    }

    // MARK: certificates

    /// A TLS ≤ 1.2 Certificate handshake message (with its 4-byte header).
    public static func certificate(ders: [[UInt8]]) -> [UInt8] {
        handshake(type: 11, body: vector24(ders.flatMap(vector24)))
    }

    /// A TLS 1.3 Certificate handshake message: request context, then each entry with its
    /// (opaque) extensions.
    public static func certificateTLS13(ders: [[UInt8]], context: [UInt8] = [], entryExtensions: [UInt8] = []) -> [UInt8] {
        handshake(type: 11, body: vector8(context) + vector24(ders.flatMap { vector24($0) + vector16(entryExtensions) }))
    }

    // MARK: pieces

    /// server_name extension data: a ServerNameList of (name type, name) entries.
    public static func serverNameData(_ entries: [(type: UInt8, name: [UInt8])]) -> [UInt8] {
        vector16(entries.flatMap { [$0.type] + vector16($0.name) })
    }

    /// An extension block: total length(2), then type(2) length(2) data per extension.
    public static func extensionBlock(_ exts: [(type: UInt16, data: [UInt8])]) -> [UInt8] {
        vector16(exts.flatMap { u16($0.type) + vector16($0.data) })
    }

    public static func vector8(_ b: [UInt8]) -> [UInt8] { [UInt8(truncatingIfNeeded: b.count)] + b }
    public static func vector16(_ b: [UInt8]) -> [UInt8] { u16(UInt16(truncatingIfNeeded: b.count)) + b }
    public static func vector24(_ b: [UInt8]) -> [UInt8] { u24(b.count) + b }

    static func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func u24(_ n: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] }
    static func random(_ seed: UInt8) -> [UInt8] { (0..<32).map { seed &+ UInt8($0) } }
    /// A fixed key of the group's usual size (x25519 32, P-256 65, else 32).
    static func key(for group: UInt16) -> [UInt8] {
        Array(repeating: UInt8(truncatingIfNeeded: group) | 1, count: group == 0x0017 ? 65 : 32)
    }
}
