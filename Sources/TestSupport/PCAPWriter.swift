import Foundation
import Glibc
import PacketDecoding

/// One packet to write: frame bytes, time in nanoseconds, and its length on the wire.
public struct CapturedFrame: Sendable {
    public var bytes: [UInt8]
    public var time: Int64
    public var wireLength: Int
    public init(_ bytes: [UInt8], time: Int64, wireLength: Int? = nil) {
        self.bytes = bytes; self.time = time; self.wireLength = wireLength ?? bytes.count
    }
}

/// Writes classic pcap files of any link type: either byte order, micro- or nanosecond stamps.
public struct PCAPWriter: Sendable {
    public var linkType: Int32
    public var nanosecond: Bool
    public var bigEndian: Bool
    public var snaplen: UInt32
    public init(linkType: Int32, nanosecond: Bool = false, bigEndian: Bool = false, snaplen: UInt32 = 262_144) {
        self.linkType = linkType; self.nanosecond = nanosecond; self.bigEndian = bigEndian; self.snaplen = snaplen
    }

    func u32(_ v: UInt32) -> [UInt8] { bigEndian ? be32(v) : be32(v.byteSwapped) }
    func u16(_ v: UInt16) -> [UInt8] { bigEndian ? be16(v) : be16(v.byteSwapped) }

    public func fileHeader() -> [UInt8] {
        u32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4) + u16(2) + u16(4) + u32(0) + u32(0) + u32(snaplen)
            + u32(UInt32(bitPattern: linkType))
    }

    public func record(_ f: CapturedFrame) -> [UInt8] {
        let secs = UInt32(truncatingIfNeeded: f.time / 1_000_000_000)
        let frac = f.time % 1_000_000_000
        let sub = UInt32(nanosecond ? frac : frac / 1000)
        return u32(secs) + u32(sub) + u32(UInt32(f.bytes.count)) + u32(UInt32(f.wireLength)) + f.bytes
    }

    public func bytes(_ frames: [CapturedFrame]) -> [UInt8] { fileHeader() + frames.flatMap(record) }

    public func write(_ frames: [CapturedFrame], to path: String) throws {
        try writeFile(path, bytes(frames))
    }
}

/// Writes pcapng (SHB, one IDB, EPBs) in either byte order; `nanosecond` sets if_tsresol 9.
public struct PCAPNGWriter: Sendable {
    public var linkType: UInt16
    public var nanosecond: Bool
    public var bigEndian: Bool
    public init(linkType: UInt16, nanosecond: Bool = false, bigEndian: Bool = false) {
        self.linkType = linkType; self.nanosecond = nanosecond; self.bigEndian = bigEndian
    }
    func u32(_ v: UInt32) -> [UInt8] { bigEndian ? be32(v) : be32(v.byteSwapped) }
    func u16(_ v: UInt16) -> [UInt8] { bigEndian ? be16(v) : be16(v.byteSwapped) }

    func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        var b = body
        while b.count % 4 != 0 { b.append(0) }
        let len = UInt32(12 + b.count)
        return u32(type) + u32(len) + b + u32(len)
    }

    public func bytes(_ frames: [CapturedFrame]) -> [UInt8] {
        var out = block(0x0A0D_0D0A, u32(0x1A2B_3C4D) + u16(1) + u16(0) + u32(0xFFFF_FFFF) + u32(0xFFFF_FFFF))
        var idb = u16(linkType) + u16(0) + u32(0)
        if nanosecond { idb += u16(9) + u16(1) + [9, 0, 0, 0] }               // if_tsresol = 10^-9
        idb += u16(0) + u16(0)                                                 // opt_endofopt
        out += block(1, idb)
        for f in frames {
            let units = UInt64(nanosecond ? f.time : f.time / 1000)
            var epb = u32(0) + u32(UInt32(units >> 32)) + u32(UInt32(units & 0xffff_ffff))
            epb += u32(UInt32(f.bytes.count)) + u32(UInt32(f.wireLength)) + f.bytes
            while epb.count % 4 != 0 { epb.append(0) }
            out += block(6, epb)
        }
        return out
    }
    public func write(_ frames: [CapturedFrame], to path: String) throws { try writeFile(path, bytes(frames)) }
}

public struct WriteError: Error, CustomStringConvertible {
    public var description: String
}

public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    guard let f = fopen(path, "wb") else { throw WriteError(description: "cannot open \(path)") }
    defer { fclose(f) }
    let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    guard n == bytes.count else { throw WriteError(description: "short write to \(path)") }
}

/// One directory per test process for every temporary file; removed when the process exits.
private let testRoot: String = {
    var template = Array("/tmp/flowdoctor-tests-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    let root = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    precondition(p != nil, "cannot make a temporary directory")
    testRootForCleanup = root                       // set once, inside the one-time initialiser
    atexit { try? FileManager.default.removeItem(atPath: testRootForCleanup) }
    return root
}()
nonisolated(unsafe) private var testRootForCleanup = ""

/// A fresh temporary directory for a test's files (inside the process's own, removed at exit).
public func temporaryDirectory(_ prefix: String = "flowdoctor") -> String {
    let root = testRoot
    var template = Array("\(root)/\(prefix)-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(p != nil, "cannot make a temporary directory")
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
