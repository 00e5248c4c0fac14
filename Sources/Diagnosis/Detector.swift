import FlowAnalysis

/// The detectors' one shape (one detector per file). Every detector names the finding kinds it
/// raises; `DetectorCatalog` is their union. Three ways in, by what a detector looks at:
/// - a `FlowDetector` judges each finalised flow, in a fixed order, seeing what the detectors
///   before it raised (a stall already told as a zero window is not told twice);
/// - a `RecordDetector` judges one DNS transaction or one ARP record;
/// - the capture detectors (floods, fragments, the capture's own quality, decode errors) count
///   across the whole capture and report when it ends.
/// Detectors build findings with typed evidence (Evidence/); the cause rules (Causes/) read it.
public protocol Detector: Sendable {
    static var raises: [FindingKind] { get }
}

/// What is known of a flow while the flow detectors judge it.
public struct FlowJudgement: Sendable {
    /// The capture time the flow is judged at (its end, or now for a live preview).
    public let now: Int64
    public var outcome: HandshakeOutcome = .pending
    /// The kinds raised so far, in the detectors' order.
    public var kinds = FlowKinds()
    public init(now: Int64) { self.now = now }
}

public protocol FlowDetector: Detector {
    init(thresholds: Thresholds)
    /// Adds the kinds this flow shows to `j.kinds` (cheap: no text is built).
    func judge(_ f: Flow, _ j: inout FlowJudgement)
    /// The finding for one kind this detector raised on the flow.
    func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding
}

public protocol RecordDetector: Detector {
    associatedtype Record
    init(thresholds: Thresholds)
    func kinds(_ r: Record) -> [FindingKind]
    func finding(_ k: FindingKind, _ r: Record) -> Finding
}
