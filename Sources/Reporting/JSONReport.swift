import Foundation

public enum JSONReport {
    /// One JSON document, keys sorted so output is stable and diffable.
    public static func render(_ r: Report) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try e.encode(r), as: UTF8.self) + "\n"
    }
}
