import CPcap
import Glibc
import PacketDecoding

/// Writes every packet of a live capture (`--write RAW.pcap`) to classic pcap files through
/// libpcap (`pcap_open_dead` + `pcap_dump`, as `EvidenceWriter`), starting a new file when the
/// current one would grow past `maxBytes`.
///
/// Naming: the first file is exactly the path given; the following ones keep its extension and
/// get a four-digit (at least) part number before it: `RAW.pcap`, `RAW-0001.pcap`,
/// `RAW-0002.pcap` … (`raw` without extension: `raw-0001` …), so Wireshark and shell globs
/// (`RAW*.pcap`) still see pcap files. Every part has the same link type, snapshot length and
/// time precision (nanosecond, magic a1b23c4d, unless asked otherwise). Existing files with
/// these names are overwritten as they are reached; older parts beyond them are left alone.
///
/// A file holds at most `maxBytes` (24-byte header plus 16 bytes and the captured bytes per
/// packet) unless a single packet alone is larger; it is never empty of packets when rotated.
public final class RotatingWriter {
    public let basePath: String
    public let linkType: LinkType
    public let snapshotLength: Int
    public let nanosecond: Bool
    public let maxBytes: Int
    /// Every file started so far, in order; the last one is being written.
    public private(set) var paths: [String] = []
    public private(set) var packetsWritten: UInt64 = 0
    /// Bytes in the current file (as written through the stdio buffer).
    public private(set) var currentBytes = 0
    private var packetsInCurrent = 0
    private var handle: OpaquePointer?
    private var dumper: OpaquePointer?

    static let fileHeaderBytes = 24
    static let recordHeaderBytes = 16

    /// Creates (or truncates) `path`. `snapshotLength` 0 means 262144; `maxBytes` is 1 GiB by
    /// default (at least one packet goes into every file whatever the limit).
    public init(path: String, linkType: LinkType, snapshotLength: Int = 0, nanosecond: Bool = true,
                maxBytes: Int = 1 << 30) throws(CaptureError) {
        basePath = path
        self.linkType = linkType
        self.nanosecond = nanosecond
        self.snapshotLength = snapshotLength > 0 ? min(snapshotLength, Int(Int32.max)) : 262_144
        self.maxBytes = max(1, maxBytes)
        guard let h = cpcap_open_dead(linkType.rawValue, Int32(self.snapshotLength), nanosecond ? 1 : 0) else {
            throw .cannotWrite(path, "libpcap cannot make a handle for link type \(linkType.rawValue)")
        }
        handle = h
        try start(path)
    }

    deinit { release() }

    /// The name of part `index` (0 is `base` itself).
    public static func partPath(_ base: String, index: Int) -> String {
        guard index > 0 else { return base }
        let number = String(index)
        let part = "-" + String(repeating: "0", count: max(0, 4 - number.count)) + number
        let slash = base.lastIndex(of: "/")
        let nameStart = slash.map { base.index(after: $0) } ?? base.startIndex
        // The extension starts at the last dot of the file name, not at a leading one (".hidden").
        if let dot = base[nameStart...].lastIndex(of: "."), dot > nameStart {
            return String(base[..<dot]) + part + String(base[dot...])
        }
        return base + part
    }

    /// Writes one record as read from a `LiveCapture` or an `OfflineFile`.
    public func write(_ record: PacketRecord) throws(CaptureError) {
        try write(record.raw, wireLength: record.wireLength, time: record.time)
    }

    /// Writes one packet; `time` is nanoseconds since the Unix epoch.
    public func write(_ bytes: [UInt8], wireLength: Int? = nil, time: Int64) throws(CaptureError) {
        let result: Result<Void, CaptureError> = bytes.withUnsafeBytes { raw in
            do throws(CaptureError) {
                try write(raw, wireLength: wireLength ?? bytes.count, time: time)
                return .success(())
            } catch { return .failure(error) }
        }
        try result.get()
    }

    func write(_ raw: UnsafeRawBufferPointer, wireLength: Int, time: Int64) throws(CaptureError) {
        let size = Self.recordHeaderBytes + raw.count
        if packetsInCurrent > 0 && currentBytes + size > maxBytes { try rotate() }
        guard let dumper else { throw .cannotWrite(paths.last ?? basePath, "the writer is closed") }
        var sec = time / 1_000_000_000, ns = time % 1_000_000_000
        if ns < 0 { sec -= 1; ns += 1_000_000_000 }
        cpcap_dump(dumper, sec, nanosecond ? ns : ns / 1000, UInt32(clamping: raw.count),
                   UInt32(clamping: max(wireLength, raw.count)), raw.baseAddress?.assumingMemoryBound(to: UInt8.self))
        currentBytes += size
        packetsInCurrent += 1
        packetsWritten &+= 1
    }

    /// Pushes what is buffered to the current file; throws when it did not reach it.
    public func flush() throws(CaptureError) {
        guard let d = dumper else { return }
        errno = 0
        if cpcap_dump_check(d) != 0 { throw .cannotWrite(paths.last ?? basePath, Self.reason()) }
    }

    /// Flushes and closes the current file; throws when some of it did not reach the disk.
    public func close() throws(CaptureError) {
        guard let d = dumper else { return }
        errno = 0
        let failed = cpcap_dump_check(d) != 0
        let reason = Self.reason()
        release()
        if failed { throw .cannotWrite(paths.last ?? basePath, reason) }
    }

    private func rotate() throws(CaptureError) {
        guard let d = dumper else { return }
        errno = 0
        let failed = cpcap_dump_check(d) != 0
        let reason = Self.reason()
        pcap_dump_close(d)
        dumper = nil
        if failed { throw .cannotWrite(paths.last ?? basePath, reason) }
        try start(Self.partPath(basePath, index: paths.count))
    }

    private func start(_ path: String) throws(CaptureError) {
        guard let h = handle else { throw .cannotWrite(path, "the writer is closed") }
        guard let d = pcap_dump_open(h, path) else {
            var m = trimmed(String(cString: pcap_geterr(h)))
            if m.hasPrefix(path + ": ") { m.removeFirst(path.count + 2) }
            throw .cannotWrite(path, m.isEmpty ? "unknown libpcap error" : m)
        }
        dumper = d
        paths.append(path)
        currentBytes = Self.fileHeaderBytes
        packetsInCurrent = 0
    }

    private func release() {
        if let d = dumper { pcap_dump_close(d); dumper = nil }
        if let h = handle { pcap_close(h); handle = nil }
    }

    private static func reason() -> String { errno != 0 ? String(cString: strerror(errno)) : "write error" }
}
