import PacketDecoding

/// Limits and timeouts of the flow table. Named, printed in the report, overridable.
public struct AnalyzerConfig: Sendable, Equatable {
    /// Flows held at once; past it the oldest flow is finalised early (reported).
    public var maxFlows = 262_144
    /// An open flow idle this long is finalised (longer than any reset-after-idle threshold).
    public var idleTimeout: Int64 = 3_600 * 1_000_000_000
    /// A closed or half-open flow idle this long is finalised.
    public var shortTimeout: Int64 = 120 * 1_000_000_000
    /// A SYN with a new ISN this long after the last SYN of an unanswered attempt is a new attempt.
    public var newAttemptAfter: Int64 = 30 * 1_000_000_000
    /// Bounds of the IP fragment tracker (sets held, bytes kept to compare overlaps, timeout).
    public var fragments = FragmentTracker.Config()
    public init() {}
}

/// A flow or a SYN-only attempt still held at the end.
public struct LiveEntry: Sendable {
    public var firstFrame: UInt64
    public var full: Bool
    public var slot: Int32
}

/// The per-packet entry point: decodes a frame and updates all state. One analyzer per thread;
/// nothing here allocates per packet in steady state.
public struct Analyzer {
    public let config: AnalyzerConfig
    public private(set) var stats = CaptureStats()
    /// 1-based frame number of the packet being processed, as Wireshark counts frames.
    public private(set) var frameNumber: UInt64 = 0
    public private(set) var flows: FlowTable
    /// Attempts that have sent only SYNs so far (see HalfOpen).
    public private(set) var halfOpen: SlotTable<HalfOpen>
    /// Receives what the analyzer finalises: flows, SYN-only attempts, fragmented datagrams, DNS
    /// transactions and ARP records (AnalysisSink.swift).
    public let sink: any AnalysisSink
    /// IP datagrams that arrived in fragments, completed or not (ip.fragmented, ip.fragments.*).
    public private(set) var fragments: FragmentTracker
    /// DNS transactions and ARP requests (dns.*, arp.*).
    public private(set) var names = NameLinkTracker()
    /// The latest packet time seen: the capture's "now" for timeouts.
    public private(set) var now: Int64 = 0
    var nextSweep: Int64 = .min
    static let sweepInterval: Int64 = 60 * 1_000_000_000

    public init(config: AnalyzerConfig = AnalyzerConfig(), sink: any AnalysisSink = DiscardingSink()) {
        self.config = config
        self.sink = sink
        flows = FlowTable(capacity: config.maxFlows)
        halfOpen = SlotTable(capacity: config.maxFlows)
        fragments = FragmentTracker(config: config.fragments)
    }

    /// Flows finalised early because a table was full.
    public var flowsEvicted: UInt64 { flows.evicted &+ halfOpen.evicted }

    /// Processes one frame. `matched` is false when a BPF filter rejected it: it still counts as a
    /// frame (numbers stay aligned with Wireshark) but is not analysed.
    public mutating func process(_ bytes: WireBytes, wireLength: Int, time: Int64, link: LinkType, matched: Bool = true) {
        frameNumber &+= 1
        stats.frame(time: time, wireLength: wireLength, captured: bytes.count, matched: matched)
        // A record claiming more captured bytes than were on the wire is a corrupt file header.
        if bytes.count > wireLength { stats.record(.malformed(.link, .badLength), frame: frameNumber) }
        guard matched else { return }
        if time > now { now = time }
        var p = DecodedPacket()
        Dissector.dissect(bytes, link: link, into: &p)
        analyze(&p, time: time, link: link)
        if now >= nextSweep { sweep() }
    }

    // MARK: sharded analysis (--threads)

    /// The reader's side of a sharded analysis: counts a frame as `process` does, without
    /// analysing it. Returns true when the capture's clock passed the next sweep: the reader then
    /// tells every worker to sweep at this frame (`sweep(frame:clock:)`).
    public mutating func countFrame(wireLength: Int, captured: Int, time: Int64, matched: Bool) -> Bool {
        frameNumber &+= 1
        stats.frame(time: time, wireLength: wireLength, captured: captured, matched: matched)
        if captured > wireLength { stats.record(.malformed(.link, .badLength), frame: frameNumber) }
        guard matched else { return false }
        if time > now { now = time }
        guard now >= nextSweep else { return false }
        nextSweep = now &+ Self.sweepInterval
        return true
    }

