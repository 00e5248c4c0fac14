import CertificateCheck
import FlowAnalysis
import PacketDecoding

/// Which addresses DNS gave for each name, and which servers presented a certificate for it:
/// what ties a certificate name mismatch to the answer that sent the client there, and tells a
/// stale record from one server's wrong certificate. Filled per DNS transaction and per ended
/// TLS flow, read once when the diagnosis closes; bounded.
struct NameAnswers: Sendable {
    struct Answer: Sendable {
        var client: IPAddress
        var resolver: IPAddress
        var name: String
        var addresses: [IPAddress]
        var frame: UInt64
        var time: Int64
    }
    /// A server whose certificate covered a name a client asked for (SNI).
    struct Holder: Sendable {
        var server: IPAddress
        var port: UInt16
        var frame: UInt64
    }
    var answers: [Answer] = []
    var holders: [String: [Holder]] = [:]
    static let cap = 4096

    /// An answered A or AAAA question with addresses.
    mutating func add(_ t: DNSTransaction) {
        guard t.answered, t.rcode == 0, t.addressCount > 0, answers.count < Self.cap else { return }
        answers.append(Answer(client: t.client, resolver: t.server, name: String(decoding: t.nameBytes, as: UTF8.self),
                              addresses: t.answerAddresses, frame: t.answerFrame, time: t.answerTime))
    }

    /// A TLS flow whose certificate covered its SNI. The leaf is parsed at most once per name and
    /// server, and only for flows the detectors found no name mismatch on.
    mutating func flowEnded(_ f: Flow, mismatch: Bool) {
        guard !mismatch, let t = f.tls.first, !t.certificates.isEmpty, !t.serverName.isEmpty else { return }
        let name = String(decoding: t.serverName, as: UTF8.self).lowercased()
        let known = holders[name] ?? []
        guard known.count < 4, !known.contains(where: { $0.server == f.serverAddress }),
              holders[name] != nil || holders.count < Self.cap,
              let leaf = CertificateFacts(der: Array(t.certificates[0])), leaf.matches(hostname: name) else { return }
        holders[name, default: []].append(Holder(server: f.serverAddress, port: f.serverPort, frame: t.certificateFrame))
    }

    /// Certificate name mismatches read against the DNS answers and the other servers of the
    /// name: the answer that sent the client there becomes evidence (`resolvedBy`, the first step
    /// of the incident), and a server elsewhere that serves the name decides between a stale
    /// record and one server's wrong certificate.
    func correlate(_ out: inout [Finding]) {
        guard !answers.isEmpty || !holders.isEmpty else { return }
        for i in out.indices where out[i].kind == .certificateNameMismatch {
            guard case .tls(let e)? = out[i].facts, let sni = e.sni?.lowercased(), let flow = out[i].flow else { continue }
            let server = flow.server.ip, client = flow.client?.ip, at = out[i].firstTime
            let leads = answers.filter { $0.name == sni && $0.time <= at && $0.addresses.contains { $0.description == server } }
            let answer = leads.last { $0.client.description == client } ?? leads.last
            let elsewhere = (holders[sni] ?? []).filter { $0.server.description != server }
            guard answer != nil || !elsewhere.isEmpty else { continue }
            let name = TextSafe.quote(sni)
            var answerFact: String?
            if let a = answer {
                let list = a.addresses.map(\.description).joined(separator: ", ")
                answerFact = "\(a.resolver) answered \(name) with \(list) (frame \(a.frame)), and the client connected to \(server)"
                out[i].evidence["resolvedBy"] = .object([
                    "qname": .string(a.name), "resolver": .string(a.resolver.description), "client": .string(a.client.description),
                    "addresses": .array(a.addresses.map { .string($0.description) }), "frame": .int(Int64(a.frame)),
                ])
            }
            func holderFact(_ h: Holder) -> String { "\(h.server.description):\(h.port) presented a certificate for \(name) (frame \(h.frame))" }
            var causes = out[i].causes
            guard let wc = causes.firstIndex(where: { $0.id.hasSuffix("/wrong-certificate") }),
                  let ws = causes.firstIndex(where: { $0.id.hasSuffix("/wrong-server") }) else { continue }
            var cert = causes[wc], wrongServer = causes[ws]
            if let a = answer, let h = elsewhere.first(where: { h in a.addresses.contains(h.server) }) {
                // The answer's set is right: another of its addresses serves the name. One server is wrong.
                cert.confidence = .high
                cert.because += [answerFact!, holderFact(h) + ", another address in the same answer"]
                cert.tellApart = nil
                causes = [cert]
            } else if let h = elsewhere.first {
                // Another server serves the name; the client was sent (or went) to one that does not.
                wrongServer.text = "the name resolves to the wrong server: \(server) does not serve \(name) but \(h.server.description) does (a stale or wrong DNS record, or a stale local override)"
                wrongServer.confidence = answer != nil ? .high : .medium
                wrongServer.because += (answerFact.map { [$0] } ?? []) + [holderFact(h) + (answer != nil ? ", an address the answer did not give" : "")]
                cert.confidence = .low
                causes = [wrongServer, cert]
            } else if let answerFact {
                wrongServer.because.append(answerFact)
                causes = [cert, wrongServer]
            }
            out[i].causes = causes
        }
    }
}
