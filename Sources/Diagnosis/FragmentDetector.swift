import FlowAnalysis
import PacketDecoding

/// IP fragmentation per flow (detection-rules.md §9.4): which flows fragment and at what sizes,
/// sets that never completed, overlaps and abnormal fragments. Fed one record per datagram by
/// the fragment tracker; bounded in the flows it keeps apart.
public struct FragmentDetector: Detector {
    public static let raises: [FindingKind] = [.ipFragmented, .fragmentsIncomplete, .fragmentsOverlap, .fragmentsAnomaly]
    /// The flow a fragmented datagram belongs to, from its sender's point of view.
    struct FlowKey: Hashable, Sendable {
        var source: IPAddress, destination: IPAddress
        var proto: IPProtocol
        var sourcePort: UInt16?, destinationPort: UInt16?
    }

    struct Stats: Sendable {
        var datagrams = 0, completed = 0, incomplete = 0, evicted = 0
        var sizes: [Int] = []
        var overlapSame = 0, overlapDifferent = 0, overlapNotCompared = 0
        /// Of those with different bytes: fragments that came after their datagram had completed.
        var lateOverlaps = 0
        var anomalies = FragmentedDatagram.Anomalies()
        var anomalyDatagrams = 0
        var firstTime: Int64 = .max, lastTime: Int64 = .min
        var firstFrame: UInt64 = .max
        var frames: [UInt64] = []
        var missingExamples: [String] = []
        var incompleteFrames: [UInt64] = []
        var overlapFrames: [UInt64] = []
        var anomalyFrames: [UInt64] = []
    }

    /// Flows kept apart; past this, datagrams are only counted (a fragment flood has no end of
    /// distinct flows).
    static let maxFlows = 4096
    var flows: [FlowKey: Stats] = [:]
    var order: [FlowKey] = []
    public private(set) var flowsOverCap = 0
    public private(set) var datagrams = 0
    public private(set) var incomplete = 0
    public private(set) var evicted = 0
    var evictedFirst: Int64 = .max, evictedLast: Int64 = .min

    public init() {}

    public mutating func add(_ d: FragmentedDatagram) {
        if d.outcome == .lateFragment { lateFragment(d); return }
        datagrams += 1
        if !d.completed { incomplete += 1 }
        if d.outcome == .evicted {
            evicted += 1
            evictedFirst = min(evictedFirst, d.firstTime); evictedLast = max(evictedLast, d.lastTime)
        }
        let k = FlowKey(source: d.key.source, destination: d.key.destination, proto: d.key.proto,
                        sourcePort: d.sourcePort, destinationPort: d.destinationPort)
        if flows[k] == nil {
            guard flows.count < Self.maxFlows else { flowsOverCap += 1; return }
            flows[k] = Stats()
            order.append(k)
        }
        var s = flows[k]!
        s.datagrams += 1
        s.firstTime = min(s.firstTime, d.firstTime); s.lastTime = max(s.lastTime, d.lastTime)
        s.firstFrame = min(s.firstFrame, d.firstFrame)
        if s.frames.count < 10 { s.frames.append(d.firstFrame) }
        for size in d.firstSizes where !s.sizes.contains(size) && s.sizes.count < 8 { s.sizes.append(size) }
        if d.completed {
            s.completed += 1
        } else {
            s.incomplete += 1
            if d.outcome == .evicted { s.evicted += 1 }
            if s.incompleteFrames.count < 10 { s.incompleteFrames.append(d.firstFrame) }
            if s.missingExamples.count < 3 {
                var missing = d.missing.map { "\($0.lowerBound)-\($0.upperBound - 1)" }
                if let from = d.missingFrom { missing.append("\(from)-end") }
                let arrived = d.arrived.map { "\($0.lowerBound)-\($0.upperBound - 1)" }
                s.missingExamples.append("frame \(d.firstFrame): arrived \(arrived.joined(separator: ",")); missing \(missing.joined(separator: ","))")
            }
        }
        if d.overlap.contains(.differentBytes) { s.overlapDifferent += 1 } else if d.overlap.contains(.sameBytes) { s.overlapSame += 1 }
        else if d.overlap.contains(.notCompared) { s.overlapNotCompared += 1 }
        if !d.overlap.isEmpty, s.overlapFrames.count < 10 { s.overlapFrames.append(d.firstFrame) }
        if !d.anomalies.isEmpty {
            s.anomalies.formUnion(d.anomalies)
            s.anomalyDatagrams += 1
            if s.anomalyFrames.count < 10 { s.anomalyFrames.append(d.firstFrame) }
        }
        flows[k] = s
    }