    /// A worker's side: one frame numbered by the reader (the worker decodes it), with the
    /// capture's clock (the latest time across every shard) at that frame, so timeouts fire as
    /// they would in one analyzer.
    public mutating func process(_ bytes: WireBytes, frame: UInt64, clock: Int64, time: Int64, link: LinkType) {
        frameNumber = frame
        now = clock
        var p = DecodedPacket()
        Dissector.dissect(bytes, link: link, into: &p)
        analyze(&p, time: time, link: link)
    }

    /// A worker's sweep, at the frame after which the reader's clock passed the sweep interval.
    public mutating func sweep(frame: UInt64, clock: Int64) {
        frameNumber = frame
        now = clock
        sweep()
    }

    /// A worker's end of capture, at the clock of the whole capture: the trackers only; the
    /// flows still held are finalised by the reader from `liveEntries()`.
    public mutating func finishTrackers(clock: Int64) {
        now = clock
        finishTrackers()
    }

    /// The worker that owns a packet when flows are sharded: a symmetric hash of its host pair
    /// (of the quoted packet for an ICMP error), so a flow, its fragments, the ICMP errors about it
    /// and its DNS all land on one worker. ARP and other non-IP frames hash to 0.
    public static func shardHash(_ p: DecodedPacket) -> UInt64 {
        if p.fragment == nil, let q = p.icmpv4?.quoted ?? p.icmpv6?.quoted { return pairHash(q.source, q.destination) }
        guard let s = p.sourceAddress, let d = p.destinationAddress else { return 0 }
        return pairHash(s, d)
    }

    /// `shardHash` straight from the bytes for the common case — Ethernet (with VLAN tags) or raw
    /// IP carrying unfragmented TCP or UDP (not VXLAN) — and nil for anything else, which needs
    /// the full decode. Both give the same hash wherever this one answers.
    public static func quickShardHash(_ b: WireBytes, link: LinkType) -> UInt64? {
        var o = 0
        var type: UInt16
        switch link {
        case .ethernet:
            guard b.count >= 14 else { return nil }
            type = b.u16(12); o = 14
            var tags = 0
            while type == 0x8100 || type == 0x88A8 || type == 0x9100 {
                tags += 1
                guard tags <= Dissector.maximumVLANDepth, b.count >= o &+ 4 else { return nil }
                type = b.u16(o &+ 2); o &+= 4
            }
        case .rawLinux, .rawOpenBSD, .rawLinktype:
            guard b.count >= 1 else { return nil }
            type = b.u8(0) >> 4 == 4 ? 0x0800 : 0x86DD
        default:
            return nil
        }
        let proto: UInt8, transport: Int
        let a: IPAddress, z: IPAddress
        if type == 0x0800 {
            guard b.count >= o &+ 20, b.u8(o) >> 4 == 4 else { return nil }
            let ihl = Int(b.u8(o) & 0x0F) &* 4
            guard ihl >= 20, b.u16(o &+ 6) & 0x3FFF == 0 else { return nil }      // MF or an offset: a fragment
            proto = b.u8(o &+ 9); transport = o &+ ihl
            a = b.ipv4Address(o &+ 12); z = b.ipv4Address(o &+ 16)
        } else if type == 0x86DD {
            guard b.count >= o &+ 40, b.u8(o) >> 4 == 6 else { return nil }
            proto = b.u8(o &+ 6); transport = o &+ 40
            a = b.ipv6Address(o &+ 8); z = b.ipv6Address(o &+ 24)
        } else {
            return nil
        }
        guard proto == 6 || proto == 17, b.count >= transport &+ 4 else { return nil }
        if proto == 17 && b.u16(transport &+ 2) == VXLANHeader.udpPort { return nil }
        return pairHash(a, z)
    }

