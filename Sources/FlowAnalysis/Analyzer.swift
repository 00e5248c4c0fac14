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
    /// Receives every flow as it is finalised (closed and lingered, idle, evicted, reused, or at
    /// the end), with the capture time of that moment. Called with the flow still in place.
    public var onFinished: (Flow, _ now: Int64) -> Void
    /// Receives attempts that never sent more than SYNs; by default they become flows.
    public var onHalfOpenFinished: (HalfOpen, _ now: Int64) -> Void
    /// IP datagrams that arrived in fragments, completed or not (ip.fragmented, ip.fragments.*).
    public private(set) var fragments: FragmentTracker
    public var onFragmented: (FragmentedDatagram) -> Void = { _ in }
    /// DNS transactions and ARP requests (dns.*, arp.*).
    public private(set) var names = NameLinkTracker()
    public var onDNS: (DNSTransaction) -> Void = { _ in }
    public var onARP: (ARPRecord) -> Void = { _ in }
    /// The latest packet time seen: the capture's "now" for timeouts.
    public private(set) var now: Int64 = 0
    var nextSweep: Int64 = .min
    static let sweepInterval: Int64 = 60 * 1_000_000_000

    public init(config: AnalyzerConfig = AnalyzerConfig(), onFinished: @escaping (Flow, _ now: Int64) -> Void = { _, _ in },
                onHalfOpenFinished: ((HalfOpen, _ now: Int64) -> Void)? = nil) {
        self.config = config
        self.onFinished = onFinished
        self.onHalfOpenFinished = onHalfOpenFinished ?? { h, now in onFinished(h.flow(), now) }
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
        let p = Dissector.dissect(bytes, link: link)
        account(p, link: link)
        if fragments.count > 0 { let sink = onFragmented; fragments.expire(now: now, sink) }
        // A fragment (not IPv6's atomic kind) goes to the tracker; its transport is analysed
        // once the whole datagram is there.
        if let fr = p.fragment, !(p.ipv6 != nil && fr.isAtomic) {
            fragment(p, fr, time: time)
            if now >= nextSweep { sweep() }
            return
        }
        transport(p, time: time)
        if now >= nextSweep { sweep() }
    }

    mutating func transport(_ p: DecodedPacket, time: Int64) {
        if let a = p.arp { names.arp(a, time: time, frame: frameNumber) }
        // DNS on port 53 either way: over UDP the datagram, over TCP a first message after its length.
        if let src = p.sourceAddress, let dst = p.destinationAddress, let data = p.payload, !data.isEmpty {
            let sink = onDNS
            let malformedBefore = names.malformedDNS
            defer { if names.malformedDNS != malformedBefore { stats.record(.malformed(.dns, .badLength), frame: frameNumber) } }
            if let u = p.udp, u.sourcePort == 53 || u.destinationPort == 53 {
                _ = names.dns(data, src: src, sport: u.sourcePort, dst: dst, dport: u.destinationPort, overTCP: false,
                              time: time, frame: frameNumber, emit: sink)
            } else if let t = p.tcp, t.sourcePort == 53 || t.destinationPort == 53, data.count > 14,
                      Int(data.u16(0)) <= data.count - 2 {
                _ = names.dns(data.slice(2, 2 + Int(data.u16(0))), src: src, sport: t.sourcePort, dst: dst,
                              dport: t.destinationPort, overTCP: true, time: time, frame: frameNumber, emit: sink)
            }
        }
        if let t = p.tcp, let src = p.sourceAddress, let dst = p.destinationAddress {
            tcp(p, t, src, dst, time)
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
    mutating func fragment(_ p: DecodedPacket, _ fr: FragmentInfo, time: Int64) {
        guard let data = p.fragmentData, let src = p.sourceAddress, let dst = p.destinationAddress,
              let proto = p.fragmentProtocol else { return }
        let key = FragmentKey(source: src, destination: dst, identification: fr.identification, proto: proto,
                              isIPv6: p.ipv6 != nil)
        let packetLength = p.ipv4?.wireLength ?? p.ipv6.map { $0.wireLength } ?? 0
        let sink = onFragmented
        guard let done = fragments.add(key, offset: fr.offset, length: p.fragmentWireLength, packetLength: packetLength,
                                       more: fr.moreFragments, dontFragment: p.ipv4?.dontFragment ?? false, data: data,
                                       time: time, frame: frameNumber, evict: sink) else { return }
        sink(done.datagram)
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
            transport(q, time: time)
        }
    }

    /// Finalises every flow (end of capture), in the order the flows began.
    public mutating func finish() {
        let sink = onFinished, halfSink = onHalfOpenFinished, end = now
        var order: [(frame: UInt64, full: Bool, slot: Int32)] = []
        order.reserveCapacity(flows.count + halfOpen.count)
        for s in flows.liveSlots { order.append((flows.slots[Int(s)].firstFrame, true, s)) }
        for s in halfOpen.liveSlots { order.append((halfOpen.slots[Int(s)].firstFrame, false, s)) }
        order.sort { $0.frame < $1.frame }
        for o in order {
            if o.full { sink(flows.slots[Int(o.slot)], end) } else { halfSink(halfOpen.slots[Int(o.slot)], end) }
        }
        flows.reset()
        halfOpen.reset()
        let fragmentSink = onFragmented
        fragments.finish(fragmentSink)
        let dnsSink = onDNS, arpSink = onARP
        names.finish(dns: dnsSink, arp: arpSink)
    }

    mutating func sweep() {
        nextSweep = now &+ Self.sweepInterval
        let long = now &- config.idleTimeout, short = now &- config.shortTimeout
        let sink = onFinished, halfSink = onHalfOpenFinished, at = now
        flows.expire(idleBefore: long) { sink($0, at) }
        halfOpen.expire(idleBefore: short) { halfSink($0, at) }
        // Closed and never-established flows go sooner; scan only when there are many.
        if flows.count > 4096 {
            var gone: [Int32] = []
            for (i, f) in flows.slots.enumerated() where flows.live[i] && f.lastTime < short && (f.isClosed || !f.handshakeCompleted) {
                gone.append(Int32(i))
            }
            for s in gone { sink(flows.slots[Int(s)], at); flows.discard(s) }
        }
    }

    // MARK: TCP

    mutating func tcp(_ p: DecodedPacket, _ t: TCPHeader, _ src: IPAddress, _ dst: IPAddress, _ time: Int64) {
        let flags = t.flags
        let (key, fromLow) = FlowKey.make(src, t.sourcePort, dst, t.destinationPort, .tcp)
        let isSYN = flags.contains(.syn) && !flags.contains(.ack)
        var slot = flows.find(key)
        if slot == nil, let h = halfOpen.find(key) {
            let attempt = halfOpen.slots[Int(h)]
            if isSYN, fromLow == attempt.clientIsLow, t.sequence == attempt.isn {
                // A retry of the attempt, or the capture's copy of the last SYN (with a lower TTL: a loop).
                let ttl = p.hopLimit ?? 0
                if ttl < (attempt.lastTTL == 0 ? attempt.ttl : attempt.lastTTL) { halfOpen.slots[Int(h)].loopedSYNs &+= 1 }
                halfOpen.slots[Int(h)].lastTTL = ttl
                if time &- attempt.syns.lastTime < Flow.synCopyWindow { halfOpen.slots[Int(h)].duplicateSYNs &+= 1 }
                else { halfOpen.slots[Int(h)].syns.add(frame: frameNumber, time: time) }
                return
            }
            slot = promote(h)
        }
        if slot == nil, isSYN {
            let o = t.options.summary
            if o.malformed { stats.record(.malformed(.tcpOption, .optionLength), frame: frameNumber) }
            var first = EventList()
            first.add(frame: frameNumber, time: time)
            let sink = onHalfOpenFinished
            _ = halfOpen.insert(HalfOpen(key: key, clientIsLow: fromLow, isn: t.sequence, syns: first, mss: o.mss,
                                         windowScale: o.windowScale, window: t.window, ttl: p.hopLimit ?? 0,
                                         ipID: p.ipv4?.identification, mac: p.sourceMAC),
                                key: key, now: now, evict: sink)
            return
        }
        if let s = slot, isSYN, startsNewConnection(flows.slots[Int(s)], fromLow: fromLow, seq: t.sequence, time: time) {
            onFinished(flows.slots[Int(s)], now)
            flows.discard(s)
            slot = nil
        }
        let s: Int32
        if let x = slot {
            s = x
        } else {
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
            s = flows.insert(Flow(key: key, clientIsLow: clientIsLow, roleGuessed: guessed, midstream: !flags.contains(.syn),
                                  time: time, frame: frameNumber), key: key, now: now, evict: onFinished)
        }
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
        flows.slots[Int(s)].update(fromClient: fromClient, flags: flags, seq: t.sequence, ack: t.acknowledgment,
                                   window: t.window, payload: wirePayload, options: opts, ttl: ttl, ipID: ipID,
                                   mac: mac, time: time, frame: frame,
                                   ipLength: p.ipv4?.wireLength ?? p.ipv6.map { $0.wireLength } ?? 0,
                                   df: p.ipv4?.dontFragment ?? true)
        if let tun = p.tunnel { flows.slots[Int(s)].noteTunnel(tun) }
        if let data = p.payload, !data.isEmpty, !flags.contains(.rst), !flows.slots[Int(s)].tlsRuledOut {
            let before = flows.slots[Int(s)].tls.first?.malformed ?? 0
            // A SYN's data (TCP Fast Open) starts one after its sequence number.
            flows.slots[Int(s)].trackTLS(fromClient: fromClient, seq: flags.contains(.syn) ? t.sequence + 1 : t.sequence,
                                        payload: data, time: time, frame: frame)
            if let after = flows.slots[Int(s)].tls.first?.malformed, after != before {
                stats.record(.malformed(.tls, .badLength), frame: frame)
            }
        }
    }

    /// Turns a half-open attempt into a full flow (something other than its SYN arrived).
    mutating func promote(_ h: Int32) -> Int32 {
        let f = halfOpen.slots[Int(h)].flow()
        halfOpen.discard(h)
        return flows.insert(f, key: f.key, now: now, evict: onFinished)
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
                                  midstream: false, time: time, frame: frameNumber), key: key, now: now, evict: onFinished)
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
        let info = ICMPErrorInfo(frame: frameNumber, time: time, v6: v6, type: type, code: code, reporter: from, mtu: mtu,
                                 aboutClientPacket: aboutClient, quotedSYN: q.tcpFlags.map { $0.contains(.syn) && !$0.contains(.ack) } ?? false)
        flows.slots[Int(s)].attach(info)
    }

    // MARK: counters

    mutating func account(_ p: DecodedPacket, link: LinkType) {
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
