import Crypto
import Foundation
import SwiftASN1
import Testing
import TestSupport
import X509

@testable import CertificateCheck

/// A small PKI made on the spot with swift-certificates + swift-crypto (P-256 / ecdsaWithSHA256):
/// root -> intermediate -> leaf, an expired leaf, a self-signed device certificate, a self-issued one
/// signed with the wrong key, an IP-only one and a v1 one.
struct PKI: Sendable {
    static let shared = try! PKI()

    // Validity windows (seconds since 1970); the root's end is past 2049, so it is a GeneralizedTime.
    static let rootWindow: (Int64, Int64) = (1_600_000_000, 2_900_000_000)
    static let leafWindow: (Int64, Int64) = (1_700_000_000, 1_800_000_000)
    static let expiredWindow: (Int64, Int64) = (1_500_000_000, 1_600_000_000)

    let root: [UInt8]
    let intermediate: [UInt8]
    let leaf: [UInt8]
    let expired: [UInt8]
    let selfSignedLeaf: [UInt8]
    let badlySelfIssued: [UInt8]
    let ipOnly: [UInt8]
    let version1: [UInt8]

    init() throws {
        let rootKey = P256.Signing.PrivateKey()
        let intermediateKey = P256.Signing.PrivateKey()
        let leafKey = P256.Signing.PrivateKey()
        let deviceKey = P256.Signing.PrivateKey()
        let strangerKey = P256.Signing.PrivateKey()

        let rootName = try DistinguishedName {
            CountryName("ZZ")
            OrganizationName("Flowdoctor Lab")
            CommonName("Flowdoctor Test Root")
        }
        let intermediateName = try DistinguishedName {
            CountryName("ZZ")
            OrganizationName("Flowdoctor Lab")
            CommonName("Flowdoctor Test Intermediate")
        }
        let caExtensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
        }
        let leafExtensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            SubjectAlternativeNames([
                .dnsName("server.lab.test"),
                .dnsName("*.wild.test"),
                .ipAddress(ASN1OctetString(contentBytes: [192, 0, 2, 10])),
                .ipAddress(ASN1OctetString(contentBytes: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])),
            ])
        }

        root = try Self.make(
            serial: [0x01], key: rootKey, window: Self.rootWindow, issuer: rootName, subject: rootName,
            extensions: caExtensions, signer: rootKey)
        intermediate = try Self.make(
            serial: [0x02], key: intermediateKey, window: Self.rootWindow, issuer: rootName,
            subject: intermediateName, extensions: caExtensions, signer: rootKey)
        leaf = try Self.make(
            serial: [0x0a, 0xbc, 0xde], key: leafKey, window: Self.leafWindow, issuer: intermediateName,
            subject: try DistinguishedName {
                OrganizationName("Flowdoctor Lab")
                CommonName("server.lab.test")
            },
            extensions: leafExtensions, signer: intermediateKey)
        // No extensions at all: the CN is the only name.
        expired = try Self.make(
            serial: [0x80, 0x01], key: leafKey, window: Self.expiredWindow, issuer: intermediateName,
            subject: try DistinguishedName { CommonName("old.lab.test") },
            extensions: Certificate.Extensions(), signer: intermediateKey)
        let deviceName = try DistinguishedName {
            OrganizationName("Acme Devices")
            CommonName("device-cn.lab.test")
        }
        let deviceExtensions = try Certificate.Extensions {
            BasicConstraints.notCertificateAuthority
            SubjectAlternativeNames([
                .dnsName("device.lab.test"),
                .dnsName("*.test"),  // 1-label base: must match nothing
                .dnsName("f*.part.test"),  // partial wildcard: must match nothing
                .rfc822Name("ops@lab.test"),
            ])
        }
        selfSignedLeaf = try Self.make(
            serial: [0x00, 0x00, 0x05], key: deviceKey, window: Self.leafWindow, issuer: deviceName,
            subject: deviceName, extensions: deviceExtensions, signer: deviceKey)
        badlySelfIssued = try Self.make(
            serial: [0x06], key: deviceKey, window: Self.leafWindow, issuer: deviceName, subject: deviceName,
            extensions: deviceExtensions, signer: strangerKey)
        let ipName = try DistinguishedName { CommonName("192.0.2.99") }
        ipOnly = try Self.make(
            serial: [0x07], key: leafKey, window: Self.leafWindow, issuer: intermediateName, subject: ipName,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [198, 51, 100, 7]))])
            },
            signer: intermediateKey)
        version1 = try Self.make(
            version: .v1, serial: [0x08], key: leafKey, window: Self.leafWindow, issuer: intermediateName,
            subject: try DistinguishedName { CommonName("v1.lab.test") }, extensions: Certificate.Extensions(),
            signer: intermediateKey)
    }

    static func make(
        version: Certificate.Version = .v3, serial: [UInt8], key: P256.Signing.PrivateKey, window: (Int64, Int64),
        issuer: DistinguishedName, subject: DistinguishedName, extensions: Certificate.Extensions,
        signer: P256.Signing.PrivateKey
    ) throws -> [UInt8] {
        let certificate = try Certificate(
            version: version,
            serialNumber: Certificate.SerialNumber(bytes: serial),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Date(timeIntervalSince1970: TimeInterval(window.0)),
            notValidAfter: Date(timeIntervalSince1970: TimeInterval(window.1)),
            issuer: issuer,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(signer))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    static func facts(_ der: [UInt8]) throws -> CertificateFacts {
        try #require(CertificateFacts(der: der))
    }
}

