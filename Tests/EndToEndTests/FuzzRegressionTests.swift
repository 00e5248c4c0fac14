import Foundation
import Testing

/// Inputs the fuzzer (Scripts/fuzz) once crashed on, kept in Tests/FuzzRegressions as
/// `TARGET-NAME`, replayed through the same entry points by the `fdfuzz` replay build: each runs
/// in its own process, so a regression fails this test instead of ending the test run.
@Suite("Fuzz regressions") struct FuzzRegressionTests {
    static let directory = repositoryRoot.appendingPathComponent("Tests/FuzzRegressions")
    static let targets = ["ethernet", "sll", "sll2", "null", "loop", "raw", "ipv4", "ipv6", "file", "any"]

    struct Case: Sendable, CustomTestStringConvertible {
        let target: String
        let path: String
        var testDescription: String { (path as NSString).lastPathComponent }
    }

    static func cases() -> [Case] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { n in
            guard let t = n.split(separator: "-").first.map(String.init), targets.contains(t) else { return nil }
            return Case(target: t, path: directory.appendingPathComponent(n).path)
        }
    }

    static let replay = flowdoctorBinary.deletingLastPathComponent().appendingPathComponent("fdfuzz")

    static func run(_ target: String, _ paths: [String]) throws -> RunResult {
        try runProgram(replay, [target] + paths)
    }

    @Test("every saved crash input now passes", arguments: cases())
    func regression(_ c: Case) throws {
        let r = try Self.run(c.target, [c.path])
        #expect(r.status == 0 && r.stdout.contains("ok "), "\(c.path): \(r.stderr.suffix(2000))")
    }

    @Test("every file is named after a target") func names() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.directory.path)) ?? []
        #expect(names.filter { !$0.hasPrefix(".") }.count == Self.cases().count)
    }

    @Test("the replay build runs every entry point on a fixture, and refuses an unknown target") func entryPoints() throws {
        let fixture = repositoryRoot.appendingPathComponent("Fixtures/refused-client.pcap").path
        for t in Self.targets {
            let r = try Self.run(t, [fixture])
            #expect(r.status == 0 && r.stdout.hasPrefix("ok \(fixture): "), "\(t): \(r.stderr)")
        }
        // As a whole file, the fixture is read through: all of its packets.
        #expect(try Self.run("file", [fixture]).stdout.contains(": 4 packets"))
        let bad = try Self.run("token-ring", [fixture])
        #expect(bad.status == 2 && bad.stderr.contains("usage: fdfuzz TARGET"))
    }
}
