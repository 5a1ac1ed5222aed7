import ArgumentParser
import SluiceCLI
import SluiceCore
import Windows

#if canImport(Glibc)
import Glibc
#endif

/// window5s(1): records in, event-time windows per key out; by default
/// flow records in and the per-host feature set out.
struct Window5s: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "window5s",
        abstract: "Aggregate records into event-time windows per key.",
        discussion: """
            Reads NDJSON records from the files or standard input and writes one window record \
            per window and key once the watermark passes the window's end. By default it reads \
            flow records (from flowify) and writes the per-host feature set for each host as \
            originator (key src) and as responder (key dst); with --agg it aggregates any \
            stream by the --key fields. Tick records move event time and pass through. See \
            window5s(1) and sluice-records(7).
            """,
        version: sluiceVersion
    )

    @Option(help: ArgumentHelp("Window size, aligned to the epoch.", valueName: "seconds"))
    var size = Seconds(nanoseconds: 5_000_000_000)

    @Option(help: ArgumentHelp("Sliding windows: a window of --size starts every this often.", valueName: "seconds"))
    var slide: Seconds?

    @Option(help: ArgumentHelp("Session windows: a key's window ends after this long without records.", valueName: "seconds"))
    var gap: Seconds?

    @Option(name: .customLong("time-field"), help: ArgumentHelp("Field holding the event time, epoch seconds (default: interval_start for flow records, ts with --agg).", valueName: "name"))
    var timeField: String?

    @Option(name: .customLong("key"), help: ArgumentHelp("With --agg: a field whose value keys the windows; repeat for several (default: one window for all).", valueName: "name"))
    var keyFields: [String] = []

    @Option(help: ArgumentHelp("Aggregates for any stream, such as \"count() sum(bytes) p99(len) distinct(dport)\".", valueName: "spec"))
    var agg: String?

    @Option(help: ArgumentHelp("Flow records: which views of each host make windows: src, dst or src,dst.", valueName: "views"))
    var views = "src,dst"

    @Option(name: .customLong("max-delay"), help: ArgumentHelp("The watermark trails the latest event time by this much.", valueName: "seconds"))
    var maxDelay = Seconds(nanoseconds: 1_000_000_000)

    @Option(help: ArgumentHelp("How long after its end a window may still be revised by late records.", valueName: "seconds"))
    var lateness = Seconds(nanoseconds: 0)

    @Option(name: .customLong("late-out"), help: ArgumentHelp("Write records too late for their windows to this file.", valueName: "file"))
    var lateOut: String?

    @Option(name: .customLong("max-keys"), help: ArgumentHelp("Most (window, key) states held at once; records needing more are refused and counted.", valueName: "count"))
    var maxKeys = 1_000_000

    @OptionGroup var filter: FilterOptions

    mutating func execute() throws -> ExitStatus {
        let assigner = try windowAssigner()
        guard maxDelay.nanoseconds >= 0 else { throw UsageError("--max-delay: must be 0 seconds or more") }
        guard lateness.nanoseconds >= 0 else { throw UsageError("--lateness: must be 0 seconds or more") }
        guard (1...100_000_000).contains(maxKeys) else { throw UsageError("--max-keys: must be 1 to 100000000") }
        if let timeField, timeField.isEmpty { throw UsageError("--time-field: must name a field") }
        let watermark = Watermark(maxDelay: maxDelay.nanoseconds, lateness: lateness.nanoseconds)
        let writer = NDJSONWriter(flushesEachRecord: filter.lineBuffered)
        let diagnostics = Diagnostics(tool: "window5s")

        var lateWriter: NDJSONWriter?
        if let lateOut {
            let descriptor = open(lateOut, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard descriptor >= 0 else {
                diagnostics.warn("\(lateOut): \(String(cString: strerror(errno)))")
                return .failure
            }
            lateWriter = NDJSONWriter(fileDescriptor: descriptor, flushesEachRecord: filter.lineBuffered)
        }
        StopSignal.install()

        if let agg {
            let spec: AggregateSpec
            do { spec = try AggregateSpec(parsing: agg) } catch { throw UsageError("--agg: \(error.description)") }
            let reserved = ["type", "ts", "window_start", "window_end", "key", "revision"] + spec.outputNames.allNames
            for (index, name) in keyFields.enumerated() {
                guard AggregateSpec.isFieldName(name) else {
                    throw UsageError("--key: '\(name)': expected a field name of letters, digits, _ and .")
                }
                guard !reserved.contains(name), !keyFields[..<index].contains(name) else {
                    throw UsageError("--key: '\(name)' is a field of the window record itself or given twice")
                }
            }
            let stage = AggregateWindows(
                spec: spec, keyFields: keyFields, timeField: timeField ?? "ts",
                assigner: assigner, sessionGap: gap?.nanoseconds, watermark: watermark, maxKeys: maxKeys, writer: writer)
            return try run(stage, writer: writer, lateWriter: lateWriter, diagnostics: diagnostics)
        }
        guard keyFields.isEmpty else { throw UsageError("--key: needs --agg (flow records are keyed by host)") }
        let stage = HostWindows(
            timeField: timeField ?? "interval_start", views: try hostViews(),
            assigner: assigner, sessionGap: gap?.nanoseconds, watermark: watermark, maxKeys: maxKeys, writer: writer)
        return try run(stage, writer: writer, lateWriter: lateWriter, diagnostics: diagnostics)
    }

    private func run<Stage: WindowStage>(_ stage: Stage, writer: NDJSONWriter, lateWriter: NDJSONWriter?,
                                         diagnostics: Diagnostics) throws -> ExitStatus {
        let input = WindowInput(stage: stage, writer: writer, lateWriter: lateWriter,
                                diagnostics: diagnostics, showsProgress: !filter.quiet)
        try filter.readInputs(input.read)
        // Whatever ended the input, every open window is emitted.
        try stage.finish()
        try writer.flush()
        do { try lateWriter?.flush() } catch {
            diagnostics.warn("\(lateOut ?? ""): \(error.message)")
            return .failure
        }
        return filter.exitStatus(summary: input.summary(), diagnostics: diagnostics)
    }

    /// A year with a leap day: longer windows are no use to the later
    /// stages, which take window times only up to 2116, and an end that far
    /// past the last event would not be there anyway.
    private static let longestWindow = Seconds(nanoseconds: 366 * 86_400 * 1_000_000_000)

    private func windowAssigner() throws -> WindowAssigner {
        func checkLength(_ length: Seconds, option: String) throws {
            guard length.nanoseconds > 0, length.nanoseconds <= Self.longestWindow.nanoseconds else {
                throw UsageError("\(option): must be more than 0 seconds and at most \(Self.longestWindow) (366 days)")
            }
        }
        try checkLength(size, option: "--size")
        if let gap {
            guard slide == nil else { throw UsageError("--gap: session windows have no --slide") }
            try checkLength(gap, option: "--gap")
            return WindowAssigner(size: gap.nanoseconds)
        }
        guard let slide else { return WindowAssigner(size: size.nanoseconds) }
        guard slide.nanoseconds > 0, slide.nanoseconds <= size.nanoseconds else {
            throw UsageError("--slide: must be more than 0 and at most --size")
        }
        guard size.nanoseconds <= 1000 * slide.nanoseconds else {
            throw UsageError("--slide: at most 1000 windows may overlap (--size / --slide)")
        }
        return WindowAssigner(size: size.nanoseconds, slide: slide.nanoseconds)
    }

    private func hostViews() throws -> [HostKey.View] {
        var result: [HostKey.View] = []
        for word in views.split(separator: ",") {
            switch word {
            case "src": if !result.contains(.originator) { result.append(.originator) }
            case "dst": if !result.contains(.responder) { result.append(.responder) }
            default: throw UsageError("--views: '\(word)' is not src or dst")
            }
        }
        guard !result.isEmpty else { throw UsageError("--views: give src, dst or src,dst") }
        return result
    }
}
