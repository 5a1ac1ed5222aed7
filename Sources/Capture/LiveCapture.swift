import CPcap
import SluiceCore

#if canImport(Glibc)
import Glibc
#endif

/// Capture from a live interface. The handle is nonblocking and waited on
/// with `poll`, because a blocking read never returns on a quiet interface:
/// with poll the loop wakes at least once a second, can emit a `tick` so
/// that event time moves on downstream, and notices SIGINT/SIGTERM.
public final class LiveCapture {
    public struct Options {
        public var interface: String
        public var snaplen = 262_144
        public var promiscuous = true
        /// The kernel's capture buffer, bytes (tcpdump's -B). Packets are
        /// packed into it in blocks handed over at the latest after
        /// `bufferTimeout_ms`; libpcap's immediate mode is not used, since
        /// it gives every packet a frame of the interface's MTU (64 KiB on
        /// loopback): a burst of a few hundred connection attempts
        /// overflowed even 32 MiB.
        public var bufferBytes = Self.defaultBufferBytes
        public static let defaultBufferBytes = 32 << 20
        public var filter: String?
        public init(interface: String) { self.interface = interface }
    }

    /// Kernel statistics at the end of a capture, as tcpdump prints them.
    public struct Statistics {
        public var received: UInt32
        public var droppedByKernel: UInt32
        public var droppedByInterface: UInt32
    }

    /// How long the kernel may hold packets before handing a batch over:
    /// short, so a live pipeline sees packets within a tenth of a second.
    static let bufferTimeout_ms: Int32 = 100
    /// How often the loop wakes without packets, to notice signals and
    /// idle time promptly.
    static let pollInterval_ms: Int32 = 250
    /// Idle time after which a tick is written (the brief: about a second).
    static let tickInterval_s = 1.0

    private let handle: PcapHandle
    public let linkType: LinkType
    public let name: String
    private let fractionDigits: Int

    /// Opens and activates the interface. Warnings from libpcap (for example
    /// promiscuous mode not supported) go to `diagnostics`.
    public init(_ options: Options, diagnostics: Diagnostics) throws(CaptureError) {
        var errorBuffer = PcapErrorBuffer()
        guard let pointer = pcap_create(options.interface, &errorBuffer.bytes) else {
            throw .cannotOpen("\(options.interface): \(errorBuffer.text)")
        }
        let handle = PcapHandle(pointer)
        self.handle = handle
        name = options.interface
        pcap_set_snaplen(pointer, Int32(options.snaplen))
        pcap_set_promisc(pointer, options.promiscuous ? 1 : 0)
        pcap_set_timeout(pointer, Self.bufferTimeout_ms)
        pcap_set_buffer_size(pointer, Int32(clamping: options.bufferBytes))
        let nanosecondsGranted = pcap_set_tstamp_precision(pointer, Int32(PCAP_TSTAMP_PRECISION_NANO)) == 0
        let status = pcap_activate(pointer)
        if status < 0 {
            let reason = handle.lastError
            let message = reason.isEmpty ? String(cString: pcap_statustostr(status)) : reason
            throw .cannotOpen("\(options.interface): \(message)")
        } else if status > 0 {
            diagnostics.warn("\(options.interface): \(String(cString: pcap_statustostr(status)))")
        }
        linkType = LinkType(pcap_datalink(pointer))
        fractionDigits = nanosecondsGranted && pcap_get_tstamp_precision(pointer) == PCAP_TSTAMP_PRECISION_NANO ? 9 : 6
        if let filter = options.filter {
            try BPFProgram(expression: filter, linkType: linkType, snaplen: options.snaplen).install(on: handle)
        }
        if pcap_setnonblock(pointer, 1, &errorBuffer.bytes) != 0 {
            throw .cannotOpen("\(options.interface): \(errorBuffer.text)")
        }
    }

    /// Captures until `deliver` returns false or SIGINT/SIGTERM arrives.
    /// `idle` is called about once a second while no packet arrives, with
    /// the wall-clock time, and returns false to stop.
    public func run(deliver: @escaping (CapturedFrame) -> Bool, idle: (Timestamp) -> Bool) throws(CaptureError) {
        let pointer = handle.pointer
        let descriptor = pcap_get_selectable_fd(pointer)
        var lastActivity = monotonicNow()
        var context = DispatchContext(linkType: linkType, fractionDigits: fractionDigits, deliver: deliver)
        while !StopSignal.isPending {
            var waitFor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&waitFor, 1, Self.pollInterval_ms)
            if ready < 0 && errno != EINTR {
                throw .readFailed("\(name): poll: \(String(cString: strerror(errno)))")
            }
            if StopSignal.isPending { break }
            let delivered = try withUnsafeMutablePointer(to: &context) { contextPointer throws(CaptureError) -> Int32 in
                let count = pcap_dispatch(pointer, -1, { user, header, data in
                    let context = UnsafeMutableRawPointer(user!).assumingMemoryBound(to: DispatchContext.self)
                    guard context.pointee.running, let header, let data else { return }
                    let frame = CapturedFrame(header: header, data: data, linkType: context.pointee.linkType,
                                              nanosecondTimestamps: context.pointee.fractionDigits == 9,
                                              fractionDigits: context.pointee.fractionDigits)
                    context.pointee.running = context.pointee.deliver(frame)
                }, UnsafeMutableRawPointer(contextPointer).assumingMemoryBound(to: UInt8.self))
                if count == PCAP_ERROR {
                    throw CaptureError.readFailed("\(name): \(handle.lastError)")
                }
                return count
            }
            if !context.running { return }
            let now = monotonicNow()
            if delivered > 0 {
                lastActivity = now
            } else if now - lastActivity >= Self.tickInterval_s {
                lastActivity = now
                if !idle(Timestamp.now()) { return }
            }
        }
    }

    public var statistics: Statistics? {
        var stats = pcap_stat()
        guard pcap_stats(handle.pointer, &stats) == 0 else { return nil }
        return Statistics(received: stats.ps_recv, droppedByKernel: stats.ps_drop, droppedByInterface: stats.ps_ifdrop)
    }

    /// Lists capture interfaces as tcpdump -D does: `1.eth0 [Up, Running]`.
    public static func interfaceList() throws(CaptureError) -> [String] {
        var errorBuffer = PcapErrorBuffer()
        var devices: UnsafeMutablePointer<pcap_if_t>?
        guard pcap_findalldevs(&devices, &errorBuffer.bytes) == 0 else {
            throw .cannotOpen(errorBuffer.text)
        }
        defer { pcap_freealldevs(devices) }
        var lines: [String] = []
        var device = devices
        while let current = device {
            var line = "\(lines.count + 1).\(String(cString: current.pointee.name))"
            if let description = current.pointee.description {
                line += " (\(String(cString: description)))"
            }
            let flags = current.pointee.flags
            var words: [String] = []
            if flags & UInt32(PCAP_IF_UP) != 0 { words.append("Up") }
            if flags & UInt32(PCAP_IF_RUNNING) != 0 { words.append("Running") }
            if flags & UInt32(PCAP_IF_LOOPBACK) != 0 { words.append("Loopback") }
            if !words.isEmpty { line += " [\(words.joined(separator: ", "))]" }
            lines.append(line)
            device = current.pointee.next
        }
        return lines
    }
}

/// What the C callback of `pcap_dispatch` needs, passed through its user pointer.
private struct DispatchContext {
    var linkType: LinkType
    var fractionDigits: Int
    var deliver: (CapturedFrame) -> Bool
    var running = true
}
