import ArgumentParser
import SluiceCLI
import SluiceCore
import TrafficGen

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `trafficgen`: options in, pcap out. Everything else is in TrafficGen.
struct Trafficgen: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "trafficgen",
        abstract: "Write a deterministic pcap of plausible benign network traffic, with labelled attacks if asked.",
        // Spelled out: past 12 options ArgumentParser shortens its own to
        // "trafficgen <options>", which tells a user nothing.
        usage: "trafficgen [-w <file>] [--seed <seed>] [--packets <packets> | --duration <seconds>] [--hosts <hosts>] "
            + "[--start <time>] [--snaplen <snaplen>] [--flow-rate <flow-rate>] [--ipv6-share <ipv6-share>] [--nanosecond] "
            + "[--attack <spec> ...] [--no-benign] [--truth <file>]",
        version: sluiceVersion
    )

    @Option(name: .short, help: ArgumentHelp("Write the pcap to FILE ('-' for standard output).", valueName: "file"))
    var w: String = "-"

    @Option(help: "Seed of the random generator; the same options and seed give the same file.")
    var seed: UInt64 = 1

    @Option(help: "Write exactly N packets (default 10000 unless --duration or --attack is given).")
    var packets: Int?

    @Option(help: ArgumentHelp("Write the packets of the first SECONDS of traffic (decimal).", valueName: "seconds"))
    var duration: String?

    @Option(help: "Number of internal client hosts.")
    var hosts: Int = 50

    @Option(help: ArgumentHelp("Time of the start, as epoch seconds or YYYY-MM-DDTHH:MM:SSZ.", valueName: "time"))
    var start: String = "1767225600"

    @Option(help: "Bytes stored per packet; the wire length is kept in full.")
    var snaplen: Int = 128

    @Option(name: .customLong("flow-rate"), help: "New sessions per second.")
    var flowRate: Double = 400

    @Option(name: .customLong("ipv6-share"), help: "Share of sessions over IPv6, 0 to 1.")
    var ipv6Share: Double = 0.1

    @Flag(help: "Nanosecond timestamps (pcap magic a1b23c4d) instead of microseconds.")
    var nanosecond = false

    @Option(name: .customLong("attack"), help: ArgumentHelp(
        "Mix in an attack: KIND or KIND:key=value,... with keys start, duration, rate, attacker, victim, port (repeatable; see trafficgen(1)).",
        valueName: "spec"))
    var attacks: [String] = []

    @Flag(name: .customLong("no-benign"), help: "No benign background: the attacks alone.")
    var noBenign = false

    @Option(help: ArgumentHelp("Write the attacks' ground truth as TSV to FILE (default with --attack and -w: beside the pcap, as NAME.truth.tsv).",
                               valueName: "file"))
    var truth: String?

    /// How long an attack capture goes on after the last attack packet by
    /// default: one 5 s window of the aftermath.
    static let attackTail_ns: Int64 = 5_000_000_000

    mutating func execute() throws -> ExitStatus {
        var options = TrafficOptions()
        options.seed = seed
        if packets != nil && duration != nil { throw UsageError("give --packets or --duration, not both") }
        if let duration {
            guard let value = Timestamp(decimalText: duration), value.nanoseconds > 0 else {
                throw UsageError("--duration: not a positive number of seconds: \(duration)")
            }
            options.duration_ns = value.nanoseconds
            options.packets = nil
        } else {
            let count = packets ?? 10_000
            guard count >= 0 else { throw UsageError("--packets: must not be negative") }
            options.packets = count
        }
        guard hosts >= 1 && hosts <= AddressPlan.maximumHosts else {
            throw UsageError("--hosts: must be between 1 and \(AddressPlan.maximumHosts)")
        }
        options.hosts = hosts
        guard let startTime = parseStartTime(start) else {
            throw UsageError("--start: not an epoch time or YYYY-MM-DDTHH:MM:SSZ: \(start)")
        }
        // Classic pcap stores 32-bit seconds: times end in 2106. Leave room
        // for the traffic itself.
        let latestStart = Int64(UInt32.max) - 100_000_000
        guard startTime.nanoseconds >= 0, startTime.wholeSeconds < latestStart else {
            throw UsageError("--start: must lie between 1970 and epoch second \(latestStart) (year 2102): \(start)")
        }
        if let duration_ns = options.duration_ns,
           startTime.wholeSeconds + duration_ns / 1_000_000_000 >= Int64(UInt32.max) {
            throw UsageError("--duration: the traffic would run past 2106, where pcap's 32-bit seconds end")
        }
        options.start = startTime
        guard snaplen >= 14 && snaplen <= 65535 else { throw UsageError("--snaplen: must be between 14 and 65535") }
        options.snapLength = snaplen
        guard flowRate > 0 && flowRate.isFinite && flowRate <= 1e7 else {
            throw UsageError("--flow-rate: must be above 0 and at most 10000000")
        }
        options.sessionsPerSecond = flowRate
        guard ipv6Share >= 0 && ipv6Share <= 1 else { throw UsageError("--ipv6-share: must be between 0 and 1") }
        options.ipv6Share = ipv6Share
        options.nanosecondTimestamps = nanosecond
        do { try options.addAttacks(attacks) } catch { throw UsageError(error.description) }
        if noBenign && attacks.isEmpty { throw UsageError("--no-benign needs at least one --attack") }
        options.benign = !noBenign
        if !attacks.isEmpty && packets == nil && duration == nil {
            // Whole attacks by default, and a 5 s window of what follows them.
            options.packets = nil
            options.attackTail_ns = Self.attackTail_ns
        }
        if let truth {
            if truth == "-" && w == "-" { throw UsageError("--truth -: standard output already carries the pcap") }
            if truth == w { throw UsageError("--truth: the same file as -w") }
        }

        let descriptor: Int32
        if w == "-" {
            if isatty(1) != 0 { throw UsageError("refusing to write a binary pcap to a terminal; use -w FILE or a pipe") }
            descriptor = 1
        } else {
            descriptor = open(w, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if descriptor < 0 {
                writeStandardError("trafficgen: \(w): \(String(cString: strerror(errno)))\n")
                return .failure
            }
        }
        // Beside the pcap only when it is a file: not /dev/null.truth.tsv.
        var status = stat()
        let truthPath = truth ?? (w != "-" && !attacks.isEmpty && fstat(descriptor, &status) == 0
            && status.st_mode & S_IFMT == S_IFREG ? GroundTruth.path(besidePcap: w) : nil)
        var truthDescriptor: Int32 = -1
        if let truthPath {
            truthDescriptor = truthPath == "-" ? 1 : open(truthPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if truthDescriptor < 0 {
                writeStandardError("trafficgen: \(truthPath): \(String(cString: strerror(errno)))\n")
                return .failure
            }
        }
        StopSignal.install()
        let writer = PcapWriter(fileDescriptor: descriptor, snapLength: snaplen, nanosecondTimestamps: nanosecond)
        let generator = TrafficGenerator(options: options)
        let summary = try generator.run(writer: writer)
        if descriptor != 1 && close(descriptor) != 0 {
            throw OutputError.failed(errno: errno)
        }
        for (index, activity) in summary.attacks.enumerated() where activity.packets == 0 {
            writeStandardError("trafficgen: attack \(index + 1) (\(options.attacks[index].text)) wrote no packets before the capture ended; "
                + "it is left out of the ground truth\n")
        }
        if truthDescriptor >= 0 {
            let rows = GroundTruth.rows(attacks: generator.attacks, activity: summary.attacks,
                                        nanosecondTimestamps: nanosecond)
            try GroundTruth.write(rows, to: truthDescriptor)
            if truthDescriptor != 1 && close(truthDescriptor) != 0 {
                throw OutputError.failed(errno: errno)
            }
        }
        if summary.stoppedBySignal {
            // The file is valid but shorter than asked for.
            writeStandardError("trafficgen: stopped by a signal after \(summary.packets) packets\n")
            return .failure
        }
        return .ok
    }
}

Trafficgen.main()
