import FlowAnalysis
import PacketDecoding

/// Causes that need the rest of the capture, applied once to the (capped) findings when the
/// diagnosis closes: whether a host answered elsewhere and with which TTL, whether the same client
/// host works over IPv4, whether another DNS server answered, whether a truncated answer was asked
/// again over TCP. Never per packet.
extension Diagnoser {
    /// Causes that need the rest of the capture: whether the same host answered elsewhere, and
    /// with which TTL. Runs over the (capped) findings once, never per packet.
    func refineCauses(_ out: inout [Finding]) {
        refineDNSCauses(&out)
        refineHandshakeCauses(&out)
        // Last: a flood at the service outweighs what the other refinements read from one attempt.
        refineFloodCauses(&out)
    }

    /// Unanswered and refused connections read against the rest of the capture: the same host
    /// answering other ports, its TTL there, the capture sitting on it, ARP for it unanswered.
    func refineHandshakeCauses(_ out: inout [Finding]) {
        guard out.contains(where: { $0.kind == .handshakeUnanswered || $0.kind == .handshakeRefused }) else { return }
        var answered: [String: [UInt16]] = [:], ttl: [String: UInt8] = [:]
        for (k, st) in zip(serviceKeys, serviceStats) where k.proto == .tcp && st.established > 0 {
            let a = k.address.description
            if answered[a, default: []].count < 16 { answered[a, default: []].append(k.port) }
            if st.serverTTL != 0 { ttl[a] = st.serverTTL }
        }
        // The capture sat on one server host (as its other flows say): SYNs to it reached it.
        let whole = captureVantage
        let onServer = whole.point == .server ? whole.host : nil
        // Addresses asked for over ARP that no one answered: hosts absent from their link.
        let absent = Set(out.compactMap { f -> String? in
            if case .arp(.unanswered(let target, _, _))? = f.facts { target.description } else { nil }
        })
        for i in out.indices {
            guard let flow = out[i].flow else { continue }
            let addr = flow.server.ip
            var x = RuleInput(out[i])
            guard let at = x.places else { continue }
            switch out[i].kind {
            case .handshakeUnanswered:
                if addr == onServer {
                    x.vantage = FlowVantage(point: .server)
                    out[i].causes = HandshakeCauses.causes(x).ranked()
                    for j in out[i].causes.indices { out[i].causes[j].because.append(whole.because) }
                }
                if absent.contains(addr) {
                    let arp = out.first { f in
                        if case .arp(.unanswered(let target, _, _))? = f.facts { target.description == addr } else { false }
                    }
                    out[i].causes.removeAll { $0.id.hasSuffix("/host-down") || $0.id.hasSuffix("/path-filter") }
                    out[i].causes.insert(x.cause("host-down", "\(at.server) is down or not on its link: the last hop asked for it over ARP and nothing answered, so no filter is needed to explain the silence", .high,
                                                 because: [out[i].causes.first?.because.first ?? out[i].summary,
                                                           "ARP requests for \(at.server) went unanswered (\(RuleInput.frames(arp?.frames ?? [])))"],
                                                 checks: [Check(on: "a host on \(at.server)'s link", run: "ip neigh show \(at.server)"),
                                                          Check(on: "a host on \(at.server)'s link", run: "arping -c 3 \(at.server)")]), at: 0)
                    continue
                }
                let ports = (answered[addr] ?? []).filter { Int($0) != flow.server.port }
                if !ports.isEmpty {
                    let list = ports.sorted().prefix(6).map { "\($0)" }.joined(separator: ", ")
                    out[i].causes.removeAll { $0.id.hasSuffix("/host-down") }
                    out[i].causes.insert(x.cause("port-filtered", "a filter drops port \(at.port) only: \(at.server) is up and answers on other ports", .high,
                                                 because: ["\(at.server) completed handshakes on port\(ports.count == 1 ? "" : "s") \(list) in this capture", out[i].causes.first?.because.first ?? out[i].summary],
                                                 checks: [at.firewall(on: at.onServer), at.listening(), at.traceroute()]), at: 0)
                }
            case .handshakeRefused:
                guard case .handshake(let h)? = out[i].facts, case .refused(let refusal) = h.answer else { continue }
                if flow.server.ip.contains(":"), let port = flow.server.port, let mac = refusal.clientMAC?.description,
                   let v4 = ipv4Established.first(where: { $0.mac.description == mac && Int($0.port) == port }) {
                    // Not on time alone: the same client host (its MAC), the same port, the other family, working.
                    out[i].causes.insert(x.cause("ipv4-only", "the service on port \(port) answers on IPv4 (\(v4.server)) but not on IPv6: it listens on IPv4 only, or the name's AAAA record points at the wrong host", .high,
                                                 because: ["the same client host (MAC \(mac)) completed handshakes with \(v4.server):\(port) over IPv4 in this capture", out[i].causes.first?.because.first ?? out[i].summary],
                                                 checks: [Check(on: "the server", run: "ss -lnt 'sport = :\(port)'"), Check(on: at.onClient, run: "getent ahosts <the service's name>")]), at: 0)
                    out[i].causes.removeAll { $0.id.hasSuffix("/reject-rule") && $0.confidence == .low }
                }
                let rst = Int(refusal.rstTTL)
                guard let usual = ttl[addr] else {
                    out[i].causes = out[i].causes.ranked()
                    continue
                }
                let fact = "the RST came with TTL \(rst); \(at.server)'s packets on working connections arrive with \(usual)"
                if rst == Int(usual) {
                    for j in out[i].causes.indices where out[i].causes[j].id.hasSuffix("/no-listener") {
                        out[i].causes[j].confidence = .high; out[i].causes[j].because.append(fact + ": the same host answered")
                    }
                    for j in out[i].causes.indices where out[i].causes[j].id.hasSuffix("/reject-rule") {
                        out[i].causes[j].confidence = .low; out[i].causes[j].text = "\(at.server)'s own firewall rejects port \(at.port) with a TCP reset"
                        out[i].causes[j].because.append(fact)
                    }
                } else {
                    out[i].causes.removeAll { $0.id.hasSuffix("/no-listener") }
                    for j in out[i].causes.indices where out[i].causes[j].id.hasSuffix("/reject-rule") {
                        out[i].causes[j].confidence = .high; out[i].causes[j].because.append(fact + ": another device sent it")
                        out[i].causes[j].tellApart = nil
                    }
                }
                out[i].causes = out[i].causes.ranked()
            default:
                break
            }
        }
    }

