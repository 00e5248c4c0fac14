import PacketDecoding

/// What a slot table stores: something keyed by a flow key, with times for expiry.
public protocol TableEntry: Sendable {
    var key: FlowKey { get }
    var lastTime: Int64 { get }
    var firstFrame: UInt64 { get }
}

extension Flow: TableEntry {}

public typealias FlowTable = SlotTable<Flow>

/// An entry due for finalisation: which table, which slot, and its first frame, the order in
/// which entries are handed over (the same whatever the sharding of flows over workers).
struct DueEntry {
    var firstFrame: UInt64
    var full: Bool
    var slot: Int32
}

/// Entries in one array, an open-addressing index over them, and a free list (gopacket's
/// StreamPool shape). Bounded: at `capacity` the oldest-inserted live entry is finalised to make
/// room. The index is keyed by the key's precomputed symmetric hash: Swift's Dictionary spent
/// most of a SYN flood hashing (SipHash) and probing.
public struct SlotTable<Entry: TableEntry>: Sendable {
    public let capacity: Int
    var index = FlowIndex()
    public internal(set) var slots: ContiguousArray<Entry> = []
    var live: ContiguousArray<Bool> = []
    var free: [Int32] = []
    /// Insertion ring for eviction: (generation << 32 | slot) in the order flows were created;
    /// an entry whose generation is stale belongs to a flow already gone.
    var ring: ContiguousArray<UInt64> = []
    var generation: ContiguousArray<UInt32> = []
    var ringHead = 0
    var lastKey: FlowKey?
    var lastSlot: Int32 = 0
    public private(set) var evicted: UInt64 = 0
    public private(set) var peak: Int = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        // Reserved, not touched: pages are only used as flows arrive, and the array never
        // copies itself while growing towards the cap.
        slots.reserveCapacity(min(self.capacity, 1 << 20))
    }

    public var count: Int { index.count }

    /// The slot of a flow, or nil.
    @inline(__always)
    public mutating func find(_ k: FlowKey) -> Int32? {
        if let lk = lastKey, lk == k { return lastSlot }
        guard let s = index.find(k, in: slots) else { return nil }
        lastKey = k; lastSlot = s
        return s
    }

    /// Inserts a new entry, built in its slot; when full, the oldest entry is first finalised
    /// through `evict`.
    public mutating func insert(_ make: @autoclosure () -> Entry, key: FlowKey, now: Int64,
                                evict: (Entry, Int64) -> Void) -> Int32 {
        if index.count >= capacity { evictOldest(now: now, evict) }
        let s: Int32
        if let x = free.popLast() {
            s = x
            slots[Int(s)] = make()
            live[Int(s)] = true
            generation[Int(s)] &+= 1
        } else {
            s = Int32(slots.count)
            slots.append(make())
            live.append(true)
            generation.append(0)
        }
        index.insert(key, slot: s)
        ring.append(entry(s))
        lastKey = key; lastSlot = s
        peak = max(peak, index.count)
        compactRing()
        return s
    }

    /// Removes an entry and returns it.
    @discardableResult
    public mutating func remove(_ s: Int32) -> Entry {
        let f = slots[Int(s)]
        discard(s)
        return f
    }

    /// Frees a slot without copying its flow out.
    public mutating func discard(_ s: Int32) {
        index.remove(slots[Int(s)].key, in: slots)
        live[Int(s)] = false
        free.append(s)
        if lastSlot == s { lastKey = nil }
    }

    func entry(_ s: Int32) -> UInt64 { UInt64(generation[Int(s)]) << 32 | UInt64(UInt32(s)) }
    func current(_ e: UInt64) -> Int32? {
        let s = Int32(truncatingIfNeeded: e & 0xffff_ffff)
        return live[Int(s)] && entry(s) == e ? s : nil
    }

    /// When the table is full, the slot of the oldest live entry, counted as evicted: the caller
    /// finalises it in place and discards it before inserting (no closure through the generic
    /// table, which copied the entry at each step).
    public mutating func oldestToEvict() -> Int32? {
        guard index.count >= capacity else { return nil }
        while ringHead < ring.count {
            let e = ring[ringHead]
            ringHead += 1
            if let s = current(e) {
                evicted &+= 1
                return s
            }
        }
        return nil
    }

    mutating func evictOldest(now: Int64, _ evict: (Entry, Int64) -> Void) {
        guard let s = oldestToEvict() else { return }
        evict(slots[Int(s)], now)
        discard(s)
    }

    /// Drops ring entries already consumed, so the ring stays proportional to live flows.
    mutating func compactRing() {
        if ringHead > 4096 && ringHead * 2 > ring.count {
            ring.removeFirst(ringHead)
            ringHead = 0
        }
    }

    /// The live slots whose entry is `due`, with each entry's first frame (for ordering).
    func dueSlots(full: Bool, into out: inout [DueEntry], _ due: (Entry) -> Bool) {
        for i in slots.indices where live[i] && due(slots[i]) {
            out.append(DueEntry(firstFrame: slots[i].firstFrame, full: full, slot: Int32(i)))
        }
    }

    /// After many removals: forgets ring entries of removed flows, so the ring stays
    /// proportional to live flows.
    mutating func tidyRing() {
        if ring.count > 2 * max(index.count, 1024) {
            ring = ContiguousArray(ring[ringHead...].filter { current($0) != nil })
            ringHead = 0
        }
    }

    /// Every live entry, in the order they were inserted, and the table emptied. No sorting and
    /// no index surgery: the table is rebuilt empty afterwards.
    public mutating func drain(_ body: (Entry) -> Void) {
        for e in ring[ringHead...] {
            if let s = current(e) { body(slots[Int(s)]) }
        }
        reset()
    }

    /// The live slots, in insertion order.
    public var liveSlots: [Int32] { ring[ringHead...].compactMap { current($0) } }

    /// Empties the table.
    public mutating func reset() {
        index = FlowIndex()
        slots.removeAll()
        live.removeAll()
        generation.removeAll()
        free.removeAll()
        ring.removeAll()
        ringHead = 0
        lastKey = nil
    }
}

