public enum JSONReport {
    /// One JSON document (`flowdoctor.report/1`), keys in a stable order.
    public static func render(_ r: Report) -> String {
        var w = JSONWriter()
        w.report(r)
        return String(decoding: w.bytes, as: UTF8.self) + "\n"
    }
}
