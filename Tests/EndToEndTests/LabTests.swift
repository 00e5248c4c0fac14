import Diagnosis
import FlowdoctorCore
import Foundation
import Testing

/// The fault lab itself still works: it builds its namespaces, makes real captures and tears
/// everything down. Needs root and iproute2 / nftables / tcpdump (the test command installs them).
let labCanRun: Bool = getuid() == 0 && ["ip", "nft", "tcpdump", "ethtool", "openssl", "python3", "nmap"].allSatisfy { tool in
    ((ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
    }
}

@Suite("Fault lab", .enabled(if: labCanRun, "needs root, iproute2, nftables, tcpdump, ethtool, openssl, python3 and nmap"))
struct LabTests {

    @Test("remakes scenarios from scratch and cleans up", .timeLimit(.minutes(3)))
    func remake() throws {
        let out = NSTemporaryDirectory() + "flowdoctor-lab-\(getpid())"
        let run = try runScript(["bash", repositoryRoot.appendingPathComponent("Scripts/lab").path, "-o", out,
                                 "(refused|syn-dropped|rst-forged-by-router|nmap-syn-scan)"], log: out + ".log")
        #expect(run.status == 0, "lab log: \(run.log)")
        for (name, kind, port) in [("refused-client", FindingKind.handshakeRefused, 8006), ("syn-dropped-client", .handshakeUnanswered, 8003),
                                   ("rst-forged-by-router-client", .resetMiddlebox, 8015), ("nmap-syn-scan-server", .portScan, 0)] {
            let r = try OfflineAnalysis.run(paths: [out + "/\(name).pcap"])
            #expect(r.findings.contains { $0.kind == kind && (port == 0 || $0.flow?.server.port == port) }, "\(name): \(r.findings.map(\.kind.rawValue))")
        }
        let left = try namespacesLeft("fdlab-")
        #expect(left.isEmpty, "namespaces left behind: \(left)")
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: out + ".log")
    }
}
