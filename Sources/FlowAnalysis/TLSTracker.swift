import PacketDecoding

/// One TLS handshake as the capture saw it (detection-rules.md §9.5): records reassembled per
/// direction across TCP segments, handshake messages parsed until the handshake is over, then
/// only record types and sizes counted. Bounded: a direction holds at most one record in
/// flight, and the buffers are dropped once the handshake is done.
public struct TLSSession: Sendable {
    /// One direction's record stream.
    public struct Direction: Sendable {
        var buffer = ContiguousArray<UInt8>()
        var handshake = ContiguousArray<UInt8>()
        var nextSeq: SeqNum?
        /// Bytes missing from the capture: this direction is no longer parsed.
        public internal(set) var gap = false
        /// This side's first bytes were not TLS at all (a plaintext server on a TLS port).
        public internal(set) var notTLS = false
        /// A ChangeCipherSpec was sent: later handshake records are encrypted (TLS ≤ 1.2).
        public internal(set) var changeCipherSpec = false
        public internal(set) var records: UInt32 = 0
        /// Encrypted handshake records (Finished in TLS ≤ 1.2) and application-data records.
        public internal(set) var encryptedHandshake: UInt32 = 0
        public internal(set) var applicationData: UInt32 = 0
        public internal(set) var firstApplicationDataTime: Int64 = 0
        public internal(set) var lastRecordType: UInt8 = 0
        public internal(set) var lastRecordLength: Int = 0
        public internal(set) var lastRecordFrame: UInt64 = 0
        /// TCP segments the first handshake message (ClientHello or ServerHello) spanned.
        public internal(set) var firstMessageSegments: UInt16 = 0
        var firstMessageDone = false
    }

    public struct Alert: Sendable, Equatable {
        public var fromClient: Bool
        public var level: UInt8
        /// The description code; nil when the alert was encrypted.
        public var description: UInt8?
        public var frame: UInt64
        public var time: Int64
        /// How far the handshake had come (`Stage`).
        public var stage: Stage
        public init(fromClient: Bool, level: UInt8, description: UInt8?, frame: UInt64, time: Int64, stage: Stage) {
            self.fromClient = fromClient; self.level = level; self.description = description
            self.frame = frame; self.time = time; self.stage = stage
        }
    }

    /// How far a handshake got.
    public enum Stage: UInt8, Sendable, Equatable {
        case clientHello = 0, serverHello, serverFlight, clientFinished, completed
        public var name: String {
            switch self {
            case .clientHello: "no_server_hello"
            case .serverHello: "after_server_hello"
            case .serverFlight: "after_server_flight"
            case .clientFinished: "after_client_finished"
            case .completed: "completed"
            }
        }
    }

    public var client = Direction()
    public var server = Direction()
    // ClientHello.
    public var clientHelloFrame: UInt64 = 0
    public var clientHelloTime: Int64 = 0
    public var offeredVersion: UInt16 = 0
    public var legacyVersion: UInt16 = 0
    public var serverName = ContiguousArray<UInt8>()
    public var alpn = ContiguousArray<UInt8>()
    public var cipherSuitesOffered = 0
    public var keyShares = 0
    /// What the ClientHello offered, until the handshake completes (TLSOffer.swift).
    public var offer = TLSOffer()
    // ServerHello.
    public var serverHelloFrame: UInt64 = 0
    public var serverHelloTime: Int64 = 0
    public var selectedVersion: UInt16 = 0
    public var cipherSuite: UInt16 = 0
    /// The ServerHello's key share group (TLS 1.3), 0 without one.
    public var selectedGroup: UInt16 = 0
    public var helloRetryRequests: UInt8 = 0
    /// The server's Certificate message (TLS ≤ 1.2): each DER, up to `maxCertificateBytes` in all.
    public var certificates: [ContiguousArray<UInt8>] = []
    public var certificateFrame: UInt64 = 0
    public var certificateTime: Int64 = 0
    public var serverHelloDone = false
    public var completedFrame: UInt64 = 0
    public var completedTime: Int64 = 0
    /// TLS 1.3: the server's protected records when the client's Finished went by; any after it
    /// are post-handshake (tickets, data, or an alert refusing the client).
    public var serverRecordsAtCompletion: UInt32 = 0
    /// TLS 1.3: the client's protected records up to its Finished (1: Finished; 2: an empty
    /// Certificate and Finished; 3: Certificate, CertificateVerify and Finished, with stacks that
    /// write one message per record).
    public var clientRecordsAtCompletion: UInt32 = 0
    public var alerts: [Alert] = []
    /// Messages or records that did not parse.
    public var malformed: UInt32 = 0
    /// The first bytes were not TLS: nothing more is parsed.
    public var notTLS = false
    /// The handshake is over and both sides sent application data: nothing more to follow.
    public var finished = false

