import Diagnosis
import Reporting
import Testing

/// Every certificate cause rule proven on a handshake carrying the test PKI's certificates: a
/// case where the rule is its finding's first cause (or, for an alternative kept beside it,
/// listed), and a near miss with one fact changed where it is not. The other families' cases
/// are in FlowAnalysisTests (RuleCoverageTests.swift).
@Suite("Certificate cause rules, each with a case and a near miss") struct CertificateRuleCoverageTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var id: String
        var fires: @Sendable () throws -> Report
        var nearMiss: @Sendable () throws -> Report
        var leads = true
        var testDescription: String { id }
    }

    static func run(_ chain: [[UInt8]], _ sni: String, at time: Int64 = 1_750_000_000) throws -> Report {
        try TLSCertificateFindingTests().analyze(chain: chain, sni: sni, at: time)
    }

    static let cases: [Case] = {
        let p = PKI.shared
        let good = [p.leaf, p.intermediate]
        return [
            Case(id: "tls.certificate.expired/not-renewed",
                 fires: { try run([p.expired], "server.lab.test") }, nearMiss: { try run(good, "server.lab.test") }),
            Case(id: "tls.certificate.not-yet-valid/clock-or-early",
                 fires: { try run(good, "server.lab.test", at: 1_650_000_000) }, nearMiss: { try run(good, "server.lab.test") }),
            Case(id: "tls.certificate.name-mismatch/wrong-certificate",
                 fires: { try run(good, "shop.example") }, nearMiss: { try run(good, "server.lab.test") }),
            // Kept beside the wrong certificate until the name's address tells them apart.
            Case(id: "tls.certificate.name-mismatch/wrong-server",
                 fires: { try run(good, "shop.example") }, nearMiss: { try run(good, "server.lab.test") }, leads: false),
            // It leads once another server presents a certificate for the name, one the DNS answer did not give.
            Case(id: "tls.certificate.name-mismatch/wrong-server",
                 fires: { try TLSCertificateFindingTests().analyze(sessions: [.init(server: "10.0.0.2", chain: good, sni: "server.lab.test"),
                                                                              .init(server: "10.0.0.7", chain: [p.ipOnly], sni: "server.lab.test")],
                                                                   answer: ("server.lab.test", ["10.0.0.7"])) },
                 nearMiss: { try TLSCertificateFindingTests().analyze(sessions: [.init(server: "10.0.0.2", chain: good, sni: "server.lab.test"),
                                                                                 .init(server: "10.0.0.7", chain: [p.ipOnly], sni: "server.lab.test")],
                                                                      answer: ("server.lab.test", ["10.0.0.7", "10.0.0.2"])) }),
            Case(id: "tls.certificate.self-signed/self-signed",
                 fires: { try run([p.selfSignedLeaf], "device-cn.lab.test") }, nearMiss: { try run(good, "server.lab.test") }),
            Case(id: "tls.certificate.chain-incomplete/missing-intermediate",
                 fires: { try run([p.leaf, p.root], "server.lab.test") }, nearMiss: { try run(good, "server.lab.test") }),
        ]
    }()

    func hits(_ r: Report, _ c: Case) -> [Finding] {
        r.findings.filter { f in
            f.kind.rawValue == c.id.split(separator: "/")[0]
                && (c.leads ? f.causes.first?.id == c.id : f.causes.contains { $0.id == c.id })
        }
    }

    @Test("every certificate cause rule has a case here")
    func everyRule() {
        let ids = Set(Self.cases.map(\.id))
        for k in FindingKind.allCases where k.rawValue.hasPrefix("tls.certificate.") {
            for r in CauseCatalog.causes(of: k) { #expect(ids.contains(r.id), "\(r.id) has no case") }
        }
    }

    @Test("the rule fires", arguments: cases)
    func fires(_ c: Case) throws {
        let r = try c.fires()
        let h = hits(r, c)
        #expect(!h.isEmpty, "\(c.id): got \(r.findings.map { "\($0.kind.rawValue) → \($0.causes.map(\.id))" })")
        #expect(h.allSatisfy { $0.causes.first { $0.id == c.id }?.because.isEmpty == false })
    }

    @Test("the near miss does not", arguments: cases)
    func nearMiss(_ c: Case) throws {
        #expect(hits(try c.nearMiss(), c).isEmpty)
    }
}