/// Replaces every occurrence of `old` in `bytes` with `new` (same length), returning how many.
private func patch(_ bytes: inout [UInt8], _ old: [UInt8], _ new: [UInt8]) -> Int {
    precondition(old.count == new.count)
    var count = 0
    var i = 0
    while i + old.count <= bytes.count {
        if Array(bytes[i..<(i + old.count)]) == old {
            bytes.replaceSubrange(i..<(i + old.count), with: new)
            count += 1
            i += old.count
        } else {
            i += 1
        }
    }
    return count
}

private let ecdsaWithSHA256OID: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
private let ecdsaWithSHA224OID: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x01]
private let prime256v1OID: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
private let prime192v1OID: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x01]

@Suite("CertificateFacts fields")
struct FieldTests {
    @Test("leaf: every field")
    func leafFields() throws {
        let f = try PKI.facts(PKI.shared.leaf)
        #expect(f.subject == "CN=server.lab.test,O=Flowdoctor Lab")
        #expect(f.issuer == "CN=Flowdoctor Test Intermediate,O=Flowdoctor Lab,C=ZZ")
        #expect(f.commonName == "server.lab.test")
        #expect(f.dnsNames == ["server.lab.test", "*.wild.test"])
        #expect(f.ipAddresses == ["192.0.2.10", "2001:db8::1"])
        #expect(f.notBefore == PKI.leafWindow.0)
        #expect(f.notAfter == PKI.leafWindow.1)
        #expect(f.serialNumber == "0abcde")
        #expect(f.signatureAlgorithm == "ecdsaWithSHA256")
        #expect(!f.isCA)
        #expect(!f.selfIssued)
        #expect(!f.selfSigned)
    }

    @Test("root: CA, self-issued and self-signed, GeneralizedTime notAfter")
    func rootFields() throws {
        let f = try PKI.facts(PKI.shared.root)
        #expect(f.subject == "CN=Flowdoctor Test Root,O=Flowdoctor Lab,C=ZZ")
        #expect(f.issuer == f.subject)
        #expect(f.commonName == "Flowdoctor Test Root")
        #expect(f.dnsNames.isEmpty && f.ipAddresses.isEmpty)
        #expect(f.notBefore == PKI.rootWindow.0 && f.notAfter == PKI.rootWindow.1)
        #expect(f.serialNumber == "01")
        #expect(f.isCA && f.selfIssued && f.selfSigned)
    }

    @Test("intermediate: CA, neither self-issued nor self-signed")
    func intermediateFields() throws {
        let f = try PKI.facts(PKI.shared.intermediate)
        #expect(f.subject == "CN=Flowdoctor Test Intermediate,O=Flowdoctor Lab,C=ZZ")
        #expect(f.issuer == "CN=Flowdoctor Test Root,O=Flowdoctor Lab,C=ZZ")
        #expect(f.isCA && !f.selfIssued && !f.selfSigned)
    }

