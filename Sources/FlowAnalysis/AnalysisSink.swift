/// What the analyzer hands on as it finalises things, and to whom: one `AnalysisSink` receives
/// every flow and SYN-only attempt as it ends, every fragmented datagram, DNS transaction and ARP
/// record. Offline and live analysis wire the diagnoser in as the sink; a sharded analysis queues
/// each worker's output as `AnalysisEvent`s and replays them, in order, into the same diagnoser.
public protocol AnalysisSink: AnyObject {
    /// A flow finalised (closed and lingered, idle, evicted, reused, or at the end) at capture
    /// time `now`; handed over while still in its slot, so nothing is copied.
    func flowEnded(_ f: Flow, now: Int64)
    /// An attempt that never sent more than SYNs. By default it is turned into a flow.
    func attemptEnded(_ a: HalfOpen, now: Int64)
    /// An IP datagram that arrived in fragments, completed or not.
    func fragmented(_ d: FragmentedDatagram)
    func dnsTransaction(_ t: DNSTransaction)
    func arpRecord(_ r: ARPRecord)
}

extension AnalysisSink {
    public func attemptEnded(_ a: HalfOpen, now: Int64) { flowEnded(a.flow(), now: now) }

    /// One queued event, replayed.
    public func receive(_ e: AnalysisEvent) {
        switch e {
        case .flowEnded(let f, let now): flowEnded(f, now: now)
        case .attemptEnded(let a, let now): attemptEnded(a, now: now)
        case .fragmented(let d): fragmented(d)
        case .dns(let t): dnsTransaction(t)
        case .arp(let r): arpRecord(r)
        }
    }
}

/// One thing the analyzer handed over, as a value to queue. A flow (1.9 KB) and a DNS
/// transaction (its name inline) are boxed, so queues of events stay small.
public enum AnalysisEvent: Sendable {
    indirect case flowEnded(Flow, now: Int64)
    case attemptEnded(HalfOpen, now: Int64)
    case fragmented(FragmentedDatagram)
    indirect case dns(DNSTransaction)
    case arp(ARPRecord)
}

/// A sink that keeps nothing: for an analyzer whose tables alone are read (and tests).
public final class DiscardingSink: AnalysisSink {
    public init() {}
    public func flowEnded(_ f: Flow, now: Int64) {}
    public func attemptEnded(_ a: HalfOpen, now: Int64) {}
    public func fragmented(_ d: FragmentedDatagram) {}
    public func dnsTransaction(_ t: DNSTransaction) {}
    public func arpRecord(_ r: ARPRecord) {}
}
