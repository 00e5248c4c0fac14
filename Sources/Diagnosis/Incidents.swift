import PacketDecoding

/// Incidents: the findings grouped by root cause, each with what it explains (DESIGN.md §4). Built
/// once from the final findings, never per packet. Links need evidence — the same flow, the same
/// client and name, the same server and port, the same reporting router — never time alone:
/// - a chain on one flow: a black hole or a zero window, then the stall, resends or reset it caused;
/// - a DNS failure, then the same client's connect or TLS failure for that name (`precededByDNS`);
/// - a SYN flood, then genuine clients unanswered or refused at the same server and port;
/// - a certificate problem, then TLS alerts and aborted handshakes at the same server and port;
/// - a resolver answering SERVFAIL while its own questions upstream go unanswered;
/// - one place, one cause: failures at one server and port (or ICMP from one router) with the
///   same first cause, however many clients and flows;
/// - one client failing everywhere while other clients' connections work: the client's side.
public struct Incident: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var severity: Severity
    public var rootCause: RootCause
    /// link, dns, network, transport, tls, application, capture: where an engineer looks.
    public var layer: String
    /// The server and port, router, client or link the incident sits at.
    public var place: String
    public var affected: Affected
    public var firstTime: Int64
    public var lastTime: Int64
    /// The steps in causal order, the root first: findings, after any fact that led to them.
    public var chain: [Step]
    public var firstCheck: String?
    public var findings: [String]

    public struct RootCause: Codable, Sendable, Equatable {
        public var id: String
        public var text: String
        public var confidence: Confidence
    }
    public struct Affected: Codable, Sendable, Equatable {
        public var clients: Int
        public var servers: Int
        public var flows: Int
    }
    /// A finding (`finding`, `kind`), or a fact that is no finding of its own (`fact`, `frames`):
    /// the DNS answer that sent a client to a server.
    public struct Step: Codable, Sendable, Equatable {
        public var finding: String?
        public var kind: FindingKind?
        public var fact: String?
        public var summary: String
        public var frames: [UInt64]?

        public init(finding: String, kind: FindingKind, summary: String) {
            self.finding = finding; self.kind = kind; self.summary = summary
        }
        public init(fact: String, summary: String, frames: [UInt64]) {
            self.fact = fact; self.summary = summary; self.frames = frames
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, title, severity, rootCause, layer, place = "where", affected, firstTime, lastTime, chain, firstCheck, findings
    }
}

public enum Incidents {
    /// Numbers the findings (`f1`…, in the order given), groups them into incidents, most impact
    /// first, and sets each finding's `incident`.
    public static func build(_ findings: inout [Finding], flows: [FlowEntry] = []) -> [Incident] {
        for i in findings.indices { findings[i].id = "f\(i + 1)" }
        var groups = Groups(count: findings.count)
        linkSameFlow(findings, &groups)
        linkDNS(findings, &groups)
        linkAtService(findings, &groups)
        linkResolverUpstream(findings, &groups)
        linkSameCause(findings, &groups)
        linkClientSide(findings, flows: flows, &groups)
        var out: [Incident] = []
        for members in groups.sets() {
            out.append(incident(members.map { findings[$0] }, root: groups.root(of: members, findings),
                                clientSide: members.lazy.compactMap { groups.clientSide[$0] }.first))
        }
        out.sort { a, b in
            (a.severity, a.affected.clients, -layerRank(a.layer), -a.firstTime) > (b.severity, b.affected.clients, -layerRank(b.layer), -b.firstTime)
        }
        for i in out.indices {
            out[i].id = "i\(i + 1)"
            // "f1"… name index 0…
            for f in out[i].findings { if let j = Int(f.dropFirst()) { findings[j - 1].incident = out[i].id } }
        }
        return out
    }

    /// Lower layers first at equal weight: the link, names and reachability before transport and TLS.
    static func layerRank(_ l: String) -> Int {
        ["link": 0, "dns": 1, "network": 2, "transport": 3, "tls": 4, "application": 5, "capture": 6][l] ?? 5
    }

