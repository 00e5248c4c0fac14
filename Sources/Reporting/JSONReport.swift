public enum JSONReport {
    /// One JSON document (`flowdoctor.report/1`), keys in a stable order.
    public static func render(_ r: Report) -> String { String(decoding: bytes(r), as: UTF8.self) }

    /// The document as UTF-8 bytes, ready to write.
    public static func bytes(_ r: Report) -> [UInt8] {
        var w = JSONWriter()
        w.report(r)
        return w.bytes + [0x0a]
    }

    /// JSON Lines: one finding object per line, the same objects as in the document.
    public static func lines(_ r: Report) -> [UInt8] {
        var out: [UInt8] = []
        for f in r.findings {
            var w = JSONWriter(capacity: 1024, compact: true)
            w.finding(f)
            out += w.bytes
            out.append(0x0a)
        }
        return out
    }
}
