import FlowAnalysis
import PacketDecoding

/// How a connection attempt ended, decided once per flow when it is finalised.
public enum HandshakeOutcome: String, Sendable, Codable, CaseIterable {
    case established, unanswered, refused, unreachable, incomplete, clientAborted = "client-aborted"
    case pending, midstream, notTCP = "not-tcp"

    /// A dense number for counters (hashing a raw-value enum hashes its string).
    var ordinal: Int {
        switch self {
        case .established: 0
        case .unanswered: 1
        case .refused: 2
        case .unreachable: 3
        case .incomplete: 4
        case .clientAborted: 5
        case .pending: 6
        case .midstream: 7
        case .notTCP: 8
        }
    }
}

/// The handshake failures of DESIGN.md §3 (tcp.handshake.*), judged at the end of each flow.
public struct HandshakeDetector: FlowDetector {
    public static let raises: [FindingKind] = [.handshakeUnanswered, .handshakeRefused, .handshakeUnreachable, .handshakeIncomplete,
                                               .handshakeSlow, .handshakeInvalid]

    public var thresholds: Thresholds
    public init(thresholds: Thresholds) { self.thresholds = thresholds }

    public func outcome(_ f: Flow, asOf now: Int64) -> HandshakeOutcome {
        guard f.isTCP else { return .notTCP }
        guard f.client.sentSYN else { return .midstream }
        let timeout = Int64(thresholds.synTimeoutSeconds * 1e9)
        if f.handshakeCompleted {
            // The client ACKed, yet the server kept resending its SYN-ACK and never moved on:
            // the ACK was lost after our capture point.
            if synAckRepeatedAfterAck(f) && !serverProgressed(f) { return .incomplete }
            return .established
        }
        if !f.server.syns.isEmpty {
            if let r = f.reset, r.sender == .client { return .incomplete }
            if f.server.syns.count > 1 || now &- f.server.syns.lastTime >= timeout || f.client.packets > f.client.syns.count { return .incomplete }
            return .pending
        }
        if let r = f.reset, r.sender == .server { return .refused }
        if let e = f.icmp, e.aboutClientPacket, isUnreachable(e) { return .unreachable }
        if let r = f.reset, r.sender == .client { return .clientAborted }
        if f.server.packets > 0 { return .established }                 // an odd answer, but an answer
        if f.client.syns.count > 1 || now &- f.client.syns.lastTime >= timeout { return .unanswered }
        return .pending
    }

    func isUnreachable(_ e: ICMPErrorInfo) -> Bool {
        e.v6 ? (e.type == 1 || e.type == 3) : (e.type == 3 || e.type == 11)
    }

    func synAckRepeatedAfterAck(_ f: Flow) -> Bool {
        guard let ack = f.handshakeAck else { return false }
        return f.server.syns.count > 1 && f.server.syns.lastTime > ack.time
    }

    /// The server acknowledged client data or sent data of its own: it left SYN_RECEIVED.
    func serverProgressed(_ f: Flow) -> Bool {
        if f.server.payloadBytes > 0 { return true }
        guard let isn = f.client.isn, let a = f.server.highestAck else { return false }
        return isn + 1 < a
    }

    /// The kinds this flow raises: at most one outcome finding per attempt, plus invalid.
    /// Cheap, so a capped group can be counted without building its findings.
    public func kinds(_ f: Flow, outcome: HandshakeOutcome) -> FlowKinds {
        var out = FlowKinds()
        switch outcome {
        case .unanswered: out.append(.handshakeUnanswered)
        case .refused: out.append(.handshakeRefused)
        case .unreachable: out.append(.handshakeUnreachable)
        case .incomplete: out.append(.handshakeIncomplete)
        case .established where f.handshakeAck != nil && Self.retries(f) > 0: out.append(.handshakeSlow)
        default: break
        }
        if f.synAckBadAck || f.client.isnChanged || f.server.isnChanged || f.synAnsweredByStrayAck { out.append(.handshakeInvalid) }
        return out
    }

    static func retries(_ f: Flow) -> Int { Int(f.client.syns.count) - 1 + max(Int(f.server.syns.count) - 1, 0) }

    public func judge(_ f: Flow, _ j: inout FlowJudgement) {
        j.outcome = outcome(f, asOf: j.now)
        kinds(f, outcome: j.outcome).forEach { j.kinds.append($0) }
    }

    public func finding(_ k: FindingKind, _ f: Flow, _ j: FlowJudgement) -> Finding { finding(k, f) }

