import FlowAnalysis
import Testing

/// The flow table's memory is its slot size times --max-flows; keep the slot small.
@Test("a flow slot stays within its memory budget") func flowSlotSize() {
    #expect(MemoryLayout<Flow>.stride <= 800, "Flow is \(MemoryLayout<Flow>.stride) bytes")
}