    @Test("expired: no extensions, serial with high bit printed without the sign byte")
    func expiredFields() throws {
        let f = try PKI.facts(PKI.shared.expired)
        #expect(f.subject == "CN=old.lab.test")
        #expect(f.commonName == "old.lab.test")
        #expect(f.dnsNames.isEmpty && f.ipAddresses.isEmpty)
        #expect(f.notBefore == PKI.expiredWindow.0 && f.notAfter == PKI.expiredWindow.1)
        #expect(f.serialNumber == "8001")
        #expect(!f.isCA && !f.selfIssued && !f.selfSigned)
    }

    @Test("self-signed device leaf: selfSigned, not CA, leading zero serial bytes dropped, rfc822 SAN ignored")
    func selfSignedFields() throws {
        let f = try PKI.facts(PKI.shared.selfSignedLeaf)
        #expect(f.subject == "CN=device-cn.lab.test,O=Acme Devices")
        #expect(f.issuer == f.subject)
        #expect(f.dnsNames == ["device.lab.test", "*.test", "f*.part.test"])
        #expect(f.ipAddresses.isEmpty)
        #expect(f.serialNumber == "05")
        #expect(!f.isCA && f.selfIssued && f.selfSigned)
    }

    @Test("self-issued but signed with another key is not self-signed")
    func badSignature() throws {
        let f = try PKI.facts(PKI.shared.badlySelfIssued)
        #expect(f.selfIssued)
        #expect(!f.selfSigned)
    }

    @Test("selfSigned only for the root and the self-signed leaf")
    func selfSignedOnlyWhereExpected() throws {
        let pki = PKI.shared
        let all: [(String, [UInt8], Bool)] = [
            ("root", pki.root, true), ("intermediate", pki.intermediate, false), ("leaf", pki.leaf, false),
            ("expired", pki.expired, false), ("selfSignedLeaf", pki.selfSignedLeaf, true),
            ("badlySelfIssued", pki.badlySelfIssued, false), ("ipOnly", pki.ipOnly, false),
            ("version1", pki.version1, false),
        ]
        for (name, der, expected) in all {
            #expect(try PKI.facts(der).selfSigned == expected, "\(name)")
        }
    }

    @Test("v1 certificate (no extensions field) parses")
    func version1() throws {
        let f = try PKI.facts(PKI.shared.version1)
        #expect(f.commonName == "v1.lab.test")
        #expect(f.dnsNames.isEmpty && !f.isCA)
        #expect(f.matches(hostname: "v1.lab.test"))
    }

    @Test("facts are Equatable: same DER, same facts; different DER, different facts")
    func equatable() throws {
        #expect(try PKI.facts(PKI.shared.leaf) == PKI.facts(PKI.shared.leaf))
        #expect(try PKI.facts(PKI.shared.leaf) != PKI.facts(PKI.shared.expired))
    }
}

@Suite("matches(hostname:)")
struct MatchTests {
    @Test("exact, case-insensitive, trailing dot")
    func exact() throws {
        let f = try PKI.facts(PKI.shared.leaf)
        #expect(f.matches(hostname: "server.lab.test"))
        #expect(f.matches(hostname: "SERVER.Lab.TEST"))
        #expect(f.matches(hostname: "server.lab.test."))
        #expect(!f.matches(hostname: "lab.test"))
        #expect(!f.matches(hostname: "x.server.lab.test"))
        #expect(!f.matches(hostname: "server.lab.test.evil"))
        #expect(!f.matches(hostname: "server.lab.tes"))
        #expect(!f.matches(hostname: ""))
        #expect(!f.matches(hostname: "."))
        #expect(!f.matches(hostname: "server..lab.test"))
    }

    @Test("wildcard: exactly one left-most label")
    func wildcard() throws {
        let f = try PKI.facts(PKI.shared.leaf)
        #expect(f.matches(hostname: "a.wild.test"))
        #expect(f.matches(hostname: "API.Wild.Test"))
        #expect(!f.matches(hostname: "wild.test"))  // the bare domain
        #expect(!f.matches(hostname: "a.b.wild.test"))  // two labels
        #expect(!f.matches(hostname: ".wild.test"))  // empty label
        #expect(!f.matches(hostname: "*.wild.test"))  // the pattern itself is not a host name
        #expect(!f.matches(hostname: "a.wild.test.other"))
    }

