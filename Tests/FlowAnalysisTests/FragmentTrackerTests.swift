@testable import FlowAnalysis
import PacketDecoding
import TestSupport
import Testing

private let client = IPAddress(v4: 0x0A00_0001)
private let server = IPAddress(v4: 0x0A00_0002)
private let second: Int64 = 1_000_000_000

private func key(_ id: UInt32 = 7, proto: IPProtocol = .udp, v6: Bool = false) -> FragmentKey {
    FragmentKey(source: client, destination: server, identification: id, proto: proto, isIPv6: v6)
}

/// A UDP datagram 5353 → 53 of `n` bytes: header, then bytes that differ from their neighbours.
private func datagram(_ n: Int = 3000) -> [UInt8] {
    var b = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    b.replaceSubrange(0..<8, with: [0x14, 0xE9, 0x00, 0x35, UInt8(n >> 8 & 0xff), UInt8(n & 0xff), 0, 0])
    return b
}

/// A tracker with the reports of `add` (evictions), `expire` and `finish` collected.
private struct Harness {
    var tracker: FragmentTracker
    var evictions: [FragmentedDatagram] = []
    var frame: UInt64 = 0

    init(_ configure: (inout FragmentTracker.Config) -> Void = { _ in }) {
        var c = FragmentTracker.Config()
        configure(&c)
        tracker = FragmentTracker(config: c)
    }

    /// Bytes [offset, offset + length) of `payload`, of which the first `captured` were captured.
    mutating func add(_ k: FragmentKey, _ payload: [UInt8], _ offset: Int, _ length: Int, more: Bool,
                      captured: Int? = nil, time: Int64 = 0) -> FragmentTracker.Completion? {
        let n = min(captured ?? length, length)
        return add(k, bytes: Array(payload[offset..<offset + n]), offset: offset, length: length, more: more, time: time)
    }

    mutating func add(_ k: FragmentKey, bytes: [UInt8], offset: Int, length: Int? = nil, more: Bool,
                      packetLength: Int? = nil, df: Bool = false, time: Int64 = 0) -> FragmentTracker.Completion? {
        frame += 1
        let f = frame, len = length ?? bytes.count
        let ipLength = packetLength ?? (k.isIPv6 ? 48 : 20) + len
        var out: [FragmentedDatagram] = []
        let c = WireBytes.with(bytes) { w in
            tracker.add(k, offset: offset, length: len, packetLength: ipLength, more: more, dontFragment: df,
                        data: w, time: time, frame: f) { out.append($0) }
        }
        evictions += out
        return c
    }

    mutating func expire(_ now: Int64) -> [FragmentedDatagram] {
        var out: [FragmentedDatagram] = []
        tracker.expire(now: now) { out.append($0) }
        return out
    }

    mutating func finish() -> [FragmentedDatagram] {
        var out: [FragmentedDatagram] = []
        tracker.finish { out.append($0) }
        return out
    }
}

@Suite("Fragment tracker") struct FragmentTrackerTests {
    // MARK: completion

    @Test("in order: completes once, on the last fragment, with length, header copy and ports")
    func inOrder() throws {
        var h = Harness()
        let d = datagram()
        #expect(h.add(key(), d, 0, 1480, more: true, time: 1 * second) == nil)
        #expect(h.add(key(), d, 1480, 1480, more: true, time: 2 * second) == nil)
        let cResult = h.add(key(), d, 2960, 40, more: false, time: 3 * second)
        let c = try #require(cResult)
        #expect(c.totalLength == 3000)
        #expect(c.headerCount == 64 && c.headerBytes == Array(d[0..<64]))
        let r = c.datagram
        #expect(r.completed && r.outcome == .completed && r.key == key())
        #expect(r.fragments == 3 && Array(r.firstSizes) == [1480, 1480, 40])
        #expect(r.firstFrame == 1 && r.lastFrame == 3 && r.firstTime == 1 * second && r.lastTime == 3 * second)
        #expect(r.sourcePort == 5353 && r.destinationPort == 53)
        #expect(r.totalLength == 3000 && Array(r.arrived) == [0..<3000] && r.missing.isEmpty && r.missingFrom == nil)
        #expect(r.overlap.isEmpty && r.overlappingFragments == 0 && r.anomalies.isEmpty)
        #expect(h.tracker.count == 0)
        #expect(h.finish().isEmpty && h.evictions.isEmpty)          // never reported twice
    }

