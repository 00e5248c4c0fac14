import CPcap
import Glibc
import PacketDecoding

/// Why a capture could not be opened or read. Messages are one line, for people.
public enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    case noSuchFile(String)
    case isDirectory(String)
    case emptyFile(String)
    case unreadable(String, String)
    case notACapture(String, String)
    case unsupportedLinkType(String, Int32, String)
    case invalidFilter(String, String)
    case mixedLinkTypes(String, String)
    /// An output capture (evidence) that cannot be created or written.
    case cannotWrite(String, String)
    // Live capture (LiveCapture, NetworkInterface, Privileges).
    /// The interface does not exist.
    case noSuchDevice(String)
    /// The interface exists but is administratively down.
    case interfaceDown(String)
    /// Opening the interface needs privileges; the second value is the program to `setcap`.
    case permissionDenied(String, String)
    /// The interface may be captured on, but not in promiscuous mode.
    case promiscuousNotPermitted(String)
    /// Any other failure to open or set up a live capture, with libpcap's message.
    case captureFailed(String, String)
    /// pcap_findalldevs failed.
    case cannotListInterfaces(String)
    /// `--user` names no account.
    case unknownUser(String)
    /// Switching to the user failed or could be undone.
    case cannotDropPrivileges(String, String)

    public var description: String {
        switch self {
        case .noSuchFile(let p): "\(p): no such file"
        case .isDirectory(let p): "\(p): is a directory, not a capture file"
        case .emptyFile(let p): "\(p): empty file, not a capture"
        case .unreadable(let p, let m): "\(p): cannot read: \(m)"
        case .notACapture(let p, let m): "\(p): not a pcap or pcapng capture (\(m))"
        case .unsupportedLinkType(let p, let n, let name):
            "\(p): link type \(n) (\(name)) is not supported; flowdoctor reads Ethernet (with 802.1Q/QinQ), "
                + "Linux cooked SLL and SLL2, raw IPv4/IPv6 and BSD NULL/LOOP"
        case .invalidFilter(let f, let m): "invalid filter '\(f)': \(m)"
        case .mixedLinkTypes(let p, let m): "\(p): \(m)"
        case .cannotWrite(let p, let m): "\(p): cannot write: \(m)"
        case .noSuchDevice(let i): "no such device: \(i); `flowdoctor interfaces` lists them"
        case .interfaceDown(let i): "interface \(i) is down; bring it up first (ip link set \(i) up)"
        case .permissionDenied(let i, let program):
            "permission denied on \(i): capturing needs root or the CAP_NET_RAW capability "
                + "(setcap cap_net_raw,cap_net_admin=eip \(program))"
        case .promiscuousNotPermitted(let i):
            "promiscuous mode not permitted on \(i); capture without promiscuous mode or as root"
        case .captureFailed(let i, let m): "cannot capture on \(i): \(m)"
        case .cannotListInterfaces(let m): "cannot list interfaces: \(m)"
        case .unknownUser(let u): "no such user: \(u) (the account to drop root privileges to)"
        case .cannotDropPrivileges(let u, let m): "cannot drop privileges to \(u): \(m)"
        }
    }
}

/// The on-disk format, told by the magic number.
public enum CaptureFormat: String, Sendable, Codable {
    case pcap, pcapNanosecond = "pcap-ns", pcapng, unknown
}

/// How reading one file ended.
public enum ReadEnd: Sendable, Equatable {
    case endOfFile
    /// The file stops in the middle of a packet (or is corrupt from there on): what came before
    /// was analysed.
    case truncated(String)
}

/// One packet as read: borrowed bytes plus the record header.
public struct PacketRecord {
    public let bytes: WireBytes
    public let wireLength: Int
    /// Nanoseconds since the Unix epoch.
    public let time: Int64
    /// The same bytes, for writing them out again (EvidenceWriter).
    let raw: UnsafeRawBufferPointer
}

/// An offline capture file (pcap or pcapng, any byte order, µs or ns) read through libpcap.
/// Owns its `pcap_t`; packet bytes are valid only inside the `forEach` callback.
public final class OfflineFile {
    public let path: String
    public let linkType: LinkType
    public let linkTypeName: String
    public let format: CaptureFormat
    public let snapshotLength: Int
    private let handle: OpaquePointer
    private var streamBuffer: UnsafeMutableRawPointer?
    private var filter = bpf_program()
    private var hasFilter = false

