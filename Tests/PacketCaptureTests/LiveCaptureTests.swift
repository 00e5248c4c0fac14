import Foundation
import Glibc
import PacketCapture
import PacketDecoding
import TestSupport
import Testing

/// Wall-clock nanoseconds, as capture times are.
private func nowNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// Milliseconds `body` took.
private func elapsedMilliseconds(_ body: () -> Void) -> Int64 {
    let t0 = nowNanoseconds()
    body()
    return (nowNanoseconds() - t0) / 1_000_000
}

/// The payload marker of this test run's datagrams: "FDLV", a random run id, then the index.
private func payload(run: UInt64, index: UInt32) -> [UInt8] {
    Array("FDLV".utf8) + withUnsafeBytes(of: run.bigEndian, Array.init) + withUnsafeBytes(of: index.bigEndian, Array.init)
}

/// The index of one of this run's datagrams found in `bytes`, else nil (someone else's packet).
private func index(in bytes: [UInt8], run: UInt64) -> UInt32? {
    let marker = Array("FDLV".utf8) + withUnsafeBytes(of: run.bigEndian, Array.init)
    guard bytes.count >= marker.count + 4 else { return nil }
    for start in 0...(bytes.count - marker.count - 4) where bytes[start..<start + marker.count].elementsEqual(marker) {
        let i = start + marker.count
        return bytes[i..<i + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
    return nil
}

/// Sends `count` UDP datagrams to 127.0.0.1:`port` from a plain POSIX socket.
private func sendDatagrams(count: Int, port: UInt16, run: UInt64) throws {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    try #require(fd >= 0, "socket: \(String(cString: strerror(errno)))")
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    for i in 0..<count {
        let bytes = payload(run: run, index: UInt32(i))
        let sent = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        try #require(sent == bytes.count, "sendto: \(String(cString: strerror(errno)))")
    }
}

/// Everything here opens real interfaces: root only. Serialized because the stop flag of
/// `StopSignals` is process-wide.
@Suite("Live capture (libpcap)", .serialized,
       .enabled(if: getuid() == 0, "live capture needs root: these tests run only when getuid() == 0"))
struct LiveCaptureTests {
    @Test("NetworkInterface.list() has lo with 127.0.0.1")
    func interfaces() throws {
        let all = try NetworkInterface.list()
        let lo = try #require(all.first { $0.name == "lo" }, "interfaces: \(all.map(\.name))")
        #expect(lo.addresses.contains("127.0.0.1"))
        #expect(lo.isLoopback && lo.isUp && lo.isRunning && !lo.isWireless)
        #expect(Set(all.map(\.name)).count == all.count)
    }

    @Test("a missing interface: the no-such-device message")
    func noSuchDevice() {
        #expect(throws: CaptureError.noSuchDevice("nosuchdev0")) {
            _ = try LiveCapture(interface: "nosuchdev0", options: LiveOptions())
        }
        #expect(CaptureError.noSuchDevice("nosuchdev0").description
                == "no such device: nosuchdev0; `flowdoctor interfaces` lists them")
    }

    @Test("an interface that is down, when there is one")
    func interfaceDown() throws {
        guard let down = try NetworkInterface.list().first(where: { !$0.isUp && !$0.isLoopback && $0.name.hasPrefix("ifb") })
        else { return }  // nothing down here: nothing to check
        do {
            _ = try LiveCapture(interface: down.name, options: LiveOptions())
            // Someone (a lab test) may have brought it up meanwhile.
            #expect(try NetworkInterface.list().first { $0.name == down.name }?.isUp == true)
        } catch {
            #expect(error == .interfaceDown(down.name))
            #expect(error.description.hasPrefix("interface \(down.name) is down"))
        }
    }

    @Test("the other activation errors read as one line")
    func errorTexts() {
        let perm = CaptureError.permissionDenied("eth0", "/usr/bin/flowdoctor").description
        #expect(perm == "permission denied on eth0: capturing needs root or the CAP_NET_RAW capability "
                + "(setcap cap_net_raw,cap_net_admin=eip /usr/bin/flowdoctor)")
        for e in [CaptureError.interfaceDown("eth0"), .promiscuousNotPermitted("eth0"), .captureFailed("eth0", "x"),
                  .unknownUser("nobody2"), .cannotDropPrivileges("nobody", "x"), .cannotListInterfaces("x")] {
            #expect(!e.description.contains("\n") && !e.description.isEmpty)
        }
    }

    @Test("an invalid filter: libpcap's message")
    func invalidFilter() {
        let expression = "udp port nonsense-words ((("
        do {
            _ = try LiveCapture(interface: "lo", options: LiveOptions(filter: expression))
            Issue.record("the filter was accepted")
        } catch {
            guard case .invalidFilter(let f, let m) = error else { Issue.record("\(error)"); return }
            #expect(f == expression)
            #expect(!m.isEmpty && !m.contains("\n"))
            #expect(error.description.hasPrefix("invalid filter '\(expression)': "))
        }
    }

    @Test("lo with 'udp port 47123' gets exactly the 20 datagrams sent, in order, with their times")
    func captureDatagrams() throws {
        let run = UInt64.random(in: 1...UInt64.max)
        let capture = try LiveCapture(interface: "lo", options: LiveOptions(filter: "udp port 47123"))
        #expect(capture.interface == "lo")
        #expect(capture.linkType == .ethernet)
        #expect(capture.snapshotLength == 262_144)
        #expect(capture.warnings.isEmpty)
        let before = nowNanoseconds()
        try sendDatagrams(count: 20, port: 47123, run: run)
        let after = nowNanoseconds()

        var seen: [(index: UInt32, time: Int64, wire: Int, captured: Int)] = []
        var others = 0
        let deadline = nowNanoseconds() + 5_000_000_000
        var quietReads = 0
        // Until all 20 are in, then two more reads to be sure nothing of ours follows.
        while nowNanoseconds() < deadline && (seen.count < 20 || quietReads < 2) {
            let result = capture.next { record in
                let bytes = record.bytes.copyBytes()
                if let i = index(in: bytes, run: run) {
                    seen.append((i, record.time, record.wireLength, bytes.count))
                } else {
                    others += 1  // another process's datagrams to the same port
                }
            }
            switch result {
            case .packets(let n): #expect(n > 0)
            case .timeout: if seen.count >= 20 { quietReads += 1 }
            case .stopped, .error: Issue.record("\(result)"); return
            }
        }
        #expect(seen.map(\.index) == Array(0..<20))
        for (a, b) in zip(seen, seen.dropFirst()) { #expect(a.time < b.time) }
        // A loopback frame: 14 Ethernet + 20 IPv4 + 8 UDP + 16 payload bytes, all captured.
        #expect(seen.allSatisfy { $0.wire == 58 && $0.captured == 58 })
        let slack: Int64 = 1_000_000_000
        #expect(seen.allSatisfy { $0.time >= before - slack && $0.time <= after + slack })

        let stats = capture.stats()
        #expect(stats.received >= 20)
        #expect(stats.droppedByKernel == 0)
        #expect(capture.stats().received >= stats.received)
    }

    @Test("a quiet capture returns .timeout within the read timeout, immediate mode or not")
    func timeout() throws {
        for immediate in [true, false] {
            let capture = try LiveCapture(interface: "lo", options: LiveOptions(
                immediate: immediate, filter: "udp port 47199 and udp port 47198", readTimeoutMilliseconds: 100))
            var result = ReadResult.packets(0)
            let ms = elapsedMilliseconds { result = capture.next { _ in } }
            #expect(result == .timeout)
            #expect(ms >= 50 && ms < 2_000, "immediate \(immediate): \(ms) ms")
        }
    }

    @Test("StopSignals: SIGINT and SIGTERM set the flag instead of ending the process; next() returns .stopped")
    func stopSignals() throws {
        #expect(StopSignals.install())
        #expect(StopSignals.install())  // idempotent
        StopSignals.clear()
        #expect(!StopSignals.requested)
        let capture = try LiveCapture(interface: "lo", options: LiveOptions(
            filter: "udp port 47199 and udp port 47198", readTimeoutMilliseconds: 5_000))

        // Test threads block most signals (SigBlk), so a raise() would stay pending: unblock
        // SIGINT on this thread for the raise, which then runs the handler before it returns.
        var unblock = sigset_t(), saved = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, &saved)
        raise(SIGINT)
        pthread_sigmask(SIG_SETMASK, &saved, nil)
        #expect(StopSignals.requested)
        #expect(StopSignals.signal == SIGINT)
        #expect(capture.next { _ in } == .stopped)
        StopSignals.clear()
        #expect(!StopSignals.requested && StopSignals.signal == nil)

        // A read that is waiting (5 s timeout) when SIGTERM comes from another thread.
        let pid = getpid()
        Thread.detachNewThread {
            usleep(200_000)
            kill(pid, SIGTERM)
        }
        var result = ReadResult.timeout
        let ms = elapsedMilliseconds { result = capture.next { _ in } }
        #expect(result == .stopped)
        #expect(ms < 3_000, "\(ms) ms")
        #expect(StopSignals.signal == SIGTERM)
        StopSignals.clear()

        // request() works as a signal does; after clear() reading goes on.
        StopSignals.request()
        #expect(StopSignals.requested && StopSignals.signal == nil)
        #expect(capture.next { _ in } == .stopped)
        StopSignals.clear()
        let quick = try LiveCapture(interface: "lo", options: LiveOptions(
            filter: "udp port 47199 and udp port 47198", readTimeoutMilliseconds: 50))
        #expect(quick.next { _ in } == .timeout)
    }

    @Test("breakLoop() from another thread ends a waiting next(), and every later one")
    func breakLoop() throws {
        let capture = try LiveCapture(interface: "lo", options: LiveOptions(
            filter: "udp port 47199 and udp port 47198", readTimeoutMilliseconds: 5_000))
        Thread.detachNewThread {
            usleep(200_000)
            capture.breakLoop()
        }
        var result = ReadResult.timeout
        let ms = elapsedMilliseconds { result = capture.next { _ in } }
        #expect(result == .stopped)
        #expect(ms < 3_000, "\(ms) ms")
        #expect(capture.next { _ in } == .stopped)
        #expect(!StopSignals.requested)
    }

    @Test("stats are readable on a fresh capture")
    func stats() throws {
        let capture = try LiveCapture(interface: "lo", options: LiveOptions(filter: "udp port 47199 and udp port 47198"))
        let s = capture.stats()
        #expect(s.received == 0 && s.droppedByKernel == 0)
        _ = capture.next { _ in }
        #expect(capture.stats().received == 0)
    }

    @Test("Privileges.drop to an unknown user: a clear error, still root")
    func dropUnknownUser() {
        #expect(throws: CaptureError.unknownUser("flowdoctor-no-such-user")) {
            try Privileges.drop(to: "flowdoctor-no-such-user")
        }
        #expect(CaptureError.unknownUser("flowdoctor-no-such-user").description
                == "no such user: flowdoctor-no-such-user (the account to drop root privileges to)")
        #expect(throws: CaptureError.self) { try Privileges.drop(to: "root") }  // uid 0: refused
        #expect(getuid() == 0 && geteuid() == 0)
    }
}

