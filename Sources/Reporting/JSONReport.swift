import Diagnosis

public enum JSONReport {
    /// One JSON document (`flowdoctor.report/2`), keys in a stable order.
    public static func render(_ r: Report) -> String { String(decoding: bytes(r), as: UTF8.self) }

    /// The document as UTF-8 bytes, ready to write.
    public static func bytes(_ r: Report) -> [UInt8] {
        var w = JSONWriter()
        w.report(r)
        return w.bytes + [0x0a]
    }

    /// One line of live capture's jsonl stream: the finding object with `sensor` and `time` (when it
    /// was decided, nanoseconds since 1970, written as RFC 3339), ready for a log shipper.
    public static func line(_ f: Finding, sensor: String, time: Int64) -> [UInt8] {
        var w = JSONWriter(capacity: 1024, compact: true)
        w.finding(f, sensor: sensor, time: Timestamps.iso8601(time))
        return w.bytes + [0x0a]
    }

    /// An incident opened during live capture, one line: `{"incident": {…}, "sensor", "time"}` (a
    /// finding line has `kind` at its top instead).
    public static func line(_ i: Incident, sensor: String, time: Int64) -> [UInt8] {
        var w = JSONWriter(capacity: 1024, compact: true)
        w.beginObject()
        w.key("incident"); w.incident(i)
        w.field("sensor", sensor)
        w.field("time", Timestamps.iso8601(time))
        w.endObject()
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
