import Diagnosis
import TestSupport

/// Cause rule cases (RuleCoverageTests.swift).
extension RuleCoverage {
    static let path: [RuleCase] = []
}
