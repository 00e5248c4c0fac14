import PacketDecoding

/// Flows in one array, a dictionary as the index, and a free list (gopacket's StreamPool shape).
/// Bounded: at `capacity` the oldest-inserted live flow is finalised to make room.
public struct FlowTable: Sendable {
    public let capacity: Int
    var index: [FlowKey: Int32] = [:]
    public internal(set) var slots: ContiguousArray<Flow> = []
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
        index.reserveCapacity(min(self.capacity, 1 << 16))
    }

    public var count: Int { index.count }

    /// The slot of a flow, or nil.
    @inline(__always)
    public mutating func find(_ k: FlowKey) -> Int32? {
        if let lk = lastKey, lk == k { return lastSlot }
        guard let s = index[k] else { return nil }
        lastKey = k; lastSlot = s
        return s
    }

    /// Inserts a new flow; when full, first hands the evicted flow to `evict`.
    public mutating func insert(_ f: Flow, evict: (Flow) -> Void) -> Int32 {
        if index.count >= capacity { evictOldest(evict) }
        let s: Int32
        if let x = free.popLast() {
            s = x
            slots[Int(s)] = f
            live[Int(s)] = true
            generation[Int(s)] &+= 1
        } else {
            s = Int32(slots.count)
            slots.append(f)
            live.append(true)
            generation.append(0)
        }
        index[f.key] = s
        ring.append(entry(s))
        lastKey = f.key; lastSlot = s
        peak = max(peak, index.count)
        compactRing()
        return s
    }

    /// Removes a flow and returns it.
    @discardableResult
    public mutating func remove(_ s: Int32) -> Flow {
        let f = slots[Int(s)]
        index[f.key] = nil
        live[Int(s)] = false
        free.append(s)
        if lastSlot == s { lastKey = nil }
        return f
    }

    func entry(_ s: Int32) -> UInt64 { UInt64(generation[Int(s)]) << 32 | UInt64(UInt32(s)) }
    func current(_ e: UInt64) -> Int32? {
        let s = Int32(truncatingIfNeeded: e & 0xffff_ffff)
        return live[Int(s)] && entry(s) == e ? s : nil
    }

    mutating func evictOldest(_ evict: (Flow) -> Void) {
        while ringHead < ring.count {
            let e = ring[ringHead]
            ringHead += 1
            if let s = current(e) {
                evicted &+= 1
                evict(remove(s))
                return
            }
        }
    }

    /// Drops ring entries already consumed, so the ring stays proportional to live flows.
    mutating func compactRing() {
        if ringHead > 4096 && ringHead * 2 > ring.count {
            ring.removeFirst(ringHead)
            ringHead = 0
        }
    }

    /// Finalises every flow whose last packet is older than `before`, oldest first, and
    /// forgets ring entries of removed flows as it goes.
    public mutating func expire(idleBefore before: Int64, _ body: (Flow) -> Void) {
        var expired: [Int32] = []
        for (i, f) in slots.enumerated() where live[i] && f.lastTime < before { expired.append(Int32(i)) }
        expired.sort { slots[Int($0)].firstFrame < slots[Int($1)].firstFrame }
        for s in expired { body(remove(s)) }
        if ring.count > 2 * max(index.count, 1024) {
            ring = ContiguousArray(ring[ringHead...].filter { current($0) != nil })
            ringHead = 0
        }
    }

    /// Every live flow, oldest first, removed.
    public mutating func drain(_ body: (Flow) -> Void) {
        expire(idleBefore: .max, body)
    }
}
