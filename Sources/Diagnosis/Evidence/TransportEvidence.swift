import FlowAnalysis

/// What a transport finding knows, typed (tcp.retransmissions, tcp.out-of-order, tcp.zero-window,
/// tcp.stall). `json` is the finding's `evidence` object (field names are an interface).
public enum TransportEvidence: Sendable, Equatable {
    case retransmissions(Retransmissions)
    case outOfOrder(OutOfOrder)
    case zeroWindow(ZeroWindow)
    case stall(Stall)

    /// Where resends happened relative to the capture point.
    public enum LossLocation: String, Sendable {
        case afterCapturePoint = "after-capture-point", beforeCapturePoint = "before-capture-point", both
    }

    public struct Retransmissions: Sendable, Equatable {
        public var sender: EndpointRole
        public var retransmissions = 0, dataSegments = 0
        public var ratePercent = 0.0
        public var retransmittedBytes = 0, fast = 0, timeout = 0, tailLossProbes = 0, spurious = 0
        public var location = LossLocation.afterCapturePoint
        public var lostBeforeCapturePoint = 0, originalSeenByCapture = 0, maxAttemptsOfOneSegment = 0, reordered = 0
        public var duplicateAcksFromPeer = 0, wiresharkRetransmissions = 0
        /// Only with timeout resends.
        public var longestTimeoutMs: Double?
        // Written only when not zero.
        public var dsackReports = 0, spuriousConfirmedByDSACK = 0, spuriousConfirmedByTimestamps = 0
        public var captureCopiesSetApart = 0, resentAfterPathMTUMessage = 0, synOrFinRetransmissions = 0
        public var capturedAfterTheirAck = 0, bytesMissedByCapture = 0, otherDirectionRetransmissions = 0
    }

    public struct OutOfOrder: Sendable, Equatable {
        public var sender: EndpointRole
        public var outOfOrder: Int, dataSegments: Int
        public var ratePercent: Double
        public var wiresharkOutOfOrder: Int
    }

    public struct ZeroWindow: Sendable, Equatable {
        /// The receiver whose window closed.
        public var closedBy: EndpointRole
        public var advertisements: Int
        public var closedSeconds: Double, longestSeconds: Double
        public var stillClosedAtEnd: Bool
        public var probes: Int
        public var bothDirections: Bool
    }

    public struct Stall: Sendable, Equatable {
        public var sender: EndpointRole
        public var stalledSeconds: Double
        public var cause: StallCause
        public var recovered: Bool
    }

    /// The side whose data is concerned: the sender, or for a zero window the side sending into it.
    public var sender: EndpointRole {
        switch self {
        case .retransmissions(let r): r.sender
        case .outOfOrder(let o): o.sender
        case .zeroWindow(let z): z.closedBy == .client ? .server : .client
        case .stall(let s): s.sender
        }
    }

    public var json: [String: EvidenceValue] {
        func i(_ v: Int) -> EvidenceValue { .int(Int64(v)) }
        switch self {
        case .retransmissions(let r):
            var ev: [String: EvidenceValue] = [
                "sender": .string(r.sender.rawValue),
                "retransmissions": i(r.retransmissions), "dataSegments": i(r.dataSegments),
                "ratePercent": .double(r.ratePercent), "retransmittedBytes": i(r.retransmittedBytes),
                "fast": i(r.fast), "timeout": i(r.timeout), "tailLossProbes": i(r.tailLossProbes),
                "spurious": i(r.spurious), "lossLocation": .string(r.location.rawValue),
                "lostBeforeCapturePoint": i(r.lostBeforeCapturePoint), "originalSeenByCapture": i(r.originalSeenByCapture),
                "maxAttemptsOfOneSegment": i(r.maxAttemptsOfOneSegment), "reordered": i(r.reordered),
                "duplicateAcksFromPeer": i(r.duplicateAcksFromPeer), "wiresharkRetransmissions": i(r.wiresharkRetransmissions),
            ]
            if let t = r.longestTimeoutMs { ev["longestTimeoutMs"] = .double(t) }
            for (k, v) in [("dsackReports", r.dsackReports), ("spuriousConfirmedByDSACK", r.spuriousConfirmedByDSACK),
                           ("spuriousConfirmedByTimestamps", r.spuriousConfirmedByTimestamps),
                           ("captureCopiesSetApart", r.captureCopiesSetApart), ("resentAfterPathMTUMessage", r.resentAfterPathMTUMessage),
                           ("synOrFinRetransmissions", r.synOrFinRetransmissions), ("capturedAfterTheirAck", r.capturedAfterTheirAck),
                           ("bytesMissedByCapture", r.bytesMissedByCapture), ("otherDirectionRetransmissions", r.otherDirectionRetransmissions)]
            where v > 0 { ev[k] = i(v) }
            return ev
        case .outOfOrder(let o):
            return ["sender": .string(o.sender.rawValue), "outOfOrder": i(o.outOfOrder), "dataSegments": i(o.dataSegments),
                    "ratePercent": .double(o.ratePercent), "wiresharkOutOfOrder": i(o.wiresharkOutOfOrder)]
        case .zeroWindow(let z):
            var ev: [String: EvidenceValue] = [
                "closedBy": .string(z.closedBy.rawValue), "zeroWindowAdvertisements": i(z.advertisements),
                "closedSeconds": .double(z.closedSeconds), "longestSeconds": .double(z.longestSeconds),
                "stillClosedAtEnd": .bool(z.stillClosedAtEnd), "zeroWindowProbes": i(z.probes),
            ]
            if z.bothDirections { ev["bothDirections"] = .bool(true) }
            return ev
        case .stall(let s):
            return ["sender": .string(s.sender.rawValue), "stalledSeconds": .double(s.stalledSeconds),
                    "cause": .string(s.cause.name), "recovered": .bool(s.recovered)]
        }
    }
}
