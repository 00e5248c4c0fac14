import PacketDecoding
import TestSupport
import Testing

@Suite("TLS and DNS headers") struct ApplicationHeaderTests {
    static let clientHelloRecord: [UInt8] = [22, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0]

    @Test func tlsRecordAndHandshake() throws {
        try WireBytes.with(Self.clientHelloRecord) { w in
            let r = try TLSRecordHeader(w)
            #expect(r.contentType == .handshake && r.version == 0x0301 && r.fragmentLength == 8 && r.isComplete)
            let h = try TLSHandshakeHeader(r.fragment)
            #expect(h.messageType == 1 && h.messageLength == 4 && h.isComplete && h.body.count == 4)
        }
    }

    @Test func tlsAlert() throws {
        try WireBytes.with([21, 3, 3, 0, 2, 2, 48]) { w in
            let r = try TLSRecordHeader(w)
            let a = try TLSAlert(r.fragment)
            #expect(r.contentType == .alert && a.level == 2 && a.description == 48)
        }
    }

    @Test func tlsRejects() {
        #expect(viewError([22, 3, 1]) { try TLSRecordHeader($0) } == .truncated(.tls, needed: 5, have: 3))
        #expect(viewError([0x47, 0x45, 0x54, 0x20, 0x2f]) { try TLSRecordHeader($0) } == .malformed(.tls, .badContentType))
        #expect(viewError([22, 2, 0, 0, 5]) { try TLSRecordHeader($0) } == .malformed(.tls, .badVersion))
        // A record claiming far more than 2^14 + 2048 bytes is not TLS.
        #expect(viewError([22, 3, 3, 0xff, 0xff]) { try TLSRecordHeader($0) } == .malformed(.tls, .recordTooLong))
        // A handshake header claiming 2^24 - 1 bytes is only incomplete, never read past the buffer.
        WireBytes.with([1, 0xff, 0xff, 0xff, 9]) { w in
            let h = try? TLSHandshakeHeader(w)
            #expect(h?.messageLength == 0xff_ffff && h?.isComplete == false && h?.body.count == 1)
        }
    }

    @Test func dnsHeader() throws {
        // id 0xbeef, response, RD, RA, NXDOMAIN, 1 question.
        try WireBytes.with([0xbe, 0xef, 0x81, 0x83, 0, 1, 0, 0, 0, 1, 0, 0, 9]) { w in
            let d = try DNSHeader(w)
            #expect(d.id == 0xbeef && d.isResponse && d.recursionDesired && d.recursionAvailable)
            #expect(d.rcode == 3 && d.questionCount == 1 && d.authorityCount == 1 && !d.truncated)
            #expect(d.opcode == 0 && d.body.count == 1)
        }
        #expect(viewError([0, 1, 2]) { try DNSHeader($0) } == .truncated(.dns, needed: 12, have: 3))
    }
}
