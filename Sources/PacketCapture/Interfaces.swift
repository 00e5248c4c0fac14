import CPcap
import Glibc

/// A device libpcap can capture on, as `pcap_findalldevs` lists it.
public struct NetworkInterface: Sendable, Equatable {
    public let name: String
    /// libpcap's description; Linux usually has none (nil), except for pseudo-devices like "any".
    public let description: String?
    /// IPv4 and IPv6 addresses in text form (inet_ntop); an IPv6 link-local one carries its zone
    /// ("fe80::1%eth0").
    public let addresses: [String]
    public let isUp: Bool
    public let isRunning: Bool
    public let isLoopback: Bool
    public let isWireless: Bool

    public init(name: String, description: String?, addresses: [String], isUp: Bool, isRunning: Bool,
                isLoopback: Bool, isWireless: Bool) {
        self.name = name
        self.description = description
        self.addresses = addresses
        self.isUp = isUp
        self.isRunning = isRunning
        self.isLoopback = isLoopback
        self.isWireless = isWireless
    }

    /// Every capture device in libpcap's order (up and running ones first, loopback after).
    public static func list() throws(CaptureError) -> [NetworkInterface] {
        var errbuf = [CChar](repeating: 0, count: Int(cpcap_errbuf_size()))
        var head: UnsafeMutablePointer<pcap_if_t>?
        guard pcap_findalldevs(&head, &errbuf) == 0 else { throw .cannotListInterfaces(pcapMessage(errbuf)) }
        defer { if let head { pcap_freealldevs(head) } }
        var result: [NetworkInterface] = []
        var device = head
        while let d = device {
            let name = String(cString: d.pointee.name)
            var addresses: [String] = []
            var a = d.pointee.addresses
            while let entry = a {
                if let sa = entry.pointee.addr, let text = Self.addressText(sa, zone: name) { addresses.append(text) }
                a = entry.pointee.next
            }
            let flags = d.pointee.flags
            result.append(NetworkInterface(
                name: name,
                description: d.pointee.description.map { String(cString: $0) },
                addresses: addresses,
                isUp: flags & UInt32(PCAP_IF_UP) != 0,
                isRunning: flags & UInt32(PCAP_IF_RUNNING) != 0,
                isLoopback: flags & UInt32(PCAP_IF_LOOPBACK) != 0,
                isWireless: flags & UInt32(PCAP_IF_WIRELESS) != 0))
            device = d.pointee.next
        }
        return result
    }

    /// An AF_INET / AF_INET6 address as text; nil for other families (e.g. AF_PACKET).
    private static func addressText(_ sa: UnsafeMutablePointer<sockaddr>, zone: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            let ok = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                inet_ntop(AF_INET, &sin.pointee.sin_addr, &buffer, socklen_t(buffer.count)) != nil
            }
            return ok ? cText(buffer) : nil
        case AF_INET6:
            var scoped = false
            let ok = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                scoped = sin6.pointee.sin6_scope_id != 0
                return inet_ntop(AF_INET6, &sin6.pointee.sin6_addr, &buffer, socklen_t(buffer.count)) != nil
            }
            guard ok else { return nil }
            return cText(buffer) + (scoped ? "%" + zone : "")
        default:
            return nil
        }
    }
}