    static func layer(_ k: FindingKind) -> String {
        k.rawValue.hasPrefix("dns.") ? "dns" : k.info.layer.rawValue
    }

    // MARK: links

    /// Which finding of a chain on one flow caused the others: the lower number leads.
    static func causalRank(_ k: FindingKind) -> Int {
        switch k {
        case .blackhole, .fragNeededIgnored, .fragNeeded, .mssExceeded, .synFlood, .dnsUnanswered: 0
        case .certificateExpired, .certificateNotYetValid, .certificateNameMismatch, .certificateSelfSigned, .certificateChainIncomplete,
             .dnsError, .dnsSlow: 1
        case .zeroWindow: 2
        case .tlsAlert, .tlsAborted: 3
        case .stall: 4
        case .retransmissions, .outOfOrder: 5
        case .resetAbort, .resetMiddlebox, .resetAfterIdle, .resetAfterClose: 6
        default: 7
        }
    }

    static func flowKey(_ f: Finding) -> String? {
        guard let r = f.flow, let c = r.client, c.port != nil, r.server.port != nil else { return nil }
        return "\(r.transport) \(c.ip) \(c.port!) \(r.server.ip) \(r.server.port!)"
    }

    static func service(_ f: Finding) -> String? {
        guard let r = f.flow, let p = r.server.port else { return nil }
        return "\(r.server.ip):\(p)"
    }

    /// Findings about one flow: one incident.
    static func linkSameFlow(_ fs: [Finding], _ g: inout Groups) {
        var first: [String: Int] = [:]
        for (i, f) in fs.enumerated() where !f.kind.rawValue.hasPrefix("scan.") {
            guard let k = flowKey(f) else { continue }
            if let j = first[k] { g.union(i, j) } else { first[k] = i }
        }
    }

    /// A connect or TLS failure told as following the same client's failed lookup of a name.
    static func linkDNS(_ fs: [Finding], _ g: inout Groups) {
        for (i, f) in fs.enumerated() {
            guard case .object(let o)? = f.evidence["precededByDNS"], case .string(let name)? = o["qname"],
                  case .string(let kind)? = o["kind"], let client = f.flow?.client?.ip else { continue }
            let j = fs.indices.last { j in
                guard fs[j].kind.rawValue == kind, fs[j].flow?.client?.ip == client, fs[j].firstTime <= f.firstTime,
                      case .dns(let d)? = fs[j].facts else { return false }
                return d.qname == name
            }
            if let j { g.union(i, j) }
        }
    }

    /// At one server and port: a SYN flood with the connection failures there; a certificate
    /// problem with the TLS failures there.
    static func linkAtService(_ fs: [Finding], _ g: inout Groups) {
        let handshakes: Set<FindingKind> = [.handshakeUnanswered, .handshakeRefused, .handshakeIncomplete, .handshakeSlow]
        let certificates: Set<FindingKind> = [.certificateExpired, .certificateNotYetValid, .certificateNameMismatch,
                                              .certificateSelfSigned, .certificateChainIncomplete]
        for (i, f) in fs.enumerated() {
            guard let s = service(f) else { continue }
            let followers: Set<FindingKind>
            if f.kind == .synFlood { followers = handshakes }
            else if certificates.contains(f.kind) { followers = [.tlsAlert, .tlsAborted] }
            else { continue }
            for (j, o) in fs.enumerated() where j != i && followers.contains(o.kind) && service(o) == s { g.union(j, i) }
        }
    }

    /// A resolver answering SERVFAIL while its own questions to an upstream go unanswered.
    static func linkResolverUpstream(_ fs: [Finding], _ g: inout Groups) {
        for (i, f) in fs.enumerated() {
            guard f.kind == .dnsError, case .dns(let d)? = f.facts, case .error(2, _) = d.answer, let resolver = f.flow?.server.ip else { continue }
            for (j, o) in fs.enumerated() where o.kind == .dnsUnanswered && o.flow?.client?.ip == resolver && o.firstTime <= f.lastTime {
                g.union(i, j)
            }
        }
    }

