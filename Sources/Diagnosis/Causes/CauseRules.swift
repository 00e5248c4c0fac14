import FlowAnalysis
import PacketDecoding

/// The cause rules' dispatch: each family's rules sit in their own file beside this one and are
/// called once per finding (never per packet), with the flow or record the finding is about.
/// `CauseCatalog` lists every cause id each kind can raise, for `explain` and the tests.
struct RuleInput {
    var finding: Finding
    var flow: Flow?
    var vantage: FlowVantage?
    var places: Places?

    init(_ finding: Finding, flow: Flow? = nil) {
        self.finding = finding
        self.flow = flow
        vantage = flow.map(FlowVantage.init)
        places = Places(finding.flow)
    }

    var kind: FindingKind { finding.kind }
    func cause(_ slug: String, _ text: String, _ c: Confidence, because: [String], checks: [Check] = [],
               tellApart: String? = nil) -> Cause {
        Cause("\(kind.rawValue)/\(slug)", text, c, because: because, checks: checks, tellApart: tellApart)
    }
    /// "frame 12" / "frames 3, 5 and 9".
    static func frames(_ xs: [UInt64]) -> String {
        let v = xs.filter { $0 != 0 }.prefix(6).map(String.init)
        if v.isEmpty { return "" }
        if v.count == 1 { return "frame \(v[0])" }
        return "frames " + v.dropLast().joined(separator: ", ") + " and " + v.last!
    }
    var frames: String { Self.frames(finding.frames) }
    /// Seconds from evidence, as people read them ("1.0 s", "4.1 s", "350 ms").
    static func seconds(_ s: Double) -> String { FlowFacts.seconds(Int64((s * 1e9).rounded())) }
}

public enum CauseRules {
    /// The ranked causes of one finding. `flow` is the flow it is about, when it has one.
    static func causes(_ finding: Finding, flow: Flow? = nil) -> [Cause] {
        let x = RuleInput(finding, flow: flow)
        let out: [Cause]
        switch finding.kind {
        case .handshakeUnanswered, .handshakeRefused, .handshakeUnreachable, .handshakeIncomplete, .handshakeSlow,
             .handshakeInvalid, .synFlood:
            out = HandshakeCauses.causes(x)
        case .resetAbort, .resetMiddlebox, .resetAfterIdle, .resetAfterClose:
            out = ResetCauses.causes(x)
        case .tlsAlert, .tlsAborted, .tlsSlow, .tlsVersionDeprecated, .certificateExpired, .certificateNotYetValid,
             .certificateNameMismatch, .certificateSelfSigned, .certificateChainIncomplete:
            out = TLSCauses.causes(x)
        case .icmpUnreachable, .icmpTTLExceeded:
            out = ICMPCauses.causes(x)
        case .dnsUnanswered, .dnsError, .dnsSlow, .arpUnanswered, .arpConflict:
            out = NameCauses.causes(x)
        case .retransmissions, .stall, .zeroWindow, .outOfOrder:
            out = TransportCauses.causes(x)
        case .fragNeeded, .fragNeededIgnored, .blackhole, .mssExceeded, .ipFragmented, .fragmentsIncomplete,
             .fragmentsOverlap, .fragmentsAnomaly:
            out = MTUCauses.causes(x)
        case .portScan, .hostSweep, .arpSweep:
            out = ScanCauses.causes(x)
        case .captureGap, .captureDuplicates, .captureDropped, .captureTruncated, .captureOffload, .decodeMalformed:
            out = CaptureCauses.causes(x)
        }
        return out.ranked()
    }

    /// Fills a finding's causes and vantage from its flow.
    public static func diagnose(_ finding: inout Finding, flow: Flow? = nil) {
        if let flow { finding.vantage = FlowVantage(flow).point.rawValue }
        finding.causes = causes(finding, flow: flow)
    }
}

/// Every cause id, per kind, with what raises it and what rules it out (`flowdoctor explain`).
public enum CauseCatalog {
    public static func causes(of kind: FindingKind) -> [CauseInfo] {
        let all = HandshakeCauses.catalog + ResetCauses.catalog + TLSCauses.catalog + ICMPCauses.catalog + NameCauses.catalog
            + TransportCauses.catalog + MTUCauses.catalog + CaptureCauses.catalog + ScanCauses.catalog
        let prefix = kind.rawValue + "/"
        return all.filter { $0.id.hasPrefix(prefix) }
    }
}
