import FlowAnalysis
import Testing

/// The flow table's memory is its slot size times --max-flows (262,144 × 1.9 KB ≈ 500 MB when
/// full, which takes 262,144 connections at once); keep the slot small. Half-open attempts live in
/// their own, smaller records, so a SYN flood does not pay for it.
@Test("a flow slot stays within its memory budget") func flowSlotSize() {
    #expect(MemoryLayout<Flow>.stride <= 1_920, "Flow is \(MemoryLayout<Flow>.stride) bytes, a side \(MemoryLayout<TCPPeer>.stride), its loss state \(MemoryLayout<LossState>.stride)")
}