    /// One place, one cause: failures at one server and port, or ICMP from one router, whose first
    /// cause is the same.
    static func linkSameCause(_ fs: [Finding], _ g: inout Groups) {
        var first: [String: Int] = [:]
        for (i, f) in fs.enumerated() {
            guard let cause = f.causes.first?.id, !f.kind.rawValue.hasPrefix("scan.") else { continue }
            var place = linkPlace(f) ?? service(f)
            if case .handshake(let h)? = f.facts, case .unreachable(let u) = h.answer { place = "router \(u.reportedBy)" }
            guard let p = place else { continue }
            let key = "\(p) \(cause)"
            if let j = first[key] { g.union(i, j) } else { first[key] = i }
        }
    }

    /// One client whose connections all went unanswered, to three or more servers or ports, while
    /// other clients' connections worked: the client's own side. (A router's unreachables name
    /// the router instead.)
    static func linkClientSide(_ fs: [Finding], flows: [FlowEntry], _ g: inout Groups) {
        let failing: Set<FindingKind> = [.handshakeUnanswered]
        var byClient: [String: [Int]] = [:]
        for (i, f) in fs.enumerated() where failing.contains(f.kind) {
            if let c = f.flow?.client?.ip { byClient[c, default: []].append(i) }
        }
        for (client, idx) in byClient {
            let services = Set(idx.compactMap { service(fs[$0]) })
            guard services.count >= 3 else { continue }
            let ownWorked = flows.contains { $0.client.ip == client && $0.outcome == "established" }
            let othersWorked = flows.contains { $0.client.ip != client && $0.outcome == "established" }
            guard !ownWorked && othersWorked else { continue }
            for j in idx.dropFirst() { g.union(j, idx[0]) }
            for j in idx { g.clientSide[j] = client }
        }
    }

    /// Where a finding sits when it is not its server: the router that sent an ICMP error, the
    /// link of a host whose ARP went unanswered, or the client's link a refusal came from.
    static func linkPlace(_ f: Finding) -> String? {
        if case .icmp(let e)? = f.facts, let r = e.message?.reporter { return "router \(r)" }
        if case .arp(.unanswered(_, let requester, _))? = f.facts { return "\(requester)'s link" }
        return clientLink(f).map { "\($0)'s link" }
    }

    /// A refusal the cause puts on the client's own link (the RST crossed no router): the place
    /// is that link, whichever server the client tried.
    static func clientLink(_ f: Finding) -> String? {
        guard f.kind == .handshakeRefused, f.causes.first?.checks.first?.on.hasPrefix("the client's gateway") == true else { return nil }
        return f.flow?.client?.ip
    }

    // MARK: the incident

    static func incident(_ fs: [Finding], root: Finding, clientSide: String?) -> Incident {
        let ordered = fs.sorted { (causalRank($0.kind), $0.firstTime) < (causalRank($1.kind), $1.firstTime) }
        let chainFirst = [root] + ordered.filter { $0.id != root.id }
        let clients = Set(fs.compactMap { $0.flow?.client?.ip }).count
        let servers = Set(fs.compactMap { $0.flow?.server.ip }).count
        let flows = Set(fs.compactMap(flowKey)).count
        let cause = root.causes.first
        var place = linkPlace(root) ?? service(root) ?? root.flow?.server.ip ?? "the capture"
        if case .handshake(let h)? = root.facts, case .unreachable(let u) = h.answer, fs.count > 1,
           Set(fs.compactMap(service)).count > 1 { place = "router \(u.reportedBy)" }
        var title = root.kind.info.title + (place == "the capture" ? "" : " at \(place)")
        if fs.count > 1, fs.allSatisfy({ $0.kind == root.kind }) { title += " (\(fs.count) times)" }
        var rootCause = Incident.RootCause(id: cause?.id ?? root.kind.rawValue, text: cause?.text ?? root.summary,
                                           confidence: cause?.confidence ?? .low)
        let severity = fs.map(\.severity).max() ?? root.severity
        if fs.count > 1, fs.allSatisfy({ $0.kind == root.kind && $0.causes.first?.id == rootCause.id }) {
            rootCause.text += " — and \(fs.count - 1) more like it"
        }
        var firstCheck = root.checks.first
        if let client = clientSide {
            place = "client \(client)"
            // Where its packets stop, from its own side (traceroute over TCP to a port it failed on).
            if let fl = root.flow, let port = fl.server.port {
                firstCheck = "on the client (\(client)): traceroute -n -T -s \(client) -p \(port) \(fl.server.ip)"
            }
            title = "\(client) reaches none of \(Set(fs.compactMap(service)).count) services"
            rootCause = .init(id: "incident/client-side",
                              text: "\(client)'s own side: an egress filter, a proxy it must use, or its link or route is down (other clients' connections worked)",
                              confidence: .medium)
        }
        return Incident(
            id: "", title: title, severity: severity, rootCause: rootCause, layer: layer(root.kind), place: place,
            affected: .init(clients: clients, servers: servers, flows: flows),
            firstTime: fs.map(\.firstTime).min() ?? root.firstTime, lastTime: fs.map(\.lastTime).max() ?? root.lastTime,
            chain: facts(chainFirst) + chainFirst.map { .init(finding: $0.id ?? "", kind: $0.kind, summary: $0.summary) },
            firstCheck: firstCheck, findings: fs.compactMap(\.id))
    }
}

