import Diagnosis
import FlowAnalysis
import Foundation
import PacketCapture
import PacketDecoding
import Reporting

/// `analyze --threads N`: the calling thread reads and numbers every frame and hands a copy of it
/// to the worker that owns its host pair (`Analyzer.shardHash`, from the bytes where it can); each
/// worker decodes its frames and runs its own analyzer and flow table. What the workers finalise
/// is merged back into one diagnoser in the order one analyzer would have produced it, so the
/// report is the same as with one thread (bar `limits.peakFlows`/`peakHalfOpen`, the sum of the
/// workers' peaks, and evictions when a table fills: each worker holds `maxFlows / N`).
enum ShardedAnalysis {
    /// Packets and bytes a batch holds before it is handed over.
    static let batchPackets = 1024
    static let batchBytes = 1 << 20
    /// Every so many frames, all batches are handed over and finished events merged, so that
    /// memory stays bounded when one worker gets little traffic. Often, in small steps: one long
    /// merge left the workers idle (a SYN flood merges an event per packet).
    static let syncFrames: UInt64 = 1 << 13

    static func run(files: [OfflineFile], options: OfflineAnalysis.Options) throws(CaptureError) -> Report {
        let n = options.threads
        var config = options.analyzer
        config.maxFlows = (config.maxFlows + n - 1) / n
        config.fragments.maxDatagrams = max((config.fragments.maxDatagrams + n - 1) / n, 1)
        let workers = (0..<n).map { _ in Worker(config: config) }
        for w in workers { w.start() }

        let diagnosis = DiagnosisSink(Diagnoser(thresholds: options.thresholds))
        diagnosis.diagnoser.fragmentSetCap = options.analyzer.fragments.maxDatagrams
        // The reader's analyzer only numbers frames, keeps the frame counters and the clock.
        var reader = Analyzer(config: options.analyzer)
        // What each worker gets next, gathered as plain values: no object is touched per packet.
        var open = workers.map { _ in PacketBatch.Contents() }
        // Events taken from the workers and not merged yet (tagged past the mark).
        var backlog = workers.map { _ in Backlog() }
        var summaries: [CaptureFile] = []
        var sinceSync: UInt64 = 0
        var meter = ProgressMeter(options.progress, paths: files.map(\.path))

        func handOver(_ i: Int, upTo frame: UInt64, finishClock: Int64? = nil) {
            let b = workers[i].freshBatch()
            swap(&b.contents, &open[i])
            b.upTo = frame
            b.finishClock = finishClock
            workers[i].inbox.put(b)
        }
        func sync(upTo frame: UInt64) {
            for i in workers.indices { handOver(i, upTo: frame) }
            merge(workers, into: diagnosis, backlog: &backlog, upTo: workers.map { $0.progress() }.min() ?? 0)
        }

        for f in files {
            let before = reader.frameNumber
            let link = f.linkType
            let end = f.forEach { rec, matched in
                let sweep = reader.countFrame(wireLength: rec.wireLength, captured: rec.bytes.count, time: rec.time, matched: matched)
                let frame = reader.frameNumber
                if matched {
                    let h = Analyzer.quickShardHash(rec.bytes, link: link)
                        ?? Analyzer.shardHash(Dissector.dissect(rec.bytes, link: link))
                    let i = h == 0 ? 0 : Int(h % UInt64(n))
                    // The packet is copied into the batch; the worker decodes the copy (decoding
                    // here and handing over the 400-byte result cost the reader more than the
                    // decoding costs the worker). This frame's sweep, if any, goes after it: only
                    // earlier frames are done when a batch is handed over here.
                    if !open[i].hasRoom(for: rec.bytes) { handOver(i, upTo: frame &- 1) }
                    open[i].add(rec.bytes.prefix(ShardedAnalysis.batchBytes), frame: frame, clock: reader.now,
                                time: rec.time, link: link)
                    if open[i].isFull { handOver(i, upTo: frame &- 1) }
                }
                if sweep { for i in open.indices { open[i].addSweep(frame: frame, clock: reader.now) } }
                sinceSync &+= 1
                if sinceSync >= syncFrames {
                    sinceSync = 0
                    sync(upTo: frame)
                }
                meter.read(rec.bytes.count, frame: frame)
            }
            summaries.append(OfflineAnalysis.summary(of: f, packets: reader.frameNumber - before, end: end))
        }
        for i in workers.indices {
            handOver(i, upTo: .max, finishClock: reader.now)
        }
        for w in workers { w.done.wait() }
        // The end, in one analyzer's order: every event of the packets and sweeps; then the flows
        // still held, by first frame across workers, judged in place in the workers' tables;
        // then what the trackers handed over at the end.
        merge(workers, into: diagnosis, backlog: &backlog, upTo: .max - 1)
        var live: [(entry: LiveEntry, worker: Int)] = []
        for (i, w) in workers.enumerated() { live += w.analyzer.liveEntries().map { ($0, i) } }
        live.sort { $0.entry.firstFrame < $1.entry.firstFrame }
        let end = reader.now
        for (e, i) in live {
            if e.full { diagnosis.flowEnded(workers[i].analyzer.flows.slots[Int(e.slot)], now: end) }
            else { diagnosis.attemptEnded(workers[i].analyzer.halfOpen.slots[Int(e.slot)], now: end) }
        }
        merge(workers, into: diagnosis, backlog: &backlog, upTo: .max)

        var stats = reader.stats
        var peakFlows = 0, peakHalfOpen = 0
        var evicted: UInt64 = 0, fragmentSets: UInt64 = 0, names: UInt64 = 0
        for w in workers {
            fragmentSets &+= w.analyzer.fragments.evicted
            names &+= w.analyzer.names.evicted
            stats.merge(analysisOf: w.analyzer.stats)
            peakFlows += w.analyzer.flows.peak
            peakHalfOpen += w.analyzer.halfOpen.peak
            evicted &+= w.analyzer.flowsEvicted
        }
        return OfflineAnalysis.report(files: summaries, options: options, stats: stats, peakFlows: peakFlows,
                                      peakHalfOpen: peakHalfOpen, flowsEvicted: evicted, fragmentSetsEvicted: fragmentSets,
                                      namesEvicted: names, diagnoser: diagnosis.diagnoser)
    }

