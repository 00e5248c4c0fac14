import Foundation
import SwiftASN1
import X509

/// What flowdoctor needs to know about one certificate seen on the wire: enough to judge expiry
/// (at the capture's time), the name against the SNI, self-signing and chain order, and to print
/// the evidence.
public struct CertificateFacts: Sendable, Equatable {
    public var subject: String          // RFC 4514-style, as swift-certificates prints DistinguishedName
    public var issuer: String
    public var commonName: String?      // the last (most specific) CN of the subject
    public var dnsNames: [String]       // SAN dNSName entries, as encoded
    public var ipAddresses: [String]    // SAN iPAddress entries, printed (dotted quad / RFC 5952)
    public var notBefore: Int64         // seconds since 1970
    public var notAfter: Int64
    public var serialNumber: String     // lowercase hex, no separators, no sign byte
    public var signatureAlgorithm: String
    public var isCA: Bool               // basicConstraints cA
    public var selfIssued: Bool         // issuer == subject
    public var selfSigned: Bool         // self-issued and its signature verifies with its own public key

    /// Nil when the DER does not parse as a certificate (or its SAN / basicConstraints are malformed).
    ///
    /// swift-certificates refuses whole certificates whose key or signature algorithm it does not
    /// support (RSA under 2048 bits, DSA, RSA-PSS, ecdsa-with-SHA1, MD5, other curves…), which legacy
    /// TLS ≤ 1.2 servers still send. Those are read from the TBSCertificate alone so that expiry and
    /// names can still be judged; their signature cannot be checked, so `selfSigned` is false.
    public init?(der: [UInt8]) {
        guard let parts = (try? Parts(certificate: der)) ?? (try? Parts(tbsOnly: der)) else { return nil }
        self.init(parts)
    }

    /// RFC 6125 / RFC 9525 host name matching: SAN dNSName first (a wildcard only as the whole
    /// left-most label, matching exactly one label, never on a public suffix-like 1-label base),
    /// the CN only when there are no dNSName SANs; case-insensitive; IP literals against iPAddress SANs.
    public func matches(hostname: String) -> Bool {
        var host = Substring(hostname)
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }  // "[::1]"
        if let address = IPText.parse(host) {
            // IP literals are only ever matched against iPAddress SANs, never a DNS name or the CN.
            return ipAddresses.contains { IPText.parse(Substring($0)) == address }
        }
        guard let hostLabels = HostName.labels(host, allowWildcard: false) else { return false }
        if !dnsNames.isEmpty {
            return dnsNames.contains { HostName.matches(pattern: $0, hostLabels: hostLabels) }
        }
        guard let commonName else { return false }
        return HostName.matches(pattern: commonName, hostLabels: hostLabels)
    }

    /// notBefore ≤ t ≤ notAfter: RFC 5280 validity is inclusive at both ends.
    public func isValid(at secondsSince1970: Int64) -> Bool {
        notBefore <= secondsSince1970 && secondsSince1970 <= notAfter
    }
}

public enum CertificateChain {
    /// Indices i where chain[i]'s issuer is not chain[i+1]'s subject (a missing or misordered
    /// intermediate). A chain of one is not judged.
    public static func brokenLinks(_ chain: [CertificateFacts]) -> [Int] {
        guard chain.count > 1 else { return [] }
        return (0..<(chain.count - 1)).filter { !NameText.same(chain[$0].issuer, chain[$0 + 1].subject) }
    }
}

// MARK: - Building the facts