    @inline(__always)
    static func pairHash(_ x: IPAddress, _ y: IPAddress) -> UInt64 {
        var a = x, b = y
        if b < a { swap(&a, &b) }
        var h = a.high &* 0x9E37_79B9_7F4A_7C15 ^ a.low
        h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9 ^ b.high
        h = (h ^ (h >> 32)) &* 0x94D0_49BB_1331_11EB ^ b.low
        h = (h ^ (h >> 31)) &* 0x9E37_79B9_7F4A_7C15
        return h == 0 ? 1 : h                                    // never 0: 0 is "no address"
    }

    /// Per-packet analysis after the frame is counted and decoded.
    // The packet goes by address (inout, never written): passed as a value, its 400 bytes were
    // copied for every call.
    mutating func analyze(_ p: inout DecodedPacket, time: Int64, link: LinkType) {
        account(&p, link: link)
        if fragments.count > 0 { let sink = self.sink; fragments.expire(now: now) { sink.fragmented($0) } }
        // A fragment (not IPv6's atomic kind) goes to the tracker; its transport is analysed
        // once the whole datagram is there.
        if let fr = p.fragment, !(p.ipv6 != nil && fr.isAtomic) {
            fragment(&p, fr, time: time)
            return
        }
        transport(&p, time: time)
    }

    mutating func transport(_ p: inout DecodedPacket, time: Int64) {
        if let a = p.arp { names.arp(a, time: time, frame: frameNumber) }
        // DNS on port 53 either way: over UDP the datagram, over TCP a first message after its length.
        if let src = p.sourceAddress, let dst = p.destinationAddress, let data = p.payload, !data.isEmpty {
            let sink = self.sink
            let malformedBefore = names.malformedDNS
            defer { if names.malformedDNS != malformedBefore { stats.record(.malformed(.dns, .badLength), frame: frameNumber) } }
            if let u = p.udp, u.sourcePort == 53 || u.destinationPort == 53 {
                _ = names.dns(data, src: src, sport: u.sourcePort, dst: dst, dport: u.destinationPort, overTCP: false,
                              time: time, frame: frameNumber, emit: { sink.dnsTransaction($0) })
            } else if let t = p.tcp, t.sourcePort == 53 || t.destinationPort == 53, data.count > 14,
                      Int(data.u16(0)) <= data.count - 2 {
                _ = names.dns(data.slice(2, 2 + Int(data.u16(0))), src: src, sport: t.sourcePort, dst: dst,
                              dport: t.destinationPort, overTCP: true, time: time, frame: frameNumber, emit: { sink.dnsTransaction($0) })
            }
        }
        if let t = p.tcp, let src = p.sourceAddress, let dst = p.destinationAddress {
            tcp(&p, t, src, dst, time)
        } else if let u = p.udp, let src = p.sourceAddress, let dst = p.destinationAddress {
            // The length per the IP header: a reassembled datagram's header copy holds only its start.
            let length = p.transportWireLength.map { max($0 &- UDPHeader.length, 0) } ?? u.payload.count
            udp(u, src, dst, time, payload: length, tunnel: p.tunnel)
        } else if let m = p.icmpv4, let q = m.quoted, let from = p.sourceAddress {
            icmpError(q, v6: false, type: m.type, code: m.code, mtu: m.isFragmentationNeeded ? UInt32(m.nextHopMTU) : 0, from: from, time)
        } else if let m = p.icmpv6, let q = m.quoted, let from = p.sourceAddress {
            icmpError(q, v6: true, type: m.type, code: m.code, mtu: m.isPacketTooBig ? m.mtu : 0, from: from, time)
        }
    }

