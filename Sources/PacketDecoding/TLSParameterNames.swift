/// Names and traits of what a ClientHello offers besides versions and suites' names: key-exchange
/// groups (IANA "TLS Supported Groups"), signature schemes (RFC 8446 §4.2.3) and what a cipher
/// suite's name says about it. Read per finding, when a handshake failed: never per packet.
extension TLSNames {
    /// IANA group names; nil for the rest.
    public static func group(_ g: UInt16) -> String? {
        switch g {
        case 0x0017: "secp256r1"
        case 0x0018: "secp384r1"
        case 0x0019: "secp521r1"
        case 0x001D: "x25519"
        case 0x001E: "x448"
        case 0x0100: "ffdhe2048"
        case 0x0101: "ffdhe3072"
        case 0x0102: "ffdhe4096"
        case 0x0103: "ffdhe6144"
        case 0x0104: "ffdhe8192"
        case 0x0200: "MLKEM512"
        case 0x0201: "MLKEM768"
        case 0x0202: "MLKEM1024"
        case 0x11EB: "SecP256r1MLKEM768"
        case 0x11EC: "X25519MLKEM768"
        case 0x11ED: "SecP384r1MLKEM1024"
        case 0x6399: "X25519Kyber768Draft00"
        case 1...22: legacyCurves[Int(g) - 1]
        default: nil
        }
    }

    /// RFC 4492's binary and small prime curves, deprecated by RFC 8422: current servers have none.
    static let legacyCurves = [
        "sect163k1", "sect163r1", "sect163r2", "sect193r1", "sect193r2", "sect233k1", "sect233r1", "sect239k1",
        "sect283k1", "sect283r1", "sect409k1", "sect409r1", "sect571k1", "sect571r1", "secp160k1", "secp160r1",
        "secp160r2", "secp192k1", "secp192r1", "secp224k1", "secp224r1", "secp256k1",
    ]

    /// Groups a current server accepts: P-256/384/521, X25519/X448, the FFDHE groups.
    public static func isCurrent(group g: UInt16) -> Bool { (0x17...0x1E).contains(g) && g != 0x1A && g != 0x1B && g != 0x1C || (0x100...0x104).contains(g) }

    /// Post-quantum or hybrid groups: servers without them find no group in common with a client
    /// that offers nothing else.
    public static func isPostQuantum(group g: UInt16) -> Bool {
        (0x0200...0x0202).contains(g) || (0x11EB...0x11ED).contains(g) || g == 0x6399
    }

    /// RFC 8446 §4.2.3 signature scheme names; nil for the rest.
    public static func signatureScheme(_ s: UInt16) -> String? {
        switch s {
        case 0x0401: "rsa_pkcs1_sha256"
        case 0x0501: "rsa_pkcs1_sha384"
        case 0x0601: "rsa_pkcs1_sha512"
        case 0x0403: "ecdsa_secp256r1_sha256"
        case 0x0503: "ecdsa_secp384r1_sha384"
        case 0x0603: "ecdsa_secp521r1_sha512"
        case 0x0804: "rsa_pss_rsae_sha256"
        case 0x0805: "rsa_pss_rsae_sha384"
        case 0x0806: "rsa_pss_rsae_sha512"
        case 0x0807: "ed25519"
        case 0x0808: "ed448"
        case 0x0809: "rsa_pss_pss_sha256"
        case 0x080A: "rsa_pss_pss_sha384"
        case 0x080B: "rsa_pss_pss_sha512"
        case 0x0201: "rsa_pkcs1_sha1"
        case 0x0203: "ecdsa_sha1"
        default: nil
        }
    }

    /// What a cipher suite is, read from its IANA name: how keys are exchanged and whether the
    /// cipher is an AEAD, broken, or neither. `nil` for signalling values and unnamed suites.
    public struct SuiteTraits: Sendable, Equatable {
        public enum Exchange: String, Sendable { case tls13, ecdhe, dhe, rsa, other }
        public var exchange: Exchange
        public var aead: Bool
        /// RC4, 3DES, NULL, EXPORT or anonymous: refused by any current server configuration.
        public var broken: Bool
    }

    public static func suiteTraits(_ c: UInt16) -> SuiteTraits? {
        if (0x1301...0x1305).contains(c) { return SuiteTraits(exchange: .tls13, aead: true, broken: false) }
        guard c != 0x00FF, c != 0x5600, let name = cipherSuite(c) else { return nil }
        let exchange: SuiteTraits.Exchange = name.contains("_ECDHE_") ? .ecdhe : name.contains("_DHE_") ? .dhe
            : name.hasPrefix("TLS_RSA_") ? .rsa : .other
        let aead = ["_GCM_", "_CHACHA20_", "_CCM"].contains { name.contains($0) }
        let broken = ["_RC4_", "_3DES_", "_NULL_", "_EXPORT", "_anon_"].contains { name.contains($0) }
        return SuiteTraits(exchange: exchange, aead: aead, broken: broken)
    }
}
