import CPcap
import Glibc
import PacketDecoding
import Synchronization

/// How to open a live capture.
public struct LiveOptions: Sendable, Equatable {
    /// Bytes kept of each packet (libpcap's snapshot length); 0 means libpcap's default, 262144.
    public var snaplen: Int
    public var promiscuous: Bool
    /// The kernel's capture buffer (ring) in bytes.
    public var bufferBytes: Int
    /// Hand packets over as they arrive instead of when a kernel block fills or times out.
    public var immediate: Bool
    /// A BPF filter (tcpdump syntax), compiled for the interface's link type and run in the kernel.
    public var filter: String?
    /// The longest one `LiveCapture.next` waits for packets before it returns `.timeout`, so the
    /// caller can run its timers. Also libpcap's read timeout (the kernel block timeout).
    public var readTimeoutMilliseconds: Int

    public init(snaplen: Int = 262_144, promiscuous: Bool = true, bufferBytes: Int = 32 << 20,
                immediate: Bool = true, filter: String? = nil, readTimeoutMilliseconds: Int = 100) {
        self.snaplen = snaplen
        self.promiscuous = promiscuous
        self.bufferBytes = bufferBytes
        self.immediate = immediate
        self.filter = filter
        self.readTimeoutMilliseconds = readTimeoutMilliseconds
    }
}

/// How one `LiveCapture.next` call ended.
public enum ReadResult: Sendable, Equatable {
    /// This many packets were handed to the body (at least one).
    case packets(Int)
    /// Nothing arrived within the read timeout.
    case timeout
    /// A stop was asked for: a SIGINT / SIGTERM caught by `StopSignals`, `StopSignals.request()`
    /// or `LiveCapture.breakLoop()`. Packets already handed to the body in this call were real.
    case stopped
    /// The capture broke (e.g. the interface went away), with libpcap's message.
    case error(String)
}

/// A live capture on one interface through libpcap (`pcap_create` … `pcap_activate`).
///
/// Reading: call `next` in a loop; each call hands over one batch of packets (bytes valid only
/// inside the body, as with `OfflineFile`) or returns `.timeout` after at most the read timeout.
/// The handle is non-blocking and `next` waits with `poll` on the capture socket, on its own
/// wake-up eventfd (`breakLoop`) and on the one of `StopSignals`, so a stop is seen at once and
/// the timeout holds even where the kernel's TPACKET_V3 timer would wait for a first packet.
///
/// Not for concurrent use, except `breakLoop()`, which may be called from any thread.
public final class LiveCapture: @unchecked Sendable {
    public let interface: String
    public let linkType: LinkType
    public let linkTypeName: String
    /// The snapshot length in effect (libpcap may adjust the requested one).
    public let snapshotLength: Int
    /// True when the kernel gives nanosecond times; otherwise microseconds (times are still in ns).
    public let nanosecondTimestamps: Bool
    /// What `pcap_activate` warned about (e.g. no promiscuous mode); the capture works anyway.
    public let warnings: [String]
    public let options: LiveOptions

    private let handle: OpaquePointer
    private let selectableFD: Int32
    private let wakeFD: Int32
    private let fracToNanoseconds: Int64
    private let breakRequested = Atomic<Bool>(false)
    private var lastCounters: (recv: UInt32, drop: UInt32, ifdrop: UInt32) = (0, 0, 0)
    private var totals: (received: UInt64, droppedByKernel: UInt64, droppedByInterface: UInt64) = (0, 0, 0)
    /// Packets per `pcap_dispatch`, so one `next` cannot run for long under a flood.
    private static let batchLimit: Int32 = 4096

    public init(interface: String, options: LiveOptions = LiveOptions()) throws(CaptureError) {
        self.interface = interface
        self.options = options
        let opened = try Self.open(interface, options)
        handle = opened.handle
        warnings = opened.warnings
        let nano = pcap_get_tstamp_precision(opened.handle) == cpcap_tstamp_precision_nano()
        nanosecondTimestamps = nano
        fracToNanoseconds = nano ? 1 : 1000
        let dlt = pcap_datalink(opened.handle)
        linkType = LinkType(rawValue: dlt)
        linkTypeName = pcap_datalink_val_to_name(dlt).map { String(cString: $0) } ?? "unknown"
        snapshotLength = Int(pcap_snapshot(opened.handle))
        selectableFD = pcap_get_selectable_fd(opened.handle)
        wakeFD = cpcap_eventfd()
        // From here on deinit releases the handle and the eventfd, also when init throws.
        if wakeFD < 0 { throw .captureFailed(interface, "eventfd: " + String(cString: strerror(errno))) }
        guard linkType.isSupported else { throw .unsupportedLinkType(interface, dlt, linkTypeName) }
        if let expression = options.filter { try setFilter(expression) }
        var errbuf = [CChar](repeating: 0, count: Int(cpcap_errbuf_size()))
        if pcap_setnonblock(handle, 1, &errbuf) != 0 {
            throw .captureFailed(interface, pcapMessage(errbuf))
        }
    }