    /// One fragment into the tracker; a completed datagram's transport header (kept from its
    /// first fragment) then goes through the flow analysis with the datagram's full length.
    mutating func fragment(_ p: inout DecodedPacket, _ fr: FragmentInfo, time: Int64) {
        guard let data = p.fragmentData, let src = p.sourceAddress, let dst = p.destinationAddress,
              let proto = p.fragmentProtocol else { return }
        let key = FragmentKey(source: src, destination: dst, identification: fr.identification, proto: proto,
                              isIPv6: p.ipv6 != nil)
        let packetLength = p.ipv4?.wireLength ?? p.ipv6.map { $0.wireLength } ?? 0
        let sink = self.sink
        guard let done = fragments.add(key, offset: fr.offset, length: p.fragmentWireLength, packetLength: packetLength,
                                       more: fr.moreFragments, dontFragment: p.ipv4?.dontFragment ?? false, data: data,
                                       time: time, frame: frameNumber, evict: { sink.fragmented($0) }) else { return }
        sink.fragmented(done.datagram)
        let n = min(done.headerCount, FragmentTracker.Completion.headerCapacity)
        WireBytes.with(done.header.span.extracting(0..<n)) { h in
            var q = p
            q.fragment = nil
            q.transportWireLength = done.totalLength
            switch proto {
            case .tcp:
                guard let t = try? TCPHeader(h, wireLength: done.totalLength) else { return }
                q.tcp = t; q.udp = nil; q.payload = t.payload
            case .udp:
                guard let u = try? UDPHeader(h, wireLength: done.totalLength) else { return }
                q.udp = u; q.tcp = nil; q.payload = u.payload
            default:
                return
            }
            transport(&q, time: time)
        }
    }

    /// Finalises every flow (end of capture), in the order the flows began.
    public mutating func finish() {
        let end = now
        for o in liveEntries().sorted(by: { $0.firstFrame < $1.firstFrame }) {
            if o.full { sink.flowEnded(flows.slots[Int(o.slot)], now: end) } else { sink.attemptEnded(halfOpen.slots[Int(o.slot)], now: end) }
        }
        flows.reset()
        halfOpen.reset()
        finishTrackers()
    }

    /// The flows and attempts still held, with their first frames (a sharded analysis finalises
    /// them itself, in the order of first frames across workers, straight from the tables).
    public func liveEntries() -> [LiveEntry] {
        var out: [LiveEntry] = []
        out.reserveCapacity(flows.count + halfOpen.count)
        for s in flows.liveSlots { out.append(LiveEntry(firstFrame: flows.slots[Int(s)].firstFrame, full: true, slot: s)) }
        for s in halfOpen.liveSlots { out.append(LiveEntry(firstFrame: halfOpen.slots[Int(s)].firstFrame, full: false, slot: s)) }
        return out
    }

    /// End of capture for the fragment, DNS and ARP trackers (after the flows).
    public mutating func finishTrackers() {
        let sink = self.sink
        fragments.finish { sink.fragmented($0) }
        names.finish(dns: { sink.dnsTransaction($0) }, arp: { sink.arpRecord($0) })
    }

    /// Finalises idle flows: open ones after `idleTimeout`, closed or never-established ones and
    /// SYN-only attempts after `shortTimeout`; handed over in the order they began, whatever
    /// table they sit in (the same order however flows are sharded).
    mutating func sweep() {
        nextSweep = now &+ Self.sweepInterval
        let long = now &- config.idleTimeout, short = now &- config.shortTimeout
        var due: [DueEntry] = []
        flows.dueSlots(full: true, into: &due) { f in
            f.lastTime < long || (f.lastTime < short && (f.isClosed || !f.handshakeCompleted))
        }
        halfOpen.dueSlots(full: false, into: &due) { $0.lastTime < short }
        guard !due.isEmpty else { return }
        due.sort { $0.firstFrame < $1.firstFrame }
        let at = now
        for d in due {
            if d.full { sink.flowEnded(flows.slots[Int(d.slot)], now: at); flows.discard(d.slot) }
            else { sink.attemptEnded(halfOpen.slots[Int(d.slot)], now: at); halfOpen.discard(d.slot) }
        }
        flows.tidyRing()
        halfOpen.tidyRing()
    }

    // MARK: TCP