extension Incidents {
    /// Facts that come before the findings: the DNS answer that sent the client to a server whose
    /// certificate does not name what it asked for (`resolvedBy`, from NameAnswers).
    static func facts(_ fs: [Finding]) -> [Incident.Step] {
        for f in fs {
            guard case .object(let o)? = f.evidence["resolvedBy"], case .string(let resolver)? = o["resolver"],
                  case .string(let name)? = o["qname"], case .array(let list)? = o["addresses"], case .int(let frame)? = o["frame"]
            else { continue }
            let addresses = list.compactMap { v -> String? in if case .string(let a) = v { a } else { nil } }
            return [.init(fact: "dns.answer", summary: "\(resolver) answered \(TextSafe.quote(name)) with \(addresses.joined(separator: ", "))",
                          frames: [UInt64(frame)])]
        }
        return []
    }
}

/// Union-find over finding indices; the root of a set is its most causal, worst, earliest finding.
struct Groups {
    var parent: [Int]
    /// Members of a client-side group, with the client.
    var clientSide: [Int: String] = [:]
    init(count: Int) { parent = Array(0..<count) }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
        return x
    }
    mutating func union(_ a: Int, _ b: Int) {
        let ra = find(a), rb = find(b)
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }
    mutating func sets() -> [[Int]] {
        var by: [Int: [Int]] = [:]
        for i in parent.indices { by[find(i), default: []].append(i) }
        return by.keys.sorted().map { by[$0]! }
    }
    func root(of members: [Int], _ fs: [Finding]) -> Finding {
        members.map { fs[$0] }.min { a, b in
            (Incidents.causalRank(a.kind), -a.severity.rank, a.firstTime) < (Incidents.causalRank(b.kind), -b.severity.rank, b.firstTime)
        }!
    }
}

/// Live capture's incidents, decided as findings stream: a finding whose place and first cause
/// are new opens an incident (streamed at once); later ones at the same place with the same cause
/// join it. The final report groups again with every link (Incidents.build). Bounded.
public struct LiveIncidents: Sendable {
    var byKey: [String: String] = [:]
    var findings = 0
    static let maxIncidents = 65_536

    public init() {}

    /// Numbers the finding and names its incident; returns the incident when it is new.
    public mutating func place(_ f: inout Finding) -> Incident? {
        findings += 1
        f.id = "f\(findings)"
        let place = Incidents.linkPlace(f) ?? Incidents.service(f) ?? f.flow?.server.ip ?? "the capture"
        let key = "\(place) \(f.causes.first?.id ?? f.kind.rawValue)"
        if let id = byKey[key] { f.incident = id; return nil }
        guard byKey.count < Self.maxIncidents else { return nil }
        let id = "i\(byKey.count + 1)"
        byKey[key] = id
        f.incident = id
        var i = Incidents.incident([f], root: f, clientSide: nil)
        i.id = id
        i.place = place
        return i
    }
}
