/// Typed evidence (Evidence/): one value type per finding family, built by the detector. The cause
/// rules read it, so they are checked by the compiler; the report prints `Finding.evidence`, which
/// each type makes (`json`) under the field names the JSON has always had. Families not yet moved
/// here keep building `evidence` directly.
public enum FindingFacts: Sendable, Equatable {
    case reset(ResetEvidence)
    case handshake(HandshakeEvidence)
    case dns(DNSEvidence)
    case icmp(ICMPEvidence)
    case tls(TLSEvidence)
}
