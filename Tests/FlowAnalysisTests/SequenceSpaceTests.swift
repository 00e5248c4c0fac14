@testable import FlowAnalysis
import PacketDecoding
import Testing

/// The sequence-space map under hostile numbers: every hole it keeps has its end after its start.
@Suite("Sequence space") struct SequenceSpaceTests {
    func holesAreSane(_ s: SequenceSpace) {
        for h in s.openHoles { #expect(h.end - h.start > 0, "hole \(h.start.raw)..<\(h.end.raw)") }
        _ = s.missedBytes
        _ = s.holeBytes
    }

    @Test("an ACK exactly half the space ahead is no ACK (found by the mutation test)") func halfSpaceAck() {
        var s = SequenceSpace()
        _ = s.add(seq: SeqNum(1000), end: SeqNum(1100), time: 0, tsval: nil, ipID: nil)
        // 2^31 from the high: `<` holds both ways round there.
        #expect(s.acknowledge(SeqNum(1100 &+ 0x8000_0000), time: 1) == 0)
        #expect(s.holeCount == 0 && s.missedBytes == 0)
        // Just below the jump limit is still an ACK of bytes never seen.
        #expect(s.acknowledge(SeqNum(1100 + (1 << 30) - 1), time: 2) == (1 << 30) - 1)
        holesAreSane(s)
    }

    @Test("jumps that lap the 32-bit space forget the holes they leave behind") func laps() {
        var s = SequenceSpace()
        var seq: UInt32 = 0
        _ = s.add(seq: SeqNum(seq), end: SeqNum(seq + 10), time: 0, tsval: nil, ipID: nil)
        for k in 1...12 {
            // Each jump just under the limit opens a hole; odd ones are then acknowledged.
            seq &+= (1 << 30) - 1000
            _ = s.add(seq: SeqNum(seq), end: SeqNum(seq &+ 10), time: Int64(k), tsval: nil, ipID: nil)
            if k % 2 == 1 { _ = s.acknowledge(SeqNum(seq &+ 10), time: Int64(k)) }
            // A retransmission below the high that may touch the old holes.
            _ = s.add(seq: SeqNum(seq &- 500_000_000), end: SeqNum(seq &- 499_999_000), time: Int64(k), tsval: nil, ipID: nil)
            holesAreSane(s)
            for h in s.openHoles { #expect(s.high! - h.start < SequenceSpace.maxJump) }
        }
        #expect(s.forgottenHoles > 0)
    }
}