extension CertificateFacts {
    /// The fields both parse paths agree on; the facts are derived from these in one place.
    fileprivate struct Parts {
        var subject: DistinguishedName
        var issuer: DistinguishedName
        var notBefore: Int64
        var notAfter: Int64
        var serial: ArraySlice<UInt8>
        var signatureOID: ASN1ObjectIdentifier
        var extensions: Certificate.Extensions
        var signatureVerifiesWithOwnKey: Bool

        /// The normal path: everything through swift-certificates, signature included.
        init(certificate der: [UInt8]) throws {
            let certificate = try Certificate(derEncoded: der)
            subject = certificate.subject
            issuer = certificate.issuer
            // swift-certificates builds these Dates from whole seconds, so the conversion is exact.
            notBefore = Int64(certificate.notValidBefore.timeIntervalSince1970.rounded(.down))
            notAfter = Int64(certificate.notValidAfter.timeIntervalSince1970.rounded(.down))
            serial = certificate.serialNumber.bytes
            signatureOID = try Self.outerSignatureOID(der)
            extensions = certificate.extensions
            signatureVerifiesWithOwnKey =
                certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
        }

        /// The fallback: the TBSCertificate read field by field with SwiftASN1, the public key and
        /// signature left as opaque nodes. Same structure checks as swift-certificates otherwise.
        init(tbsOnly der: [UInt8]) throws {
            let root = try DER.parse(der)
            var tbsNode: ASN1Node?
            var oid: ASN1ObjectIdentifier?
            try DER.sequence(root, identifier: .sequence) { nodes in
                guard let tbs = nodes.next(), let algorithm = nodes.next(), let signature = nodes.next() else {
                    throw ASN1Error.invalidASN1Object(reason: "certificate needs three elements")
                }
                guard signature.identifier == .bitString else {
                    throw ASN1Error.unexpectedFieldType(signature.identifier)
                }
                tbsNode = tbs
                oid = try Self.algorithmOID(algorithm)
            }
            guard let tbsNode, let oid else { throw ASN1Error.invalidASN1Object(reason: "no TBSCertificate") }
            signatureOID = oid
            signatureVerifiesWithOwnKey = false

            var fields: (DistinguishedName, DistinguishedName, Int64, Int64, ArraySlice<UInt8>, [Certificate.Extension])?
            try DER.sequence(tbsNode, identifier: .sequence) { nodes in
                let version = try DER.decodeDefaultExplicitlyTagged(
                    &nodes, tagNumber: 0, tagClass: .contextSpecific, defaultValue: Int(0))
                guard (0...2).contains(version) else {
                    throw ASN1Error.invalidASN1Object(reason: "X.509 version \(version)")
                }
                let serial = try ArraySlice<UInt8>(derEncoded: &nodes)
                guard let algorithm = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no signature") }
                _ = try Self.algorithmOID(algorithm)
                guard let issuerNode = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no issuer") }
                let issuer = try DistinguishedName(derEncoded: issuerNode)
                guard let validity = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no validity") }
                let (notBefore, notAfter) = try DER.sequence(validity, identifier: .sequence) { times in
                    guard let first = times.next(), let second = times.next() else {
                        throw ASN1Error.invalidASN1Object(reason: "validity needs two times")
                    }
                    return (try Self.seconds(first), try Self.seconds(second))
                }
                guard let subjectNode = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no subject") }
                let subject = try DistinguishedName(derEncoded: subjectNode)
                guard let spki = nodes.next(), spki.identifier == .sequence else {
                    throw ASN1Error.invalidASN1Object(reason: "no subjectPublicKeyInfo")
                }
                // issuerUniqueID [1] and subjectUniqueID [2] (v2+) are skipped; extensions are [3].
                var extensions: [Certificate.Extension] = []
                while let node = nodes.next() {
                    guard node.identifier.tagClass == .contextSpecific else {
                        throw ASN1Error.unexpectedFieldType(node.identifier)
                    }
                    if node.identifier.tagNumber == 3 {
                        guard case .constructed(let children) = node.content else {
                            throw ASN1Error.unexpectedFieldType(node.identifier)
                        }
                        var inner = children.makeIterator()
                        guard let list = inner.next(), inner.next() == nil else {
                            throw ASN1Error.invalidASN1Object(reason: "extensions wrapper")
                        }
                        extensions = try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: list)
                    }
                }
                fields = (subject, issuer, notBefore, notAfter, serial, extensions)
            }
            guard let (subject, issuer, notBefore, notAfter, serial, extensions) = fields else {
                throw ASN1Error.invalidASN1Object(reason: "no TBSCertificate fields")
            }
            self.subject = subject
            self.issuer = issuer
            self.notBefore = notBefore
            self.notAfter = notAfter
            self.serial = serial
            self.extensions = try Certificate.Extensions(extensions)
        }

        /// The signatureAlgorithm OID outside the TBSCertificate (the one the signature was made with).
        static func outerSignatureOID(_ der: [UInt8]) throws -> ASN1ObjectIdentifier {
            let root = try DER.parse(der)
            return try DER.sequence(root, identifier: .sequence) { nodes in
                _ = nodes.next()
                guard let algorithm = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no algorithm") }
                while nodes.next() != nil {}
                return try algorithmOID(algorithm)
            }
        }

        /// AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
        static func algorithmOID(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
            try DER.sequence(node, identifier: .sequence) { nodes in
                let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
                _ = nodes.next()
                return oid
            }
        }