    @Test("out of order: last, middle, first completes on the first; first, last, middle on the middle")
    func outOfOrder() throws {
        var h = Harness()
        let d = datagram()
        #expect(h.add(key(1), d, 2960, 40, more: false) == nil)
        #expect(h.add(key(1), d, 1480, 1480, more: true) == nil)
        let cResult = h.add(key(1), d, 0, 1480, more: true)
        let c = try #require(cResult)
        #expect(c.totalLength == 3000 && c.headerBytes == Array(d[0..<64]))
        #expect(c.datagram.sourcePort == 5353 && Array(c.datagram.firstSizes) == [40, 1480, 1480])

        #expect(h.add(key(2), d, 0, 1480, more: true) == nil)
        #expect(h.add(key(2), d, 2960, 40, more: false) == nil)
        let c2Result = h.add(key(2), d, 1480, 1480, more: true)
        let c2 = try #require(c2Result)
        #expect(c2.totalLength == 3000 && c2.datagram.destinationPort == 53 && c2.datagram.lastFrame == 6)
        #expect(h.finish().isEmpty)
    }

    @Test("a first fragment captured short (snaplen) gives only the captured header bytes")
    func shortCapture() throws {
        var h = Harness()
        let d = datagram()
        _ = h.add(key(), d, 0, 1480, more: true, captured: 12)
        let cResult = h.add(key(), d, 1480, 1520, more: false)
        let c = try #require(cResult)
        #expect(c.totalLength == 3000 && c.headerCount == 12 && c.headerBytes == Array(d[0..<12]))
        #expect(c.datagram.sourcePort == 5353)
    }