    mutating func tcp(_ p: inout DecodedPacket, _ t: TCPHeader, _ src: IPAddress, _ dst: IPAddress, _ time: Int64) {
        let flags = t.flags
        let (key, fromLow) = FlowKey.make(src, t.sourcePort, dst, t.destinationPort, .tcp)
        let isSYN = flags.contains(.syn) && !flags.contains(.ack)
        // Almost every segment belongs to a flow already held and is not a SYN: that path stays
        // short; SYNs, attempts and new flows go out of line (a lean frame, fewer spills).
        let held = flows.find(key)
        let s: Int32
        if !isSYN, let x = held { s = x }
        else if let x = slotSlowPath(&p, t, held: held, key: key, fromLow: fromLow, isSYN: isSYN, time: time) { s = x }
        else { return }
        let frame = frameNumber
        let fromClient = fromLow == flows.slots[Int(s)].clientIsLow
        let ttl = p.hopLimit ?? 0
        let ipID: UInt16? = p.ipv4?.identification
        let mac = p.sourceMAC
        let payload = p.payload?.count ?? 0
        // What the segment occupies in sequence space, from the IP length (not the capture).
        let wirePayload = max((p.transportWireLength ?? 0) &- t.headerLength, payload)
        // Options matter on every segment (SACK, timestamps); most bulk segments carry only timestamps.
        let opts = t.headerLength > TCPHeader.minimumLength ? t.options.summary : TCPOptionSummary()
        // RFC 9293 3.2: a length below 2 or past the header ends the walk; what came before is used.
        if opts.malformed { stats.record(.malformed(.tcpOption, .optionLength), frame: frame) }
        flows.slots[Int(s)].update(Segment(fromClient: fromClient, flags: flags, seq: t.sequence, ack: t.acknowledgment,
                                           window: t.window, payload: wirePayload, options: opts, ttl: ttl, ipID: ipID,
                                           mac: mac, time: time, frame: frame,
                                           ipLength: p.ipv4?.wireLength ?? p.ipv6.map { $0.wireLength } ?? 0,
                                           df: p.ipv4?.dontFragment ?? true))
        if let tun = p.tunnel { flows.slots[Int(s)].noteTunnel(tun) }
        if payload > 0, !flags.contains(.rst), !flows.slots[Int(s)].tlsRuledOut {
            trackTLS(&p, t, slot: s, fromClient: fromClient, time: time)
        }
    }

    /// The slot of a segment's flow when it is a SYN or its flow is not held as a full flow
    /// (`held`: the slot found, if any): SYN retries and copies of an attempt (nil: nothing more
    /// to do), a new attempt (nil), a promoted attempt, a reused 4-tuple, or a new flow.
    @inline(never)
    mutating func slotSlowPath(_ p: inout DecodedPacket, _ t: TCPHeader, held: Int32?, key: FlowKey, fromLow: Bool,
                               isSYN: Bool, time: Int64) -> Int32? {
        let flags = t.flags
        var slot = held
        if slot == nil, let h = halfOpen.find(key) {
            let attempt = halfOpen.slots[Int(h)]
            if isSYN, fromLow == attempt.clientIsLow, t.sequence == attempt.isn {
                // A retry of the attempt, or the capture's copy of the last SYN (with a lower TTL: a loop).
                let ttl = p.hopLimit ?? 0
                let last = attempt.lastTTL == 0 ? attempt.ttl : attempt.lastTTL
                let copy = time &- attempt.syns.lastTime < Flow.synCopyWindow
                let base = attempt.copyBaseTTL == 0 ? attempt.ttl : attempt.copyBaseTTL
                if copy && ttl < last {
                    // One hop below its first sighting: the capturing router forwarding it; more: a loop.
                    if Int(ttl) >= Int(base) - 1 { halfOpen.slots[Int(h)].forwardedSYNs &+= 1 }
                    else { halfOpen.slots[Int(h)].loopedSYNs &+= 1 }
                }
                halfOpen.slots[Int(h)].lastTTL = ttl
                if !copy { halfOpen.slots[Int(h)].copyBaseTTL = ttl }
                if copy { halfOpen.slots[Int(h)].duplicateSYNs &+= 1 }
                else { halfOpen.slots[Int(h)].syns.add(frame: frameNumber, time: time) }
                return nil
            }
            slot = promote(h)
        }
        if slot == nil, isSYN {
            let o = t.options.summary
            if o.malformed { stats.record(.malformed(.tcpOption, .optionLength), frame: frameNumber) }
            var first = EventList()
            first.add(frame: frameNumber, time: time)
            let sink = self.sink
            if let old = halfOpen.oldestToEvict() {
                sink.attemptEnded(halfOpen.slots[Int(old)], now: now)
                halfOpen.discard(old)
            }
            _ = halfOpen.insert(HalfOpen(key: key, clientIsLow: fromLow, isn: t.sequence, syns: first, mss: o.mss,
                                         windowScale: o.windowScale, window: t.window, ttl: p.hopLimit ?? 0,
                                         ipID: p.ipv4?.identification, mac: p.sourceMAC),
                                key: key, now: now, evict: { sink.attemptEnded($0, now: $1) })
            return nil
        }
        if let s = slot, isSYN, startsNewConnection(flows.slots[Int(s)], fromLow: fromLow, seq: t.sequence, time: time) {
            sink.flowEnded(flows.slots[Int(s)], now: now)
            flows.discard(s)
            slot = nil
        }
        if let x = slot { return x }
        // The client is who sent the SYN; the receiver of a SYN-ACK; else the higher port
        // (ties: the first sender).
        let clientIsLow: Bool
        let guessed: Bool
        if flags.contains(.syn) {
            clientIsLow = flags.contains(.ack) ? !fromLow : fromLow
            guessed = false
        } else {
            let lowIsServer = key.lowPort < key.highPort || (key.lowPort == key.highPort && !fromLow)
            clientIsLow = !lowIsServer
            guessed = true
        }
        return flows.insert(Flow(key: key, clientIsLow: clientIsLow, roleGuessed: guessed, midstream: !flags.contains(.syn),
                                 time: time, frame: frameNumber), key: key, now: now, evict: { [sink] in sink.flowEnded($0, now: $1) })
    }

