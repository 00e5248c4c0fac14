import Diagnosis
import FlowAnalysis
import Glibc
import PacketCapture
import PacketDecoding
import Reporting

/// What `writeEvidence` wrote, and what it had to leave out.
public struct EvidenceSummary: Sendable, Equatable {
    /// A file whose link type differs from the evidence file's: pcap holds one link type.
    public struct SkippedFile: Sendable, Equatable {
        public var path: String
        public var linkType: String
        public var linkTypeNumber: Int
        /// Packets of the selected flows in it, not written.
        public var packets: UInt64
    }

    public var path: String
    public var linkType: String
    public var linkTypeNumber: Int
    public var nanosecond: Bool
    public var packetsWritten: UInt64
    /// Distinct flows (or services, or fragment streams) the findings name.
    public var flows: Int
    /// Findings about the whole capture (no flow): they select nothing.
    public var captureWideFindings: Int
    /// Link types of input files left out, in reading order, without repeats.
    public var skippedLinkTypes: [String]
    public var skippedFiles: [SkippedFile]
    public var packetsSkipped: UInt64 { skippedFiles.reduce(0) { $0 + $1.packets } }

    /// One line for people, e.g. "wrote 4 packets of 1 flow with findings to out.pcap".
    public var description: String {
        var s = "wrote \(packetsWritten) packet\(packetsWritten == 1 ? "" : "s") of \(flows) flow\(flows == 1 ? "" : "s") "
            + "with findings to \(path)"
        if !skippedLinkTypes.isEmpty {
            s += "; left out \(packetsSkipped) packet\(packetsSkipped == 1 ? "" : "s") from files of link type "
                + skippedLinkTypes.joined(separator: ", ") + " (a pcap file holds one link type, here \(linkType))"
        }
        return s
    }
}

extension OfflineAnalysis {
    /// A second pass over `paths` (in the order `run` reads them, with the same filter) that
    /// copies to `out` every packet of the flows the report's findings name: the flow's own
    /// packets (tunnelled ones by their inner packet), ICMP errors quoting them, and every
    /// fragment of their fragmented datagrams. Records keep their original time and lengths;
    /// the file gets the link type of the first file read, other link types are skipped and
    /// counted. Findings without a flow select nothing; an empty selection writes an empty pcap.
    public static func writeEvidence(paths: [String], options: OfflineAnalysis.Options, report: Report,
                                     to out: String) throws(CaptureError) -> EvidenceSummary {
        let selection = EvidenceSelection(report.findings)
        var infos: [(path: String, link: LinkType, name: String, format: CaptureFormat, snap: Int, start: Int64?)] = []
        for p in paths {
            let probe = try OfflineFile(path: p, filter: options.filter)   // also checks the filter, as run does
            infos.append((p, probe.linkType, probe.linkTypeName, probe.format, probe.snapshotLength, probe.firstPacketTime()))
        }
        try refuseOverwritingInput(out, inputs: paths)
        let order = readingOrder(infos.map(\.start))
        let link = order.first.map { infos[$0].link } ?? .ethernet
        let chosen = order.filter { infos[$0].link == link }
        // A µs pcap stays µs; ns pcap and pcapng (whose resolution may be finer) give ns.
        let nano = chosen.contains { infos[$0].format != .pcap }
        let snap = chosen.map { infos[$0].snap }.max() ?? 0

        var state = EvidenceState(selection: selection, fragmentTimeout: options.analyzer.fragments.timeout)
        var writer = try EvidenceWriter(path: out, linkType: link, snapshotLength: snap, nanosecond: nano)
        var skipped: [EvidenceSummary.SkippedFile] = []
        do throws(CaptureError) {
            skipped = try pass(order, infos.map(\.path), link: link, filter: options.filter, state: &state, writer: writer)
            // A trailing fragment read before the first fragment that named its flow: read again,
            // now knowing the datagram (rare: fragments sent last-first, or split across files).
            if state.needsSecondPass {
                try writer.close()
                state.prepareSecondPass()
                writer = try EvidenceWriter(path: out, linkType: link, snapshotLength: snap, nanosecond: nano)
                skipped = try pass(order, infos.map(\.path), link: link, filter: options.filter, state: &state, writer: writer)
            }
            try writer.close()
        } catch {
            try? writer.close()
            if out != "-" { unlink(out) }
            throw error
        }
        var skippedNames: [String] = []
        for f in skipped where !skippedNames.contains(f.linkType) { skippedNames.append(f.linkType) }
        return EvidenceSummary(path: out, linkType: link.name, linkTypeNumber: Int(link.rawValue), nanosecond: nano,
                               packetsWritten: writer.packetsWritten, flows: selection.count,
                               captureWideFindings: report.findings.count(where: { $0.flow == nil }),
                               skippedLinkTypes: skippedNames, skippedFiles: skipped)
    }