    /// A fragment after its datagram completed, overlapping it: only the overlap counts (the
    /// datagram was counted when it completed).
    mutating func lateFragment(_ d: FragmentedDatagram) {
        let k = FlowKey(source: d.key.source, destination: d.key.destination, proto: d.key.proto,
                        sourcePort: d.sourcePort, destinationPort: d.destinationPort)
        guard var s = flows[k] else { return }
        if d.overlap.contains(.differentBytes) { s.overlapDifferent += 1; s.lateOverlaps += 1 }
        else if d.overlap.contains(.sameBytes) { s.overlapSame += 1 }
        else if d.overlap.contains(.notCompared) { s.overlapNotCompared += 1 }
        if s.overlapFrames.count < 10 { s.overlapFrames.append(d.firstFrame) }
        s.lastTime = max(s.lastTime, d.lastTime)
        flows[k] = s
    }

    static func anomalyNames(_ a: FragmentedDatagram.Anomalies) -> [String] {
        var out: [String] = []
        if a.contains(.tiny) { out.append("tiny") }
        if a.contains(.tooLarge) { out.append("beyond-65535") }
        if a.contains(.dontFragmentSet) { out.append("df-on-fragment") }
        if a.contains(.badIPv6Length) { out.append("ipv6-length-not-multiple-of-8") }
        if a.contains(.tooManyFragments) { out.append("too-many-fragments") }
        if a.contains(.conflictingEnd) { out.append("conflicting-end") }
        return out
    }

    /// The flow as a report names it: the side with the well-known port is the server.
    static func ref(_ k: FlowKey) -> (ref: FlowRef, filter: String) {
        let senderIsServer = (k.sourcePort ?? .max) < 1024 && (k.destinationPort ?? 0) >= 1024
        let transport = k.proto == .tcp ? "tcp" : (k.proto == .udp ? "udp" : "ip-\(k.proto.rawValue)")
        let a = Endpoint(ip: k.source.description, port: k.sourcePort.map(Int.init))
        let b = Endpoint(ip: k.destination.description, port: k.destinationPort.map(Int.init))
        let ip = k.source.isIPv4 ? "ip" : "ipv6"
        let filter = "\(ip).src==\(k.source) && \(ip).dst==\(k.destination) && (\(k.source.isIPv4 ? "ip.flags.mf==1 || ip.frag_offset>0" : "ipv6.fraghdr"))"
        return (FlowRef(transport: transport, client: senderIsServer ? b : a, server: senderIsServer ? a : b), filter)
    }

    static func endpoint(_ a: IPAddress, _ port: UInt16?) -> String {
        guard let port else { return a.description }
        return FlowFacts.endpoint(a, port)
    }

