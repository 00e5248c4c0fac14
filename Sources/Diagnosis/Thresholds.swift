/// Every threshold a detector uses: named, printed in the report, overridable.
public struct Thresholds: Sendable, Codable, Equatable {
    /// A SYN unanswered this long (or retried) is unanswered; a SYN-ACK unACKed this long is incomplete.
    public var synTimeoutSeconds = 3.0
    /// A RST after this much idle time is reset.after-idle (NAT / firewall / load-balancer timeouts).
    public var idleResetSeconds = 300.0
    /// A server with this many half-open attempts from at least `synFloodMinSources` sources is flooded.
    public var synFloodMinHalfOpen = 100
    public var synFloodMinSources = 20
    /// A receive window closed this long in all, or this many times, is tcp.zero-window.
    public var zeroWindowMinSeconds = 0.5
    public var zeroWindowMinAdvertisements = 10
    /// Data retransmissions (flowdoctor's classification) from one side that make tcp.retransmissions:
    /// at least this many, and at least this share of that side's data segments.
    public var retransmissionMinCount = 3
    public var retransmissionMinRate = 0.01
    /// Out-of-order data segments from one side that make tcp.out-of-order.
    public var outOfOrderMinCount = 3
    public var outOfOrderMinRate = 0.01
    /// Data outstanding this long without acknowledged progress is tcp.stall.
    public var stallSeconds = 2.0
    /// A ServerHello this long after the ClientHello is tls.handshake.slow.
    public var tlsSlowSeconds = 1.0
    /// A DNS answer this long after the first query is dns.slow.
    public var dnsSlowSeconds = 1.0
    /// Detailed findings kept per (kind, server address); the rest are counted.
    public var maxFindingsPerGroup = 20
    /// Flows listed in the report (the first ones); the rest are counted in limits.
    public var maxReportedFlows = 5_000
    /// Scans: distinct ports of one host (scan.ports), hosts on one port (scan.hosts) or addresses
    /// asked for over ARP, most unanswered (scan.arp), probed by one source with no data.
    public var scanMinPorts = 16
    public var scanMinHosts = 16
    public var arpSweepMinTargets = 16
    public init() {}
}
