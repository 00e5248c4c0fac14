import Diagnosis
import Testing

/// Every cause rule proven on packets: a case where it is its finding's first cause, and a near
/// miss (the same situation with one fact changed) where it is not. The tables live beside this
/// file, one per family (RuleCoverage+*.swift); a rule added to a catalog without a case here
/// fails `everyRuleHasACase`.
struct RuleCase: Sendable, CustomTestStringConvertible {
    /// The cause id, "kind/slug".
    var id: String
    /// Findings in which `id` must be the first cause of a finding of its kind.
    var fires: @Sendable () throws -> [Finding]
    /// Findings in which no finding of its kind has `id` first.
    var nearMiss: @Sendable () throws -> [Finding]
    /// False for a cause that by design is never first, an alternative kept beside a likelier one
    /// until something tells them apart: then it must be listed, and absent from the near miss.
    var leads = true
    var testDescription: String { id }

    var kind: String { String(id.split(separator: "/")[0]) }
}

extension Scenario {
    /// The scenario's findings (what the coverage tables compare).
    func findings(_ tune: (inout FlowdoctorCore.OfflineAnalysis.Options) -> Void = { _ in }) throws -> [Finding] {
        try analyze(tune).findings
    }
}

import FlowdoctorCore

enum RuleCoverage {
    /// Every family's table.
    static var all: [RuleCase] { connect + tls + path + names }
}

@Suite("Cause rules, each with a case and a near miss") struct RuleCoverageTests {
    @Test("every cause rule in the catalog has a case here")
    func everyRuleHasACase() {
        let covered = Set(RuleCoverage.all.map(\.id))
        var missing: [String] = []
        for k in FindingKind.allCases where DetectorCatalog.implemented.contains(k) {
            // Certificate rules need the test PKI: their cases are in CertificateCheckTests.
            for r in CauseCatalog.causes(of: k) where !r.id.hasPrefix("tls.certificate.") && !covered.contains(r.id) {
                missing.append(r.id)
            }
        }
        #expect(missing.isEmpty, "no case in RuleCoverage for \(missing)")
    }

    @Test("the rule fires: it is its finding's first cause", arguments: RuleCoverage.all)
    func fires(_ c: RuleCase) throws {
        let found = try c.fires().filter { $0.kind.rawValue == c.kind }
        let hit = found.filter { c.leads ? $0.causes.first?.id == c.id : $0.causes.contains { $0.id == c.id } }
        #expect(!hit.isEmpty, "\(c.id): got \(found.map { "\($0.kind.rawValue) → \($0.causes.map(\.id))" })")
        for f in hit {
            #expect(f.causes.first { $0.id == c.id }?.because.isEmpty == false, "\(c.id) says no because")
        }
    }

    @Test("the near miss: one fact changed, the rule is not the first cause", arguments: RuleCoverage.all)
    func nearMiss(_ c: RuleCase) throws {
        let found = try c.nearMiss().filter { $0.kind.rawValue == c.kind }
        let hit = found.filter { c.leads ? $0.causes.first?.id == c.id : $0.causes.contains { $0.id == c.id } }
        #expect(hit.isEmpty, "\(c.id) still \(c.leads ? "first" : "listed") in \(hit.map(\.summary))")
    }
}
