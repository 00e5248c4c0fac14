import PacketDecoding

/// The per-packet entry point: decodes a frame and updates all state. One analyzer per thread;
/// nothing here allocates per packet.
public struct Analyzer: Sendable {
    public private(set) var stats = CaptureStats()
    /// 1-based frame number of the packet being processed, as Wireshark counts frames.
    public private(set) var frameNumber: UInt64 = 0

    public init() {}

    /// Processes one frame. `matched` is false when a BPF filter rejected it: it still counts as a
    /// frame (numbers stay aligned with Wireshark) but is not analysed.
    public mutating func process(_ bytes: WireBytes, wireLength: Int, time: Int64, link: LinkType, matched: Bool = true) {
        frameNumber &+= 1
        stats.frame(time: time, wireLength: wireLength, captured: bytes.count, matched: matched)
        guard matched else { return }
        let p = Dissector.dissect(bytes, link: link)
        account(p, link: link)
    }

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