    /// A segment's data into the flow's TLS tracker (out of line: most flows are ruled out early).
    @inline(never)
    mutating func trackTLS(_ p: inout DecodedPacket, _ t: TCPHeader, slot s: Int32, fromClient: Bool, time: Int64) {
        guard let data = p.payload, !data.isEmpty else { return }
        let flags = t.flags
        let frame = frameNumber
        let before = flows.slots[Int(s)].tls.first?.malformed ?? 0
        // A SYN's data (TCP Fast Open) starts one after its sequence number.
        flows.slots[Int(s)].trackTLS(fromClient: fromClient, seq: flags.contains(.syn) ? t.sequence + 1 : t.sequence,
                                    payload: data, time: time, frame: frame)
        if let after = flows.slots[Int(s)].tls.first?.malformed, after != before {
            stats.record(.malformed(.tls, .badLength), frame: frame)
        }
    }

    /// Turns a half-open attempt into a full flow (something other than its SYN arrived).
    mutating func promote(_ h: Int32) -> Int32 {
        let f = halfOpen.slots[Int(h)].flow()
        halfOpen.discard(h)
        return flows.insert(f, key: f.key, now: now, evict: { [sink] in sink.flowEnded($0, now: $1) })
    }

    /// A SYN on a known 4-tuple: a retry of the same attempt, or a new connection (port reuse)?
    func startsNewConnection(_ f: Flow, fromLow: Bool, seq: SeqNum, time: Int64) -> Bool {
        let fromClient = fromLow == f.clientIsLow
        guard fromClient else { return f.isClosed }                      // simultaneous open or odd order
        guard let isn = f.client.isn else { return f.isClosed || f.midstream }
        if seq == isn { return false }                                   // a retransmitted SYN
        if f.isClosed || f.handshakeCompleted { return true }            // reuse of a finished 4-tuple
        return time &- f.client.syns.lastTime > config.newAttemptAfter   // a fresh attempt much later
    }

    // MARK: UDP

