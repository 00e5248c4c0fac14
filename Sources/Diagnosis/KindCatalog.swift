/// What `flowdoctor explain KIND` prints: meaning, detection, generic checks. Causes are read per
/// finding by the cause rules (Causes/); `explain` lists those rules too.
public struct KindInfo: Sendable {
    public let kind: FindingKind
    /// A short noun phrase, e.g. "Connection refused".
    public let title: String
    /// Where a network engineer looks first.
    public let layer: Layer
    public let defaultSeverity: Severity
    /// 2-4 sentences: what it means for the user.
    public let meaning: String
    /// 2-5 sentences: exactly how flowdoctor decides (rules, named thresholds, near-misses it excludes).
    public let detection: String
    /// 3-6 concrete next checks (commands, counters, config), one line each.
    public let checks: [String]
    public let related: [FindingKind]

    public enum Layer: String, Sendable, CaseIterable {
        case capture, link, network, transport, tls, application
    }
}

extension FindingKind {
    public var info: KindInfo { KindCatalog.entry(self) }
}

/// The long form of every finding kind. Threshold names are the `Thresholds` properties where one
/// exists; the report prints the values in force.
public enum KindCatalog {
    public static var all: [KindInfo] { FindingKind.allCases.map(entry) }

    /// Each family's entries live in Kinds/, beside nothing else.
    public static func entry(_ k: FindingKind) -> KindInfo {
        if let e = handshakeKinds(k) ?? transportKinds(k) ?? captureKinds(k) ?? mtuKinds(k) ?? tlsKinds(k) ?? nameKinds(k) ?? scanKinds(k) { return e }
        preconditionFailure("no catalog entry for \(k.rawValue)")
    }
}