    /// Feeds the diagnoser every event tagged at or before `mark` (all workers being past it), in
    /// the order of their tags: each worker's lists are in order already, so they are merged,
    /// not sorted (an event may hold a whole flow).
    static func merge(_ workers: [Worker], into d: DiagnosisSink, backlog: inout [Backlog], upTo mark: UInt64) {
        // Everything the workers have is taken at once (a swap); what lies past the mark waits
        // here for the next merge, so no list is split or shifted.
        for (i, w) in workers.enumerated() {
            let (o, a) = w.takeAll()
            backlog[i].others.append(o)
            backlog[i].attempts.append(a)
        }
        while true {
            // Ties cannot happen within a worker; across workers the lower one goes first.
            var best = -1, bestIsAttempt = false
            var bestTag = EventTag(frame: 0, phase: 0, part: 0, order: 0)
            for i in backlog.indices {
                if let t = backlog[i].others.next, t.frame <= mark, best < 0 || t < bestTag {
                    best = i; bestIsAttempt = false; bestTag = t
                }
                if let t = backlog[i].attempts.next, t.frame <= mark, best < 0 || t < bestTag {
                    best = i; bestIsAttempt = true; bestTag = t
                }
            }
            guard best >= 0 else { break }
            if bestIsAttempt {
                let a = backlog[best].attempts.pop()
                d.attemptEnded(a.attempt, now: a.now)
                continue
            }
            d.receive(backlog[best].others.pop())
        }
        for i in backlog.indices {
            backlog[i].others.compact()
            backlog[i].attempts.compact()
        }
    }
}

/// One worker's events taken by the reader and not merged yet.
struct Backlog {
    var others = TaggedEvents<AnalysisEvent>()
    var attempts = TaggedEvents<AttemptEnded>()
}

/// A SYN-only attempt finalised: plain values, kept apart from the other events so a SYN flood's
/// million of them are copied as bytes, without the enum's per-value bookkeeping.
struct AttemptEnded {
    var attempt: HalfOpen
    var now: Int64
}

/// One worker's events of one type with their tags, in the order emitted (so in tag order).
struct TaggedEvents<E> {
    private var tags = ContiguousArray<EventTag>()
    private var events = ContiguousArray<E>()
    private var head = 0

    var isEmpty: Bool { tags.isEmpty }

    mutating func append(_ tag: EventTag, _ e: E) {
        tags.append(tag)
        events.append(e)
    }

    mutating func append(_ other: Self) {
        if head == tags.count {                                 // all merged already: take it whole
            self = other
            return
        }
        tags.append(contentsOf: other.tags[other.head...])
        events.append(contentsOf: other.events[other.head...])
    }

