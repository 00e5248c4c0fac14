// swift-tools-version: 6.2
import PackageDescription

// Release builds optimise across modules (the decoders' small accessors inline into the
// analyzer's per-packet path: 8% fewer instructions per bulk packet) and check exclusive access
// statically only: the run-time checks on the threaded reader's batches cost it 5% (debug and
// test builds keep them).
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"],
                                                .when(configuration: .release))]

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
        // capture --metrics-listen: the Prometheus registry and the small HTTP listener serving it.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // The only C: libpcap through a module map (link "pcap" kept for distros whose .pc is odd).
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap",
                       providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]),
        // Zero-copy header views. No dependencies, no Foundation; unsafe code only in WireBytes.
        .target(name: "PacketDecoding", swiftSettings: [.strictMemorySafety()] + crossModule),
        // libpcap sources: offline files (pcap / pcapng), BPF filters, link types. Owns pcap_t.
        .target(name: "PacketCapture", dependencies: ["CPcap", "PacketDecoding"], swiftSettings: crossModule),
        // The stateful part: per-packet accounting, later flows and trackers.
        .target(name: "FlowAnalysis", dependencies: ["PacketDecoding"], swiftSettings: crossModule),
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
                exclude: ["flowdoctor.report-2.schema.json"]),
        // Sensor metrics from live capture (Prometheus text at /metrics over a small NIO HTTP/1 listener).
        .target(name: "SensorMetrics", dependencies: [
            "FlowAnalysis", "Diagnosis",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // Glue: capture files -> analyzer -> report. No command-line knowledge.
        .target(name: "FlowdoctorCore", dependencies: ["PacketCapture", "FlowAnalysis", "Diagnosis", "Reporting", "SensorMetrics"],
                swiftSettings: crossModule),
        .executableTarget(name: "flowdoctor", dependencies: [
            "FlowdoctorCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The bare read-and-decode loop, timed by Scripts/bench.
        .executableTarget(name: "fdbench", dependencies: ["PacketCapture", "PacketDecoding"], swiftSettings: crossModule),
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
                    dependencies: ["FlowdoctorCore", "FlowAnalysis", "Diagnosis", "Reporting", "TestSupport", "PacketDecoding",
                                   "PacketCapture", "SensorMetrics"]),
        .testTarget(name: "EndToEndTests",
                    dependencies: ["FlowdoctorCore", "PacketCapture", "FlowAnalysis", "Diagnosis", "Reporting", "TestSupport",
                                   "SensorMetrics"]),
    ],
    swiftLanguageModes: [.v6]
)