    @Test("no wildcard on a 1-label base, no partial-label wildcards")
    func restrictedWildcards() throws {
        let f = try PKI.facts(PKI.shared.selfSignedLeaf)
        #expect(f.matches(hostname: "device.lab.test"))
        #expect(!f.matches(hostname: "anything.test"))
        #expect(!f.matches(hostname: "foo.part.test"))
        #expect(!f.matches(hostname: "f.part.test"))
    }

    @Test("CN is used only when there are no dNSName SANs")
    func commonNameFallback() throws {
        let device = try PKI.facts(PKI.shared.selfSignedLeaf)
        #expect(!device.matches(hostname: "device-cn.lab.test"))  // has SANs: CN ignored
        let expired = try PKI.facts(PKI.shared.expired)  // no SANs at all
        #expect(expired.matches(hostname: "old.lab.test"))
        #expect(expired.matches(hostname: "OLD.LAB.TEST"))
        #expect(!expired.matches(hostname: "new.lab.test"))
        // Only iPAddress SANs: still no dNSName, so the CN counts for DNS names.
        var ipOnly = try PKI.facts(PKI.shared.ipOnly)
        ipOnly.commonName = "ip-host.lab.test"
        #expect(ipOnly.matches(hostname: "ip-host.lab.test"))
    }

    @Test("IP literals against iPAddress SANs only")
    func ipLiterals() throws {
        let leaf = try PKI.facts(PKI.shared.leaf)
        #expect(leaf.matches(hostname: "192.0.2.10"))
        #expect(!leaf.matches(hostname: "192.0.2.11"))
        #expect(!leaf.matches(hostname: "192.0.2.010"))  // not a valid dotted quad; not a SAN DNS name either
        #expect(leaf.matches(hostname: "2001:db8::1"))
        #expect(leaf.matches(hostname: "2001:DB8:0:0:0:0:0:1"))
        #expect(leaf.matches(hostname: "[2001:db8::1]"))
        #expect(!leaf.matches(hostname: "2001:db8::2"))
        #expect(!leaf.matches(hostname: "::ffff:192.0.2.10"))  // a different address family
        let ipOnly = try PKI.facts(PKI.shared.ipOnly)
        #expect(ipOnly.commonName == "192.0.2.99")
        #expect(ipOnly.ipAddresses == ["198.51.100.7"])
        #expect(ipOnly.matches(hostname: "198.51.100.7"))
        #expect(!ipOnly.matches(hostname: "192.0.2.99"))  // never the CN for an IP
    }

    @Test("a wildcard never matches an IP literal")
    func wildcardVersusIP() throws {
        var f = try PKI.facts(PKI.shared.leaf)
        f.dnsNames = ["*.2.0.192"]
        f.ipAddresses = []
        #expect(!f.matches(hostname: "10.2.0.192"))
    }
}

@Suite("isValid(at:)")
struct ValidityTests {
    @Test("both edges are inclusive")
    func edges() throws {
        let f = try PKI.facts(PKI.shared.leaf)
        #expect(!f.isValid(at: PKI.leafWindow.0 - 1))
        #expect(f.isValid(at: PKI.leafWindow.0))
        #expect(f.isValid(at: (PKI.leafWindow.0 + PKI.leafWindow.1) / 2))
        #expect(f.isValid(at: PKI.leafWindow.1))
        #expect(!f.isValid(at: PKI.leafWindow.1 + 1))
    }

    @Test("expired at the capture's time, valid back then")
    func expired() throws {
        let f = try PKI.facts(PKI.shared.expired)
        #expect(!f.isValid(at: PKI.leafWindow.0))
        #expect(f.isValid(at: PKI.expiredWindow.1))
        #expect(!f.isValid(at: PKI.expiredWindow.1 + 1))
        #expect(!f.isValid(at: PKI.expiredWindow.0 - 1))  // not yet valid
    }
}

