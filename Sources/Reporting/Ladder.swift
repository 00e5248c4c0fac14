/// A ladder (sequence) diagram of one incident's key flow, for the HTML report: the client and the
/// server (and a router or other host that answered) as columns, each packet an arrow with its
/// time, flags, size and what it carried, the failing step marked. Made by a second read of the
/// capture (FlowdoctorCore's `OfflineAnalysis.ladders`), only for the HTML report.
public struct Ladder: Sendable, Equatable {
    public enum Side: Sendable, Equatable { case client, server, other }
    public struct Rung: Sendable, Equatable {
        /// Nanoseconds since the epoch.
        public var time: Int64
        public var frame: UInt64
        public var from: Side
        public var to: Side
        /// "SYN", "RST-ACK", "PSH-ACK 517 B · TLS handshake", "ICMP 3/13"…
        public var label: String
        public var failing: Bool
        public init(time: Int64, frame: UInt64, from: Side, to: Side, label: String, failing: Bool) {
            self.time = time; self.frame = frame; self.from = from; self.to = to; self.label = label; self.failing = failing
        }
    }
    public var client: String
    public var server: String
    /// The router (or any third host) whose packets belong in the picture, e.g. an ICMP error.
    public var other: String?
    public var rungs: [Rung]
    /// Packets of the flow past the ones drawn.
    public var omitted: Int
    public init(client: String, server: String, other: String?, rungs: [Rung], omitted: Int) {
        self.client = client; self.server = server; self.other = other; self.rungs = rungs; self.omitted = omitted
    }
}
