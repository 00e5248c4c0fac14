import PacketDecoding
import TestSupport
import Testing

@Suite("TLS handshake messages") struct TLSHandshakeTests {
    typealias T = TLSBuilder

    // MARK: helpers

    /// A handshake message's body (its 4-byte header dropped).
    static func body(_ message: [UInt8]) -> [UInt8] { Array(message.dropFirst(TLSHandshakeHeader.length)) }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func clientHelloError(_ body: WireBytes, messageLength: Int? = nil) -> DecodeError? {
        do { _ = try TLSClientHello(body, messageLength: messageLength); return nil } catch { return error }
    }
    static func clientHelloError(_ body: [UInt8], messageLength: Int? = nil) -> DecodeError? {
        WireBytes.with(body) { clientHelloError($0, messageLength: messageLength) }
    }
    static func serverHelloError(_ body: WireBytes, messageLength: Int? = nil) -> DecodeError? {
        do { _ = try TLSServerHello(body, messageLength: messageLength); return nil } catch { return error }
    }

    /// Walks a certificate list: the DERs' bytes and the error it stopped with.
    static func certificates(_ list: TLSCertificateList) -> (ders: [[UInt8]], error: DecodeError?) {
        var it = list, out: [[UInt8]] = []
        while let der = it.next() { out.append(der.copyBytes()) }
        return (out, it.error)
    }

    static func isTruncated(_ e: DecodeError?) -> Bool { if case .truncated(.tls, _, _) = e { true } else { false } }

    /// Chrome-like TLS 1.3 ClientHello with GREASE in suites, extensions, versions, groups, ALPN.
    static let tls13Hello = T.clientHello(
        version: 0x0303, sni: "www.example.com", alpn: ["h2", "http/1.1"],
        supportedVersions: [0x7A7A, 0x0304, 0x0303], keyShares: [0x2A2A, 0x001D, 0x0017],
        cipherSuites: [0x3A3A, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xCCA9],
        sessionID: Array(repeating: 7, count: 32),
        extraExtensions: [(0xDADA, []), (0xFF01, [0]), (0x4A4A, [0])])

    /// TLS 1.2 ClientHello: no supported_versions, no key shares.
    static let tls12Hello = T.clientHello(
        version: 0x0303, sni: "example.com", alpn: ["h2", "http/1.1"],
        cipherSuites: [0xC02F, 0xC030, 0xCCA8, 0x009C, 0x002F, 0x00FF], groups: [0x001D, 0x0017, 0x0018])

    // MARK: ClientHello

    @Test func tls12ClientHello() throws {
        let record = T.record(type: .handshake, version: 0x0301, body: Self.tls12Hello)
        try WireBytes.with(record) { w in
            let r = try TLSRecordHeader(w)
            let h = try TLSHandshakeHeader(r.fragment)
            #expect(r.isComplete && h.messageType == 1 && h.isComplete)
            let c = try TLSClientHello(h.body, messageLength: h.messageLength)
            #expect(c.legacyVersion == 0x0303 && c.highestOfferedVersion == 0x0303)
            #expect(c.cipherSuiteCount == 6 && c.cipherSuiteList.count == 12 && c.cipherSuiteList.u16(0) == 0xC02F)
            #expect(c.serverName?.copyBytes() == Self.bytes("example.com"))
            #expect(c.alpnCount == 2 && c.alpnFirst?.copyBytes() == Self.bytes("h2"))
            #expect(c.supportedVersionsCount == 0 && c.highestSupportedVersion == nil)
            #expect(c.keyShareCount == 0 && c.supportedGroupsCount == 3 && c.extensionCount == 3)
            #expect(c.random.count == 32 && c.random.u8(0) == 0xC1)
            var types: [UInt16] = []
            var it = c.extensions
            while let e = it.next() { types.append(e.type) }
            #expect(types == [0, 10, 16] && it.error == nil)
        }
    }

    @Test func tls13ClientHelloSkipsGREASE() throws {
        try WireBytes.with(Self.body(Self.tls13Hello)) { w in
            for length in [nil, w.count] as [Int?] {
                let c = try TLSClientHello(w, messageLength: length)
                #expect(c.legacyVersion == 0x0303 && c.highestOfferedVersion == 0x0304)
                #expect(c.cipherSuiteCount == 6 && c.cipherSuiteList.count == 14)
                #expect(c.serverName?.copyBytes() == Self.bytes("www.example.com"))
                #expect(c.alpnCount == 2 && c.alpnFirst?.copyBytes() == Self.bytes("h2"))
                #expect(c.supportedVersionsCount == 2 && c.highestSupportedVersion == 0x0304)
                #expect(c.keyShareCount == 2 && c.supportedGroupsCount == 2)
                // server_name, supported_groups, ALPN, supported_versions, key_share, renegotiation_info.
                #expect(c.extensionCount == 6)
            }
        }
    }