@Suite("CertificateChain.brokenLinks")
struct ChainTests {
    @Test("good chains have no broken links")
    func good() throws {
        let pki = PKI.shared
        let leaf = try PKI.facts(pki.leaf), inter = try PKI.facts(pki.intermediate), root = try PKI.facts(pki.root)
        #expect(CertificateChain.brokenLinks([leaf, inter, root]) == [])
        #expect(CertificateChain.brokenLinks([leaf, inter]) == [])
    }

    @Test("misordered intermediate")
    func misordered() throws {
        let pki = PKI.shared
        let leaf = try PKI.facts(pki.leaf), inter = try PKI.facts(pki.intermediate), root = try PKI.facts(pki.root)
        #expect(CertificateChain.brokenLinks([leaf, root, inter]) == [0, 1])
    }

    @Test("missing intermediate")
    func missing() throws {
        let pki = PKI.shared
        let leaf = try PKI.facts(pki.leaf), root = try PKI.facts(pki.root)
        #expect(CertificateChain.brokenLinks([leaf, root]) == [0])
        let other = try PKI.facts(pki.selfSignedLeaf)
        #expect(CertificateChain.brokenLinks([leaf, try PKI.facts(pki.intermediate), other]) == [1])
    }

    @Test("chains of one or none are not judged")
    func short() throws {
        #expect(CertificateChain.brokenLinks([try PKI.facts(PKI.shared.leaf)]) == [])
        #expect(CertificateChain.brokenLinks([]) == [])
    }

    @Test("names compare as RFC 5280 does: case and repeated spaces do not break a link")
    func nameFolding() throws {
        let leaf = try PKI.facts(PKI.shared.leaf)
        var inter = try PKI.facts(PKI.shared.intermediate)
        inter.subject = "CN=FLOWDOCTOR  Test Intermediate,O=Flowdoctor LAB,C=zz"
        #expect(CertificateChain.brokenLinks([leaf, inter]) == [])
        inter.subject = "CN=Flowdoctor Test Intermediate 2,O=Flowdoctor Lab,C=ZZ"
        #expect(CertificateChain.brokenLinks([leaf, inter]) == [0])
    }
}