    static let maxCertificateBytes = 64 * 1024
    /// Records per direction followed before giving up on a handshake that does not complete.
    static let maxRecords: UInt32 = 64
    static let maxAlerts = 8
    static let maxServerName = 255

    public init() {}

    public var isTLS13: Bool { selectedVersion == 0x0304 }
    public var sawClientHello: Bool { clientHelloFrame != 0 }
    public var sawServerHello: Bool { serverHelloFrame != 0 }
    public var completed: Bool { completedFrame != 0 }

    /// How far the handshake has come, now.
    public var stage: Stage {
        if completed { return .completed }
        if !sawServerHello { return .clientHello }
        if isTLS13 {
            if client.applicationData > 0 { return .clientFinished }
            return server.applicationData > 0 ? .serverFlight : .serverHello
        }
        if client.encryptedHandshake > 0 { return .clientFinished }
        return serverHelloDone || !certificates.isEmpty ? .serverFlight : .serverHello
    }

    /// Does a TCP payload start like a TLS handshake record (content type 22, version 3.x, a sane
    /// length, a ClientHello or ServerHello inside)? Recognises TLS on any port.
    public static func looksLikeHandshake(_ b: WireBytes) -> Bool {
        guard b.count >= 6, b.u8(1) == 3, b.u8(2) <= 4 else { return false }
        let len = Int(b.u16(3))
        // A plaintext alert as the first record: a server refusing outright.
        if b.u8(0) == 21 { return len == 2 && (b.u8(5) == 1 || b.u8(5) == 2) }
        return b.u8(0) == 22 && len >= 4 && len <= TLSRecordHeader.maximumFragment && (b.u8(5) == 1 || b.u8(5) == 2)
    }

    /// One TCP segment's payload (as captured) at `seq`.
    mutating func segment(fromClient: Bool, seq: SeqNum, payload: WireBytes, time: Int64, frame: UInt64) {
        guard !notTLS, !finished, !payload.isEmpty else { return }
        if fromClient { Self.take(&client, isClient: true, seq: seq, payload: payload) }
        else { Self.take(&server, isClient: false, seq: seq, payload: payload) }
        parseRecords(fromClient: fromClient, time: time, frame: frame)
        // TLS 1.3 waits for the server's first record after the client's Finished: an alert there
        // (the client's certificate refused) belongs to the handshake.
        if completed && client.applicationData > 0 && server.applicationData > 0
            && (!isTLS13 || server.applicationData > serverRecordsAtCompletion) {
            // The handshake is over: nothing more to parse, and nothing to hold.
            client.buffer = []; client.handshake = []
            server.buffer = []; server.handshake = []
            finished = true
        }
        if client.gap && server.gap { finished = true }
    }

    /// In-order bytes go to the buffer; a retransmission's old part is skipped; a gap stops the
    /// direction (the rest cannot be framed).
    static func take(_ d: inout Direction, isClient: Bool, seq: SeqNum, payload: WireBytes) {
        guard !d.gap else { return }
        var from = 0
        if let next = d.nextSeq {
            if next < seq { d.gap = true; d.buffer = []; d.handshake = []; return }
            from = next - seq
            guard from < payload.count else { return }
        }
        // A record in flight is at most one maximum fragment; more is not TLS.
        guard d.buffer.count + (payload.count - from) <= TLSRecordHeader.length + TLSRecordHeader.maximumFragment + 4096 else {
            d.gap = true; d.buffer = []; return
        }
        for i in from..<payload.count { d.buffer.append(payload.u8(i)) }
        d.nextSeq = seq + payload.count
        if !d.firstMessageDone { d.firstMessageSegments &+= 1 }
    }

