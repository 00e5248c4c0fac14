/// Typed evidence (Evidence/): one value type per finding family, built by the detector. The cause
/// rules read it, so they are checked by the compiler; the report prints `Finding.evidence`, which
/// each type makes (`json`) under the field names the JSON has always had.
public enum FindingFacts: Sendable, Equatable {
    case reset(ResetEvidence)
    case handshake(HandshakeEvidence)
    case dns(DNSEvidence)
    case icmp(ICMPEvidence)
    case tls(TLSEvidence)
    case transport(TransportEvidence)
    case mtu(MTUEvidence)
    case fragments(FragmentEvidence)
    case capture(CaptureEvidence)
    case arp(ARPEvidence)
    case flood(FloodEvidence)
    case scan(ScanEvidence)

    /// The finding's `evidence` object.
    public var json: [String: EvidenceValue] {
        switch self {
        case .reset(let e): e.json
        case .handshake(let e): e.json
        case .dns(let e): e.json
        case .icmp(let e): e.json
        case .tls(let e): e.json
        case .transport(let e): e.json
        case .mtu(let e): e.json
        case .fragments(let e): e.json
        case .capture(let e): e.json
        case .arp(let e): e.json
        case .flood(let e): e.json
        case .scan(let e): e.json
        }
    }
}