    /// Attempts at a service under a SYN flood: an unanswered SYN met the flood's full SYN queue; a
    /// SYN-ACK never acknowledged went to one of its spoofed sources.
    func refineFloodCauses(_ out: inout [Finding]) {
        let floods = out.filter { $0.kind == .synFlood }
        guard !floods.isEmpty else { return }
        for i in out.indices where out[i].kind == .handshakeUnanswered || out[i].kind == .handshakeIncomplete {
            guard let flow = out[i].flow,
                  let flood = floods.first(where: { $0.flow?.server.ip == flow.server.ip && $0.flow?.server.port == flow.server.port }) else { continue }
            let x = RuleInput(out[i])
            guard let at = x.places else { continue }
            let seen = out[i].causes.first?.because.first ?? out[i].summary
            let during = "a SYN flood at the same service: \(flood.summary)"
            let cause: Cause
            if out[i].kind == .handshakeUnanswered {
                cause = x.cause("syn-queue-full", "\(at.hostPort)'s SYN queue was full of a SYN flood's half-open attempts, so the kernel dropped this SYN (SYN cookies off, or overwhelmed)", .high,
                                because: [seen, during],
                                checks: [Check(on: at.onServer, run: "nstat -az TcpExtListenOverflows TcpExtListenDrops TcpExtSyncookiesSent"),
                                         Check(on: at.onServer, run: "sysctl net.ipv4.tcp_syncookies net.ipv4.tcp_max_syn_backlog")])
            } else {
                cause = x.cause("spoofed-source", "\(at.client) is most likely one of the flood's spoofed sources: the SYN-ACK went to an address that never sent the SYN", .high,
                                because: [seen, during], checks: [Check(on: at.onServer, run: "nstat -az TcpExtListenOverflows TcpExtSyncookiesSent")])
            }
            out[i].causes.removeAll { $0.id == cause.id }
            out[i].causes.insert(cause, at: 0)
        }
    }