    mutating func udp(_ u: UDPHeader, _ src: IPAddress, _ dst: IPAddress, _ time: Int64, payload: Int, tunnel: TunnelInfo? = nil) {
        let (key, fromLow) = FlowKey.make(src, u.sourcePort, dst, u.destinationPort, .udp)
        let s: Int32
        if let x = flows.find(key) { s = x } else {
            // The first sender is the client, unless it sends from a well-known port to a high one.
            let senderIsServer = u.sourcePort < 1024 && u.destinationPort >= 1024
            s = flows.insert(Flow(key: key, clientIsLow: senderIsServer ? !fromLow : fromLow, roleGuessed: senderIsServer,
                                  midstream: false, time: time, frame: frameNumber), key: key, now: now, evict: { [sink] in sink.flowEnded($0, now: $1) })
        }
        let fromClient = fromLow == flows.slots[Int(s)].clientIsLow
        flows.slots[Int(s)].updateDatagram(fromClient: fromClient, payload: payload, time: time, frame: frameNumber)
        if let t = tunnel { flows.slots[Int(s)].noteTunnel(t) }
    }

    // MARK: ICMP errors

    mutating func icmpError(_ q: QuotedPacket, v6: Bool, type: UInt8, code: UInt8, mtu: UInt32, from: IPAddress, _ time: Int64) {
        // An error about an error is never legitimate (and would loop): counted, not followed.
        if let t = q.icmpType, q.proto == .icmp ? (t == 3 || t == 4 || t == 5 || t == 11 || t == 12) : t < 128 {
            stats.record(.malformed(v6 ? .icmpv6 : .icmpv4, .errorAboutError), frame: frameNumber)
            return
        }
        guard let sp = q.sourcePort, let dp = q.destinationPort else { return }
        let (key, quotedFromLow) = FlowKey.make(q.source, sp, q.destination, dp, q.proto)
        guard let s = flows.find(key) ?? halfOpen.find(key).map({ promote($0) }) else { return }
        let aboutClient = quotedFromLow == flows.slots[Int(s)].clientIsLow
        if (!v6 && type == 3 && code == 4) || (v6 && type == 2) {
            flows.slots[Int(s)].attachPathMTU(reporter: from, reportedMTU: mtu, quotedLength: q.originalLength,
                                              quotedDF: q.ipv4?.dontFragment ?? true, quotedSeq: q.tcpSequence, v6: v6,
                                              aboutClient: aboutClient, time: time, frame: frameNumber)
        }
        let since = max(time &- flows.slots[Int(s)].lastTime, 0) / 1_000_000
        let info = ICMPErrorInfo(frame: frameNumber, time: time, v6: v6, type: type, code: code,
                                 afterLastPacketMs: UInt32(clamping: since), reporter: from, mtu: mtu,
                                 aboutClientPacket: aboutClient, quotedSYN: q.tcpFlags.map { $0.contains(.syn) && !$0.contains(.ack) } ?? false)
        flows.slots[Int(s)].attach(info)
    }

    // MARK: counters

    @inline(__always)
    mutating func account(_ p: inout DecodedPacket, link: LinkType) {
        switch link {
        case .ethernet: stats.count(.ethernet)
        case .linuxSLL: stats.count(.linuxSLL)
        case .linuxSLL2: stats.count(.linuxSLL2)
        case .null, .loop: stats.count(.loopback)
        default: stats.count(.rawIP)
        }
        if p.vlanCount > 0 { stats.count(.vlan) }
        if p.arp != nil { stats.count(.arp) }
        if p.ipv4 != nil {
            stats.count(.ipv4)
            if p.fragment != nil { stats.count(.ipv4Fragment) }
        } else if p.ipv6 != nil {
            stats.count(.ipv6)
            if p.fragment != nil { stats.count(.ipv6Fragment) }
        } else if p.arp == nil && p.error == nil {
            stats.count(.otherLink)
        }
        if p.tcp != nil { stats.count(.tcp) }
        else if p.udp != nil { stats.count(.udp) }
        else if p.icmpv4 != nil { stats.count(.icmp) }
        else if p.icmpv6 != nil { stats.count(.icmpv6) }
        else if p.error == nil, let t = p.transportProtocol, p.fragment.map({ $0.offset == 0 }) ?? true,
                t != .tcp, t != .udp, t != .icmp, t != .icmpv6 {
            stats.count(.otherIP)
        }
        if let e = p.error { stats.record(e, frame: frameNumber) }
    }
}
