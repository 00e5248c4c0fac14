import PacketDecoding

/// One side's sequence space as the capture saw it: the end of the highest byte seen and the
/// holes below it, bytes no captured segment has covered yet. tcptrace keeps every range seen;
/// this keeps at most `capacity` holes in place so a flow slot stays fixed-size. Past that the
/// lowest hole is forgotten (its bytes then count as seen) and `forgottenHoles` says so.
public struct SequenceSpace: Sendable {
    /// A range not seen yet, and what the segment that revealed it (the first one above it)
    /// carried: a later filler with an older TSval or IP ID was sent before it (reordering).
    public struct Hole: Sendable {
        public var start: SeqNum
        public var end: SeqNum
        public var opened: Int64
        var openerTSval: UInt32
        var openerIPID: UInt16
        var bits: UInt8
        var openerHasTS: Bool { bits & 1 != 0 }
        var openerHasID: Bool { bits & 2 != 0 }
        /// The peer acknowledged these bytes: the capture missed them, unless they still turn up.
        public var acked: Bool {
            get { bits & 4 != 0 }
            set { bits = newValue ? bits | 4 : bits & ~4 }
        }
        init(start: SeqNum, end: SeqNum, opened: Int64, tsval: UInt32?, ipID: UInt16?, acked: Bool) {
            self.start = start; self.end = end; self.opened = opened
            openerTSval = tsval ?? 0; openerIPID = ipID ?? 0
            bits = (tsval != nil ? 1 : 0) | (ipID != nil ? 2 : 0) | (acked ? 4 : 0)
        }
    }

    public static let capacity = 4
    /// Jumps beyond this are another sequence space (a stray or forged segment), not a hole.
    static let maxJump = 1 << 30

    var holes: InlineArray<4, Hole> = .init(repeating: Hole(start: SeqNum(0), end: SeqNum(0), opened: 0, tsval: nil, ipID: nil,
                                                             acked: false))
    /// Acknowledged bytes the capture never saw, in holes no longer kept.
    public private(set) var forgottenAckedBytes: UInt64 = 0
    public private(set) var forgottenHoles: UInt32 = 0
    /// One past the highest byte seen (SYN and FIN count one each).
    public private(set) var high: SeqNum?
    public private(set) var holeCount: UInt8 = 0

    public init() {}

    /// What one segment did to the map, in bytes.
    struct Coverage {
        /// Bytes the capture had seen before: a retransmission.
        var seen = 0
        /// Bytes that closed (part of) a hole: a late original or a retransmission of one.
        var filled = 0
        /// Of those, bytes the peer had already acknowledged: the capture saw them after the ACK.
        var filledAcked = 0
        /// Bytes above the highest seen.
        var fresh = 0
        /// The segment left a hole below it.
        var opened = false
        /// The first hole it filled.
        var hole: Hole?
    }

    public var openHoles: [Hole] { (0..<Int(holeCount)).map { holes[$0] } }

    /// Bytes inside the holes still open, not acknowledged.
    public var holeBytes: Int {
        var n = 0
        for i in 0..<Int(holeCount) where !holes[i].acked { n &+= holes[i].end - holes[i].start }
        return n
    }

    /// Bytes the peer acknowledged that the capture never saw (capture loss; Zeek's missed_bytes).
    public var missedBytes: UInt64 {
        var n = forgottenAckedBytes
        for i in 0..<Int(holeCount) where holes[i].acked { n &+= UInt64(holes[i].end - holes[i].start) }
        return n
    }

    /// Adds [seq, end) seen at `time`.
    mutating func add(seq: SeqNum, end: SeqNum, time: Int64, tsval: UInt32?, ipID: UInt16?) -> Coverage {
        var c = Coverage()
        guard seq < end else { return c }
        guard let h = high, abs(seq - h) < Self.maxJump else {
            // First segment, or a new sequence space: start over.
            high = end
            holeCount = 0
            c.fresh = end - seq
            return c
        }
        // Below the old high: bytes in holes were not seen yet, the rest were.
        let top = end < h ? end : h
        if seq < top {
            var inHoles = 0
            var i = 0
            while i < Int(holeCount) {
                let hole = holes[i]
                let a = seq < hole.start ? hole.start : seq
                let b = top < hole.end ? top : hole.end
                guard a < b else { i += 1; continue }
                inHoles &+= b - a
                if hole.acked { c.filledAcked &+= b - a }
                if c.hole == nil { c.hole = hole }
                if a == hole.start && b == hole.end {
                    remove(at: i)
                    continue
                } else if a == hole.start {
                    holes[i].start = b
                } else if b == hole.end {
                    holes[i].end = a
                } else {
                    holes[i].end = a
                    var right = hole
                    right.start = b
                    insert(right)
                }
                i += 1
            }
            c.filled = inHoles
            c.seen = (top - seq) - inHoles
        }
        if h < end {
            c.fresh = end - (h < seq ? seq : h)
            if h < seq {
                insert(Hole(start: h, end: seq, opened: time, tsval: tsval, ipID: ipID, acked: false))
                c.opened = true
            }
            high = end
            if holeCount > 0 { forgetDistantHoles() }
        }
        return c
    }

    /// Holes `maxJump` or more below the highest byte belong to an earlier lap of the 32-bit
    /// space: kept, they would compare the wrong way round once it wraps past them (a hole with
    /// its end before its start). Bounding them keeps every kept hole within half the space.
    mutating func forgetDistantHoles() {
        guard let h = high else { return }
        while holeCount > 0, h - holes[0].start >= Self.maxJump {
            if holes[0].acked { forgottenAckedBytes &+= UInt64(holes[0].end - holes[0].start) }
            remove(at: 0)
            forgottenHoles &+= 1
        }
    }

    /// The peer acknowledged everything below `ack`. Unseen bytes below it become acknowledged
    /// holes (the capture missed them, unless they turn up late). Returns how many bytes that was.
    mutating func acknowledge(_ ack: SeqNum, time: Int64) -> Int {
        guard let h = high else { return 0 }
        var missed = 0
        var i = 0
        while i < Int(holeCount) && holes[i].start < ack {
            if holes[i].acked { i += 1; continue }
            if ack < holes[i].end {
                missed &+= ack - holes[i].start
                var rest = holes[i]
                rest.start = ack
                holes[i].end = ack
                holes[i].acked = true
                insert(rest)
                break
            }
            missed &+= holes[i].end - holes[i].start
            holes[i].acked = true
            i += 1
        }
        // The distance, not `h < ack`: exactly half the space away is "above" both ways round.
        let ahead = ack - h
        if ahead > 0, ahead < Self.maxJump {
            missed &+= ahead
            insert(Hole(start: h, end: ack, opened: time, tsval: nil, ipID: nil, acked: true))
            high = ack
            forgetDistantHoles()
        }
        return missed
    }

    /// Keeps holes sorted by start; when full, the lowest is forgotten.
    mutating func insert(_ hole: Hole) {
        if Int(holeCount) == Self.capacity {
            if holes[0].acked { forgottenAckedBytes &+= UInt64(holes[0].end - holes[0].start) }
            remove(at: 0)
            forgottenHoles &+= 1
        }
        var i = Int(holeCount)
        while i > 0 && hole.start < holes[i - 1].start {
            holes[i] = holes[i - 1]
            i -= 1
        }
        holes[i] = hole
        holeCount &+= 1
    }

    mutating func remove(at i: Int) {
        var j = i
        while j + 1 < Int(holeCount) {
            holes[j] = holes[j + 1]
            j += 1
        }
        holeCount &-= 1
    }
}