    /// Drops what was popped: all of it when everything was, else once it is most of the list.
    mutating func compact() {
        if head == tags.count {
            removeAll()
        } else if head > 4096 && head * 2 > tags.count {
            tags.removeFirst(head)
            events.removeFirst(head)
            head = 0
        }
    }

    mutating func removeAll() {
        tags.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        head = 0
    }

    /// The tag of the next event to merge.
    var next: EventTag? { head < tags.count ? tags[head] : nil }

    mutating func pop() -> E {
        head += 1
        return events[head - 1]
    }
}

/// Where an event falls in one analyzer's order: while a frame was processed (in the order
/// emitted: one worker has that frame), in the sweep after a frame (by the flow's first frame, as
/// `Analyzer.sweep` orders them), or at the end (flows by first frame, then fragment sets least
/// recently touched first, then DNS by first query, then ARP).
struct EventTag: Comparable {
    var frame: UInt64
    var phase: UInt8
    var part: UInt8
    var order: UInt64
    static func < (a: Self, b: Self) -> Bool {
        (a.frame, a.phase, a.part, a.order) < (b.frame, b.phase, b.part, b.order)
    }
}

/// Packets for one worker: their bytes back to back in one array, with frame numbers and times.
/// The arrays keep their capacity from batch to batch (no allocation in steady state).
final class PacketBatch: @unchecked Sendable {
    struct Item {
        var offset: Int32
        var length: Int32
        var frame: UInt64
        var clock: Int64
        var time: Int64
        var link: Int32
        var isSweep: Bool
    }
    /// What the reader fills: plain values (no object is touched per packet), moved into a batch
    /// object to be handed over.
    struct Contents {
        var bytes = ContiguousArray<UInt8>()
        var items = ContiguousArray<Item>()

        var isFull: Bool { items.count >= ShardedAnalysis.batchPackets }

        func hasRoom(for b: WireBytes) -> Bool { bytes.isEmpty || bytes.count &+ b.count <= ShardedAnalysis.batchBytes }

        mutating func add(_ b: WireBytes, frame: UInt64, clock: Int64, time: Int64, link: LinkType) {
            if bytes.capacity == 0 {
                bytes.reserveCapacity(ShardedAnalysis.batchBytes)
                items.reserveCapacity(ShardedAnalysis.batchPackets + 64)
            }
            let offset = Int32(bytes.count)
            b.append(to: &bytes)
            items.append(Item(offset: offset, length: Int32(b.count), frame: frame, clock: clock, time: time,
                              link: link.rawValue, isSweep: false))
        }

        mutating func addSweep(frame: UInt64, clock: Int64) {
            items.append(Item(offset: 0, length: 0, frame: frame, clock: clock, time: clock, link: 0, isSweep: true))
        }

        mutating func removeAll() {
            bytes.removeAll(keepingCapacity: true)
            items.removeAll(keepingCapacity: true)
        }
    }
    var contents = Contents()
    /// Every frame up to this one has been handed to the worker once this batch is done.
    var upTo: UInt64 = 0
    /// Set on the last batch: the capture's clock at its end.
    var finishClock: Int64?

    func reset() {
        contents.removeAll()
        upTo = 0
        finishClock = nil
    }
}

/// A blocking queue for handing batches between threads (a few per worker in flight).
final class BatchQueue: @unchecked Sendable {
    private let cond = NSCondition()
    private var items: [PacketBatch] = []
    private let capacity: Int
    init(capacity: Int) { self.capacity = capacity }

    func put(_ b: PacketBatch) {
        cond.lock()
        while items.count >= capacity { cond.wait() }
        items.append(b)
        cond.broadcast()
        cond.unlock()
    }

    func take() -> PacketBatch {
        cond.lock()
        while items.isEmpty { cond.wait() }
        let b = items.removeFirst()
        cond.broadcast()
        cond.unlock()
        return b
    }

    /// Puts a batch back unless the queue is full (spare batches beyond a few are dropped).
    func offer(_ b: PacketBatch) {
        cond.lock()
        if items.count < capacity { items.append(b); cond.broadcast() }
        cond.unlock()
    }

    func tryTake() -> PacketBatch? {
        cond.lock()
        defer { cond.unlock() }
        guard !items.isEmpty else { return nil }
        cond.broadcast()
        return items.removeFirst()
    }
}