/// Open addressing with linear probing and backward-shift deletion over a table's slots. Each
/// bucket holds the key's 32-bit hash (high half) and slot + 1 (low half; 0 = empty), so probes
/// compare hashes before touching an entry, and deletion finds each entry's home bucket without
/// rehashing keys. At most half full; it doubles as the live count grows. Shared by the flow
/// table and the fragment tracker.
struct SlotIndex: Sendable {
    var buckets: ContiguousArray<UInt64>
    var mask: Int
    private(set) var count = 0

    /// `buckets` 0: nothing is allocated before the first insert.
    init(buckets n: Int) {
        buckets = ContiguousArray(repeating: 0, count: n)
        mask = max(n - 1, 0)
    }

    /// The slot whose hash is `h` and for which `matches` holds.
    @inline(__always)
    func find(_ h: UInt32, _ matches: (Int) -> Bool) -> Int? {
        guard !buckets.isEmpty else { return nil }
        var i = Int(h) & mask
        while true {
            let b = buckets[i]
            if b == 0 { return nil }
            if UInt32(truncatingIfNeeded: b >> 32) == h {
                let s = Int(b & 0xffff_ffff) - 1
                if matches(s) { return s }
            }
            i = (i &+ 1) & mask
        }
    }

    mutating func insert(_ h: UInt32, slot: Int) {
        if (count + 1) * 2 > buckets.count { grow() }
        place(UInt64(h) << 32 | UInt64(slot + 1))
        count += 1
    }

    private mutating func place(_ e: UInt64) {
        var i = Int(UInt32(truncatingIfNeeded: e >> 32)) & mask
        while buckets[i] != 0 { i = (i &+ 1) & mask }
        buckets[i] = e
    }

    private mutating func grow() {
        let old = buckets
        buckets = ContiguousArray(repeating: 0, count: max(old.count * 2, 1024))
        mask = buckets.count - 1
        for e in old where e != 0 { place(e) }
    }

    /// Removes the entry of `slot`, whose hash is `h`.
    mutating func remove(_ h: UInt32, slot: Int) {
        guard !buckets.isEmpty else { return }
        let e = UInt64(h) << 32 | UInt64(slot + 1)
        var i = Int(h) & mask
        while buckets[i] != e {
            if buckets[i] == 0 { return }
            i = (i &+ 1) & mask
        }
        // Backward shift: pull later entries of the run into the hole when their home allows.
        var j = i
        while true {
            j = (j &+ 1) & mask
            let b = buckets[j]
            if b == 0 { break }
            let home = Int(UInt32(truncatingIfNeeded: b >> 32)) & mask
            let between = i <= j ? (home > i && home <= j) : (home > i || home <= j)
            if !between { buckets[i] = b; i = j }
        }
        buckets[i] = 0
        count -= 1
    }
}

/// The flow table's index: flows by key.
struct FlowIndex: Sendable {
    var slots = SlotIndex(buckets: 1024)
    var count: Int { slots.count }

    @inline(__always) static func hash32(_ k: FlowKey) -> UInt32 {
        let h = k.fastHash
        return UInt32(truncatingIfNeeded: h >> 32) ^ UInt32(truncatingIfNeeded: h)
    }

    @inline(__always)
    func find<E: TableEntry>(_ k: FlowKey, in entries: ContiguousArray<E>) -> Int32? {
        slots.find(Self.hash32(k)) { entries[$0].key == k }.map { Int32(truncatingIfNeeded: $0) }
    }

    mutating func insert(_ k: FlowKey, slot: Int32) { slots.insert(Self.hash32(k), slot: Int(slot)) }

    mutating func remove<E: TableEntry>(_ k: FlowKey, in entries: ContiguousArray<E>) {
        guard let s = find(k, in: entries) else { return }
        slots.remove(Self.hash32(k), slot: Int(s))
    }
}