@Suite("init?(der:) robustness and the TBS-only fallback")
struct ParsingTests {
    @Test("garbage is nil")
    func garbage() {
        var rng = SplitMix(seed: 0x5EED)
        var inputs: [[UInt8]] = [
            [], [0x30], [0x30, 0x00], [0x30, 0x80], [0x30, 0x81], [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
            Array(repeating: 0xFF, count: 200), Array(repeating: 0x00, count: 200),
            Array(repeating: 0x30, count: 4096),  // deeply nested headers
            [0x30, 0x03, 0x02, 0x01, 0x01],  // valid DER, not a certificate
            Array("-----BEGIN CERTIFICATE-----".utf8),
        ]
        for length in [1, 2, 16, 100, 1000] {
            for _ in 0..<20 { inputs.append((0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) }
        }
        for input in inputs {
            #expect(CertificateFacts(der: input) == nil, "\(input.prefix(8))… (\(input.count) bytes)")
        }
    }

    @Test("every strict prefix of a real certificate is nil; the whole one parses; trailing bytes are refused")
    func truncation() throws {
        for der in [PKI.shared.leaf, PKI.shared.root] {
            for length in 0..<der.count {
                #expect(CertificateFacts(der: Array(der[..<length])) == nil, "prefix \(length) of \(der.count)")
            }
            #expect(CertificateFacts(der: der) != nil)
            #expect(CertificateFacts(der: der + [0x00]) == nil)
        }
    }

    @Test("single-byte corruptions never crash")
    func corruption() throws {
        let der = PKI.shared.leaf
        var parsed = 0
        for index in der.indices {
            for mask: UInt8 in [0xFF, 0x01, 0x80] {
                var bytes = der
                bytes[index] ^= mask
                if CertificateFacts(der: bytes) != nil { parsed += 1 }
            }
        }
        #expect(parsed < der.count * 3)  // mostly refused; what parses is fine as long as nothing traps
    }

    @Test("unsupported signature algorithm: facts from the TBSCertificate, selfSigned false")
    func unsupportedSignatureAlgorithm() throws {
        let original = PKI.shared.selfSignedLeaf
        var patched = original
        #expect(patch(&patched, ecdsaWithSHA256OID, ecdsaWithSHA224OID) == 2)  // inner and outer
        #expect(throws: (any Error).self) { try Certificate(derEncoded: patched) }  // really the fallback
        let before = try PKI.facts(original)
        let after = try PKI.facts(patched)
        #expect(after.signatureAlgorithm == "ecdsaWithSHA224")
        #expect(after.selfIssued && !after.selfSigned)
        var expected = before
        expected.signatureAlgorithm = "ecdsaWithSHA224"
        expected.selfSigned = false
        #expect(after == expected)  // every other field read the same way as through swift-certificates
    }

    @Test("unsupported key type: facts from the TBSCertificate")
    func unsupportedKey() throws {
        for der in [PKI.shared.leaf, PKI.shared.root, PKI.shared.expired, PKI.shared.version1] {
            var patched = der
            #expect(patch(&patched, prime256v1OID, prime192v1OID) == 1)
            #expect(throws: (any Error).self) { try Certificate(derEncoded: patched) }
            var expected = try PKI.facts(der)
            expected.selfSigned = false
            #expect(try PKI.facts(patched) == expected)
        }
    }

    @Test("fallback refuses truncations too")
    func fallbackTruncation() throws {
        var patched = PKI.shared.leaf
        _ = patch(&patched, prime256v1OID, prime192v1OID)
        for length in 0..<patched.count {
            #expect(CertificateFacts(der: Array(patched[..<length])) == nil, "prefix \(length)")
        }
    }
}

@Suite("helpers")
struct HelperTests {
    @Test("IPv6 printed per RFC 5952")
    func ipv6Text() {
        func v6(_ groups: [UInt16]) -> [UInt8] { groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        #expect(IPText.format(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])) == "2001:db8::1")
        #expect(IPText.format(v6([0, 0, 0, 0, 0, 0, 0, 1])) == "::1")
        #expect(IPText.format(v6([0, 0, 0, 0, 0, 0, 0, 0])) == "::")
        #expect(IPText.format(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])) == "2001:db8:0:1:1:1:1:1")
        #expect(IPText.format(v6([0x2001, 0, 0, 1, 0, 0, 0, 1])) == "2001:0:0:1::1")
        #expect(IPText.format(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])) == "2001:db8::1:0:0:1")
        #expect(IPText.format(v6([0xfe80, 0, 0, 0, 0, 0, 0, 0])) == "fe80::")
        #expect(IPText.format(v6([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201])) == "::ffff:192.0.2.1")
        #expect(IPText.format([10, 0, 0, 1]) == "10.0.0.1")
        #expect(IPText.format([1, 2, 3]) == "invalid:1:2:3")
    }

    @Test("IP text parsing round-trips and refuses junk")
    func ipParse() {
        #expect(IPText.parse("192.0.2.1") == [192, 0, 2, 1])
        #expect(IPText.parse("::ffff:192.0.2.1") == Array(repeating: 0, count: 10) + [0xff, 0xff, 192, 0, 2, 1])
        #expect(IPText.parse("1::") == [0, 1] + Array(repeating: 0, count: 14))
        for bad in ["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "::1::", "1:2:3:4:5:6:7:8:9",
                    "1:2:3:4:5:6:7::8", "fe80::1%eth0", "12345::", "g::", "", "host.lab.test", "1:2:3:4:5:6:7"] {
            #expect(IPText.parse(Substring(bad)) == nil, "\(bad)")
        }
    }

    @Test("civil time agrees with Foundation")
    func civilTime() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for (y, mo, d, h, mi, s) in [(1970, 1, 1, 0, 0, 0), (2000, 2, 29, 12, 34, 56), (2049, 12, 31, 23, 59, 59),
                                     (2050, 1, 1, 0, 0, 0), (1950, 1, 1, 0, 0, 0), (9999, 12, 31, 23, 59, 59)] {
            let date = calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
            #expect(CivilTime.seconds(y, mo, d, h, mi, s) == Int64(date.timeIntervalSince1970), "\(y)-\(mo)-\(d)")
        }
    }
}