/// One analysis thread: its own analyzer and flow table, fed batches, handing back tagged events.
final class Worker: @unchecked Sendable {
    /// Eight batches deep: room for the reader's merges without the worker running dry.
    let inbox = BatchQueue(capacity: 8)
    private let spare = BatchQueue(capacity: 10)
    let done = DispatchSemaphore(value: 0)
    var analyzer: Analyzer
    private let lock = NSLock()
    private var outbox = TaggedEvents<AnalysisEvent>()
    private var outboxAttempts = TaggedEvents<AttemptEnded>()
    private var finishedUpTo: UInt64 = 0
    // Touched by the worker thread only.
    private let sink: EventSink

    init(config: AnalyzerConfig) {
        let sink = EventSink()
        self.sink = sink
        analyzer = Analyzer(config: config, sink: sink)
    }

    func freshBatch() -> PacketBatch { spare.tryTake() ?? PacketBatch() }

    func start() {
        let t = Thread { [self] in self.loop() }
        t.stackSize = 8 << 20
        t.start()
    }

    private func loop() {
        while true {
            let b = inbox.take()
            WireBytes.with(b.contents.bytes) { all in
                for item in b.contents.items {
                    let frame = item.frame
                    sink.frame = frame
                    if item.isSweep {
                        sink.phase = 1
                        analyzer.sweep(frame: frame, clock: item.clock)
                    } else {
                        sink.phase = 0
                        let start = Int(item.offset)
                        analyzer.process(all.slice(start, start &+ Int(item.length)), frame: frame, clock: item.clock,
                                         time: item.time, link: LinkType(rawValue: item.link))
                    }
                }
            }
            let last = b.finishClock
            if let clock = last {
                sink.phase = 2
                analyzer.finishTrackers(clock: clock)
            }
            lock.lock()
            if outbox.isEmpty { swap(&outbox, &sink.pending) } else { outbox.append(sink.pending) }
            if outboxAttempts.isEmpty { swap(&outboxAttempts, &sink.pendingAttempts) } else { outboxAttempts.append(sink.pendingAttempts) }
            finishedUpTo = b.upTo
            lock.unlock()
            sink.pending.removeAll()
            sink.pendingAttempts.removeAll()
            b.reset()
            if last != nil { done.signal(); return }
            spare.offer(b)
        }
    }

    /// Every frame up to this one is fully processed (and its events are in the outbox).
    func progress() -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        return finishedUpTo
    }

    /// Every event handed over so far, in the order emitted.
    func takeAll() -> (TaggedEvents<AnalysisEvent>, TaggedEvents<AttemptEnded>) {
        var o = TaggedEvents<AnalysisEvent>(), a = TaggedEvents<AttemptEnded>()
        lock.lock()
        swap(&o, &outbox)
        swap(&a, &outboxAttempts)
        lock.unlock()
        return (o, a)
    }
}

/// Where a worker's analyzer hands its finished events, tagged with the frame and phase being
/// worked on. Touched by the worker thread only. SYN-only attempts (a SYN flood's million) are
/// queued apart as plain values, without the event enum's bookkeeping.
final class EventSink: AnalysisSink, @unchecked Sendable {
    func flowEnded(_ f: Flow, now: Int64) { pending.append(tag(part: 0, key: f.firstFrame), .flowEnded(f, now: now)) }
    func attemptEnded(_ a: HalfOpen, now: Int64) {
        pendingAttempts.append(tag(part: 0, key: a.firstFrame), AttemptEnded(attempt: a, now: now))
    }
    func fragmented(_ d: FragmentedDatagram) { pending.append(tag(part: 1, key: d.lastFrame), .fragmented(d)) }
    func dnsTransaction(_ t: DNSTransaction) { pending.append(tag(part: 2, key: t.firstFrame), .dns(t)) }
    func arpRecord(_ r: ARPRecord) { pending.append(tag(part: 3, key: 0), .arp(r)) }

    var pending = TaggedEvents<AnalysisEvent>()
    var pendingAttempts = TaggedEvents<AttemptEnded>()
    var frame: UInt64 = 0
    var phase: UInt8 = 0
    private var seq: UInt64 = 0

    /// The tag of the event being handed over now.
    func tag(part: UInt8, key: UInt64) -> EventTag {
        seq &+= 1
        switch phase {
        case 0: return EventTag(frame: frame, phase: 0, part: 0, order: seq)
        case 1: return EventTag(frame: frame, phase: 1, part: 0, order: key)
        default: return EventTag(frame: .max, phase: 2, part: part, order: part == 3 ? seq : key)
        }
    }
}
