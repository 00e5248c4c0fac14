import Diagnosis
import FlowAnalysis
import PacketCapture
import PacketDecoding
import Reporting

extension OfflineAnalysis {
    /// A second read of `paths` (in `run`'s order, with the same filter) that collects, for each of
    /// the first `maxIncidents` incidents, the packets of its key flow — its root finding's flow —
    /// and the ICMP errors quoting them, up to `maxRungs` each. Only the HTML report asks for it.
    public static func ladders(paths: [String], options: Options, report: Report, maxIncidents: Int = 20,
                               maxRungs: Int = 24) throws(CaptureError) -> [String: Ladder] {
        // Key flow per incident: the root finding's, when it names both ends and ports.
        struct Key { var incident: String; var client: IPAddress; var cport: UInt16; var server: IPAddress; var sport: UInt16; var failing: Set<UInt64> }
        var keys: [FlowKey: [Key]] = [:]
        for i in report.incidents.prefix(maxIncidents) {
            guard let rootID = i.chain.lazy.compactMap(\.finding).first, let f = report.findings.first(where: { $0.id == rootID }),
                  let ref = f.flow, let c = ref.client, let cp = c.port, let sp = ref.server.port,
                  let proto = EvidenceSelection.proto(ref.transport),
                  let ca = EvidenceSelection.address(c.ip), let sa = EvidenceSelection.address(ref.server.ip) else { continue }
            let k = FlowKey.make(ca, UInt16(cp), sa, UInt16(sp), proto).key
            keys[k, default: []].append(Key(incident: i.id, client: ca, cport: UInt16(cp), server: sa, sport: UInt16(sp),
                                            failing: Set(f.frames.suffix(1))))
        }
        guard !keys.isEmpty else { return [:] }
        var out: [String: Ladder] = [:]
        for list in keys.values { for k in list { out[k.incident] = Ladder(client: "\(k.client)", server: "\(k.server)", other: nil, rungs: [], omitted: 0) } }

        var infos: [(path: String, start: Int64?)] = []
        for p in paths { infos.append((p, try OfflineFile(path: p, filter: options.filter).firstPacketTime())) }
        var frame: UInt64 = 0
        for i in readingOrder(infos.map(\.start)) {
            let f = try OfflineFile(path: infos[i].path, filter: options.filter)
            let link = f.linkType
            f.forEach { rec, matched in
                frame += 1
                guard matched else { return }
                let p = Dissector.dissect(rec.bytes, link: link)
                guard let src = p.sourceAddress, let dst = p.destinationAddress else { return }
                var label: String, key: FlowKey, fromClient: Bool?, third: IPAddress?
                if let t = p.tcp {
                    key = FlowKey.make(src, t.sourcePort, dst, t.destinationPort, .tcp).key
                    label = Self.flagText(t.flags)
                    let n = t.payload.count
                    if n > 0 { label += " \(n) B" + Self.tlsText(t.payload) }
                } else if let u = p.udp {
                    key = FlowKey.make(src, u.sourcePort, dst, u.destinationPort, .udp).key
                    label = "UDP \(u.payload.count) B"
                } else if let m = p.icmpv4.map({ (v6: false, type: $0.type, code: $0.code, q: $0.quoted) })
                            ?? p.icmpv6.map({ (v6: true, type: $0.type, code: $0.code, q: $0.quoted) }),
                          let q = m.q, let qs = q.sourcePort, let qd = q.destinationPort {
                    key = FlowKey.make(q.source, qs, q.destination, qd, q.proto).key
                    label = "\(m.v6 ? "ICMPv6" : "ICMP") \(m.type)/\(m.code)"
                    third = src
                } else { return }
                guard let list = keys[key] else { return }
                for k in list {
                    var l = out[k.incident]!
                    if let r = third {
                        // An error about the flow's packet, sent by a router (or by an end itself).
                        let from: Ladder.Side = r == k.server ? .server : (r == k.client ? .client : .other)
                        if from == .other { l.other = l.other ?? "\(r)" }
                        fromClient = dst == k.client
                        l.append(.init(time: rec.time, frame: frame, from: from, to: fromClient == true ? .client : .server, label: label,
                                       failing: k.failing.contains(frame)), max: maxRungs)
                    } else {
                        let c = src == k.client
                        l.append(.init(time: rec.time, frame: frame, from: c ? .client : .server, to: c ? .server : .client, label: label,
                                       failing: k.failing.contains(frame)), max: maxRungs)
                    }
                    out[k.incident] = l
                }
            }
        }
        // Silence has no failing packet: the last one drawn is where it stopped.
        for (id, var l) in out where !l.rungs.isEmpty && !l.rungs.contains(where: \.failing) && l.omitted == 0 {
            l.rungs[l.rungs.count - 1].failing = true
            out[id] = l
        }
        return out.filter { !$0.value.rungs.isEmpty }
    }

    static func flagText(_ f: TCPFlags) -> String {
        var parts: [String] = []
        if f.contains(.syn) { parts.append("SYN") }
        if f.contains(.fin) { parts.append("FIN") }
        if f.contains(.rst) { parts.append("RST") }
        if f.contains(.psh) { parts.append("PSH") }
        if f.contains(.ack) { parts.append("ACK") }
        return parts.isEmpty ? "TCP" : parts.joined(separator: "-")
    }

    /// What a TCP payload starting a TLS record carries.
    static func tlsText(_ b: WireBytes) -> String {
        guard b.count >= 5, b.u8(1) == 3 else { return "" }
        switch b.u8(0) {
        case 20: return " · TLS change cipher spec"
        case 21: return b.count >= 7 && b.u16(3) == 2 ? " · TLS alert \(b.u8(6))" : " · TLS alert (encrypted)"
        case 22: return " · TLS handshake"
        case 23: return " · TLS data"
        default: return ""
        }
    }
}

extension Ladder {
    /// Keeps the first `max` packets; counts the rest, but a failing packet always gets a rung.
    mutating func append(_ r: Rung, max: Int) {
        if rungs.count < max { rungs.append(r); return }
        if r.failing { rungs[rungs.count - 1] = r }
        omitted += 1
    }
}
