/// Which finding kinds have a detector today: the union of what every detector raises
/// (Detector.swift). `explain` lists these; the fixture tests treat expectations of other kinds
/// as known issues until their detector lands.
public enum DetectorCatalog {
    public static let detectors: [any Detector.Type] = Diagnoser.flowDetectorTypes.map { $0 as any Detector.Type } + [
        DNSDetector.self, ARPDetector.self, FloodStats.self, CaptureQualityDetector.self, FragmentDetector.self,
        DecodeQualityDetector.self, CaptureDropDetector.self, ScanDetector.self,
    ]
    public static let implemented: Set<FindingKind> = Set(detectors.flatMap { $0.raises })
}