    deinit {
        if wakeFD >= 0 { close(wakeFD) }
        pcap_close(handle)
    }

    /// pcap_create, the options, pcap_activate; the handle is closed again on any error.
    private static func open(_ interface: String, _ o: LiveOptions) throws(CaptureError)
        -> (handle: OpaquePointer, warnings: [String])
    {
        var errbuf = [CChar](repeating: 0, count: Int(cpcap_errbuf_size()))
        guard let h = pcap_create(interface, &errbuf) else {
            throw .captureFailed(interface, pcapMessage(errbuf))
        }
        var ok = false
        defer { if !ok { pcap_close(h) } }
        _ = pcap_set_snaplen(h, Int32(clamping: max(0, o.snaplen)))
        _ = pcap_set_promisc(h, o.promiscuous ? 1 : 0)
        _ = pcap_set_buffer_size(h, Int32(clamping: max(0, o.bufferBytes)))
        _ = pcap_set_immediate_mode(h, o.immediate ? 1 : 0)
        _ = pcap_set_timeout(h, Int32(clamping: max(1, o.readTimeoutMilliseconds)))
        // Fails with PCAP_ERROR_TSTAMP_PRECISION_NOTSUP where the kernel only has µs: then µs.
        _ = pcap_set_tstamp_precision(h, cpcap_tstamp_precision_nano())
        let rc = pcap_activate(h)
        let message = trimmed(String(cString: pcap_geterr(h)))
        var warnings: [String] = []
        switch rc {
        case 0: break
        case PCAP_WARNING_PROMISC_NOTSUP:
            warnings.append("\(interface) does not support promiscuous mode; only traffic to and from this host is seen"
                            + (message.isEmpty ? "" : " (\(message))"))
        case PCAP_WARNING_TSTAMP_TYPE_NOTSUP:
            warnings.append("\(interface): the requested time stamp type is not supported; using the default")
        case let w where w > 0:
            warnings.append("\(interface): " + (message.isEmpty ? "libpcap warning \(w)" : message))
        case PCAP_ERROR_NO_SUCH_DEVICE:
            throw .noSuchDevice(interface)
        case PCAP_ERROR_IFACE_NOT_UP:
            throw .interfaceDown(interface)
        case PCAP_ERROR_PERM_DENIED:
            throw .permissionDenied(interface, executablePath())
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            throw .promiscuousNotPermitted(interface)
        case PCAP_ERROR_RFMON_NOTSUP:
            throw .captureFailed(interface, "monitor mode is not supported")
        default:
            throw .captureFailed(interface, message.isEmpty ? "libpcap error \(rc)" : message)
        }
        ok = true
        return (h, warnings)
    }