    /// DNS causes that need the capture's other questions: another server answered the same client,
    /// a truncated answer was (or was not) asked again over TCP, a resolver's own upstream was silent.
    func refineDNSCauses(_ out: inout [Finding]) {
        let whole = captureVantage
        for i in out.indices where out[i].kind == .dnsUnanswered || out[i].kind == .dnsError || out[i].kind == .dnsSlow {
            guard let flow = out[i].flow, let client = flow.client?.ip else { continue }
            if out[i].kind == .dnsUnanswered, whole.point == .server, whole.host == flow.server.ip {
                // The capture sits on the DNS server's host (as its other flows say): the queries reached it.
                var x = RuleInput(out[i])
                x.vantage = FlowVantage(point: .server)
                out[i].causes = NameCauses.causes(x).ranked()
                for j in out[i].causes.indices { out[i].causes[j].because.append(whole.because) }
            }
            if out[i].kind == .dnsUnanswered {
                let others = dnsAnsweredBy.first { $0.key.description == client }?.value.map(\.description).filter { $0 != flow.server.ip } ?? []
                for j in out[i].causes.indices where out[i].causes[j].id.hasSuffix("/server-unreachable") || out[i].causes[j].id.hasSuffix("/server-dropped") {
                    if others.isEmpty {
                        out[i].causes[j].because.append("the client asked no other DNS server in this capture")
                    } else {
                        out[i].causes[j].confidence = .high
                        out[i].causes[j].because.append("other servers answered this client (\(others.prefix(3).joined(separator: ", "))): the fault is \(flow.server.ip), not the client's network")
                    }
                }
            }
            // SERVFAIL from a resolver whose own questions upstream went unanswered in this capture.
            if out[i].kind == .dnsError, case .dns(let d)? = out[i].facts, case .error(2, _) = d.answer {
                let upstream = out.first { u in
                    guard u.kind == .dnsUnanswered, u.flow?.client?.ip == flow.server.ip, case .dns(let q)? = u.facts else { return false }
                    return q.qname.lowercased() == d.qname.lowercased() && u.firstTime >= out[i].firstTime && u.firstTime <= out[i].lastTime
                }
                if let up = upstream, let to = up.flow?.server.ip, let j = out[i].causes.firstIndex(where: { $0.id.hasSuffix("/upstream-failure") }) {
                    var c = out[i].causes.remove(at: j)
                    c.text = "the resolver \(flow.server.ip) got no answer from its upstream \(to): that server is down, or DNS to it is filtered"
                    c.confidence = .high
                    c.because.append("\(flow.server.ip) asked \(to) for \(TextSafe.quote(d.qname)) itself (\(RuleInput.frames(up.frames))) and got no answer")
                    c.checks = [Check(on: "the resolver (\(flow.server.ip))", run: "dig @\(to) \(Shell.quote(d.qname)) \(d.qtype)")]
                    c.tellApart = nil
                    // An upstream that never answered rules out a validation failure of its answer.
                    out[i].causes.removeAll { $0.id.hasSuffix("/dnssec") }
                    out[i].causes.insert(c, at: 0)
                }
            }
            if case .dns(let d)? = out[i].facts, d.truncatedAnswer, case let qname = d.qname,
               dnsOverTCP.contains(where: { $0.client.description == client && $0.server.description == flow.server.ip
                                               && String(decoding: $0.name, as: UTF8.self) == qname }) {
                out[i].causes.removeAll { $0.id.hasSuffix("/truncated-no-tcp") }
            }
        }
    }
}
