import FlowAnalysis
import Testing

/// The flow table's memory is its slot size times --max-flows (262,144 × 992 bytes ≈ 260 MB when
/// full); keep the slot small. Half-open attempts live in their own, smaller records.
@Test("a flow slot stays within its memory budget") func flowSlotSize() {
    #expect(MemoryLayout<Flow>.stride <= 1024, "Flow is \(MemoryLayout<Flow>.stride) bytes")
}