@Suite("Rotating raw capture files") struct RotatingWriterTests {
    @Test("part names keep the extension")
    func names() {
        #expect(RotatingWriter.partPath("/tmp/raw.pcap", index: 0) == "/tmp/raw.pcap")
        #expect(RotatingWriter.partPath("/tmp/raw.pcap", index: 1) == "/tmp/raw-0001.pcap")
        #expect(RotatingWriter.partPath("/tmp/raw.pcap", index: 12345) == "/tmp/raw-12345.pcap")
        #expect(RotatingWriter.partPath("/tmp/d.x/raw", index: 2) == "/tmp/d.x/raw-0002")
        #expect(RotatingWriter.partPath(".raw", index: 3) == ".raw-0003")
    }

    @Test("3 files' worth: every packet, in order, same link type and nanosecond times")
    func rotation() throws {
        let dir = temporaryDirectory("rotate")
        let base = dir + "/raw.pcap"
        let packetBytes = 100, perFile = 4
        let maxBytes = 24 + perFile * (16 + packetBytes)
        let writer = try RotatingWriter(path: base, linkType: .ethernet, snapshotLength: 65535, maxBytes: maxBytes)
        let t0: Int64 = 1_700_000_000_123_456_789
        for i in 0..<12 {
            var bytes = [UInt8](repeating: UInt8(i), count: packetBytes)
            bytes[0] = 0xFD
            try writer.write(bytes, wireLength: 1500, time: t0 + Int64(i) * 1_001)
        }
        try writer.close()
        #expect(writer.paths == [base, dir + "/raw-0001.pcap", dir + "/raw-0002.pcap"])
        #expect(writer.packetsWritten == 12)

        var got: [(time: Int64, first: UInt8, fill: UInt8, wire: Int, count: Int)] = []
        for path in writer.paths {
            var st = stat()
            #expect(stat(path, &st) == 0 && Int(st.st_size) == maxBytes)
            let file = try OfflineFile(path: path)
            #expect(file.linkType == .ethernet && file.format == .pcapNanosecond && file.snapshotLength == 65535)
            var inFile = 0
            #expect(file.forEach { r, _ in
                inFile += 1
                got.append((r.time, r.bytes.u8(0), r.bytes.u8(1), r.wireLength, r.bytes.count))
            } == .endOfFile)
            #expect(inFile == perFile)
        }
        #expect(got.map(\.time) == (0..<12).map { t0 + Int64($0) * 1_001 })
        #expect(got.map(\.fill) == (0..<12).map { UInt8($0) })
        #expect(got.allSatisfy { $0.first == 0xFD && $0.wire == 1500 && $0.count == packetBytes })
    }

    @Test("a packet larger than the limit still goes in, one per file; records from a capture too")
    func oversized() throws {
        let dir = temporaryDirectory("rotate")
        let writer = try RotatingWriter(path: dir + "/big", linkType: .ethernet, nanosecond: false, maxBytes: 10)
        for i in 0..<3 { try writer.write([UInt8](repeating: 7, count: 64), time: 1_000_000_000 * Int64(i + 1)) }
        try writer.close()
        #expect(writer.paths == [dir + "/big", dir + "/big-0001", dir + "/big-0002"])
        for (i, path) in writer.paths.enumerated() {
            let file = try OfflineFile(path: path)
            #expect(file.format == .pcap)
            var times: [Int64] = []
            file.forEach { r, _ in times.append(r.time) }
            #expect(times == [1_000_000_000 * Int64(i + 1)])
        }

        // PacketRecords straight from a reader (as a live capture hands them over).
        let copy = try RotatingWriter(path: dir + "/copy.pcap", linkType: .ethernet, maxBytes: 1 << 20)
        var writeError: CaptureError?
        try OfflineFile(path: writer.paths[0]).forEach { r, _ in
            do throws(CaptureError) { try copy.write(r) } catch { writeError = error }
        }
        try copy.close()
        #expect(writeError == nil)
        var n = 0
        try OfflineFile(path: dir + "/copy.pcap").forEach { r, _ in n += 1; #expect(r.time == 1_000_000_000) }
        #expect(n == 1)
    }

    @Test("an unwritable path: cannotWrite")
    func unwritable() {
        #expect(throws: CaptureError.self) {
            _ = try RotatingWriter(path: "/nonexistent-dir/raw.pcap", linkType: .ethernet)
        }
    }
}
