import ArgumentParser
import Capture
import SluiceCLI
import SluiceCore

#if canImport(Glibc)
import Glibc
#endif

/// sniff(1): packets from a capture file or a live interface, one NDJSON
/// `packet` record each. Options follow tcpdump where they overlap.
struct Sniff: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "sniff",
        abstract: "Capture packets and write one NDJSON packet record per packet.",
        discussion: """
            Reads a pcap or pcapng file (-r) or a live interface (-i) through libpcap and \
            writes one "packet" record per IP packet on standard output. The trailing \
            arguments are a BPF filter expression, as for tcpdump. See sniff(1) and \
            sluice-records(7).
            """,
        version: sluiceVersion
    )

    @Option(name: .customShort("r"), help: ArgumentHelp("Read packets from FILE (pcap or pcapng; - for standard input).", valueName: "file"))
    var file: String?

    @Option(name: .customShort("i"), help: ArgumentHelp("Capture live from INTERFACE.", valueName: "interface"))
    var interface: String?

    @Option(name: .customShort("c"), help: ArgumentHelp("Stop after COUNT packets.", valueName: "count"))
    var count: Int?

    @Option(name: .customShort("s"), help: ArgumentHelp("Capture at most SNAPLEN bytes of each live packet.", valueName: "snaplen"))
    var snaplen: Int = 262_144

    @Option(name: .customShort("B"), help: ArgumentHelp("Set the kernel's capture buffer to BUFFER_SIZE KiB.", valueName: "buffer_size"))
    var bufferKiB: Int = LiveCapture.Options.defaultBufferBytes / 1024

    @Flag(name: .customShort("l"), help: "Flush output after every record (for live pipelines).")
    var lineBuffered = false

    @Option(name: .customShort("Z"), help: ArgumentHelp("Drop privileges to USER after opening the interface.", valueName: "user"))
    var user: String?

    @Flag(name: .customShort("q"), help: "Quiet: no progress line and no summary on stderr.")
    var quiet = false

    @Flag(name: .customShort("D"), help: "List the interfaces live capture can use, then exit.")
    var listInterfaces = false

    @Flag(name: .customLong("non-ip"), help: "Also write a \"frame\" record for each frame without IP (ARP, LLDP, ...).")
    var nonIP = false

    @Flag(name: .customShort("p"), help: "Do not put the interface into promiscuous mode.")
    var noPromiscuous = false

    @Argument(parsing: .remaining, help: ArgumentHelp("BPF filter expression (pcap-filter(7)).", valueName: "filter"))
    var filterWords: [String] = []

    mutating func execute() throws -> ExitStatus {
        let diagnostics = Diagnostics(tool: "sniff")
        if listInterfaces {
            for line in try LiveCapture.interfaceList() { print(line) }
            return .ok
        }
        guard (file == nil) != (interface == nil) else {
            throw UsageError("give exactly one of -r FILE and -i INTERFACE")
        }
        if let count, count <= 0 { throw UsageError("-c: count must be positive") }
        guard (1...262_144).contains(snaplen) else { throw UsageError("-s: snaplen must be 1 to 262144") }
        guard (1...2_097_151).contains(bufferKiB) else { throw UsageError("-B: buffer_size must be 1 to 2097151 KiB") }
        if interface == nil {
            // Options of live capture only; with -r they would be silently ignored.
            if user != nil { throw UsageError("-Z applies to live capture (-i) only") }
            if snaplen != 262_144 { throw UsageError("-s applies to live capture (-i) only") }
            if bufferKiB != LiveCapture.Options.defaultBufferBytes / 1024 { throw UsageError("-B applies to live capture (-i) only") }
            if noPromiscuous { throw UsageError("-p applies to live capture (-i) only") }
        }

        StopSignal.install()
        let filter = filterWords.isEmpty ? nil : filterWords.joined(separator: " ")
        let writer = NDJSONWriter(flushesEachRecord: lineBuffered)
        var options = Sniffer.Options()
        options.emitsNonIPFrames = nonIP
        options.packetLimit = count
        // Live capture stays on one thread: its rate is the link's, and
        // ticks and -l need records written the moment they are made.
        options.usesWriterThread = file != nil && !lineBuffered
        let sniffer = Sniffer(writer: writer, options: options, diagnostics: diagnostics)

        // Whatever ends the capture, what was read is written out (finish)
        // before the status is decided: the only early exits are those
        // before the first packet.
        var failure: CaptureError?
        do {
            if let file {
                failure = try readFile(file, filter: filter, sniffer: sniffer, diagnostics: diagnostics)
            } else if let interface {
                failure = try captureLive(interface, filter: filter, sniffer: sniffer, diagnostics: diagnostics)
            }
        } catch .badFilter(let message) {
            throw UsageError(message)
        } catch .cannotOpen(let message) where sniffer.counts.packets == 0 {
            throw CaptureError.cannotOpen(message)
        } catch {
            failure = error
        }

        do {
            try sniffer.finish()
        } catch {
            return outputFailure(error, diagnostics)
        }
        if !quiet { diagnostics.say(sniffer.summary()) }
        if let failure {
            diagnostics.say(failure.description)
            return .failure
        }
        if diagnostics.sawProblems {
            if !quiet { diagnostics.say("skipped: \(diagnostics.summary())") }
            return .failure
        }
        return .ok
    }

    /// Reads a capture file; returns the damage that ended it early, if any,
    /// after every packet before the damage was written.
    private func readFile(_ path: String, filter: String?, sniffer: Sniffer,
                          diagnostics: Diagnostics) throws(CaptureError) -> CaptureError? {
        let capture = try CaptureFile(path: path, filter: filter, diagnostics: diagnostics)
        let progress = ProgressMeter(tool: "sniff", unit: "packets", totalBytes: capture.totalBytes, enabled: !quiet)
        var sinceCheck = 0
        defer { progress.finish() }
        do {
            try capture.run { frame in
                guard sniffer.handle(frame) else { return false }
                sinceCheck += 1
                if sinceCheck == 8192 {
                    sinceCheck = 0
                    if StopSignal.isPending { return false }
                    progress.update(records: sniffer.counts.packets, bytes: capture.bytesConsumed)
                }
                return true
            }
        } catch .damaged(let message) {
            return .damaged(message)
        } catch .readFailed(let message) {
            return .readFailed("\(capture.name): \(message)")
        }
        return nil
    }

    /// Captures until stopped; returns the read error that ended the
    /// capture, if any, after the kernel's counts were printed.
    private func captureLive(_ name: String, filter: String?, sniffer: Sniffer,
                             diagnostics: Diagnostics) throws(CaptureError) -> CaptureError? {
        var options = LiveCapture.Options(interface: name)
        options.snaplen = snaplen
        options.bufferBytes = bufferKiB * 1024
        options.promiscuous = !noPromiscuous
        options.filter = filter
        let capture = try LiveCapture(options, diagnostics: diagnostics)
        if let user { try dropPrivileges(to: user) }
        if !quiet {
            diagnostics.say("listening on \(name), link-type \(capture.linkType), snapshot length \(snaplen) bytes")
        }
        var failure: CaptureError?
        do {
            try capture.run(deliver: { sniffer.handle($0) }, idle: { sniffer.tick($0) })
        } catch {
            failure = error
        }
        if let stats = capture.statistics {
            let counts = "\(stats.received) packets received by filter, \(stats.droppedByKernel) packets dropped by kernel, \(stats.droppedByInterface) packets dropped by interface"
            // Lost packets are reported even with -q: they are data the
            // rest of the pipeline never saw.
            if stats.droppedByKernel > 0 || stats.droppedByInterface > 0 {
                diagnostics.warn("\(counts) (a larger -B may help)")
            } else if !quiet {
                diagnostics.say(counts)
            }
        }
        return failure
    }

    /// Becomes `user` (its groups, then its uid) once the interface is open,
    /// as tcpdump -Z does, so the rest of the run has no root privileges.
    private func dropPrivileges(to user: String) throws(CaptureError) {
        guard let entry = getpwnam(user) else { throw .cannotOpen("-Z: unknown user \(user)") }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        guard initgroups(user, gid) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
            throw .cannotOpen("-Z \(user): \(String(cString: strerror(errno)))")
        }
    }

    private func outputFailure(_ error: OutputError, _ diagnostics: Diagnostics) -> ExitStatus {
        if error == .closed { return .ok }
        diagnostics.say(error.message)
        return .failure
    }
}
