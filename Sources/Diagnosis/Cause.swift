import PacketDecoding

/// Causes: why a finding happened, read from its own evidence (DESIGN.md §4). Each family's
/// rules live beside its detector (`*Causes.swift`); this file holds the shared values and the
/// command helpers they fill in.

public enum Confidence: String, Codable, Sendable, Comparable, CaseIterable {
    case low, medium, high
    public var rank: Int { switch self { case .low: 0; case .medium: 1; case .high: 2 } }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// One command to run, and where.
public struct Check: Codable, Sendable, Equatable {
    /// Where to run it, e.g. "the server (10.99.2.2)", "the client", "router 10.99.1.1".
    public var on: String
    /// Ready to paste: every value filled from the finding, packet text shell-quoted.
    public var run: String
    public init(on: String, run: String) { self.on = on; self.run = run }
    public var text: String { "on \(on): \(run)" }
}

/// One ranked cause of one finding.
public struct Cause: Codable, Sendable, Equatable {
    /// Stable, dotted under the kind: `tls.alert/version-mismatch`.
    public var id: String
    public var text: String
    public var confidence: Confidence
    /// Facts from this capture that raise it, with frame numbers.
    public var because: [String]
    public var checks: [Check]
    /// When another cause stays beside it: what would tell the two apart.
    public var tellApart: String?

    public init(_ id: String, _ text: String, _ confidence: Confidence, because: [String], checks: [Check] = [],
                tellApart: String? = nil) {
        self.id = id; self.text = text; self.confidence = confidence; self.because = because
        self.checks = checks; self.tellApart = tellApart
    }
}

/// What `explain` prints of one cause rule: what raises it, what rules it out.
public struct CauseInfo: Sendable {
    public let id: String
    public let title: String
    public let raisedBy: String
    public let ruledOutBy: String
    public init(_ id: String, _ title: String, raisedBy: String, ruledOutBy: String) {
        self.id = id; self.title = title; self.raisedBy = raisedBy; self.ruledOutBy = ruledOutBy
    }
}

extension Array where Element == Cause {
    /// Highest confidence first; rules list causes in their own order within a confidence.
    func ranked() -> [Cause] {
        enumerated().sorted { ($0.element.confidence, $1.offset) > ($1.element.confidence, $0.offset) }.map(\.element)
    }
}

/// Shell text: arguments that came from packets or addresses, quoted for a POSIX shell.
public enum Shell {
    /// Leaves plain words alone; anything else goes in single quotes.
    public static func quote(_ s: String) -> String {
        let plain = !s.isEmpty && s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || c == 0x2e || c == 0x2d || c == 0x5f || c == 0x3a || c == 0x2f || c == 0x40 || c == 0x2b || c == 0x2c || c == 0x3d
        }
        if plain { return s }
        var out = "'"
        for ch in s.unicodeScalars {
            if ch == "'" { out += "'\\''" }
            else if ch.value < 0x20 || ch.value == 0x7f { out += "?" }   // no control bytes in a command
            else { out.unicodeScalars.append(ch) }
        }
        return out + "'"
    }

    /// host:port with IPv6 in brackets (openssl, curl, ncat).
    public static func hostPort(_ ip: String, _ port: Int) -> String { ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
}

/// The finding's endpoints as places to run commands, and the commands network engineers use,
/// filled in. Unknown values are named in words, never left as placeholders.
struct Places {
    var client: String
    var server: String
    var clientPort: Int?
    var serverPort: Int?
    var transport: String

    init(client: String, server: String, clientPort: Int?, serverPort: Int?, transport: String = "tcp") {
        self.client = client; self.server = server; self.clientPort = clientPort; self.serverPort = serverPort
        self.transport = transport
    }

    init?(_ r: FlowRef?) {
        guard let r else { return nil }
        self.init(client: r.client?.ip ?? "the client", server: r.server.ip, clientPort: r.client?.port,
                  serverPort: r.server.port, transport: r.transport)
    }

    var onClient: String { "the client (\(client))" }
    var onServer: String { "the server (\(server))" }
    var v6: Bool { server.contains(":") }
    var port: String { serverPort.map(String.init) ?? "<the service's port>" }
    var hostPort: String { serverPort.map { Shell.hostPort(server, $0) } ?? "\(server):<the service's port>" }

    func listening() -> Check {
        Check(on: onServer, run: "ss -lnp\(transport == "udp" ? "u" : "t") 'sport = :\(port)'")
    }
    func connectTest() -> Check {
        Check(on: onClient, run: "nc -vz\(transport == "udp" ? "u" : "") -w 3 \(server) \(port)")
    }
    func routeTo(_ dest: String, from: String) -> Check { Check(on: from, run: "ip route get \(dest)") }
    func traceroute(from: String? = nil) -> Check {
        Check(on: from ?? onClient, run: "traceroute -n\(transport == "tcp" ? " -T" : (transport == "udp" ? " -U" : "")) -p \(port) \(server)")
    }
    func captureSYN(on: String? = nil) -> Check {
        let host = v6 ? "ip6 host" : "host"
        return Check(on: on ?? onServer, run: "tcpdump -ni any '\(host) \(client) and \(transport) port \(port)'")
    }
    func firewall(on: String) -> Check { Check(on: on, run: "nft list ruleset | grep -n -i -E 'drop|reject'") }
    func tlsProbe(sni: String?, extra: String = "") -> Check {
        let name = sni.map { " -servername \(Shell.quote($0))" } ?? ""
        return Check(on: onClient, run: "openssl s_client -connect \(hostPort)\(name)\(extra) </dev/null")
    }
}
