import PacketDecoding

/// Typed evidence of the findings that count over many packets or flows rather than one flow:
/// fragments (ip.fragment*), the capture's own quality (capture.*, decode.malformed), ARP and
/// SYN floods. `json` is each finding's `evidence` object (field names are an interface).

/// IP fragments of one sender to one destination (FragmentDetector).
public enum FragmentEvidence: Sendable, Equatable {
    public struct Datagrams: Sendable, Equatable {
        public var datagrams: Int, completed: Int, incomplete: Int
        public var fragmentSizes: [Int]
        /// "TCP", "UDP", "protocol N".
        public var protocolName: String
        public var sender: String
        public var tcpInFragments: Bool

        var json: [String: EvidenceValue] {
            var ev: [String: EvidenceValue] = [
                "datagrams": .int(Int64(datagrams)), "completed": .int(Int64(completed)),
                "incomplete": .int(Int64(incomplete)), "fragmentSizes": .array(fragmentSizes.map { .int(Int64($0)) }),
                "protocol": .string(protocolName), "sender": .string(sender),
            ]
            if tcpInFragments { ev["tcpInFragments"] = .bool(true) }
            return ev
        }
    }

    case fragmented(Datagrams)
    /// Sets that never completed: what arrived and what was missing, in a few examples.
    case incomplete(Datagrams, examples: [String], forcedOutByCap: Int)
    /// Overlapping fragments: with the same bytes, different bytes, or bytes no longer held;
    /// `afterCompletion` came after the datagram had completed, within the reassembly timeout.
    case overlap(sameBytes: Int, differentBytes: Int, notCompared: Int, sender: String, ipv6: Bool, afterCompletion: Int)
    case anomaly(anomalies: [String], datagrams: Int, sender: String)
    /// The tracker's cap forced open sets out (capture-wide).
    case capReached(datagrams: Int, incomplete: Int, forcedOutByCap: Int, trackerCap: Int, flowsNotListed: Int)

    public var json: [String: EvidenceValue] {
        func i(_ v: Int) -> EvidenceValue { .int(Int64(v)) }
        switch self {
        case .fragmented(let d): return d.json
        case .incomplete(let d, let examples, let evicted):
            var ev = d.json
            ev["examples"] = .array(examples.map { .string($0) })
            if evicted > 0 { ev["forcedOutByCap"] = i(evicted) }
            return ev
        case .overlap(let same, let different, let notCompared, let sender, let v6, let late):
            var ev: [String: EvidenceValue] = ["sameBytes": i(same), "differentBytes": i(different), "notCompared": i(notCompared),
                                               "sender": .string(sender), "ipv6": .bool(v6)]
            if late > 0 { ev["afterCompletion"] = i(late) }
            return ev
        case .anomaly(let names, let datagrams, let sender):
            return ["anomalies": .array(names.map { .string($0) }), "datagrams": i(datagrams), "sender": .string(sender)]
        case .capReached(let datagrams, let incomplete, let evicted, let cap, let notListed):
            return ["datagrams": i(datagrams), "incomplete": i(incomplete), "forcedOutByCap": i(evicted), "trackerCap": i(cap),
                    "flowsNotListed": i(notListed)]
        }
    }
}

/// The capture's own quality: copies, bytes it missed, offload, libpcap drops, undecodable packets.
public enum CaptureEvidence: Sendable, Equatable {
    public struct GapExample: Sendable, Equatable { public var flow: String; public var bytes: Int }
    case duplicates(copies: Int, flows: Int, examples: [String])
    case gap(bytes: Int, flows: Int, gaps: Int, largest: [GapExample])
    case offload(segments: Int, largestPayload: Int, flows: Int, examples: [String])
    case dropped(received: Int, droppedByKernel: Int, droppedByInterface: Int)
    case malformed(total: Int, byReason: [String: Int])

    public var json: [String: EvidenceValue] {
        func i(_ v: Int) -> EvidenceValue { .int(Int64(v)) }
        switch self {
        case .duplicates(let copies, let flows, let examples):
            return ["copies": i(copies), "flows": i(flows), "examples": .array(examples.map { .string($0) })]
        case .gap(let bytes, let flows, let gaps, let largest):
            return ["bytes": i(bytes), "flows": i(flows), "gaps": i(gaps),
                    "largest": .array(largest.map { .object(["flow": .string($0.flow), "bytes": i($0.bytes)]) })]
        case .offload(let segments, let largest, let flows, let examples):
            return ["segments": i(segments), "largestPayload": i(largest), "flows": i(flows), "examples": .array(examples.map { .string($0) })]
        case .dropped(let received, let kernel, let interface):
            return ["received": i(received), "droppedByKernel": i(kernel), "droppedByInterface": i(interface)]
        case .malformed(let total, let byReason):
            return ["total": i(total), "byReason": .object(byReason.mapValues(i))]
        }
    }
}

/// ARP: a question no one answered, or one address claimed by several MACs.
public enum ARPEvidence: Sendable, Equatable {
    case unanswered(target: IPAddress, requester: IPAddress, requests: Int)
    case conflict(address: IPAddress, macs: [String])

    public var json: [String: EvidenceValue] {
        switch self {
        case .unanswered(let target, let requester, let n):
            ["target": .string(target.description), "requester": .string(requester.description), "requests": .int(Int64(n))]
        case .conflict(let address, let macs):
            ["address": .string(address.description), "macs": .array(macs.map { .string($0) })]
        }
    }
}

/// A SYN flood at one service: half-open attempts, from how many sources, how fast.
public struct FloodEvidence: Sendable, Equatable {
    public struct Source: Sendable, Equatable { public var ip: String; public var approxAttempts: Int }
    public var halfOpen: Int
    public var sources: Int
    public var sourcesEstimated: Bool
    public var attemptsPerSecond: Double
    public var topSources: [Source]

    public var json: [String: EvidenceValue] {
        ["halfOpen": .int(Int64(halfOpen)), "sources": .int(Int64(sources)), "sourcesEstimated": .bool(sourcesEstimated),
         "attemptsPerSecond": .double(attemptsPerSecond),
         "topSources": .array(topSources.map { .object(["ip": .string($0.ip), "approxAttempts": .int(Int64($0.approxAttempts))]) })]
    }
}

/// A scan: who probed, what (a host's ports, a port on many hosts, a link's addresses), and what
/// answered.
public struct ScanEvidence: Sendable, Equatable {
    public var scanner: String
    public var target: String
    /// Ports, hosts or addresses probed, and the attempts that took.
    public var probed: Int
    public var probes: Int
    /// Open ports, hosts with the port open, or addresses present.
    public var answered: [String]
    /// Refused (a reset) and silent.
    public var closed: Int
    public var filtered: Int
    /// The probes' own findings folded into this one.
    public var findingsFolded: Int

    public var json: [String: EvidenceValue] {
        ["scanner": .string(scanner), "target": .string(target), "probed": .int(Int64(probed)), "probes": .int(Int64(probes)),
         "answered": .array(answered.prefix(100).map { .string($0) }), "closed": .int(Int64(closed)), "filtered": .int(Int64(filtered)),
         "findingsFolded": .int(Int64(findingsFolded))]
    }
}
