import Crypto
import Diagnosis
import Foundation
import Reporting
import SwiftASN1
import Testing
import X509

/// A certificate whose subject, issuer and SAN carry terminal escapes and markup, sent in a real
/// handshake: the findings quote those fields, and every report format must keep them inert.
@Suite("Hostile certificate fields") struct HostileCertificateTests {
    static let hostile = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J<script>alert(1)</script>\"'&\u{9b}31m"

    @Test("subject, issuer and SAN with escapes and markup: escaped in text and HTML, JSON valid")
    func hostileFields() throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { OrganizationName(Self.hostile); CommonName(Self.hostile) }
        let der = try PKI.make(
            serial: [0x66], key: key, window: PKI.leafWindow, issuer: name, subject: name,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName("a\u{1b}[31m<b>.example"), .dnsName("ok.example")])
            },
            signer: key)
        // Asked for another name: self-signed and name-mismatch findings, both quoting the fields.
        let r = try TLSCertificateFindingTests().analyze(chain: [der], sni: "shop.example")
        let kinds = Set(r.findings.map(\.kind))
        #expect(kinds.contains(.certificateSelfSigned) && kinds.contains(.certificateNameMismatch), "\(kinds)")
        let mismatch = try #require(r.findings.first { $0.kind == .certificateNameMismatch })
        #expect(mismatch.evidence["subject"].map { "\($0)".contains("pwned") } == true)

        let text = TextReport.render(r, style: TextStyle())
        let html = HTMLReport.render(r)
        let md = MarkdownReport.render(r)
        for out in [text, html, md] {
            for c: Character in ["\u{1b}", "\u{7}", "\u{9b}"] { #expect(!out.contains(c)) }
            #expect(!out.contains("<script>alert"))
        }
        #expect(text.contains("pwned") && html.contains("pwned"))
        #expect(text.contains("\\u{1b}"), "escapes are shown, not dropped")
        let json = JSONReport.bytes(r)
        #expect(String(validating: json, as: UTF8.self) != nil)
        #expect(!json.contains(0x1b) && !json.contains(0x07))
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let findings = try #require(doc["findings"] as? [[String: Any]])
        let ev = try #require(findings.first { $0["kind"] as? String == "tls.certificate.name-mismatch" }?["evidence"] as? [String: Any])
        // JSON keeps the characters (as \u escapes), with the DN's own RFC 4514 escaping.
        let subject = try #require(ev["subject"] as? String)
        #expect(subject.hasPrefix("CN=evil\u{1b}]0\\;pwned\u{7}\u{1b}[2J\\<script\\>"), "\(subject.debugDescription)")
    }
}