    mutating func parseRecords(fromClient: Bool, time: Int64, frame: UInt64) {
        // Through a key path, so the buffers change in place; local copies live only in the
        // scopes below, ended before the buffer is trimmed (else it would be copied).
        let kp: WritableKeyPath<TLSSession, Direction> = fromClient ? \.client : \.server
        while !self[keyPath: kp].gap && self[keyPath: kp].buffer.count >= TLSRecordHeader.length {
            var type: UInt8 = 0, length = 0, level: UInt8 = 0, description: UInt8 = 0
            let encrypted: Bool
            do {
                let buffer = self[keyPath: kp].buffer
                type = buffer[0]
                length = Int(buffer[3]) << 8 | Int(buffer[4])
                guard (20...24).contains(type), buffer[1] == 3, length <= TLSRecordHeader.maximumFragment else {
                    // Not TLS from the first byte is another protocol, not a broken record.
                    if self[keyPath: kp].records == 0 {
                        if sawClientHello { self[keyPath: kp].notTLS = true } else { notTLS = true }
                    } else {
                        malformed &+= 1
                    }
                    self[keyPath: kp].gap = true
                    self[keyPath: kp].buffer = []
                    return
                }
                guard buffer.count >= TLSRecordHeader.length + length else { return }
                // Encrypted from here on: TLS ≤ 1.2 after CCS; TLS 1.3 after the ServerHello, where every
                // protected record is type 23 outside (RFC 8446 §5.2), so a type-21 record is a
                // plaintext alert (OpenSSL refusing a certificate sends one).
                encrypted = isTLS13 && sawServerHello ? type == 23 || type == 22 : self[keyPath: kp].changeCipherSpec
                if type == 21 && length >= 2 { level = buffer[5]; description = buffer[6] }
                if type == 22 && !encrypted {
                    self[keyPath: kp].handshake.append(contentsOf: buffer[TLSRecordHeader.length..<(TLSRecordHeader.length + length)])
                }
            }
            self[keyPath: kp].buffer.removeFirst(TLSRecordHeader.length + length)
            self[keyPath: kp].records &+= 1
            self[keyPath: kp].lastRecordType = type
            self[keyPath: kp].lastRecordLength = length
            self[keyPath: kp].lastRecordFrame = frame
            switch type {
            case 20:
                self[keyPath: kp].changeCipherSpec = true
            case 21:
                if encrypted || length != 2 {
                    addAlert(fromClient: fromClient, level: 2, description: nil, frame: frame, time: time)
                } else {
                    addAlert(fromClient: fromClient, level: level, description: description, frame: frame, time: time)
                }
            case 22:
                if encrypted { self[keyPath: kp].encryptedHandshake &+= 1 } else {
                    parseHandshake(kp, fromClient: fromClient, time: time, frame: frame)
                }
            case 23:
                if self[keyPath: kp].applicationData == 0 { self[keyPath: kp].firstApplicationDataTime = time }
                self[keyPath: kp].applicationData &+= 1
            default:
                break
            }
            checkCompletion(time: time, frame: frame)
            // The rest of the client's final flight usually shares the frame that completed it.
            if fromClient && isTLS13 && completed && frame == completedFrame { clientRecordsAtCompletion = client.applicationData }
            // A handshake that never completes by then is not going to: stop following it.
            if self[keyPath: kp].records >= Self.maxRecords {
                self[keyPath: kp].gap = true
                self[keyPath: kp].buffer = []
                self[keyPath: kp].handshake = []
            }
        }
    }

    mutating func addAlert(fromClient: Bool, level: UInt8, description: UInt8?, frame: UInt64, time: Int64) {
        guard alerts.count < Self.maxAlerts else { return }
        alerts.append(Alert(fromClient: fromClient, level: level, description: description, frame: frame, time: time,
                            stage: stage))
    }

    /// Complete handshake messages out of the direction's handshake buffer.
    mutating func parseHandshake(_ kp: WritableKeyPath<TLSSession, Direction>, fromClient: Bool, time: Int64, frame: UInt64) {
        while self[keyPath: kp].handshake.count >= TLSHandshakeHeader.length {
            let type = self[keyPath: kp].handshake[0]
            let length = Int(self[keyPath: kp].handshake[1]) << 16 | Int(self[keyPath: kp].handshake[2]) << 8
                | Int(self[keyPath: kp].handshake[3])
            // A handshake message larger than this is not a real handshake (certificate chains
            // stay well below it).
            guard length <= 256 * 1024 else {
                malformed &+= 1
                self[keyPath: kp].gap = true
                self[keyPath: kp].handshake = []
                return
            }
            guard self[keyPath: kp].handshake.count >= TLSHandshakeHeader.length + length else { return }
            self[keyPath: kp].firstMessageDone = true
            // The message is parsed from a copy of its bytes: `message` changes this session.
            let bytes = Array(self[keyPath: kp].handshake[TLSHandshakeHeader.length..<(TLSHandshakeHeader.length + length)])
            let ok = WireBytes.with(bytes) { body in
                message(type: type, body: body, fromClient: fromClient, time: time, frame: frame)
            }
            if !ok { malformed &+= 1 }
            self[keyPath: kp].handshake.removeFirst(TLSHandshakeHeader.length + length)
        }
    }