        /// Time ::= CHOICE { utcTime, generalTime }, as seconds since 1970 (fractions dropped).
        static func seconds(_ node: ASN1Node) throws -> Int64 {
            switch node.identifier {
            case .utcTime:
                let t = try UTCTime(derEncoded: node)
                return CivilTime.seconds(t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
            case .generalizedTime:
                let t = try GeneralizedTime(derEncoded: node)
                return CivilTime.seconds(t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
            default:
                throw ASN1Error.unexpectedFieldType(node.identifier)
            }
        }
    }

    fileprivate init?(_ parts: Parts) {
        let san: SubjectAlternativeNames?
        let basic: BasicConstraints?
        do {  // absent is nil; present but malformed throws, and then the certificate does not parse
            san = try parts.extensions.subjectAlternativeNames
            basic = try parts.extensions.basicConstraints
        } catch {
            return nil
        }
        subject = String(describing: parts.subject)
        issuer = String(describing: parts.issuer)
        commonName = Self.lastCommonName(parts.subject)
        dnsNames = []
        ipAddresses = []
        for name in san ?? SubjectAlternativeNames() {
            switch name {
            case .dnsName(let dns): dnsNames.append(dns)
            case .ipAddress(let octets): ipAddresses.append(IPText.format(Array(octets.bytes)))
            default: continue
            }
        }
        notBefore = parts.notBefore
        notAfter = parts.notAfter
        serialNumber = Self.hex(parts.serial)
        signatureAlgorithm = Self.algorithmName(parts.signatureOID)
        if case .isCertificateAuthority = basic { isCA = true } else { isCA = false }
        selfIssued = NameText.same(issuer, subject)
        selfSigned = selfIssued && parts.signatureVerifiesWithOwnKey
    }

    /// RFC 6125 takes the most specific CN, i.e. the last one in the RDN sequence.
    private static func lastCommonName(_ name: DistinguishedName) -> String? {
        var found: RelativeDistinguishedName.Attribute.Value?
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                found = attribute.value
            }
        }
        guard let found else { return nil }
        return String(found) ?? legacyString(found) ?? String(describing: found)
    }

    /// BMPString / UniversalString / TeletexString CNs from old CAs, which swift-certificates keeps opaque.
    private static func legacyString(_ value: RelativeDistinguishedName.Attribute.Value) -> String? {
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(ASN1Any(value))) != nil,
              let node = try? DER.parse(serializer.serializedBytes),
              case .primitive(let bytes) = node.content
        else { return nil }
        let b = Array(bytes)
        switch node.identifier {
        case .bmpString:
            guard b.count % 2 == 0 else { return nil }
            let units = stride(from: 0, to: b.count, by: 2).map { UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]) }
            return String(decoding: units, as: UTF16.self)
        case .universalString:
            guard b.count % 4 == 0 else { return nil }
            var text = ""
            for i in stride(from: 0, to: b.count, by: 4) {
                let v = UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
                text.unicodeScalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
            }
            return text
        case .teletexString:
            return String(b.map { Character(Unicode.Scalar($0)) })  // T.61 read as Latin-1, as most tools do
        default:
            return nil
        }
    }

    private static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        var digits = bytes.drop(while: { $0 == 0 })  // the DER sign byte (and any padding) says nothing
        if digits.isEmpty { digits = [0] }
        let table = Array("0123456789abcdef")
        return String(digits.flatMap { [table[Int($0 >> 4)], table[Int($0 & 0xF)]] })
    }

    /// Names as swift-certificates spells them (ecdsaWithSHA256, …), plus the legacy ones it does not
    /// support; anything else as the dotted OID.
    private static func algorithmName(_ oid: ASN1ObjectIdentifier) -> String {
        let names: [String: String] = [
            "1.2.840.10045.4.1": "ecdsaWithSHA1",
            "1.2.840.10045.4.3.1": "ecdsaWithSHA224",
            "1.2.840.10045.4.3.2": "ecdsaWithSHA256",
            "1.2.840.10045.4.3.3": "ecdsaWithSHA384",
            "1.2.840.10045.4.3.4": "ecdsaWithSHA512",
            "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
            "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
            "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
            "1.2.840.113549.1.1.10": "rsassaPss",
            "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
            "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
            "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
            "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
            "1.2.840.10040.4.3": "dsaWithSHA1",
            "2.16.840.1.101.3.4.3.1": "dsaWithSHA224",
            "2.16.840.1.101.3.4.3.2": "dsaWithSHA256",
            "1.3.101.112": "ed25519",
            "1.3.101.113": "ed448",
        ]
        let dotted = String(describing: oid)
        return names[dotted] ?? dotted
    }
}