    @Test func greaseALPNAndVersionOrder() throws {
        // A GREASE ALPN name ahead of h2; TLS 1.3 drafts rank between 1.2 and 1.3.
        let alpn = T.vector16(T.vector8([0x6A, 0x6A]) + T.vector8(Self.bytes("h2")))
        let final = Self.body(T.clientHello(supportedVersions: [0x7F1C, 0x0304, 0x7F17, 0x0303], extraExtensions: [(16, alpn)]))
        let drafts = Self.body(T.clientHello(version: 0x0301, supportedVersions: [0x0303, 0x7F17, 0x0302]))
        let legacyOnly = Self.body(T.clientHello(version: 0x0301, supportedVersions: [0x0300]))
        try WireBytes.with(final) { w in
            let c = try TLSClientHello(w)
            #expect(c.highestSupportedVersion == 0x0304 && c.supportedVersionsCount == 4)
            #expect(c.alpnCount == 1 && c.alpnFirst?.copyBytes() == Self.bytes("h2"))
        }
        try WireBytes.with(drafts) { w in
            let c = try TLSClientHello(w)
            #expect(c.highestSupportedVersion == 0x7F17 && c.highestOfferedVersion == 0x7F17)
        }
        try WireBytes.with(legacyOnly) { w in
            let c = try TLSClientHello(w)
            #expect(c.highestSupportedVersion == 0x0300 && c.highestOfferedVersion == 0x0301)
        }
    }

    @Test func clientHelloWithoutExtensions() throws {
        let m = T.clientHello(version: 0x0301, cipherSuites: [0x002F])
        try WireBytes.with(Self.body(m)) { w in
            let c = try TLSClientHello(w, messageLength: w.count)
            #expect(c.legacyVersion == 0x0301 && c.extensionCount == 0 && c.serverName == nil && c.cipherSuiteCount == 1)
            var it = c.extensions
            let first = it.next()
            #expect(first == nil && it.error == nil)
        }
    }

    // MARK: ServerHello

    @Test func tls12ServerHello() throws {
        try WireBytes.with(Self.body(T.serverHello(cipher: 0xC02F))) { w in
            let s = try TLSServerHello(w, messageLength: w.count)
            #expect(s.legacyVersion == 0x0303 && s.selectedVersion == 0x0303 && s.cipherSuite == 0xC02F)
            #expect(!s.isHelloRetryRequest && !s.hasKeyShare && s.keyShareGroup == nil && s.extensionCount == 0)
        }
    }

    @Test func tls13ServerHello() throws {
        let m = T.serverHello(cipher: 0x1301, selectedVersion: 0x0304, sessionID: Array(repeating: 9, count: 32))
        try WireBytes.with(T.record(body: m)) { w in
            let h = try TLSHandshakeHeader(TLSRecordHeader(w).fragment)
            #expect(h.messageType == 2)
            let s = try TLSServerHello(h.body, messageLength: h.messageLength)
            #expect(s.legacyVersion == 0x0303 && s.selectedVersion == 0x0304 && s.cipherSuite == 0x1301)
            #expect(!s.isHelloRetryRequest && s.hasKeyShare && s.keyShareGroup == 0x001D && s.extensionCount == 2)
        }
    }

    @Test func helloRetryRequest() throws {
        let m = T.serverHello(cipher: 0x1302, selectedVersion: 0x0304, helloRetry: true, keyShareGroup: 0x0017)
        try WireBytes.with(Self.body(m)) { w in
            let s = try TLSServerHello(w, messageLength: w.count)
            #expect(s.isHelloRetryRequest && s.selectedVersion == 0x0304 && s.cipherSuite == 0x1302)
            #expect(s.hasKeyShare && s.keyShareGroup == 0x0017)
            #expect(s.random.copyBytes() == T.helloRetryRandom)
        }
        // One bit off the special random is an ordinary ServerHello, whose key_share is a share.
        var near = Self.body(T.serverHello(cipher: 0x1302, selectedVersion: 0x0304, helloRetry: true))
        near[33] ^= 1
        #expect(WireBytes.with(near) { Self.serverHelloError($0) } == .malformed(.tls, .extensionLength))
        try WireBytes.with(Self.body(T.serverHello(cipher: 0x1301, selectedVersion: 0x0304))) { w in
            let s = try TLSServerHello(w)
            #expect(!s.isHelloRetryRequest)
        }
    }

