/// The kinds the detectors raised on one flow, in their order: at most ten, held inline, so
/// judging a flow allocates nothing until a finding is built.
public struct FlowKinds: Sendable {
    public static let capacity = 10
    var kinds = InlineArray<10, FindingKind?>(repeating: nil)
    public private(set) var count = 0

    public init() {}

    /// Appends `k`; past the capacity the last one is replaced.
    public mutating func append(_ k: FindingKind) {
        if count < Self.capacity { kinds[count] = k; count += 1 } else { kinds[Self.capacity - 1] = k }
    }
    public var isEmpty: Bool { count == 0 }
    public func contains(_ k: FindingKind) -> Bool {
        for i in 0..<count where kinds[i] == k { return true }
        return false
    }
    /// Removes `k` and closes the gap.
    public mutating func remove(_ k: FindingKind) {
        guard contains(k) else { return }
        var rest = FlowKinds()
        forEach { if $0 != k { rest.append($0) } }
        self = rest
    }
    public func forEach(_ body: (FindingKind) -> Void) {
        for i in 0..<count { if let k = kinds[i] { body(k) } }
    }
    public var array: [FindingKind] { (0..<count).compactMap { kinds[$0] } }
}