    /// One handshake message; false when it did not parse.
    mutating func message(type: UInt8, body: WireBytes, fromClient: Bool, time: Int64, frame: UInt64) -> Bool {
        switch (type, fromClient) {
        case (1, true):
            guard let h = try? TLSClientHello(body) else { return false }
            if clientHelloFrame == 0 { clientHelloFrame = frame; clientHelloTime = time }
            legacyVersion = h.legacyVersion
            offeredVersion = h.highestOfferedVersion
            cipherSuitesOffered = h.cipherSuiteCount
            keyShares = h.keyShareCount
            offer = TLSOffer(h)
            serverName = []
            if let n = h.serverName { for i in 0..<min(n.count, Self.maxServerName) { serverName.append(n.u8(i)) } }
            alpn = []
            if let a = h.alpnFirst { for i in 0..<min(a.count, 64) { alpn.append(a.u8(i)) } }
        case (2, false):
            guard let h = try? TLSServerHello(body) else {
                // A TLS 1.3 draft (0x7fNN) ServerHello has another layout: note it, do not parse it.
                guard body.count >= 2, body.u8(0) == 0x7f else { return false }
                serverHelloFrame = frame; serverHelloTime = time
                selectedVersion = body.u16(0)
                return true
            }
            if h.isHelloRetryRequest { helloRetryRequests &+= 1; return true }
            serverHelloFrame = frame; serverHelloTime = time
            selectedVersion = h.selectedVersion
            cipherSuite = h.cipherSuite
            selectedGroup = h.keyShareGroup ?? 0
        case (11, false):
            guard !isTLS13 else { return true }
            certificateFrame = frame; certificateTime = time
            var list = TLSCertificateList(body)
            var total = 0
            while let der = list.next() {
                guard total + der.count <= Self.maxCertificateBytes else { break }
                var c = ContiguousArray<UInt8>()
                c.reserveCapacity(der.count)
                for i in 0..<der.count { c.append(der.u8(i)) }
                certificates.append(c)
                total += der.count
            }
            return list.error == nil
        case (14, false):
            serverHelloDone = true
        default:
            break
        }
        return true
    }

    /// RFC 8446 / 5246 completion (detection-rules.md §9.5), without Zeek's TLS 1.3 pitfall: a
    /// lone 19-byte record from the client can be its encrypted alert, not its Finished.
    mutating func checkCompletion(time: Int64, frame: UInt64) {
        guard !completed, sawServerHello, !alerts.contains(where: { $0.level == 2 }) else { return }
        let c = client, s = server
        if isTLS13 {
            let clientFinished = c.applicationData >= 2 || (c.applicationData == 1 && c.lastRecordLength != 19)
            if s.applicationData > 0 && clientFinished {
                completedFrame = frame; completedTime = time
                serverRecordsAtCompletion = s.applicationData
                clientRecordsAtCompletion = c.applicationData
                offer = TLSOffer()
            }
        } else if c.changeCipherSpec && s.changeCipherSpec && c.encryptedHandshake > 0 && s.encryptedHandshake > 0 {
            completedFrame = frame; completedTime = time
            offer = TLSOffer()
        }
    }
}

extension Flow {
    /// TLS handshake tracking for this TCP segment: started when a side's first payload looks
    /// like a TLS handshake record, on any port.
    mutating func trackTLS(fromClient: Bool, seq: SeqNum, payload: WireBytes, time: Int64, frame: UInt64) {
        if tls.isEmpty {
            guard !tlsRuledOut, !payload.isEmpty else { return }
            guard TLSSession.looksLikeHandshake(payload) else {
                // The first data either way decides: TLS starts with the client's hello.
                tlsRuledOut = true
                return
            }
            tls.append(TLSSession())
        }
        tls[0].segment(fromClient: fromClient, seq: seq, payload: payload, time: time, frame: frame)
    }
}
