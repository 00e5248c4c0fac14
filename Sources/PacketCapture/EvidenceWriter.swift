import CPcap
import Glibc
import PacketDecoding

/// Writes packets to a classic pcap file through libpcap (`pcap_open_dead` + `pcap_dump`), each
/// with its original time, captured length and wire length. One link type per file, as pcap
/// has. Owns its handles: `close()` flushes and reports a failed write; deinit closes silently.
public final class EvidenceWriter {
    public let path: String
    public let linkType: LinkType
    public let snapshotLength: Int
    /// Nanosecond timestamps (magic a1b23c4d) or microsecond ones (a1b2c3d4).
    public let nanosecond: Bool
    public private(set) var packetsWritten: UInt64 = 0
    private var handle: OpaquePointer?
    private var dumper: OpaquePointer?

    /// Creates (or truncates) `path`. `snapshotLength` 0 means libpcap's usual 262144.
    public init(path: String, linkType: LinkType, snapshotLength: Int = 0, nanosecond: Bool = true) throws(CaptureError) {
        self.path = path
        self.linkType = linkType
        self.nanosecond = nanosecond
        let snap = snapshotLength > 0 ? min(snapshotLength, Int(Int32.max)) : 262_144
        self.snapshotLength = snap
        guard let h = cpcap_open_dead(linkType.rawValue, Int32(snap), nanosecond ? 1 : 0) else {
            throw .cannotWrite(path, "libpcap cannot make a handle for link type \(linkType.rawValue)")
        }
        handle = h
        guard let d = pcap_dump_open(h, path) else {
            let message = String(cString: pcap_geterr(h))
            throw .cannotWrite(path, Self.clean(message, path: path))
        }
        dumper = d
    }

    deinit { release() }

    /// Writes one record as read from an `OfflineFile`.
    public func write(_ record: PacketRecord) {
        write(record.raw, wireLength: record.wireLength, time: record.time)
    }

    /// Writes one packet; `time` is nanoseconds since the Unix epoch.
    public func write(_ bytes: [UInt8], wireLength: Int? = nil, time: Int64) {
        bytes.withUnsafeBytes { write($0, wireLength: wireLength ?? bytes.count, time: time) }
    }

    func write(_ raw: UnsafeRawBufferPointer, wireLength: Int, time: Int64) {
        guard let dumper else { return }
        // Floor division: a time before 1970 still splits into a second and a positive fraction.
        var sec = time / 1_000_000_000, ns = time % 1_000_000_000
        if ns < 0 { sec -= 1; ns += 1_000_000_000 }
        let caplen = UInt32(clamping: raw.count)
        let wire = UInt32(clamping: max(wireLength, raw.count))
        cpcap_dump(dumper, sec, nanosecond ? ns : ns / 1000, caplen, wire,
                   raw.baseAddress?.assumingMemoryBound(to: UInt8.self))
        packetsWritten &+= 1
    }

    /// Flushes and closes the file; throws when some of it did not reach the disk.
    public func close() throws(CaptureError) {
        guard let d = dumper else { return }
        errno = 0
        let failed = cpcap_dump_check(d) != 0
        let reason = errno != 0 ? String(cString: strerror(errno)) : "write error"
        release()
        if failed { throw .cannotWrite(path, reason) }
    }

    private func release() {
        if let d = dumper { pcap_dump_close(d); dumper = nil }
        if let h = handle { pcap_close(h); handle = nil }
    }

    /// libpcap says "<path>: No such file or directory"; the path is already in the error's text.
    private static func clean(_ message: String, path: String) -> String {
        var m = message
        while m.hasSuffix("\n") { m.removeLast() }
        if m.hasPrefix(path + ": ") { m.removeFirst(path.count + 2) }
        return m.isEmpty ? "unknown libpcap error" : m
    }
}