    /// `run`'s order: by the first packet's time (ties and files without packets keep their place,
    /// the latter at the end).
    static func readingOrder(_ starts: [Int64?]) -> [Int] {
        starts.indices.sorted { a, b in
            switch (starts[a], starts[b]) {
            case let (x?, y?): return x != y ? x < y : a < b
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a < b
            }
        }
    }

    /// One read of every file: matching packets of `link` files are written, those of other
    /// link types only counted.
    static func pass(_ order: [Int], _ paths: [String], link: LinkType, filter: String?, state: inout EvidenceState,
                     writer: EvidenceWriter) throws(CaptureError) -> [EvidenceSummary.SkippedFile] {
        var skipped: [EvidenceSummary.SkippedFile] = []
        for i in order {
            let f = try OfflineFile(path: paths[i], filter: filter)
            let fileLink = f.linkType
            var count: UInt64 = 0
            f.forEach { rec, matched in
                guard matched, state.keep(rec.bytes, link: fileLink, time: rec.time) else { return }
                if fileLink == link { writer.write(rec) } else { count += 1 }
            }
            if fileLink != link {
                skipped.append(.init(path: f.path, linkType: fileLink.name, linkTypeNumber: Int(fileLink.rawValue), packets: count))
            }
        }
        return skipped
    }

    /// Writing the evidence over one of the captures would destroy it before it is read.
    static func refuseOverwritingInput(_ out: String, inputs: [String]) throws(CaptureError) {
        var o = stat()
        guard stat(out, &o) == 0 else { return }
        for p in inputs {
            var s = stat()
            if stat(p, &s) == 0, s.st_dev == o.st_dev, s.st_ino == o.st_ino {
                throw .cannotWrite(out, "it is the input capture \(p)")
            }
        }
    }
}

/// The flows the findings name, as keys a decoded packet can be looked up by.
struct EvidenceSelection {
    /// A flow with both endpoints and ports (the usual case).
    var flows: Set<FlowKey> = []
    /// A service whose clients are many (tcp.syn-flood): every packet to or from it.
    struct Service: Hashable { var address: IPAddress; var port: UInt16; var proto: IPProtocol }
    var services: Set<Service> = []
    /// Fragments between two hosts whose ports are unknown (a set that lost its first fragment,
    /// a protocol without ports): their fragments, either direction.
    struct Pair: Hashable {
        var low: IPAddress, high: IPAddress, proto: IPProtocol
        init(_ a: IPAddress, _ b: IPAddress, _ proto: IPProtocol) {
            low = min(a, b); high = max(a, b); self.proto = proto
        }
    }
    var pairs: Set<Pair> = []

    var count: Int { flows.count + services.count + pairs.count }

    init(_ findings: [Finding]) {
        for f in findings {
            guard let ref = f.flow, let proto = Self.proto(ref.transport),
                  let server = Self.address(ref.server.ip) else { continue }
            let sport = ref.server.port.flatMap(UInt16.init(exactly:))
            guard let client = ref.client else {
                if let sport { services.insert(Service(address: server, port: sport, proto: proto)) }
                continue
            }
            guard let caddr = Self.address(client.ip) else { continue }
            if let sport, let cport = client.port.flatMap(UInt16.init(exactly:)) {
                flows.insert(FlowKey.make(caddr, cport, server, sport, proto).key)
            } else {
                pairs.insert(Pair(caddr, server, proto))
            }
        }
    }

    /// Whether a packet (or a quoted one) with these addresses and ports belongs to a selected flow.
    func matches(_ src: IPAddress, _ sport: UInt16?, _ dst: IPAddress, _ dport: UInt16?, _ proto: IPProtocol,
                 fragment: Bool) -> Bool {
        if let sport, let dport {
            if !flows.isEmpty, flows.contains(FlowKey.make(src, sport, dst, dport, proto).key) { return true }
            if !services.isEmpty, services.contains(Service(address: dst, port: dport, proto: proto))
                || services.contains(Service(address: src, port: sport, proto: proto)) { return true }
        }
        return fragment && !pairs.isEmpty && pairs.contains(Pair(src, dst, proto))
    }

    static func proto(_ transport: String) -> IPProtocol? {
        switch transport {
        case "tcp": return .tcp
        case "udp": return .udp
        default:
            guard transport.hasPrefix("ip-"), let n = UInt8(transport.dropFirst(3)) else { return nil }
            return IPProtocol(rawValue: n)
        }
    }

