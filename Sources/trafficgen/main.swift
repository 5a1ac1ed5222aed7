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
        abstract: "Write a deterministic pcap of plausible benign network traffic.",
        version: sluiceVersion
    )

    @Option(name: .short, help: ArgumentHelp("Write the pcap to FILE ('-' for standard output).", valueName: "file"))
    var w: String = "-"

    @Option(help: "Seed of the random generator; the same options and seed give the same file.")
    var seed: UInt64 = 1

    @Option(help: "Write exactly N packets (default 10000 unless --duration is given).")
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
        StopSignal.install()
        let writer = PcapWriter(fileDescriptor: descriptor, snapLength: snaplen, nanosecondTimestamps: nanosecond)
        let summary = try TrafficGenerator(options: options).run(writer: writer)
        if descriptor != 1 && close(descriptor) != 0 {
            throw OutputError.failed(errno: errno)
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