// MARK: - Helpers

/// RFC 5280 §7.1 compares names after LDAP StringPrep: case folded, inner spaces collapsed. Comparing the
/// printed forms also hides PrintableString vs UTF8String differences between a leaf's issuer field and
/// its issuer's subject, which are the same name.
enum NameText {
    static func same(_ a: String, _ b: String) -> Bool {
        a == b || fold(a) == fold(b)
    }

    private static func fold(_ s: String) -> String {
        s.lowercased().split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}

enum HostName {
    /// Lowercased labels of a DNS name, one trailing dot removed; nil for empty labels, or for "*"
    /// anywhere unless `allowWildcard` (then still only as the whole first label).
    static func labels(_ name: Substring, allowWildcard: Bool) -> [Substring]? {
        var name = Substring(name.lowercased())
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty else { return nil }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for (index, label) in labels.enumerated() {
            if label.isEmpty { return nil }
            if label.contains("*") && !(allowWildcard && index == 0 && label == "*") { return nil }
        }
        return labels
    }

    /// One presented identifier (SAN dNSName or CN) against the reference host's labels.
    static func matches(pattern: String, hostLabels: [Substring]) -> Bool {
        guard let patternLabels = labels(Substring(pattern), allowWildcard: true) else { return false }
        guard patternLabels.first == "*" else { return patternLabels == hostLabels }
        // "*.example.com" stands for exactly one label; "*.com" (1-label base) matches nothing.
        return patternLabels.count >= 3
            && hostLabels.count == patternLabels.count
            && hostLabels.dropFirst().elementsEqual(patternLabels.dropFirst())
    }
}

enum IPText {
    static func format(_ bytes: [UInt8]) -> String {
        switch bytes.count {
        case 4:
            return bytes.map { String($0) }.joined(separator: ".")
        case 16:
            let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
            if groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xFFFF {  // RFC 5952 §5: IPv4-mapped
                return "::ffff:" + bytes[12...].map { String($0) }.joined(separator: ".")
            }
            // RFC 5952 §4.2: compress the longest run (first if tied) of two or more zero groups.
            var best = (start: -1, length: 0)
            var i = 0
            while i < 8 {
                guard groups[i] == 0 else { i += 1; continue }
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > best.length { best = (i, j - i) }
                i = j
            }
            let text = groups.map { String($0, radix: 16) }
            guard best.length >= 2 else { return text.joined(separator: ":") }
            return text[..<best.start].joined(separator: ":") + "::"
                + text[(best.start + best.length)...].joined(separator: ":")
        default:
            // Not an address (a SAN iPAddress is 4 or 16 octets); shown so the evidence is not lost.
            return "invalid:" + bytes.map { String($0, radix: 16) }.joined(separator: ":")
        }
    }

    /// Dotted-quad IPv4 (no leading zeros, as inet_pton) or textual IPv6 (RFC 4291 §2.2) to octets.
    static func parse(_ text: Substring) -> [UInt8]? {
        text.contains(":") ? parse6(text) : parse4(text)
    }

    private static func parse4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part.count == 1 || part.first != "0", let value = UInt8(part)
            else { return nil }
            out.append(value)
        }
        return out
    }

    private static func parse6(_ text: Substring) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowTail4: Bool) -> [UInt8]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt8] = []
            for (index, piece) in pieces.enumerated() {
                if allowTail4 && index == pieces.count - 1 && piece.contains(".") {
                    guard let v4 = parse4(piece) else { return nil }
                    out += v4
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy({ $0.isHexDigit && $0.isASCII }),
                      let value = UInt16(piece, radix: 16)
                else { return nil }
                out += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return out
        }
        if halves.count == 1 {
            guard let all = groups(halves[0], allowTail4: true), all.count == 16 else { return nil }
            return all
        }
        guard let head = groups(halves[0], allowTail4: false),
              let tail = groups(halves[1], allowTail4: true),
              head.count + tail.count <= 14  // "::" stands for at least one zero group
        else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

enum CivilTime {
    /// Proleptic Gregorian date/time in UTC to seconds since 1970 (Howard Hinnant's days_from_civil).
    static func seconds(_ year: Int, _ month: Int, _ day: Int, _ hours: Int, _ minutes: Int, _ seconds: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + Int64(hours) * 3_600 + Int64(minutes) * 60 + Int64(seconds)
    }
}
