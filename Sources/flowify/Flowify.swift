import ArgumentParser
import Flows
import SluiceCLI
import SluiceCore

#if canImport(Glibc)
import Glibc
#endif

/// flowify(1): packet records in, bidirectional flow reports out; every
/// other record passes through in order.
struct Flowify: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowify",
        abstract: "Group packet records into bidirectional flows and report them.",
        discussion: """
            Reads NDJSON packet records (from sniff) from the files or standard input and \
            writes flow records: an interim report for every flow with packets in a report \
            interval at its end, and a final report when the flow ends. Records of other \
            types pass through in order; tick records also move event time on. See \
            flowify(1) and sluice-records(7).
            """,
        version: sluiceVersion
    )

    @Option(help: ArgumentHelp("Report interval, aligned to the epoch.", valueName: "seconds"))
    var interval = Seconds(nanoseconds: FlowOptions().interval)

    @Option(name: .customLong("tcp-timeout"), help: ArgumentHelp("Idle timeout of TCP flows with packets both ways.", valueName: "seconds"))
    var tcpTimeout = Seconds(nanoseconds: FlowOptions().tcpEstablishedTimeout)

    @Option(name: .customLong("tcp-attempt-timeout"), help: ArgumentHelp("Idle timeout of TCP flows seen one way only.", valueName: "seconds"))
    var tcpAttemptTimeout = Seconds(nanoseconds: FlowOptions().tcpAttemptTimeout)

    @Option(name: .customLong("udp-timeout"), help: ArgumentHelp("Idle timeout of UDP flows.", valueName: "seconds"))
    var udpTimeout = Seconds(nanoseconds: FlowOptions().udpTimeout)

    @Option(name: .customLong("icmp-timeout"), help: ArgumentHelp("Idle timeout of ICMP and ICMPv6 flows.", valueName: "seconds"))
    var icmpTimeout = Seconds(nanoseconds: FlowOptions().icmpTimeout)

    @Option(name: .customLong("other-timeout"), help: ArgumentHelp("Idle timeout of flows of other protocols.", valueName: "seconds"))
    var otherTimeout = Seconds(nanoseconds: FlowOptions().otherTimeout)

    @Option(help: ArgumentHelp("How long a TCP flow stays after FIN both ways or a RST.", valueName: "seconds"))
    var linger = Seconds(nanoseconds: FlowOptions().linger)

    @Option(name: .customLong("active-timeout"), help: ArgumentHelp("A flow open this long ends and goes on as a new one.", valueName: "seconds"))
    var activeTimeout = Seconds(nanoseconds: FlowOptions().activeTimeout)

    @Option(name: .customLong("max-flows"), help: ArgumentHelp("Most flows held at once; when full, the idlest is evicted.", valueName: "count"))
    var maxFlows = FlowOptions().maxFlows

    @Option(name: .customLong("community-id-seed"), help: ArgumentHelp("Seed of the Community IDs, as configured in Zeek or Suricata.", valueName: "seed"))
    var communityIDSeed = 0

    @OptionGroup var filter: FilterOptions

    mutating func execute() throws -> ExitStatus {
        let options = try flowOptions()
        StopSignal.install()
        let diagnostics = Diagnostics(tool: "flowify")
        let writer = NDJSONWriter(flushesEachRecord: filter.lineBuffered)
        // With -l every record goes out at once, so one thread does all.
        let input = FlowifyInput(
            flowifier: Flowifier(options: options, writer: writer), writer: writer,
            diagnostics: diagnostics, showsProgress: !filter.quiet, usesFlowThread: !filter.lineBuffered)

        try filter.readInputs(input.read)
        // Whatever ended the input (its end, a signal, a read error), every
        // open flow gets its final report.
        try input.finish()

        return filter.exitStatus(summary: input.summary(), diagnostics: diagnostics)
    }

    private func flowOptions() throws -> FlowOptions {
        var options = FlowOptions()
        options.interval = interval.nanoseconds
        options.tcpEstablishedTimeout = tcpTimeout.nanoseconds
        options.tcpAttemptTimeout = tcpAttemptTimeout.nanoseconds
        options.udpTimeout = udpTimeout.nanoseconds
        options.icmpTimeout = icmpTimeout.nanoseconds
        options.otherTimeout = otherTimeout.nanoseconds
        options.linger = linger.nanoseconds
        options.activeTimeout = activeTimeout.nanoseconds
        let durations: [(String, Int64)] = [
            ("--interval", options.interval), ("--tcp-timeout", options.tcpEstablishedTimeout),
            ("--tcp-attempt-timeout", options.tcpAttemptTimeout), ("--udp-timeout", options.udpTimeout),
            ("--icmp-timeout", options.icmpTimeout), ("--other-timeout", options.otherTimeout),
            ("--active-timeout", options.activeTimeout),
        ]
        for (name, value) in durations where value <= 0 {
            throw UsageError("\(name): must be more than 0 seconds")
        }
        guard (1...100_000_000).contains(maxFlows) else {
            throw UsageError("--max-flows: must be 1 to 100000000")
        }
        options.maxFlows = maxFlows
        guard let seed = UInt16(exactly: communityIDSeed) else {
            throw UsageError("--community-id-seed: must be 0 to 65535")
        }
        options.communityIDSeed = seed
        return options
    }
}
