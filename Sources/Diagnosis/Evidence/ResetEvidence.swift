import FlowAnalysis
import PacketDecoding

/// What a reset finding knows, typed: the cause rules read these fields, and `json` is the
/// finding's `evidence` object in the report (field names are an interface).
public struct ResetEvidence: Sendable, Equatable {
    public var sender: EndpointRole
    public var phase: ResetPhase
    public var validity: ResetValidity
    public var idleBeforeSeconds: Double
    public var clientBytesBefore: UInt64
    public var serverBytesBefore: UInt64
    public var unackedBytes: Int64
    public var rstTTL: UInt8
    public var resets: UInt32
    /// The sender's other packets' TTL range, when it sent any.
    public var senderTTLRange: (min: UInt8, max: UInt8)?
    public var rstIPID: UInt16?
    public var rstSourceMAC: MACAddress?
    public var senderMAC: MACAddress?
    public var rstPayloadBytes: Int
    /// Why the RST looks forged ("ttl", "source-mac", "out-of-window"); empty when it does not.
    public var forgery: [String]
    /// The sender's last IP ID and whether the RST continues its sequence, when the sender counts up.
    public var senderLastIPID: UInt16?
    public var rstIPIDInSequence: Bool?
    /// How long the peer's receive window had been shut when the RST came, and since which frame.
    public var peerWindowClosedSeconds: Double?
    public var peerWindowClosedFrame: UInt64?

    public static func == (a: Self, b: Self) -> Bool { a.json == b.json }

    init(_ f: Flow, _ r: ResetInfo, _ x: ResetDetector.Forgery) {
        let p = r.sender == .client ? f.client : f.server
        sender = r.sender; phase = r.phase; validity = r.validity
        idleBeforeSeconds = FlowFacts.ms(r.idleBefore) / 1000
        clientBytesBefore = r.clientBytesBefore; serverBytesBefore = r.serverBytesBefore
        unackedBytes = r.unackedBytes; rstTTL = r.ttl; resets = f.client.rstCount + f.server.rstCount
        senderTTLRange = p.ttlPackets > 0 ? (p.ttlMin, p.ttlMax) : nil
        rstIPID = r.ipID; rstSourceMAC = r.mac; senderMAC = p.mac; rstPayloadBytes = r.payloadLength
        forgery = x.any ? x.reasons : []
        let peer = r.sender == .client ? f.server : f.client
        if peer.zeroWindowClosedSince != 0, peer.zeroWindowClosedSince <= r.time {
            peerWindowClosedSeconds = FlowFacts.ms(r.time &- peer.zeroWindowClosedSince) / 1000
            peerWindowClosedFrame = peer.zeroWindowFirstFrame
        }
        if let id = r.ipID, p.ipIDSequentialSteps >= 3, p.ipIDOtherSteps == 0 {
            senderLastIPID = p.ipIDLast
            rstIPIDInSequence = !x.ipIDMismatch && id != 0
        }
    }

    public var json: [String: EvidenceValue] {
        var ev: [String: EvidenceValue] = [
            "sender": .string(sender.rawValue), "phase": .string(phase.rawValue), "validity": .string(validity.rawValue),
            "idleBeforeSeconds": .double(idleBeforeSeconds),
            "clientBytesBefore": .int(Int64(clientBytesBefore)), "serverBytesBefore": .int(Int64(serverBytesBefore)),
            "unackedBytes": .int(unackedBytes), "rstTTL": .int(Int64(rstTTL)), "resets": .int(Int64(resets)),
        ]
        if let t = senderTTLRange { ev["senderTTLRange"] = .array([.int(Int64(t.min)), .int(Int64(t.max))]) }
        if let id = rstIPID { ev["rstIPID"] = .int(Int64(id)) }
        if let m = rstSourceMAC { ev["rstSourceMAC"] = .string(m.description) }
        if let m = senderMAC { ev["senderMAC"] = .string(m.description) }
        if rstPayloadBytes > 0 { ev["rstPayloadBytes"] = .int(Int64(rstPayloadBytes)) }
        if !forgery.isEmpty { ev["forgeryEvidence"] = .array(forgery.map { .string($0) }) }
        if let shut = peerWindowClosedSeconds { ev["peerWindowClosedSeconds"] = .double(shut) }
        if let last = senderLastIPID, let inSeq = rstIPIDInSequence {
            ev["senderLastIPID"] = .int(Int64(last))
            ev["rstIPIDInSequence"] = .bool(inSeq)
        }
        return ev
    }
}
