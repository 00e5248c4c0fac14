public enum JSONReport {
    /// One JSON document (`flowdoctor.report/1`), keys in a stable order.
    public static func render(_ r: Report) -> String { String(decoding: bytes(r), as: UTF8.self) }

    /// The document as UTF-8 bytes, ready to write.
    public static func bytes(_ r: Report) -> [UInt8] {
        var w = JSONWriter()
        w.report(r)
        return w.bytes + [0x0a]
    }
}
