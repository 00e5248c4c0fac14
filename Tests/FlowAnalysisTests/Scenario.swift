import Diagnosis
import FlowdoctorCore
import PacketDecoding
import Reporting
import TestSupport

typealias B = PacketBuilder

/// Writes a conversation of IP packets as an Ethernet pcap and analyses it.
struct Scenario {
    var frames: [CapturedFrame] = []
    var t: Int64 = 1_700_000_000_000_000_000
    var client: Addr = "10.0.0.1"
    var server: Addr = "10.0.0.2"
    var cport: UInt16 = 40000
    var sport: UInt16 = 80
    var cisn: UInt32 = 1000
    var sisn: UInt32 = 5000
    var clientTTL: UInt8 = 64
    var serverTTL: UInt8 = 63

    init(v6: Bool = false) {
        if v6 { client = "fd00::1"; server = "fd00::2" }
    }

    mutating func wait(_ seconds: Double) { t += Int64(seconds * 1e9) }

    /// Lets time pass and closes the capture with an unrelated packet, so the capture's end is
    /// that much later than the conversation.
    mutating func end(after seconds: Double) {
        wait(seconds)
        add(B.udp("192.0.2.250", 5000, "192.0.2.251", 5001, payload: [1]))
    }

    /// Wraps every packet (a tunnel), when set.
    var wrap: (([UInt8]) -> [UInt8])?

    mutating func add(_ ip: [UInt8], fromClient: Bool = true, mac: UInt64? = nil) {
        let src = mac ?? (fromClient ? B.clientMAC : B.serverMAC)
        let packet = wrap?(ip) ?? ip
        frames.append(CapturedFrame(B.frame(.ethernet, packet, src: src, dst: fromClient ? B.serverMAC : B.clientMAC), time: t))
        t += 1_000_000                                                           // 1 ms between packets
    }

    mutating func c(_ flags: TCPFlags, seq: UInt32? = nil, ack: UInt32 = 0, payload: Int = 0, window: UInt16 = 64240, ttl: UInt8? = nil,
                    id: UInt16 = 1, opts: [BuildOption] = []) {
        add(B.tcp(client, cport, server, sport, flags: flags, seq: seq ?? cisn, ack: ack, window: window,
                  options: flags.contains(.syn) && opts.isEmpty ? [.mss(1460), .sackPermitted, .windowScale(7)] : opts,
                  payload: Array(repeating: 0x41, count: payload), ttl: ttl ?? clientTTL, id: id))
    }
    mutating func s(_ flags: TCPFlags, seq: UInt32? = nil, ack: UInt32 = 0, payload: Int = 0, window: UInt16 = 65160,
                    ttl: UInt8? = nil, mac: UInt64? = nil, id: UInt16? = nil, opts: [BuildOption] = []) {
        add(B.tcp(server, sport, client, cport, flags: flags, seq: seq ?? sisn, ack: ack, window: window,
                  options: flags.contains(.syn) && opts.isEmpty ? [.mss(1460), .sackPermitted, .windowScale(7)] : opts,
                  payload: Array(repeating: 0x42, count: payload), ttl: ttl ?? serverTTL, id: id ?? serverID), fromClient: false, mac: mac)
        if serverIDStep != 0, id == nil { serverID &+= serverIDStep }
    }
    /// The server's IPv4 ID and how it steps per packet (0: constant, as most tests need).
    var serverID: UInt16 = 1
    var serverIDStep: UInt16 = 0

    /// SYN, SYN-ACK, ACK.
    mutating func handshake() {
        c([.syn])
        s([.syn, .ack], ack: cisn + 1)
        c([.ack], seq: cisn + 1, ack: sisn + 1)
    }

    /// A request of `req` bytes and a response of `resp` bytes, acknowledged.
    mutating func exchange(req: Int = 100, resp: Int = 1000) {
        c([.ack, .psh], seq: cisn + 1, ack: sisn + 1, payload: req)
        s([.ack, .psh], seq: sisn + 1, ack: cisn + 1 + UInt32(req), payload: resp)
        c([.ack], seq: cisn + 1 + UInt32(req), ack: sisn + 1 + UInt32(resp))
        cisn += UInt32(req); sisn += UInt32(resp)
    }

    func analyze(_ tune: (inout OfflineAnalysis.Options) -> Void = { _ in }) throws -> Report {
        let path = temporaryDirectory("flowtest") + "/s.pcap"
        try PCAPWriter(linkType: 1).write(frames, to: path)
        var o = OfflineAnalysis.Options()
        tune(&o)
        return try OfflineAnalysis.run(paths: [path], options: o)
    }
}

extension Report {
    func kinds() -> [String] { findings.map(\.kind.rawValue) }
    func only(_ k: FindingKind) -> [Finding] { findings.filter { $0.kind == k } }
}
