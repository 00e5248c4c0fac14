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
        for k in FindingKind.allCases where DetectorCatalog.implemented.contains(k) {
            for r in CauseCatalog.causes(of: k) {
                #expect(covered.contains(r.id), "\(r.id) has no case in RuleCoverage")
            }
        }
    }

    @Test("the rule fires: it is its finding's first cause", arguments: RuleCoverage.all)
    func fires(_ c: RuleCase) throws {
        let found = try c.fires().filter { $0.kind.rawValue == c.kind }
        #expect(found.contains { $0.causes.first?.id == c.id },
                "\(c.id): got \(found.map { "\($0.kind.rawValue) → \($0.causes.first?.id ?? "none")" })")
        for f in found where f.causes.first?.id == c.id {
            #expect(!(f.causes.first?.because.isEmpty ?? true), "\(c.id) says no because")
        }
    }

    @Test("the near miss: one fact changed, the rule is not the first cause", arguments: RuleCoverage.all)
    func nearMiss(_ c: RuleCase) throws {
        let found = try c.nearMiss().filter { $0.kind.rawValue == c.kind }
        #expect(!found.contains { $0.causes.first?.id == c.id }, "\(c.id) still first in \(found.map(\.summary))")
    }
}