    private func setFilter(_ expression: String) throws(CaptureError) {
        // The netmask only matters for "ip broadcast"; unknown when the interface has no IPv4.
        var net: bpf_u_int32 = 0, mask: bpf_u_int32 = 0
        var errbuf = [CChar](repeating: 0, count: Int(cpcap_errbuf_size()))
        if pcap_lookupnet(interface, &net, &mask, &errbuf) != 0 { mask = cpcap_netmask_unknown() }
        var program = bpf_program()
        guard pcap_compile(handle, &program, expression, 1, mask) == 0 else {
            throw .invalidFilter(expression, trimmed(String(cString: pcap_geterr(handle))))
        }
        // pcap_setfilter keeps its own copy (kernel and user space).
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw .captureFailed(interface, "cannot set the filter '\(expression)': "
                                 + trimmed(String(cString: pcap_geterr(handle))))
        }
    }

    /// Reads one batch: hands each packet to `body` (its bytes valid only inside `body`) and
    /// returns, waiting at most the read timeout when nothing is there.
    public func next(_ body: (PacketRecord) -> Void) -> ReadResult {
        if stopped { return .stopped }
        // Whatever is already in the ring first.
        switch dispatch(body) {
        case .count(let n) where n > 0: return .packets(n)
        case .count: break
        case .broken: return stopped ? .stopped : .timeout
        case .failed(let m): return .error(m)
        }
        var fds = [
            pollfd(fd: selectableFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: StopSignals.wakeDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&fds, nfds_t(fds.count), Int32(clamping: max(1, options.readTimeoutMilliseconds)))
        if stopped { return .stopped }
        if ready < 0 {
            // EINTR from some other signal: the caller simply calls again.
            return errno == EINTR ? .timeout : .error("poll: " + String(cString: strerror(errno)))
        }
        if ready == 0 || (selectableFD >= 0 && fds[0].revents == 0) { return .timeout }
        switch dispatch(body) {
        case .count(let n): return n > 0 ? .packets(n) : .timeout
        case .broken: return stopped ? .stopped : .timeout
        case .failed(let m): return .error(m)
        }
    }

    private enum Dispatched { case count(Int), broken, failed(String) }

    private struct Context {
        let body: (PacketRecord) -> Void
        let fracToNanoseconds: Int64
        var count = 0
    }

    private func dispatch(_ body: (PacketRecord) -> Void) -> Dispatched {
        withoutActuallyEscaping(body) { body in
            var context = Context(body: body, fracToNanoseconds: fracToNanoseconds)
            let rc = withUnsafeMutablePointer(to: &context) { ctx in
                pcap_dispatch(handle, Self.batchLimit, { user, header, data in
                    guard let user, let header, let data else { return }
                    let ctx = UnsafeMutableRawPointer(user).assumingMemoryBound(to: Context.self)
                    let h = header.pointee
                    let raw = UnsafeRawBufferPointer(start: data, count: Int(h.caplen))
                    let time = Int64(h.ts.tv_sec) &* 1_000_000_000
                        &+ Int64(h.ts.tv_usec) &* ctx.pointee.fracToNanoseconds
                    ctx.pointee.count += 1
                    ctx.pointee.body(PacketRecord(bytes: WireBytes(raw), wireLength: Int(h.len), time: time, raw: raw))
                }, UnsafeMutableRawPointer(ctx).assumingMemoryBound(to: UInt8.self))
            }
            switch rc {
            case PCAP_ERROR_BREAK:
                // Packets delivered before the break were real; a stale break (after
                // StopSignals.clear()) still reports them.
                return context.count > 0 && !stopped ? .count(context.count) : .broken
            case ..<0:
                return .failed(trimmed(String(cString: pcap_geterr(handle))))
            default:
                return .count(context.count)
            }
        }
    }

    private var stopped: Bool { StopSignals.requested || breakRequested.load(ordering: .acquiring) }

    /// Asks the reading loop to stop: the running or next `next` returns `.stopped`, and so
    /// does every later one. Safe from any thread (not from a signal handler: use StopSignals).
    public func breakLoop() {
        breakRequested.store(true, ordering: .releasing)
        pcap_breakloop(handle)
        cpcap_eventfd_signal(wakeFD)
    }

    /// libpcap's counters since the capture was opened, as 64-bit running totals (libpcap's are
    /// 32-bit and wrap; a wrap is carried over as long as this is called at least once per 2³²
    /// packets). On Linux `received` counts what passed the filter, dropped included.
    public func stats() -> (received: UInt64, droppedByKernel: UInt64, droppedByInterface: UInt64) {
        var recv: UInt32 = 0, drop: UInt32 = 0, ifdrop: UInt32 = 0
        guard cpcap_stats(handle, &recv, &drop, &ifdrop) == 0 else { return totals }
        totals.received &+= UInt64(recv &- lastCounters.recv)
        totals.droppedByKernel &+= UInt64(drop &- lastCounters.drop)
        totals.droppedByInterface &+= UInt64(ifdrop &- lastCounters.ifdrop)
        lastCounters = (recv, drop, ifdrop)
        return totals
    }
}

/// Stop a capture on SIGINT / SIGTERM, async-signal-safe: the handler (C, in shim.h) only sets a
/// `volatile sig_atomic_t` and writes to an eventfd that every `LiveCapture.next` polls, so a
/// waiting read returns `.stopped` at once. Installed without SA_RESTART.
///
/// The flag is process-wide and sticky until `clear()`.
/// (All cpcap_stop_* calls live in this file on purpose: the C state is `static` in the header,
/// one copy per object file that uses it.)
public enum StopSignals {
    /// Installs the handler for SIGINT and SIGTERM (idempotent). From then on these signals no
    /// longer end the process: poll `requested` (or let `LiveCapture.next` return `.stopped`).
    /// False only when eventfd or sigaction failed (out of descriptors); errno tells why.
    @discardableResult
    public static func install() -> Bool { cpcap_stop_install() == 0 }

    /// True once SIGINT or SIGTERM arrived (or `request()` was called) since the last `clear()`.
    public static var requested: Bool { cpcap_stop_requested() != 0 }

    /// The signal that asked to stop (SIGINT or SIGTERM); nil when none did (or `request()` did).
    public static var signal: Int32? {
        let s = cpcap_stop_signal_number()
        return s == 0 ? nil : s
    }

    /// Asks to stop as a signal would (e.g. when a --duration runs out).
    public static func request() { cpcap_stop_request() }

    /// Forgets an earlier request.
    public static func clear() { cpcap_stop_clear() }

    /// Readable while a stop is requested; -1 before `install()`.
    static var wakeDescriptor: Int32 { cpcap_stop_fd_get() }
}

/// libpcap's error buffer as one line.
func pcapMessage(_ errbuf: [CChar]) -> String {
    let m = trimmed(cText(errbuf))
    return m.isEmpty ? "unknown libpcap error" : m
}

/// A NUL-terminated C buffer as text.
func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func trimmed(_ s: String) -> String {
    var m = s
    while m.last == "\n" || m.last == " " { m.removeLast() }
    return m
}

/// The running program, for the `setcap` hint.
func executablePath() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return "$(command -v flowdoctor)" }
    return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
