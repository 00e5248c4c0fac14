/// Which finding kinds have a detector today. `explain` lists these; the fixture tests treat
/// expectations of other kinds as known issues until their detector lands.
public enum DetectorCatalog {
    public static let implemented: Set<FindingKind> = [
        .handshakeUnanswered, .handshakeRefused, .handshakeUnreachable, .handshakeIncomplete, .handshakeSlow,
        .handshakeInvalid, .synFlood, .resetAbort, .resetMiddlebox, .resetAfterIdle, .resetAfterClose, .zeroWindow, .retransmissions, .stall, .captureDuplicates, .outOfOrder,
        .captureGap, .captureDropped, .fragNeeded, .fragNeededIgnored, .blackhole, .mssExceeded, .captureOffload,
        .ipFragmented, .fragmentsIncomplete, .fragmentsOverlap, .fragmentsAnomaly,
        .tlsAlert, .tlsAborted, .tlsSlow, .tlsVersionDeprecated, .certificateExpired, .certificateNotYetValid,
        .certificateNameMismatch, .certificateSelfSigned, .certificateChainIncomplete,
        .dnsUnanswered, .dnsError, .dnsSlow, .arpUnanswered, .arpConflict, .icmpUnreachable, .icmpTTLExceeded,
        .decodeMalformed,
    ]
}