    // MARK: Certificate

    static let ders: [[UInt8]] = [
        [0x30, 0x03, 0x02, 0x01, 0x01],
        [0x30, 0x82, 0x01, 0x2C] + Array(repeating: 0xAB, count: 300),
        [0x30, 0x82, 0x04, 0xB0] + (0..<1200).map { UInt8(truncatingIfNeeded: $0) },
    ]

    @Test func certificateList() throws {
        try WireBytes.with(T.certificate(ders: Self.ders)) { w in
            let h = try TLSHandshakeHeader(w)
            #expect(h.messageType == 11 && h.isComplete)
            let list = TLSCertificateList(h.body, messageLength: h.messageLength)
            #expect(list.error == nil && list.listLength == Self.ders.reduce(0) { $0 + 3 + $1.count })
            let (got, error) = Self.certificates(list)
            #expect(got == Self.ders && error == nil)
            // The same without the declared length.
            #expect(Self.certificates(TLSCertificateList(h.body)).ders == Self.ders)
        }
        // An empty list (a client without a certificate) is valid.
        WireBytes.with(Self.body(T.certificate(ders: []))) { w in
            let (got, error) = Self.certificates(TLSCertificateList(w, messageLength: w.count))
            #expect(got.isEmpty && error == nil)
        }
    }

    @Test func tls13CertificateList() {
        let m = T.certificateTLS13(ders: Self.ders, context: [1, 2, 3, 4], entryExtensions: [0, 5, 0, 2, 0, 0])
        WireBytes.with(Self.body(m)) { w in
            let list = TLSCertificateList(tls13Body: w, messageLength: w.count)
            #expect(list.requestContext.copyBytes() == [1, 2, 3, 4])
            let (got, error) = Self.certificates(list)
            #expect(got == Self.ders && error == nil)
        }
        // Extensions cut after the last certificate: the certificate is still whole.
        let cut = Self.body(m).dropLast(3)
        WireBytes.with(Array(cut)) { w in
            let (got, error) = Self.certificates(TLSCertificateList(tls13Body: w))
            #expect(got == Self.ders && Self.isTruncated(error))
        }
    }

