import ArgumentParser
import Features
import SluiceCLI
import SluiceCore

/// featurize(1): host windows in, one feature vector per host and 5 s step
/// out (sluice-features(7)).
struct Featurize: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "featurize",
        abstract: "Turn host windows into one feature vector per host and 5 s step.",
        discussion: """
            Reads window records (window5s's 5 s host windows, or cascade's output, whose coarser \
            windows it does not need) from the files or standard input, keeps ten minutes of each \
            host's windows, and writes a features record per host, view and 5 s step once the \
            watermark passes the step's end: the step's own counts, the 30 s and 180 s windows, \
            and sliding 1, 5 and 10 minute features. Ticks and other records pass through. See \
            featurize(1) and sluice-features(7).
            """,
        version: sluiceVersion
    )

    @Option(help: ArgumentHelp("Output format: ndjson (features records) or csv (a header, then one row per vector).", valueName: "format"))
    var format = "ndjson"

    @Option(help: ArgumentHelp("Feature names to write, comma-separated, in this order (default: all).", valueName: "names"))
    var columns: String?

    @Option(name: .customLong("max-delay"), help: ArgumentHelp("Ticks move the watermark to their time less this.", valueName: "seconds"))
    var maxDelay = Seconds(nanoseconds: 1_000_000_000)

    @Option(name: .customLong("max-keys"), help: ArgumentHelp("Most hosts (per view and sensor) held at once; windows of more are refused and counted.", valueName: "count"))
    var maxKeys = 1_000_000

    @Option(help: ArgumentHelp("Threads that write a step's vectors side by side, beside one that reads input (default: the processors it may run on, at most 4; 1: everything on one thread); the output is the same with any number.", valueName: "count"))
    var threads: Int?

    @OptionGroup var filter: FilterOptions

    mutating func execute() throws -> ExitStatus {
        guard let outputFormat = FeatureOutput.Format(rawValue: format) else { throw UsageError("--format: must be ndjson or csv") }
        var indices = Array(FeatureVector.names.indices)
        if let columns {
            indices = []
            for name in columns.split(separator: ",", omittingEmptySubsequences: false) {
                guard let index = FeatureVector.names.firstIndex(of: String(name)) else {
                    throw UsageError("--columns: '\(name)' is not a feature (see sluice-features(7))")
                }
                guard !indices.contains(index) else { throw UsageError("--columns: '\(name)' is given twice") }
                indices.append(index)
            }
        }
        guard (1...100_000_000).contains(maxKeys) else { throw UsageError("--max-keys: must be 1 to 100000000") }
        let threadCount = threads ?? min(availableProcessors(), 4)
        guard (1...64).contains(threadCount) else { throw UsageError("--threads: must be 1 to 64") }
        let writer = NDJSONWriter(flushesEachRecord: filter.lineBuffered)
        let diagnostics = Diagnostics(tool: "featurize")
        StopSignal.install()
        let featurizer = Featurizer(maxDelay: maxDelay.nanoseconds, maxKeys: maxKeys,
                                    output: FeatureOutput(writer: writer, format: outputFormat, columns: indices), threads: threadCount)
        let input = FeaturizeInput(featurizer: featurizer, writer: writer, passesThrough: outputFormat == .ndjson,
                                   diagnostics: diagnostics, showsProgress: !filter.quiet, threads: threadCount)
        // Never freed: the process exits next, and releasing every host's
        // ten minutes of windows one object at a time took 3% of a run.
        _ = Unmanaged.passRetained(featurizer)
        try filter.readInputs(input.read)
        try input.finish()
        return filter.exitStatus(summary: input.summary(), diagnostics: diagnostics)
    }
}