    /// Builds the finding of one kind that `kinds` returned for this flow.
    public func finding(_ kind: FindingKind, _ f: Flow) -> Finding {
        let c = FlowFacts.client(f), s = FlowFacts.server(f)
        let synFrames = f.client.syns.keptFrames, ackFrames = f.server.syns.keptFrames
        let first = f.client.syns.isEmpty ? f.firstTime : f.client.syns.firstTime
        let intervals = zip(f.client.syns.keptTimes.dropFirst(), f.client.syns.keptTimes).map { FlowFacts.ms($0 - $1) / 1000 }

        func make(_ sev: Severity, _ summary: String, frames: [UInt64], last: Int64, answer: HandshakeEvidence.Answer) -> Finding {
            let facts = HandshakeEvidence(synCount: f.client.syns.count, retryIntervalsSeconds: intervals, clientMSS: f.client.mss,
                                          answer: answer)
            return Finding(kind: kind, severity: sev, summary: summary, frames: frames, firstTime: first, lastTime: last,
                           facts: .handshake(facts), filter: FlowFacts.filter(f), flow: FlowFacts.ref(f))
        }

        switch kind {
        case .handshakeUnanswered:
            let n = f.client.syns.count
            let span = f.client.syns.lastTime - f.client.syns.firstTime
            let backoff = Self.looksLikeBackoff(f.client.syns.keptTimes)
            return make(.error,
                        "\(c) -> \(s): \(n) SYN\(n == 1 ? "" : "s")\(n > 1 ? " over \(FlowFacts.seconds(span))" : ""), no reply of any kind (no SYN-ACK, RST or ICMP)",
                        frames: synFrames, last: f.client.syns.lastTime, answer: .unanswered(exponentialBackoff: backoff))
        case .handshakeRefused:
            let r = f.reset!
            let n = f.client.syns.count
            let refusal = HandshakeEvidence.Refusal(rstTTL: r.ttl, rstValidity: r.validity, clientMAC: f.client.mac,
                                                    resets: f.server.rstCount, rstAfterMs: FlowFacts.ms(r.time - (f.answeredSYNTime ?? first)))
            return make(.error,
                        "\(s) refused the connection from \(c): the SYN was answered with RST\(r.ack != nil ? "/ACK" : "")\(n > 1 ? " (\(n) attempts, each refused)" : "")",
                        frames: synFrames + [r.frame], last: r.time, answer: .refused(refusal))
        case .handshakeUnreachable:
            let e = f.icmp!
            let name = FlowFacts.icmpName(v6: e.v6, type: e.type, code: e.code)
            let fromServer = e.reporter == f.serverAddress
            return make(.error,
                        "\(c) -> \(s): the SYN was answered by ICMP\(e.v6 ? "v6" : "") \(name) from \(e.reporter)\(fromServer ? " (the server itself)" : "")",
                        frames: synFrames + [e.frame], last: e.time,
                        answer: .unreachable(.init(type: e.type, code: e.code, name: name, reportedBy: e.reporter.description,
                                                   reportedByServer: fromServer, errors: UInt32(f.icmpCount))))
        case .handshakeIncomplete:
            let clientReset = f.reset.map { $0.sender == .client } ?? false
            let acked = f.handshakeCompleted
            let summary: String
            if clientReset { summary = "\(c) reset the connection right after \(s)'s SYN-ACK instead of completing the handshake" }
            else if acked { summary = "\(s) resent its SYN-ACK \(f.server.syns.count - 1) time(s) although \(c) ACKed it: the ACK never reached the server" }
            else { summary = "\(s) answered with SYN-ACK\(f.server.syns.count > 1 ? " \(f.server.syns.count) times" : ""), but \(c) never acknowledged it" }
            var frames = synFrames + ackFrames
            if let a = f.handshakeAck { frames.append(a.frame) }
            if clientReset, let r = f.reset { frames.append(r.frame) }
            return make(.error, summary, frames: frames.sorted(), last: f.lastTime,
                        answer: .incomplete(synAckCount: f.server.syns.count, clientAcked: acked, clientReset: clientReset))
        case .handshakeSlow:
            let retries = Self.retries(f)
            let ack = f.handshakeAck!
            let total = ack.time - first
            let rtt = f.handshakeRTT ?? total
            return make(.warning,
                        "\(c) -> \(s): handshake completed only after \(retries) retransmission\(retries == 1 ? "" : "s"), \(FlowFacts.seconds(max(total - rtt, 0))) late",
                        frames: (synFrames + ackFrames + [ack.frame]).sorted(), last: ack.time,
                        answer: .slow(synAckCount: f.server.syns.count, addedDelaySeconds: FlowFacts.ms(max(total - rtt, 0)) / 1000,
                                      handshakeSeconds: FlowFacts.ms(total) / 1000))
        default:
            var what: [String] = []
            if f.synAnsweredByStrayAck { what.append("the SYN was answered by an ACK for another connection (stale state for this 4-tuple on the server or a middlebox)") }
            if f.synAckBadAck { what.append("the SYN-ACK acknowledges something other than the client's SYN") }
            if f.client.isnChanged { what.append("the client resent its SYN with a different ISN") }
            if f.server.isnChanged { what.append("the server resent its SYN-ACK with a different ISN") }
            return make(.warning, "\(c) -> \(s): " + what.joined(separator: "; "),
                        frames: (synFrames + ackFrames).sorted(), last: f.lastTime,
                        answer: .invalid(synAckBadAck: f.synAckBadAck, clientISNChanged: f.client.isnChanged,
                                         serverISNChanged: f.server.isnChanged, synAnsweredByStrayAck: f.synAnsweredByStrayAck))
        }
    }

    /// SYN retries that roughly double each time (1, 2, 4 s… or Linux's early 1 s steps).
    static func looksLikeBackoff(_ t: [Int64]) -> Bool {
        guard t.count >= 3 else { return false }
        let d = zip(t.dropFirst(), t).map { Double($0 - $1) }
        return zip(d.dropFirst(), d).allSatisfy { $0 >= $1 * 0.9 }
    }
}