    @Test func absurdCertificateLengths() {
        // certificate_list claims 2^24 - 1 bytes: only a short capture without the message length,
        // malformed against it.
        var total = Self.body(T.certificate(ders: [Self.ders[0]]))
        total[0] = 0xFF; total[1] = 0xFF; total[2] = 0xFF
        WireBytes.with(total) { w in
            let (got, error) = Self.certificates(TLSCertificateList(w))
            #expect(got == [Self.ders[0]] && error == .truncated(.tls, needed: w.count + 3, have: w.count))
            #expect(Self.certificates(TLSCertificateList(w, messageLength: w.count)).error == .malformed(.tls, .vectorLength))
        }
        // One entry claims 2^24 - 1 bytes inside a short list: overrun.
        var entry = Self.body(T.certificate(ders: Self.ders))
        entry[3] = 0xFF; entry[4] = 0xFF; entry[5] = 0xFF
        WireBytes.with(entry) { w in
            let (got, error) = Self.certificates(TLSCertificateList(w))
            #expect(got.isEmpty && error == .malformed(.tls, .vectorLength))
        }
        // The last entry claims more than the list holds.
        var last = Self.body(T.certificate(ders: Self.ders))
        let lastAt = 3 + (3 + Self.ders[0].count) + (3 + Self.ders[1].count)
        last[lastAt + 2] &+= 1
        WireBytes.with(last) { w in
            let (got, error) = Self.certificates(TLSCertificateList(w))
            #expect(got == Array(Self.ders.prefix(2)) && error == .malformed(.tls, .vectorLength))
        }
        // A zero-length certificate (ASN.1Cert<1..2^24-1>), and the same for TLS 1.3 with an
        // absurd context.
        WireBytes.with([0, 0, 3, 0, 0, 0]) { w in
            #expect(Self.certificates(TLSCertificateList(w)).error == .malformed(.tls, .zeroLength))
        }
        WireBytes.with([0xFF, 0, 0, 0]) { w in
            #expect(Self.certificates(TLSCertificateList(tls13Body: w, messageLength: 4)).error == .malformed(.tls, .vectorLength))
            #expect(Self.isTruncated(Self.certificates(TLSCertificateList(tls13Body: w)).error))
        }
        WireBytes.with([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) { w in
            #expect(Self.certificates(TLSCertificateList(w)).error == .malformed(.tls, .vectorLength))
            #expect(Self.certificates(TLSCertificateList(w, messageLength: 0xFF_FFFF)).error == .malformed(.tls, .vectorLength))
            #expect(Self.certificates(TLSCertificateList(tls13Body: w, messageLength: 6)).error == .malformed(.tls, .vectorLength))
        }
        WireBytes.with([]) { w in
            #expect(Self.certificates(TLSCertificateList(w)).error == .truncated(.tls, needed: 3, have: 0))
            #expect(Self.certificates(TLSCertificateList(w, messageLength: 0)).error == .malformed(.tls, .headerTooShort))
        }
    }

    // MARK: prefixes: a cut is truncation, never the sender's fault

    @Test(arguments: [tls12Hello, tls13Hello, T.clientHello(cipherSuites: [0x002F])])
    func everyClientHelloPrefix(_ message: [UInt8]) {
        WireBytes.with(Self.body(message)) { w in
            #expect(Self.clientHelloError(w, messageLength: w.count) == nil)
            for n in 0..<w.count {
                let cut = w.prefix(n)
                // Without the declared length a cut may end where a shorter message could.
                let free = Self.clientHelloError(cut)
                #expect(free == nil || Self.isTruncated(free), "prefix \(n): \(String(describing: free))")
                // With it, every cut is truncation.
                let held = Self.clientHelloError(cut, messageLength: w.count)
                #expect(Self.isTruncated(held), "prefix \(n): \(String(describing: held))")
            }
        }
    }

    @Test func everyRecordPrefix() throws {
        // The caller's buffer cuts the record: the handshake body reads as truncated.
        let record = T.record(version: 0x0301, body: Self.tls13Hello)
        try WireBytes.with(record) { w in
            for n in (TLSRecordHeader.length + TLSHandshakeHeader.length)..<w.count {
                let h = try TLSHandshakeHeader(TLSRecordHeader(w.prefix(n)).fragment)
                let e = Self.clientHelloError(h.body, messageLength: h.messageLength)
                #expect(Self.isTruncated(e), "prefix \(n): \(String(describing: e))")
            }
        }
    }

    @Test func everyServerHelloAndCertificatePrefix() {
        for m in [T.serverHello(cipher: 0x1301, selectedVersion: 0x0304, sessionID: [1, 2, 3]),
                  T.serverHello(cipher: 0x1302, selectedVersion: 0x0304, helloRetry: true),
                  T.serverHello(cipher: 0xC02F)] {
            WireBytes.with(Self.body(m)) { w in
                #expect(Self.serverHelloError(w, messageLength: w.count) == nil)
                for n in 0..<w.count {
                    let free = Self.serverHelloError(w.prefix(n))
                    #expect(free == nil || Self.isTruncated(free), "prefix \(n)")
                    #expect(Self.isTruncated(Self.serverHelloError(w.prefix(n), messageLength: w.count)), "prefix \(n)")
                }
            }
        }
        let ders = [Self.ders[0], Array(Self.ders[1].prefix(40))]
        for (m, tls13) in [(T.certificate(ders: ders), false), (T.certificateTLS13(ders: ders, context: [7], entryExtensions: [0, 1, 0, 0]), true)] {
            WireBytes.with(Self.body(m)) { w in
                for n in 0..<w.count {
                    let free = tls13 ? TLSCertificateList(tls13Body: w.prefix(n)) : TLSCertificateList(w.prefix(n))
                    let held = tls13 ? TLSCertificateList(tls13Body: w.prefix(n), messageLength: w.count)
                                     : TLSCertificateList(w.prefix(n), messageLength: w.count)
                    let (got, e) = Self.certificates(free)
                    #expect(Self.isTruncated(e) || (e == nil && got.count <= ders.count), "prefix \(n)")
                    #expect(got == Array(ders.prefix(got.count)), "prefix \(n)")
                    #expect(Self.isTruncated(Self.certificates(held).error), "prefix \(n)")
                }
            }
        }
    }

    // MARK: malformed

    @Test func extensionOverrunningItsBlock() {
        // The last extension (renegotiation_info, 1 byte) claims 5: past the extension block.
        var b = Self.body(T.clientHello(sni: "a.example", extraExtensions: [(0xFF01, [0])]))
        b[b.count - 2] = 5
        #expect(Self.clientHelloError(b) == .malformed(.tls, .extensionLength))
        #expect(Self.clientHelloError(b, messageLength: b.count) == .malformed(.tls, .extensionLength))
        // The block claims more than the message: overrun against the declared length, a cut without it.
        var block = Self.body(T.clientHello(sni: "a.example"))
        let blockAt = 2 + 32 + 1 + 2 + 4 + 2
        block[blockAt + 1] &+= 10
        #expect(Self.clientHelloError(block, messageLength: block.count) == .malformed(.tls, .extensionLength))
        #expect(Self.isTruncated(Self.clientHelloError(block)))
        // The block ends before the message does.
        var short = Self.body(T.clientHello(sni: "a.example", extraExtensions: [(0xFF01, [0])]))
        short[blockAt + 1] &-= 5
        #expect(Self.clientHelloError(short, messageLength: short.count) == .malformed(.tls, .trailingBytes))
        // The server name list claims more than its extension.
        var sni = Self.body(T.clientHello(sni: "a.example", alpn: ["h2"]))
        sni[blockAt + 2 + 4 + 1] &+= 1
        #expect(Self.clientHelloError(sni) == .malformed(.tls, .extensionLength))
        // Three stray bytes at the end of the block cannot hold an extension header.
        let stray = Self.body(T.clientHello(cipherSuites: [0x1301])) + [0, 3, 0, 0, 0]
        #expect(Self.clientHelloError(stray) == .malformed(.tls, .extensionLength))
    }

    @Test func malformedFixedPart() {
        let good = Self.body(T.clientHello(cipherSuites: [0x1301, 0x1302]))
        var sid = good; sid[34] = 33                                     // legacy_session_id<0..32>
        #expect(Self.clientHelloError(sid) == .malformed(.tls, .vectorLength))
        var odd = good; odd[36] = 3                                      // cipher_suites: 2 bytes each
        #expect(Self.clientHelloError(odd) == .malformed(.tls, .vectorLength))
        var none = good; none[36] = 0                                    // cipher_suites<2..>
        #expect(Self.clientHelloError(none) == .malformed(.tls, .vectorLength))
        var suites = good; suites[36] = 200                              // past the message
        #expect(Self.clientHelloError(suites, messageLength: suites.count) == .malformed(.tls, .vectorLength))
        #expect(Self.isTruncated(Self.clientHelloError(suites)))
        let noCompression = Self.body(T.clientHello(cipherSuites: [0x1301], compressionMethods: []))
        #expect(Self.clientHelloError(noCompression) == .malformed(.tls, .vectorLength))
        #expect(Self.clientHelloError(Array(good.prefix(20)), messageLength: 20) == .malformed(.tls, .headerTooShort))
        #expect(Self.clientHelloError(Array(good.prefix(20))) == .truncated(.tls, needed: 35, have: 20))
    }

    @Test func duplicateExtension() {
        let b = Self.body(T.clientHello(alpn: ["h2"], extraExtensions: [(16, T.vector16(T.vector8(Self.bytes("h2"))))]))
        #expect(Self.clientHelloError(b) == .malformed(.tls, .duplicateExtension))
        // Unknown types are not tracked: two renegotiation_info extensions pass.
        let other = Self.body(T.clientHello(extraExtensions: [(0xFF01, [0]), (0xFF01, [0])]))
        #expect(Self.clientHelloError(other) == nil)
    }

    @Test func serverNameEntries() throws {
        // A non-host-name entry (type 1) is skipped; the host_name after it is used.
        let mixed = T.serverNameData([(1, Self.bytes("opaque-thing")), (0, Self.bytes("api.example.net"))])
        try WireBytes.with(Self.body(T.clientHello(extraExtensions: [(0, mixed)]))) { w in
            let c = try TLSClientHello(w)
            #expect(c.serverName?.copyBytes() == Self.bytes("api.example.net") && c.extensionCount == 1)
        }
        // Only a non-host-name entry: no server name, no error.
        let other = T.serverNameData([(1, Self.bytes("x"))])
        try WireBytes.with(Self.body(T.clientHello(extraExtensions: [(0, other)]))) { w in
            let c = try TLSClientHello(w)
            #expect(c.serverName == nil)
        }
        // The first host_name wins.
        let two = T.serverNameData([(0, Self.bytes("first.example")), (0, Self.bytes("second.example"))])
        try WireBytes.with(Self.body(T.clientHello(extraExtensions: [(0, two)]))) { w in
            let c = try TLSClientHello(w)
            #expect(c.serverName?.copyBytes() == Self.bytes("first.example"))
        }
        // HostName is opaque<1..2^16-1>: an empty one is malformed, as is an empty list.
        #expect(Self.clientHelloError(Self.body(T.clientHello(sni: ""))) == .malformed(.tls, .zeroLength))
        #expect(Self.clientHelloError(Self.body(T.clientHello(extraExtensions: [(0, [0, 0])]))) == .malformed(.tls, .extensionLength))
        #expect(Self.clientHelloError(Self.body(T.clientHello(extraExtensions: [(0, [])]))) == .malformed(.tls, .extensionLength))
        // A host_name whose length runs past the list.
        #expect(Self.clientHelloError(Self.body(T.clientHello(extraExtensions: [(0, [0, 4, 0, 0, 9, 0x61])]))) == .malformed(.tls, .extensionLength))
    }

    @Test func malformedInnerLists() {
        func err(_ type: UInt16, _ data: [UInt8]) -> DecodeError? {
            Self.clientHelloError(Self.body(T.clientHello(extraExtensions: [(type, data)])))
        }
        #expect(err(16, [0, 3, 0, 1, 0x61]) == .malformed(.tls, .zeroLength))           // empty ProtocolName
        #expect(err(16, [0, 2, 5, 0x61]) == .malformed(.tls, .extensionLength))         // name past the list
        #expect(err(43, [3, 3, 4, 3]) == .malformed(.tls, .extensionLength))           // odd version list
        #expect(err(43, [4, 3, 4]) == .malformed(.tls, .extensionLength))              // list past the extension
        #expect(err(10, [0, 3, 0, 0x1d, 0]) == .malformed(.tls, .extensionLength))     // odd group list
        #expect(err(51, [0, 4, 0, 0x1d, 0, 0]) == .malformed(.tls, .zeroLength))       // empty key_exchange
        #expect(err(51, [0, 5, 0, 0x1d, 0, 9, 1]) == .malformed(.tls, .extensionLength))
        #expect(err(51, [0, 0]) == nil)                                                   // empty client_shares: HRR wanted
        // ServerHello: supported_versions must be exactly 2 bytes.
        let sh = Self.body(T.serverHello(cipher: 0x1301, extraExtensions: [(43, [3, 4, 0])]))
        #expect(WireBytes.with(sh) { Self.serverHelloError($0) } == .malformed(.tls, .extensionLength))
    }

    @Test func mutatedMessagesNeverTrap() {
        // Every byte of each message set to 0x00, 0xFF and 0x80 in turn: decodes or throws.
        let messages = [Self.tls13Hello, Self.tls12Hello,
                        T.serverHello(cipher: 0x1301, selectedVersion: 0x0304),
                        T.certificate(ders: [Self.ders[0], Array(Self.ders[1].prefix(20))]),
                        T.certificateTLS13(ders: [Self.ders[0]], context: [1], entryExtensions: [0, 1, 0, 0])]
        for m in messages {
            var b = Self.body(m)
            for i in b.indices {
                let saved = b[i]
                for v: UInt8 in [0x00, 0xFF, 0x80] {
                    b[i] = v
                    WireBytes.with(b) { w in
                        _ = Self.clientHelloError(w); _ = Self.clientHelloError(w, messageLength: w.count)
                        _ = Self.serverHelloError(w); _ = Self.serverHelloError(w, messageLength: w.count)
                        _ = Self.certificates(TLSCertificateList(w))
                        _ = Self.certificates(TLSCertificateList(tls13Body: w, messageLength: w.count))
                    }
                }
                b[i] = saved
            }
        }
    }

    // MARK: SSLv2 and records

    @Test func sslv2ClientHelloIsNotARecord() {
        // SSL 2.0 CLIENT-HELLO with a 2-byte header: length 0x2e with the high bit set, type 1,
        // version 3.1, then cipher-spec, session-id and challenge lengths.
        let v2: [UInt8] = [0x80, 0x2E, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10]
            + Array(repeating: 0x01, count: 21) + Array(repeating: 0x02, count: 16)
        #expect(viewError(v2) { try TLSRecordHeader($0) } == .malformed(.tls, .badContentType))
        // Read as a handshake body regardless, it is rejected without a trap.
        #expect(Self.clientHelloError(v2) != nil)
    }

    @Test func alertRecord() throws {
        try WireBytes.with(T.record(type: .alert, body: T.alert(level: 2, description: 40))) { w in
            let r = try TLSRecordHeader(w)
            let a = try TLSAlert(r.fragment)
            #expect(r.contentType == .alert && a.level == 2 && TLSNames.alert(a.description) == "handshake_failure")
        }
    }

    // MARK: names

    @Test func versionNames() {
        #expect(TLSNames.version(0x0300) == "SSL 3.0")
        #expect(TLSNames.version(0x0301) == "TLS 1.0")
        #expect(TLSNames.version(0x0302) == "TLS 1.1")
        #expect(TLSNames.version(0x0303) == "TLS 1.2")
        #expect(TLSNames.version(0x0304) == "TLS 1.3")
        #expect(TLSNames.version(0x7F1C) == "TLS 1.3 draft 28")
        #expect(TLSNames.version(0xFEFD) == "DTLS 1.2")
        #expect(TLSNames.version(0x8A8A) == "GREASE (0x8a8a)")
        #expect(TLSNames.version(0x0A0B) == "0x0a0b")
        #expect(TLSNames.version(0x1234) == "0x1234")
        #expect(TLSNames.isGREASE(0x0A0A) && TLSNames.isGREASE(0xFAFA) && !TLSNames.isGREASE(0x1A2A) && !TLSNames.isGREASE(0x0303))
        #expect(TLSNames.isDeprecated(version: 0x0300) && TLSNames.isDeprecated(version: 0x0301) && TLSNames.isDeprecated(version: 0x0302))
        #expect(!TLSNames.isDeprecated(version: 0x0303) && !TLSNames.isDeprecated(version: 0x0304))
    }

    @Test func alertNames() {
        let expected: [UInt8: String] = [
            0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
            22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
            42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
            45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
            49: "access_denied", 50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
            70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
            86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
            109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable",
            112: "unrecognized_name", 113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
            115: "unknown_psk_identity", 116: "certificate_required", 117: "general_error",
            120: "no_application_protocol", 121: "ech_required",
        ]
        for d in UInt8.min...UInt8.max {
            #expect(TLSNames.alert(d) == expected[d] ?? "alert_\(d)")
        }
    }

    @Test func cipherSuiteNames() {
        #expect(TLSNames.cipherSuite(0x1301) == "TLS_AES_128_GCM_SHA256")
        #expect(TLSNames.cipherSuite(0x1303) == "TLS_CHACHA20_POLY1305_SHA256")
        #expect(TLSNames.cipherSuite(0xC02F) == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        #expect(TLSNames.cipherSuite(0xC02C) == "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
        #expect(TLSNames.cipherSuite(0xCCA8) == "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256")
        #expect(TLSNames.cipherSuite(0xCCA9) == "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")
        #expect(TLSNames.cipherSuite(0x009C) == "TLS_RSA_WITH_AES_128_GCM_SHA256")
        #expect(TLSNames.cipherSuite(0x002F) == "TLS_RSA_WITH_AES_128_CBC_SHA")
        #expect(TLSNames.cipherSuite(0x0035) == "TLS_RSA_WITH_AES_256_CBC_SHA")
        #expect(TLSNames.cipherSuite(0x5600) == "TLS_FALLBACK_SCSV")
        #expect(TLSNames.cipherSuite(0x00FF) == "TLS_EMPTY_RENEGOTIATION_INFO_SCSV")
        #expect(TLSNames.cipherSuite(0x3A3A) == nil && TLSNames.cipherSuite(0x0000) == nil)
        let known = (UInt16.min...UInt16.max).filter { TLSNames.cipherSuite($0) != nil }
        #expect(known.count >= 30)
    }

    @Test func reasonNames() {
        #expect(DecodeError.Reason.vectorLength.name == "bad-vector-length")
        #expect(DecodeError.Reason.extensionLength.name == "bad-extension-length")
        #expect(DecodeError.Reason.trailingBytes.name == "trailing-bytes")
        #expect(DecodeError.Reason.duplicateExtension.name == "duplicate-extension")
    }
}