    /// A report's address text ("10.0.0.1", "fd00::1") as the analyzer holds it.
    static func address(_ s: String) -> IPAddress? {
        if s.contains(":") {
            var a = in6_addr()
            guard inet_pton(AF_INET6, s, &a) == 1 else { return nil }
            let b = withUnsafeBytes(of: &a) { Array($0) }
            let high = b[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = b[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return IPAddress(high: high, low: low)
        }
        var a = in_addr()
        guard inet_pton(AF_INET, s, &a) == 1 else { return nil }
        return IPAddress(v4: UInt32(bigEndian: a.s_addr))
    }
}

/// The decision per packet, with the fragments of kept datagrams remembered (bounded).
struct EvidenceState {
    struct FragmentKey: Hashable {
        var source: IPAddress, destination: IPAddress, id: UInt32, proto: IPProtocol
    }
    static let maxFragmentKeys = 65_536

    let selection: EvidenceSelection
    let fragmentTimeout: Int64
    /// Datagrams whose first fragment was kept, with that fragment's time.
    var kept: [FragmentKey: Int64] = [:]
    /// Later fragments seen before any kept first fragment of theirs (only while it may matter).
    var unmatched: Set<FragmentKey> = []
    var unmatchedOverflow = false
    var secondPass = false

    init(selection: EvidenceSelection, fragmentTimeout: Int64) {
        self.selection = selection
        self.fragmentTimeout = fragmentTimeout
    }

    /// Some trailing fragment came before the first fragment that made its datagram evidence.
    var needsSecondPass: Bool {
        !secondPass && !kept.isEmpty && (unmatchedOverflow || kept.keys.contains { unmatched.contains($0) })
    }

    mutating func prepareSecondPass() {
        secondPass = true
        unmatched = []
    }

    mutating func keep(_ bytes: WireBytes, link: LinkType, time: Int64) -> Bool {
        if selection.count == 0 { return false }
        let p = Dissector.dissect(bytes, link: link)
        guard let src = p.sourceAddress, let dst = p.destinationAddress else { return false }
        if let fr = p.fragment, !(p.ipv6 != nil && fr.isAtomic), let proto = p.fragmentProtocol {
            return keepFragment(p, fr, src, dst, proto, time: time)
        }
        if let t = p.tcp { return selection.matches(src, t.sourcePort, dst, t.destinationPort, .tcp, fragment: false) }
        if let u = p.udp { return selection.matches(src, u.sourcePort, dst, u.destinationPort, .udp, fragment: false) }
        if let q = p.icmpv4?.quoted ?? p.icmpv6?.quoted { return quotes(q) }
        return false
    }

    mutating func keepFragment(_ p: DecodedPacket, _ fr: FragmentInfo, _ src: IPAddress, _ dst: IPAddress,
                               _ proto: IPProtocol, time: Int64) -> Bool {
        let key = FragmentKey(source: src, destination: dst, id: fr.identification, proto: proto)
        if fr.offset == 0 {
            // The first fragment carries the ports (read raw: the TCP header may be cut short).
            var sport: UInt16?, dport: UInt16?
            if let t = p.tcp { sport = t.sourcePort; dport = t.destinationPort }
            else if let u = p.udp { sport = u.sourcePort; dport = u.destinationPort }
            else if proto == .tcp || proto == .udp, let d = p.fragmentData, d.count >= 4 { sport = d.u16(0); dport = d.u16(2) }
            guard selection.matches(src, sport, dst, dport, proto, fragment: true) else {
                // A datagram kept earlier under this ID is over; this one is not evidence.
                if !secondPass { kept[key] = nil }
                return false
            }
            if kept[key] != nil || kept.count < Self.maxFragmentKeys { kept[key] = time }
            return true
        }
        if let first = kept[key], abs(time &- first) <= fragmentTimeout { return true }
        if selection.matches(src, nil, dst, nil, proto, fragment: true) { return true }
        if !secondPass {
            if unmatched.count < Self.maxFragmentKeys { unmatched.insert(key) } else { unmatchedOverflow = true }
        }
        return false
    }

    /// An ICMP error about a packet of a selected flow, or about a fragment of a kept datagram.
    func quotes(_ q: QuotedPacket) -> Bool {
        let fragment = q.ipv4?.isFragment ?? (q.sourcePort == nil)
        if selection.matches(q.source, q.sourcePort, q.destination, q.destinationPort, q.proto, fragment: fragment) {
            return true
        }
        if let ip = q.ipv4, ip.isFragment {
            return kept[FragmentKey(source: q.source, destination: q.destination, id: UInt32(ip.identification), proto: q.proto)] != nil
        }
        return false
    }
}
