// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "flowdoctor",
    products: [
        .executable(name: "flowdoctor", targets: ["flowdoctor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // X.509 parsing and signature checks for the TLS certificates seen in captures (pulls swift-asn1, swift-crypto).
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        // Declared only so CertificateCheck(Tests) may name their products (DER, P256); ranges copied from
        // swift-certificates 1.21.1 so they add no constraint of their own.
        .package(url: "https://github.com/apple/swift-asn1", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"6.0.0"),
    ],
    targets: [
        // The only C: libpcap through a module map (link "pcap" kept for distros whose .pc is odd).
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap",
                       providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]),
        // Zero-copy header views. No dependencies, no Foundation; unsafe code only in WireBytes.
        .target(name: "PacketDecoding", swiftSettings: [.strictMemorySafety()]),
        // libpcap sources: offline files (pcap / pcapng), BPF filters, link types. Owns pcap_t.
        .target(name: "PacketCapture", dependencies: ["CPcap", "PacketDecoding"]),
        // The stateful part: per-packet accounting, later flows and trackers.
        .target(name: "FlowAnalysis", dependencies: ["PacketDecoding"]),
        // Findings (stable kinds) and the detectors that make them: pure policy.
        .target(name: "Diagnosis", dependencies: ["FlowAnalysis", "PacketDecoding", "CertificateCheck"]),
        // Certificate facts from DER (names, validity, SANs, self-signed, chain links). Foundation allowed;
        // kept apart so only this target links swift-certificates / swift-crypto.
        .target(name: "CertificateCheck", dependencies: [
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),
        // Report model and formats (Foundation allowed here).
        .target(name: "Reporting", dependencies: ["Diagnosis", "FlowAnalysis", "PacketDecoding"],
                // The report's JSON Schema lives beside its writer; tests read it by path.
                exclude: ["flowdoctor.report-1.schema.json"]),
        // Glue: capture files -> analyzer -> report. No command-line knowledge.
        .target(name: "FlowdoctorCore", dependencies: ["PacketCapture", "FlowAnalysis", "Diagnosis", "Reporting"]),
        .executableTarget(name: "flowdoctor", dependencies: [
            "FlowdoctorCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The bare read-and-decode loop, timed by Scripts/bench.
        .executableTarget(name: "fdbench", dependencies: ["PacketCapture", "PacketDecoding"]),
        // Fuzz entry points (Scripts/fuzz builds it with libFuzzer; a plain build replays inputs).
        .executableTarget(name: "fdfuzz", dependencies: ["FlowdoctorCore", "FlowAnalysis", "Diagnosis", "Reporting", "PacketDecoding"]),
        // Packet builder and pcap writer for tests and benchmarks.
        .target(name: "TestSupport", dependencies: ["PacketDecoding"]),
        .testTarget(name: "PacketDecodingTests", dependencies: ["PacketDecoding", "TestSupport"]),
        // Builds its own CA / leaf certificates with swift-certificates + swift-crypto.
        .testTarget(name: "CertificateCheckTests", dependencies: [
            "CertificateCheck", "FlowdoctorCore", "Diagnosis", "Reporting", "TestSupport", "PacketDecoding",
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "PacketCaptureTests",
                    dependencies: ["FlowdoctorCore", "PacketCapture", "FlowAnalysis", "Diagnosis", "Reporting", "TestSupport"]),
        .testTarget(name: "FlowAnalysisTests",
                    dependencies: ["FlowdoctorCore", "FlowAnalysis", "Diagnosis", "Reporting", "TestSupport", "PacketDecoding"]),
        .testTarget(name: "EndToEndTests",
                    dependencies: ["FlowdoctorCore", "PacketCapture", "FlowAnalysis", "Diagnosis", "Reporting", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