    /// One finding per flow and kind, then a capture-wide one when the tracker's cap forced
    /// incomplete sets out (a flood, or loss on a massive scale).
    public func findings(maxSets: Int, cap: Int) -> (findings: [Finding], suppressed: [FindingKind: Int]) {
        var out: [Finding] = []
        // In the order the flows' first fragments came: the same however the capture was sharded.
        for k in order.sorted(by: { flows[$0]!.firstFrame < flows[$1]!.firstFrame }) {
            guard let s = flows[k] else { continue }
            let (ref, filter) = Self.ref(k)
            let from = Self.endpoint(k.source, k.sourcePort), to = Self.endpoint(k.destination, k.destinationPort)
            let proto = k.proto == .tcp ? "TCP" : (k.proto == .udp ? "UDP" : "protocol \(k.proto.rawValue)")
            let d = FragmentEvidence.Datagrams(datagrams: Int(s.datagrams), completed: Int(s.completed), incomplete: Int(s.incomplete),
                                               fragmentSizes: s.sizes, protocolName: proto, sender: from, tcpInFragments: k.proto == .tcp)
            var summary = "\(s.datagrams) \(proto) datagram\(s.datagrams == 1 ? "" : "s") from \(from) to \(to) arrived in IP fragments (fragment sizes \(s.sizes.map(String.init).joined(separator: ", ")))"
            if k.proto == .tcp {
                summary += ": TCP should never need fragmentation; path MTU discovery is off or a tunnel fragments"
            }
            let facts = FindingFacts.fragments(.fragmented(d))
            out.append(Finding(kind: .ipFragmented, severity: k.proto == .tcp ? .warning : .info, summary: summary,
                               frames: s.frames, firstTime: s.firstTime, lastTime: s.lastTime, facts: facts,
                               filter: filter, flow: ref))
            if s.incomplete > 0 {
                let facts = FindingFacts.fragments(.incomplete(d, examples: s.missingExamples, forcedOutByCap: Int(s.evicted)))
                out.append(Finding(
                    kind: .fragmentsIncomplete, severity: .warning,
                    summary: "\(s.incomplete) of \(s.datagrams) fragmented \(proto) datagram\(s.datagrams == 1 ? "" : "s") from \(from) to \(to) never completed: a fragment was lost, so the receiver dropped the whole datagram",
                    frames: s.incompleteFrames, firstTime: s.firstTime, lastTime: s.lastTime, facts: facts,
                    filter: filter, flow: ref))
            }
            if s.overlapSame + s.overlapDifferent + s.overlapNotCompared > 0 {
                let different = s.overlapDifferent > 0
                var summary = "\(s.overlapSame + s.overlapDifferent + s.overlapNotCompared) fragmented datagram\(s.datagrams == 1 ? "" : "s") from \(from) to \(to) had overlapping fragments"
                summary += different ? ", \(s.overlapDifferent) with different bytes in the overlap: the receiver's reassembly policy decides which wins (IDS evasion, or a broken sender)"
                    : (s.overlapSame > 0 ? ", with the same bytes (duplicated fragments)" : " (the earlier bytes were no longer held to compare)")
                if s.lateOverlaps > 0 {
                    summary += "; \(s.lateOverlaps) of them after the datagram had completed, within the reassembly timeout"
                }
                let facts = FindingFacts.fragments(.overlap(sameBytes: Int(s.overlapSame), differentBytes: Int(s.overlapDifferent),
                                                            notCompared: Int(s.overlapNotCompared), sender: from, ipv6: !k.source.isIPv4,
                                                            afterCompletion: Int(s.lateOverlaps)))
                out.append(Finding(
                    kind: .fragmentsOverlap, severity: different ? .error : .warning, summary: summary,
                    frames: s.overlapFrames, firstTime: s.firstTime, lastTime: s.lastTime,
                    facts: facts, filter: filter, flow: ref))
            }
            if s.anomalyDatagrams > 0 {
                let names = Self.anomalyNames(s.anomalies)
                let facts = FindingFacts.fragments(.anomaly(anomalies: names, datagrams: Int(s.anomalyDatagrams), sender: from))
                out.append(Finding(
                    kind: .fragmentsAnomaly, severity: .warning,
                    summary: "\(s.anomalyDatagrams) fragmented datagram\(s.anomalyDatagrams == 1 ? "" : "s") from \(from) to \(to) had fragments no normal stack sends: \(names.joined(separator: ", "))",
                    frames: s.anomalyFrames, firstTime: s.firstTime, lastTime: s.lastTime,
                    facts: facts,
                    filter: filter, flow: ref))
            }
        }
        // The same cap as other per-flow findings: per kind and server address.
        var perGroup: [String: Int] = [:]
        var suppressed: [FindingKind: Int] = [:]
        out = out.filter { f in
            let g = "\(f.kind.rawValue) \(f.flow?.server.ip ?? "")"
            perGroup[g, default: 0] += 1
            if perGroup[g]! > cap { suppressed[f.kind, default: 0] += 1; return false }
            return true
        }
        if evicted > 0 || flowsOverCap > 0 {
            let facts = FindingFacts.fragments(.capReached(datagrams: Int(datagrams), incomplete: Int(incomplete), forcedOutByCap: Int(evicted),
                                                          trackerCap: maxSets, flowsNotListed: Int(flowsOverCap)))
            out.append(Finding(
                kind: .fragmentsIncomplete, severity: .error,
                summary: "\(incomplete) of \(datagrams) fragmented datagrams never completed; \(evicted) sets were still open when the tracker's cap of \(maxSets) forced them out: a fragment flood, or fragments lost on a massive scale",
                frames: [], firstTime: evictedFirst == .max ? 0 : evictedFirst, lastTime: evictedLast == .min ? 0 : evictedLast,
                facts: facts,
                filter: "ip.flags.mf==1 || ip.frag_offset>0 || ipv6.fraghdr", flow: nil))
        }
        return (out, suppressed)
    }
}
