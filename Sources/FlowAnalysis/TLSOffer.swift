import PacketDecoding

/// What a ClientHello offered: suites, groups, key shares, signature schemes and versions, GREASE
/// left out. Kept while the handshake is under way and dropped when it completes, so only a failed
/// handshake holds it: the cause rules compare it with what the server chose or refused. Bounded.
public struct TLSOffer: Sendable, Equatable {
    public var suites: [UInt16] = []
    public var groups: [UInt16] = []
    public var keyShareGroups: [UInt16] = []
    public var signatureSchemes: [UInt16] = []
    /// supported_versions, in the client's order; empty when it sent none (TLS ≤ 1.2 only).
    public var versions: [UInt16] = []

    static let maxEntries = 48

    public init() {}

    init(_ h: TLSClientHello) {
        Self.u16s(h.cipherSuiteList, from: 0, into: &suites)
        var it = h.extensions
        while let e = it.next() {
            let d = e.data
            switch e.type {
            case 10 where d.count >= 2: Self.u16s(d, from: 2, into: &groups)
            case 13 where d.count >= 2: Self.u16s(d, from: 2, into: &signatureSchemes)
            case 43 where d.count >= 1: Self.u16s(d, from: 1, into: &versions)
            case 51 where d.count >= 2:
                var p = 2
                while p &+ 4 <= d.count, keyShareGroups.count < Self.maxEntries {
                    let g = d.u16(p)
                    if !TLSNames.isGREASE(g) { keyShareGroups.append(g) }
                    p &+= 4 &+ Int(d.u16(p &+ 2))
                }
            default: break
            }
        }
    }

    /// The list's 16-bit values from `start`, GREASE left out (the ClientHello already parsed).
    static func u16s(_ d: WireBytes, from start: Int, into out: inout [UInt16]) {
        var p = start
        while p &+ 2 <= d.count, out.count < maxEntries {
            let v = d.u16(p)
            if !TLSNames.isGREASE(v) { out.append(v) }
            p &+= 2
        }
    }

    /// The lowest version offered (supported_versions, or none).
    public var lowestVersion: UInt16? { versions.min { TLSNames.versionRank($0) < TLSNames.versionRank($1) } }
}
