import FlowAnalysis
import PacketDecoding

/// ARP (DESIGN.md §3 arp.*): a host asked for on the link that never answered, and one address
/// claimed by several MACs.
public struct ARPDetector: RecordDetector {
    public static let raises: [FindingKind] = [.arpUnanswered, .arpConflict]
    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    /// ARP: asked and never answered; or one address claimed by several MACs.
    public func kinds(_ r: ARPRecord) -> [FindingKind] {
        var out: [FindingKind] = []
        if r.requests > 0 && r.replies == 0 && (r.requests >= 2 || r.lastTime == r.firstTime) { out.append(.arpUnanswered) }
        if r.macs.count > 1 { out.append(.arpConflict) }
        return out
    }

    public func finding(_ k: FindingKind, _ r: ARPRecord) -> Finding {
        if k == .arpConflict {
            let macs = r.macs.map(\.description)
            let facts = FindingFacts.arp(.conflict(address: r.target, macs: macs))
            return Finding(kind: k, severity: .error,
                           summary: "\(r.target) is claimed by \(macs.count) MAC addresses (\(macs.joined(separator: ", "))): an address conflict, or a proxy answering for it",
                           frames: r.firstFrame == 0 ? [] : [r.firstFrame], firstTime: r.firstTime, lastTime: r.lastTime,
                           facts: facts,
                           filter: "arp.src.proto_ipv4==\(r.target)", flow: nil)
        }
        let span = FlowFacts.seconds(r.lastTime &- r.firstTime)
        let facts = FindingFacts.arp(.unanswered(target: r.target, requester: r.requester, requests: Int(r.requests)))
        return Finding(kind: k, severity: .error,
                       summary: "\(r.requester) asked who has \(r.target) \(r.requests) time\(r.requests == 1 ? "" : "s")\(r.requests > 1 ? " over \(span)" : "") and no one answered: the host is down, or not on this link (VLAN, subnet)",
                       frames: [r.firstFrame], firstTime: r.firstTime, lastTime: r.lastTime,
                       facts: facts,
                       filter: "arp.dst.proto_ipv4==\(r.target)", flow: nil)
    }
}
