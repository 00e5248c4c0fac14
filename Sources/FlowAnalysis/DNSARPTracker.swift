import PacketDecoding

/// One DNS question as a client kept asking it of one server: retries (same name and type,
/// new IDs) are one transaction.
public struct DNSTransaction: Sendable {
    public var client: IPAddress
    public var clientPort: UInt16
    public var server: IPAddress
    public var serverPort: UInt16
    public var overTCP: Bool
    public var name = InlineArray<256, UInt8>(repeating: 0)
    public var nameCount = 0
    public var qtype: UInt16
    public var queries = 0
    public var firstFrame: UInt64
    public var firstTime: Int64
    public var lastQueryTime: Int64
    public var answered = false
    public var rcode: UInt8 = 0
    public var answerFrame: UInt64 = 0
    public var answerTime: Int64 = 0
    public var answers = 0
    /// The answer's A and AAAA addresses, the first four (`addressCount`).
    public var addresses = InlineArray<4, IPAddress>(repeating: IPAddress(high: 0, low: 0))
    public var addressCount = 0
    /// The answer had TC set: too big for UDP, the client should retry over TCP.
    public var truncatedAnswer = false
    /// Asked over UDP first, then again over TCP (what a truncated answer calls for).
    public var retriedOverTCP = false

    public var nameBytes: [UInt8] { (0..<nameCount).map { name[$0] } }
    public var answerAddresses: [IPAddress] { (0..<addressCount).map { addresses[$0] } }
}

/// Who asked for whom on the link (ARP), and which MACs claimed each address.
public struct ARPRecord: Sendable {
    public var target: IPAddress
    public var requester: IPAddress
    public var requests = 0
    public var replies = 0
    public var firstFrame: UInt64
    public var firstTime: Int64
    public var lastTime: Int64
    /// Distinct MACs that claimed `target` (in replies or as a sender), the first few.
    public var macs: [MACAddress] = []
}

/// DNS transactions and ARP requests, bounded: past `capacity` the oldest are handed over
/// early. Only DNS and ARP packets reach it, never the bulk TCP path.
public struct NameLinkTracker: Sendable {
    public static let capacity = 4096

    struct DNSKey: Hashable { var client: IPAddress; var server: IPAddress; var qtype: UInt16; var name: [UInt8] }
    struct IDKey: Hashable { var client: IPAddress; var clientPort: UInt16; var server: IPAddress; var id: UInt16 }

    var dns: [DNSKey: DNSTransaction] = [:]
    var dnsOrder: [DNSKey] = []
    var pending: [IDKey: DNSKey] = [:]
    var arp: [IPAddress: ARPRecord] = [:]
    var arpOrder: [IPAddress] = []
    /// MACs seen as the sender of each address, for conflicts (bounded like the rest).
    var claims: [IPAddress: [MACAddress]] = [:]
    public private(set) var malformedDNS: UInt64 = 0
    /// DNS transactions and ARP requests handed over early (or dropped) at `capacity`.
    public private(set) var evicted: UInt64 = 0

    public init() {}

    /// A DNS message over UDP or TCP (`message` without TCP's length prefix).
    mutating func dns(_ message: WireBytes, src: IPAddress, sport: UInt16, dst: IPAddress, dport: UInt16, overTCP: Bool,
                      time: Int64, frame: UInt64, emit: (DNSTransaction) -> Void) -> Bool {
        guard let h = try? DNSHeader(message), h.opcode == 0 else { return false }
        var name = InlineArray<256, UInt8>(repeating: 0)
        var count = 0
        let q: (type: UInt16, qclass: UInt16)
        do throws(DecodeError) { q = try h.firstQuestion(into: &name, count: &count) } catch {
            // A message cut by the capture cannot be judged; a loop or a bad label is the sender's.
            if case .malformed = error { malformedDNS &+= 1 }
            return false
        }
        let bytes = (0..<count).map { name[$0] }
        if !h.isResponse {
            let key = DNSKey(client: src, server: dst, qtype: q.type, name: bytes)
            if dns[key] == nil {
                if dnsOrder.count >= Self.capacity, let old = dnsOrder.first {
                    dnsOrder.removeFirst()
                    evicted &+= 1
                    if let t = dns.removeValue(forKey: old) { emit(t) }
                }
                var t = DNSTransaction(client: src, clientPort: sport, server: dst, serverPort: dport, overTCP: overTCP, qtype: q.type,
                                       firstFrame: frame, firstTime: time, lastQueryTime: time)
                t.name = name; t.nameCount = count
                dns[key] = t
                dnsOrder.append(key)
            }
            dns[key]!.queries += 1
            dns[key]!.lastQueryTime = time
            if overTCP && !dns[key]!.overTCP { dns[key]!.retriedOverTCP = true }
            if pending.count >= Self.capacity * 4 { pending.removeAll(keepingCapacity: true) }
            pending[IDKey(client: src, clientPort: sport, server: dst, id: h.id)] = key
        } else {
            guard let key = pending[IDKey(client: dst, clientPort: dport, server: src, id: h.id)], dns[key] != nil else { return true }
            if !dns[key]!.answered || dns[key]!.rcode != 0 && h.rcode == 0 {
                dns[key]!.answered = true
                dns[key]!.rcode = h.rcode
                dns[key]!.answerFrame = frame
                dns[key]!.answerTime = time
                dns[key]!.answers = h.answerCount
                dns[key]!.truncatedAnswer = h.truncated
                dns[key]!.addressCount = h.rcode == 0 ? h.answerAddresses(into: &dns[key]!.addresses) : 0
            }
        }
        return true
    }

    mutating func arp(_ a: ARPPacket, time: Int64, frame: UInt64) {
        // Every sender claims its address: two MACs for one address is a conflict. 0.0.0.0 is a probe.
        let sender = a.senderIP
        if sender != IPAddress(v4: 0) {
            var macs = claims[sender] ?? []
            if !macs.contains(a.senderMAC) && macs.count < 4 {
                macs.append(a.senderMAC)
                if claims.count < Self.capacity || claims[sender] != nil { claims[sender] = macs }
            }
            if a.operation == 2, arp[sender] != nil { arp[sender]!.replies += 1 }
        }
        guard a.operation == 1, a.targetIP != sender else { return }       // a gratuitous ARP asks no one
        let target = a.targetIP
        if arp[target] == nil {
            if arpOrder.count >= Self.capacity { arp.removeValue(forKey: arpOrder.removeFirst()); evicted &+= 1 }
            arp[target] = ARPRecord(target: target, requester: sender, firstFrame: frame, firstTime: time, lastTime: time)
            arpOrder.append(target)
        }
        arp[target]!.requests += 1
        arp[target]!.lastTime = time
    }

    /// Everything still held (end of capture).
    mutating func finish(dns emitDNS: (DNSTransaction) -> Void, arp emitARP: (ARPRecord) -> Void) {
        for k in dnsOrder { if let t = dns[k] { emitDNS(t) } }
        for ip in arpOrder {
            guard var r = arp[ip] else { continue }
            r.macs = claims[ip] ?? []
            emitARP(r)
        }
        // Addresses claimed by two MACs that nobody asked for are conflicts too.
        for (ip, macs) in claims.sorted(by: { $0.key < $1.key }) where macs.count > 1 && arp[ip] == nil {
            emitARP(ARPRecord(target: ip, requester: ip, firstFrame: 0, firstTime: 0, lastTime: 0, macs: macs))
        }
        dns = [:]; dnsOrder = []; pending = [:]; arp = [:]; arpOrder = []; claims = [:]
    }
}