    public init(path: String, filter expression: String? = nil) throws(CaptureError) {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { throw .noSuchFile(path) }
            throw .unreadable(path, String(cString: strerror(errno)))
        }
        if st.st_mode & S_IFMT == S_IFDIR { throw .isDirectory(path) }
        if st.st_mode & S_IFMT == S_IFREG && st.st_size == 0 { throw .emptyFile(path) }
        format = Self.sniffFormat(path)

        var errbuf = [CChar](repeating: 0, count: Int(cpcap_errbuf_size()))
        guard let h = cpcap_open_offline_buffered(path, &errbuf, &streamBuffer) else {
            let message = String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if access(path, R_OK) != 0 { throw .unreadable(path, String(cString: strerror(errno))) }
            throw .notACapture(path, Self.libpcapMessage(message))
        }
        handle = h
        let dlt = pcap_datalink(h)
        linkType = LinkType(rawValue: dlt)
        linkTypeName = pcap_datalink_val_to_name(dlt).map { String(cString: $0) } ?? "unknown"
        snapshotLength = Int(pcap_snapshot(h))
        // From here on deinit closes the handle, also when init throws.
        guard linkType.isSupported else { throw .unsupportedLinkType(path, dlt, linkTypeName) }
        if let expression {
            // Compiled per file (the code depends on the link type) and applied per packet with
            // pcap_offline_filter, so frame numbers still count every packet as Wireshark does.
            if pcap_compile(h, &filter, expression, 1, cpcap_netmask_unknown()) != 0 {
                throw .invalidFilter(expression, String(cString: pcap_geterr(h)))
            }
            hasFilter = true
        }
    }

    deinit {
        if hasFilter { pcap_freecode(&filter) }
        pcap_close(handle)
        free(streamBuffer)
    }

    /// Reads every packet in order. `body` gets each packet and whether it passed the filter.
    @discardableResult
    public func forEach(_ body: (PacketRecord, _ matched: Bool) -> Void) -> ReadEnd {
        var p = cpcap_packet()
        while true {
            let rc = cpcap_next(handle, &p)
            switch rc {
            case 1:
                let raw = UnsafeRawBufferPointer(start: p.data, count: Int(p.caplen))
                let matched = !hasFilter || pcap_offline_filter(&filter, p.header, p.data) != 0
                body(PacketRecord(bytes: WireBytes(raw), wireLength: Int(p.wirelen),
                                  time: p.sec &* 1_000_000_000 &+ p.frac, raw: raw), matched)
            case 0:
                continue
            case -2:
                return .endOfFile
            default:
                return .truncated(Self.libpcapMessage(String(cString: pcap_geterr(handle))))
            }
        }
    }

    /// Time of the first packet, for ordering several files; nil when there is none.
    public func firstPacketTime() -> Int64? {
        var p = cpcap_packet()
        return cpcap_next(handle, &p) == 1 ? p.sec &* 1_000_000_000 &+ p.frac : nil
    }

    private static func sniffFormat(_ path: String) -> CaptureFormat {
        guard let f = fopen(path, "rb") else { return .unknown }
        defer { fclose(f) }
        var magic: UInt32 = 0
        guard fread(&magic, 4, 1, f) == 1 else { return .unknown }
        switch magic {
        case 0xA1B2_C3D4, 0xD4C3_B2A1: return .pcap
        case 0xA1B2_3C4D, 0x4D3C_B2A1: return .pcapNanosecond
        case 0x0A0D_0D0A: return .pcapng
        default: return .unknown
        }
    }

    /// libpcap's message without its trailing newlines (an empty one named as unknown).
    private static func libpcapMessage(_ s: String) -> String {
        var m = s
        while m.hasSuffix("\n") { m.removeLast() }
        return m.isEmpty ? "unknown libpcap error" : m
    }
}

/// libpcap's own version string, for reports.
public var libpcapVersion: String { String(cString: pcap_lib_version()) }
