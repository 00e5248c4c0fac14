/// What an ICMP finding (icmp.unreachable, icmp.ttl-exceeded) knows, typed: the message and who
/// sent it, or the packets seen going round a loop. `json` is the finding's `evidence` object.
public struct ICMPEvidence: Sendable, Equatable {
    public var message: Message?
    /// Packets seen again two or more hops below their first sighting.
    public var loopedPackets: Int
    /// The lowest TTL seen on the flow, when the finding is a loop seen without any ICMP.
    public var ttlMin: UInt8?

    public struct Message: Sendable, Equatable {
        public var type: UInt8
        public var code: UInt8
        public var name: String
        public var reporter: String
        public var count: Int
    }

    public var json: [String: EvidenceValue] {
        guard let m = message else {
            return ["loopedPackets": .int(Int64(loopedPackets)), "ttlMin": .int(Int64(ttlMin ?? 0))]
        }
        var ev: [String: EvidenceValue] = ["icmpType": .int(Int64(m.type)), "icmpCode": .int(Int64(m.code)), "icmpName": .string(m.name),
                                           "reporter": .string(m.reporter), "count": .int(Int64(m.count))]
        if loopedPackets > 0 { ev["loopedPackets"] = .int(Int64(loopedPackets)) }
        return ev
    }
}
