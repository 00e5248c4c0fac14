// The one type that touches raw memory. Every view in this module reads packet bytes through it.
// Reads are bounds-checked with a cheap precondition: a decoder bug must trap (and be found by the
// fuzzer), never read past the packet.

@frozen @safe
public struct WireBytes: @unchecked Sendable {
    @usableFromInline let raw: UnsafeRawBufferPointer

    /// Borrowed bytes: valid only while the caller's buffer lives (one packet callback).
    @inlinable public init(_ raw: UnsafeRawBufferPointer) { unsafe self.raw = raw }

    @inlinable public var count: Int { unsafe raw.count }
    @inlinable public var isEmpty: Bool { unsafe raw.isEmpty }

    @inlinable @inline(__always) public func u8(_ o: Int) -> UInt8 {
        precondition(o >= 0 && o < count, "WireBytes read out of range")
        return unsafe raw.load(fromByteOffset: o, as: UInt8.self)
    }
    @inlinable @inline(__always) public func u16(_ o: Int) -> UInt16 {
        precondition(o >= 0 && o &+ 2 <= count, "WireBytes read out of range")
        return unsafe UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self))
    }
    @inlinable public func u16le(_ o: Int) -> UInt16 {
        precondition(o >= 0 && o &+ 2 <= count, "WireBytes read out of range")
        return unsafe UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self))
    }
    @inlinable public func u24(_ o: Int) -> UInt32 {
        UInt32(u8(o)) << 16 | UInt32(u16(o &+ 1))
    }
    @inlinable @inline(__always) public func u32(_ o: Int) -> UInt32 {
        precondition(o >= 0 && o &+ 4 <= count, "WireBytes read out of range")
        return unsafe UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))
    }
    @inlinable public func u32le(_ o: Int) -> UInt32 {
        precondition(o >= 0 && o &+ 4 <= count, "WireBytes read out of range")
        return unsafe UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))
    }
    @inlinable @inline(__always) public func u64(_ o: Int) -> UInt64 {
        precondition(o >= 0 && o &+ 8 <= count, "WireBytes read out of range")
        return unsafe UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
    }
    /// Bytes `[a, b)`; the range is clamped to the buffer so a hostile length can never escape it.
    @inlinable @inline(__always) public func slice(_ a: Int, _ b: Int) -> WireBytes {
        let lo = Swift.min(Swift.max(a, 0), count), hi = Swift.min(Swift.max(b, lo), count)
        return unsafe WireBytes(UnsafeRawBufferPointer(rebasing: raw[lo..<hi]))
    }
    @inlinable @inline(__always) public func dropFirst(_ n: Int) -> WireBytes { slice(n, count) }
    @inlinable @inline(__always) public func prefix(_ n: Int) -> WireBytes { slice(0, n) }

    /// Copies at most `limit` bytes out (cold paths only: names, evidence).
    public func copyBytes(limit: Int = .max) -> [UInt8] {
        let n = Swift.min(count, Swift.max(limit, 0))
        return unsafe Array(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
    }
    /// Byte-wise equality of two views (duplicate detection, overlap checks).
    public func elementsEqual(_ other: WireBytes) -> Bool {
        guard count == other.count else { return false }
        return unsafe raw.elementsEqual(other.raw)
    }
}

extension WireBytes {
    /// Runs `body` over a view of a span's bytes: headers kept in fixed inline buffers (a
    /// reassembled datagram's first fragment) are read without copying to the heap.
    public static func with<R>(_ bytes: Span<UInt8>, _ body: (WireBytes) throws -> R) rethrows -> R {
        try unsafe bytes.withUnsafeBytes { raw in try body(unsafe WireBytes(raw)) }
    }

    /// Runs `body` over a view of a contiguous array's bytes (a batch of packets handed to a
    /// worker thread).
    public static func with<R>(_ bytes: ContiguousArray<UInt8>, _ body: (WireBytes) throws -> R) rethrows -> R {
        try unsafe bytes.withUnsafeBytes { raw in try body(unsafe WireBytes(raw)) }
    }

    /// Appends the bytes to `array` (no allocation while the array has the capacity).
    public func append(to array: inout ContiguousArray<UInt8>) {
        unsafe array.append(contentsOf: raw)
    }

    /// Runs `body` over a view of an array's bytes (tests, builders, cold paths).
    public static func with<R>(_ bytes: [UInt8], _ body: (WireBytes) throws -> R) rethrows -> R {
        try unsafe bytes.withUnsafeBytes { raw in try body(unsafe WireBytes(raw)) }
    }
}