    @Test("44 fragments of a 65,000-byte datagram, in order and in reverse, complete without anomalies")
    func manyFragments() throws {
        let d = datagram(65_000)
        let offsets = Array(stride(from: 0, to: 65_000, by: 1480))
        for order in [offsets, offsets.reversed()] {
            var h = Harness()
            var done: FragmentTracker.Completion?
            for (i, o) in order.enumerated() {
                let c = h.add(key(), d, o, min(1480, 65_000 - o), more: o + 1480 < 65_000)
                if i < order.count - 1 { #expect(c == nil) } else { done = c }
            }
            let c = try #require(done)
            #expect(c.totalLength == 65_000 && c.datagram.fragments == 44 && c.datagram.anomalies.isEmpty)
        }
    }

    @Test("an ID reused after completion and the reassembly timeout starts a new set")
    func reuseAfterCompletion() {
        var h = Harness()
        let d = datagram()
        _ = h.add(key(), d, 0, 1480, more: true)
        #expect(h.add(key(), d, 1480, 1520, more: false) != nil)
        _ = h.add(key(), d, 1480, 1520, more: false, time: 31 * second)
        let r = h.finish()
        #expect(r.count == 1 && r.first?.fragments == 1 && r.first?.overlap.isEmpty == true)
    }

    @Test("a fragment of a datagram completed within the timeout is compared with it, not opened as a new set")
    func lateFragment() {
        var h = Harness()
        let d = datagram()
        _ = h.add(key(), d, 0, 1480, more: true)
        #expect(h.add(key(), d, 1480, 1520, more: false, time: second) != nil)
        _ = h.add(key(), d, 1480, 1520, more: false, time: 2 * second)                    // the same bytes again
        var other = d
        for i in 1600..<1700 { other[i] ^= 0xFF }
        _ = h.add(key(), other, 1480, 1520, more: false, time: 3 * second)              // other bytes
        #expect(h.finish().isEmpty, "no new set was opened")
        #expect(h.evictions.map(\.outcome) == [.lateFragment, .lateFragment])
        #expect(h.evictions.first?.overlap == .sameBytes && h.evictions.last?.overlap == .differentBytes)
        #expect(h.evictions.last?.sourcePort == 5353 && h.evictions.last?.destinationPort == 53)
    }

    // MARK: incomplete

    @Test("missing middle, last and first fragments: incomplete at finish with the missing ranges")
    func incomplete() throws {
        var h = Harness()
        let d = datagram()
        _ = h.add(key(1), d, 0, 1480, more: true)                    // middle missing
        _ = h.add(key(1), d, 2960, 40, more: false)
        _ = h.add(key(2), d, 0, 1480, more: true)                    // last missing
        _ = h.add(key(2), d, 1480, 1480, more: true)
        _ = h.add(key(3), d, 1480, 1480, more: true)                 // first missing
        _ = h.add(key(3), d, 2960, 40, more: false)
        let r = h.finish()
        try #require(r.count == 3)
        #expect(r.allSatisfy { !$0.completed && $0.outcome == .captureEnded && $0.fragments == 2 })

        #expect(r[0].key == key(1) && r[0].totalLength == 3000)
        #expect(Array(r[0].arrived) == [0..<1480, 2960..<3000] && Array(r[0].missing) == [1480..<2960])
        #expect(r[0].missingFrom == nil && r[0].sourcePort == 5353)

        #expect(r[1].key == key(2) && r[1].totalLength == nil)
        #expect(Array(r[1].arrived) == [0..<2960] && r[1].missing.isEmpty && r[1].missingFrom == 2960)

        #expect(r[2].key == key(3) && r[2].totalLength == 3000)
        #expect(Array(r[2].arrived) == [1480..<3000] && Array(r[2].missing) == [0..<1480])
        #expect(r[2].sourcePort == nil && r[2].destinationPort == nil)
        #expect(h.tracker.count == 0 && h.finish().isEmpty)
    }

    @Test("a set idle past the timeout is finalised by expire; a set touched since is not")
    func timeout() {
        var h = Harness()
        let d = datagram()
        _ = h.add(key(1), d, 0, 1480, more: true, time: 1 * second)
        _ = h.add(key(2), d, 0, 1480, more: true, time: 2 * second)
        _ = h.add(key(1), d, 1480, 1480, more: true, time: 20 * second)
        #expect(h.expire(32 * second).isEmpty)                       // key 2 idle exactly 30 s
        let a = h.expire(32 * second + 1)
        #expect(a.count == 1 && a.first?.key == key(2) && a.first?.outcome == .timedOut)
        #expect(h.expire(50 * second).isEmpty)
        let b = h.expire(51 * second)
        #expect(b.count == 1 && b.first?.key == key(1) && b.first?.lastTime == 20 * second)
        #expect(b.first.map { Array($0.arrived) } == [0..<2960] && b.first?.missingFrom == 2960)
        #expect(h.finish().isEmpty)
    }

    // MARK: overlaps

    @Test("an exact duplicate is an overlap with the same bytes")
    func duplicate() throws {
        var h = Harness()
        let d = datagram()
        _ = h.add(key(), d, 0, 1480, more: true)
        _ = h.add(key(), d, 0, 1480, more: true)
        let cResult = h.add(key(), d, 1480, 1520, more: false)
        let c = try #require(cResult)
        #expect(c.datagram.overlap == .sameBytes && c.datagram.overlappingFragments == 1 && c.datagram.fragments == 3)
    }

    @Test("a partial overlap is compared: same bytes, or different bytes")
    func partialOverlap() throws {
        var h = Harness()
        let d = datagram()
        _ = h.add(key(1), d, 0, 1480, more: true)
        _ = h.add(key(1), d, 1400, 1560, more: false)
        #expect(h.finish().isEmpty)                                  // it completed
        var e = d
        for i in 1472..<1480 { e[i] ^= 0xff }                        // the later fragment rewrites 8 bytes
        _ = h.add(key(2), d, 0, 1480, more: true)
        let cResult = h.add(key(2), e, 1472, 1528, more: false)
        let c = try #require(cResult)
        #expect(c.datagram.overlap == .differentBytes && c.datagram.overlappingFragments == 1)
    }

    @Test("a duplicate of a fragment captured short: the uncaptured overlap is not compared")
    func snaplenOverlap() {
        var h = Harness()
        let d = datagram()
        _ = h.add(key(), d, 0, 1480, more: true, captured: 100)
        _ = h.add(key(), d, 0, 1480, more: true)
        #expect(h.finish().first?.overlap == [.sameBytes, .notCompared])
    }

    @Test("the arena is a ring: records across its end compare; overwritten ones are not compared")
    func arenaWrap() {
        var h = Harness { $0.maxHeldBytes = 4096 }
        let d = datagram()
        _ = h.add(key(1), d, 0, 1480, more: true)                    // record at 0..<1492
        _ = h.add(key(2), d, 0, 1480, more: true)                    // 1492..<2984
        _ = h.add(key(2), d, 1480, 1480, more: true)                 // 2984..<4476: wraps, overwrites key 1's
        #expect(h.tracker.arena.count == 4096 && h.tracker.written == 4476)
        _ = h.add(key(1), d, 0, 1480, more: true)                    // its original is gone
        _ = h.add(key(2), d, 1480, 1480, more: true)                 // the wrapped record is held
        var e = d
        e[2000] ^= 1
        _ = h.add(key(3), d, 0, 1480, more: true)                    // overwrites key 2's first
        _ = h.add(key(2), e, 1480, 1480, more: true)
        _ = h.add(key(2), d, 0, 1480, more: true)
        let r = h.finish()
        #expect(r.count == 3)
        #expect(r.first { $0.key == key(1) }?.overlap == .notCompared)
        let two = r.first { $0.key == key(2) }
        #expect(two?.overlap == [.sameBytes, .differentBytes, .notCompared] && two?.overlappingFragments == 3)
    }

    @Test("overlaps are compared with no arena at all: not compared")
    func noArena() {
        var h = Harness { $0.maxHeldBytes = 0 }
        let d = datagram()
        _ = h.add(key(), d, 0, 1480, more: true)
        _ = h.add(key(), d, 0, 1480, more: true)
        #expect(h.finish().first?.overlap == .notCompared && h.tracker.arena.isEmpty)
    }

    // MARK: anomalies

    @Test("tiny: a small non-last fragment, or a first fragment shorter than the transport header")
    func tiny() {
        var h = Harness()
        let d = datagram()
        _ = h.add(key(1), d, 0, 48, more: true)                      // UDP header fits, IP length 68
        _ = h.add(key(1), d, 48, 8, more: false)                     // a small last fragment is normal
        _ = h.add(key(2), d, 0, 1480, more: true)
        _ = h.add(key(2), d, 1480, 16, more: true)                   // IP length 36, not last
        _ = h.add(key(3, proto: .tcp), d, 0, 16, more: true, captured: 16)  // TCP header cut
        _ = h.add(key(4, proto: .icmp), bytes: [8, 0, 0], offset: 0, more: true, packetLength: 100)
        let r = h.finish()
        #expect(r.map { $0.anomalies.contains(.tiny) } == [true, true, true])
        #expect(r.map(\.key.identification) == [2, 3, 4])
    }

    @Test("tooLarge: offset + length past 65535")
    func tooLarge() {
        var h = Harness()
        _ = h.add(key(), bytes: [UInt8](repeating: 1, count: 16), offset: 65_528, more: false)
        let r = h.finish().first
        #expect(r?.anomalies == .tooLarge && r?.totalLength == 65_544 && r.map { Array($0.missing) } == [0..<65_528])
    }

    @Test("dontFragmentSet: DF on an IPv4 fragment (the flag means nothing for IPv6)")
    func dontFragment() {
        var h = Harness()
        _ = h.add(key(1), bytes: [UInt8](repeating: 1, count: 800), offset: 800, more: true, df: true)
        _ = h.add(key(2, v6: true), bytes: [UInt8](repeating: 1, count: 800), offset: 800, more: true, df: true)
        #expect(h.finish().map(\.anomalies) == [.dontFragmentSet, []])
    }

    @Test("badIPv6Length: an IPv6 non-last fragment not a multiple of 8")
    func badIPv6Length() {
        var h = Harness()
        let d = datagram()
        _ = h.add(key(1, v6: true), d, 8, 1001, more: true)
        _ = h.add(key(2, v6: true), d, 8, 1001, more: false)
        _ = h.add(key(3), d, 8, 1001, more: true)
        #expect(h.finish().map(\.anomalies) == [.badIPv6Length, [], []])
    }

    @Test("tooManyFragments: more disjoint pieces than the list holds; tracked coarsely, never complete")
    func tooManyFragments() {
        var h = Harness()
        let d = datagram(400)
        for o in stride(from: 0, to: 320, by: 16) { #expect(h.add(key(), d, o, 8, more: true) == nil) }
        for o in stride(from: 8, to: 320, by: 16) { #expect(h.add(key(), d, o, 8, more: true) == nil) }
        #expect(h.add(key(), d, 320, 80, more: false) == nil)
        let r = h.finish().first
        #expect(r?.anomalies.contains(.tooManyFragments) == true && r?.completed == false && r?.fragments == 41)
        #expect(r?.overlap.isEmpty == true)
    }

    @Test("conflictingEnd: two different last fragments, data past the end, an end below data")
    func conflictingEnd() {
        var h = Harness()
        let d = datagram(3200)
        _ = h.add(key(1), d, 2960, 40, more: false)
        _ = h.add(key(1), d, 2960, 140, more: false)
        _ = h.add(key(2), d, 2960, 40, more: false)
        _ = h.add(key(2), d, 2960, 80, more: true)
        _ = h.add(key(3), d, 1480, 1480, more: true)
        _ = h.add(key(3), d, 1480, 520, more: false)
        let r = h.finish()
        #expect(r.map { $0.anomalies.contains(.conflictingEnd) } == [true, true, true])
        #expect(r.map(\.totalLength) == [3000, 3000, 2000])
    }

    // MARK: keys and bounds

    @Test("IPv6 and IPv4 sets are separate even with equal addresses and ID")
    func ipv6Separate() {
        var h = Harness()
        let d = datagram()
        #expect(key(v6: false) != key(v6: true))
        _ = h.add(key(v6: false), d, 0, 1480, more: true)
        #expect(h.add(key(v6: true), d, 1480, 1520, more: false) == nil)
        #expect(h.finish().map(\.key.isIPv6) == [false, true])
    }

    @Test("full: the least recently touched set is evicted, reported through add's evict closure")
    func evictsLeastRecent() {
        var h = Harness { $0.maxDatagrams = 2 }
        let d = datagram()
        _ = h.add(key(1), d, 0, 1480, more: true)
        _ = h.add(key(2), d, 0, 1480, more: true)
        _ = h.add(key(1), d, 1480, 1480, more: true)
        _ = h.add(key(3), d, 0, 1480, more: true)
        #expect(h.evictions.map(\.key) == [key(2)] && h.evictions.first?.outcome == .evicted)
        #expect(h.tracker.evicted == 1 && h.tracker.peak == 2)
        #expect(h.finish().map(\.key) == [key(1), key(3)])
    }

    @Test("a flood of 200,000 never-completing sets stays within 1,000 held; every eviction reported")
    func flood() {
        var config = FragmentTracker.Config()
        config.maxDatagrams = 1000
        config.maxHeldBytes = 1 << 16
        var t = FragmentTracker(config: config)
        var reported = 0, wrong = 0
        WireBytes.with([UInt8](repeating: 0xAB, count: 8)) { w in
            for i in 0..<200_000 {
                let k = FragmentKey(source: IPAddress(v4: 0xC633_6400 | UInt32(i >> 16)), destination: server,
                                    identification: UInt32(i & 0xffff), proto: .udp, isIPv6: false)
                let c = t.add(k, offset: 8, length: 8, packetLength: 28, more: true, dontFragment: false, data: w,
                              time: Int64(i) * 1000, frame: UInt64(i + 1)) { r in
                    reported += 1
                    if r.completed || r.outcome != .evicted || Array(r.missing) != [0..<8] || r.missingFrom != 16 {
                        wrong += 1
                    }
                }
                if c != nil { wrong += 1 }
            }
        }
        #expect(t.evicted == 199_000 && reported == 199_000 && wrong == 0)
        #expect(t.peak == 1000 && t.count == 1000)
        #expect(t.slots.count <= 1000 && t.index.buckets.count <= 2048 && t.arena.count == 1 << 16)
        var left = 0
        t.finish { _ in left += 1 }
        #expect(left == 1000 && t.count == 0)
    }

    @Test("IPv4 fragments straight from their headers")
    func fromIPv4Header() throws {
        let d = datagram()
        let src: Addr = "10.0.0.1", dst: Addr = "10.0.0.2"
        let packets = [(0, 1480, true), (1480, 1480, true), (2960, 40, false)].map { o, n, more in
            PacketBuilder.ipv4(src: src, dst: dst, proto: 17, payload: Array(d[o..<o + n]), id: 0x1234,
                               dontFragment: false, moreFragments: more, fragmentOffset: o)
        }
        var t = FragmentTracker()
        var done: [FragmentTracker.Completion] = []
        for (i, p) in packets.enumerated() {
            try WireBytes.with(p) { w in
                let ip = try IPv4Header(w)
                if let c = t.add(ip, time: 0, frame: UInt64(i + 1), evict: { _ in }) { done.append(c) }
            }
        }
        let c = try #require(done.first)
        #expect(done.count == 1 && c.totalLength == 3000 && c.datagram.key == key(0x1234))
        #expect(c.datagram.sourcePort == 5353 && c.datagram.anomalies.isEmpty)
    }

    @Test("an open set is a few hundred bytes, inline")
    func entrySize() {
        #expect(MemoryLayout<Pending>.stride <= 320)
        #expect(MemoryLayout<FragmentTracker.Completion>.stride <= 512)
    }
}
