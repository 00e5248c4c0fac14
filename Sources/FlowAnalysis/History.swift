/// Zeek's connection history string, kept in a fixed buffer: upper case for the originator,
/// lower case for the responder (S syn, H syn-ack, A pure ack, D data, F fin, R rst, I fin+rst,
/// Q syn+fin or syn+rst, W zero window, T retransmission, ^ direction flipped by heuristic).
public struct History: Sendable {
    public static let capacity = 24
    var bytes: (UInt64, UInt64, UInt64) = (0, 0, 0)
    public private(set) var count: Int = 0
    /// Letters were dropped because the buffer was full (reported with the flow).
    public private(set) var truncated = false
    /// Letters recorded once per direction (A, D, I, Q, and log-scaled ones at their first).
    var once: UInt64 = 0

    public init() {}

    mutating func append(_ c: UInt8) {
        guard count < Self.capacity else { truncated = true; return }
        let word = count / 8, shift = UInt64(count % 8) * 8
        switch word {
        case 0: bytes.0 |= UInt64(c) << shift
        case 1: bytes.1 |= UInt64(c) << shift
        default: bytes.2 |= UInt64(c) << shift
        }
        count += 1
    }

    /// Records `letter` for the originator (upper case) or the responder (lower case).
    public mutating func record(_ letter: UInt8, originator: Bool) {
        append(originator ? letter : letter | 0x20)
    }

    /// Records a letter only the first time it occurs in that direction.
    public mutating func recordOnce(_ letter: UInt8, originator: Bool) {
        let mask = UInt64(1) << (UInt64(letter &- 65) % 26 + (originator ? 0 : 26))
        guard once & mask == 0 else { return }
        once |= mask
        record(letter, originator: originator)
    }

    public var string: String {
        var out = ""
        for i in 0..<count {
            let word = i / 8, shift = UInt64(i % 8) * 8
            let w = word == 0 ? bytes.0 : (word == 1 ? bytes.1 : bytes.2)
            out.unicodeScalars.append(Unicode.Scalar(UInt8(truncatingIfNeeded: w >> shift)))
        }
        return out
    }

    /// The letters recorded so far, as bytes (for rules over the history).
    public var letters: [UInt8] { Array(string.utf8) }
}
