import FlowAnalysis
import PacketDecoding

/// Shared phrasing and lookups for flow-based findings (built only when a finding is made).
enum FlowFacts {
    static func ref(_ f: Flow) -> FlowRef {
        FlowRef(transport: f.isTCP ? "tcp" : (f.key.proto == .udp ? "udp" : "ip-\(f.key.proto.rawValue)"),
                client: Endpoint(ip: f.clientAddress.description, port: Int(f.clientPort)),
                server: Endpoint(ip: f.serverAddress.description, port: Int(f.serverPort)))
    }

    /// A Wireshark display filter that shows exactly this flow.
    static func filter(_ f: Flow) -> String {
        let ip = f.clientAddress.isIPv4 ? "ip.addr" : "ipv6.addr"
        let t = f.isTCP ? "tcp.port" : "udp.port"
        return "\(ip)==\(f.clientAddress) && \(ip)==\(f.serverAddress) && \(t)==\(f.clientPort) && \(t)==\(f.serverPort)"
    }

    /// Which side a per-direction finding is about: the client when it passes the thresholds and
    /// its rate is at least the server's.
    static func clientIsWorse(_ f: Flow, over: (TCPPeer) -> Bool, rate: (TCPPeer) -> Double) -> Bool {
        over(f.client) && rate(f.client) >= rate(f.server)
    }

    static func client(_ f: Flow) -> String { endpoint(f.clientAddress, f.clientPort) }
    static func server(_ f: Flow) -> String { endpoint(f.serverAddress, f.serverPort) }
    static func endpoint(_ a: IPAddress, _ p: UInt16) -> String { a.isIPv4 ? "\(a):\(p)" : "[\(a)]:\(p)" }

    static func seconds(_ ns: Int64) -> String {
        let s = Double(ns) / 1e9
        if s < 1 { return "\(Int((s * 1000).rounded())) ms" }
        return s < 10 ? String(format1: s) + " s" : "\(Int(s.rounded())) s"
    }

    static func ms(_ ns: Int64) -> Double { (Double(ns) / 1e6 * 1000).rounded() / 1000 }

    /// ICMP / ICMPv6 error names as operators know them.
    static func icmpName(v6: Bool, type: UInt8, code: UInt8) -> String {
        if v6 {
            switch (type, code) {
            case (1, 0): return "no route to destination"
            case (1, 1): return "administratively prohibited"
            case (1, 2): return "beyond scope of source address"
            case (1, 3): return "address unreachable"
            case (1, 4): return "port unreachable"
            case (1, 5): return "source address failed ingress/egress policy"
            case (1, 6): return "reject route to destination"
            case (1, _): return "destination unreachable (code \(code))"
            case (2, _): return "packet too big"
            case (3, 0): return "hop limit exceeded in transit"
            case (3, _): return "fragment reassembly time exceeded"
            case (4, _): return "parameter problem (code \(code))"
            default: return "ICMPv6 type \(type) code \(code)"
            }
        }
        switch (type, code) {
        case (3, 0): return "network unreachable"
        case (3, 1): return "host unreachable"
        case (3, 2): return "protocol unreachable"
        case (3, 3): return "port unreachable"
        case (3, 4): return "fragmentation needed"
        case (3, 5): return "source route failed"
        case (3, 6): return "destination network unknown"
        case (3, 7): return "destination host unknown"
        case (3, 9): return "network administratively prohibited"
        case (3, 10): return "host administratively prohibited"
        case (3, 11): return "network unreachable for TOS"
        case (3, 12): return "host unreachable for TOS"
        case (3, 13): return "communication administratively prohibited"
        case (3, 14): return "host precedence violation"
        case (3, 15): return "precedence cutoff in effect"
        case (3, _): return "destination unreachable (code \(code))"
        case (4, _): return "source quench"
        case (5, _): return "redirect"
        case (11, 0): return "TTL exceeded in transit"
        case (11, _): return "fragment reassembly time exceeded"
        case (12, _): return "parameter problem"
        default: return "ICMP type \(type) code \(code)"
        }
    }
}

extension String {
    init(format1 v: Double) {
        let r = (v * 10).rounded() / 10
        self = r == r.rounded() ? "\(Int(r)).0" : "\(r)"
    }
}

/// Calendar dates without Foundation, for reports and findings alike.
public enum CivilDate {
    /// (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
    public static func from(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
