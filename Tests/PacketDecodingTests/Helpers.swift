import PacketDecoding
import TestSupport

typealias B = PacketBuilder
let c4: Addr = "10.0.0.1", s4: Addr = "10.0.0.2"
let c6: Addr = "fd00::1", s6: Addr = "fd00::2"

/// Decodes a frame and hands the result to `body` while the bytes are alive.
func dissect<R>(_ bytes: [UInt8], link: LinkType = .ethernet, _ body: (DecodedPacket) throws -> R) rethrows -> R {
    try WireBytes.with(bytes) { try body(Dissector.dissect($0, link: link)) }
}

/// The decode error a single view throws for these bytes (nil when it decodes).
func viewError<V>(_ bytes: [UInt8], _ make: (WireBytes) throws -> V) -> DecodeError? {
    WireBytes.with(bytes) { w in
        do { _ = try make(w); return nil } catch { return error as? DecodeError }
    }
}

typealias Ext = (type: UInt8, body: [UInt8])
func ext(_ t: UInt8, _ b: [UInt8]) -> Ext { (type: t, body: b) }
