import ArgumentParser
import Cascade
import SluiceCLI
import SluiceCore
import Store

#if canImport(Glibc)
import Glibc
#endif

/// cascade(1): fine host windows in, stored in PostgreSQL; coarser
/// windows merged from the stored ones and written out with them.
struct CascadeCommand: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "cascade",
        abstract: "Store window records in PostgreSQL and build coarser windows from them.",
        discussion: """
            Reads window5s's host window records (the finest level, 5 s by default) from the files or \
            standard input, stores them in PostgreSQL, and merges them into 30 s and 180 s windows \
            (--levels) as the watermark completes those. Writes every input window, once stored, and \
            every coarse window it completes to standard output. 'cascade history' prints stored \
            windows. See cascade(1).
            """,
        version: sluiceVersion,
        subcommands: [Run.self, History.self],
        defaultSubcommand: Run.self
    )

    mutating func execute() throws -> ExitStatus { .usage }
}

extension CascadeCommand {
    struct Run: ToolCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Store windows and build the coarse levels (the default).",
            version: sluiceVersion
        )

        @Option(help: ArgumentHelp("Window lengths, finest first, each a multiple of the one before.", valueName: "lengths"))
        var levels = "5s,30s,180s"

        @Option(help: ArgumentHelp("A coarse window completes this long after the watermark passes its end.", valueName: "seconds"))
        var lateness = Seconds(nanoseconds: 0)

        @Option(name: .customLong("max-delay"), help: ArgumentHelp("Ticks move the watermark to their time less this.", valueName: "seconds"))
        var maxDelay = Seconds(nanoseconds: 1_000_000_000)

        @Option(help: ArgumentHelp("Sensor label of windows that carry none (default: the host name).", valueName: "name"))
        var sensor: String?

        @Option(help: ArgumentHelp("Store windows in batches of at most this many (and at least every second).", valueName: "rows"))
        var batch = 5000

        @Option(name: .customLong("max-pending"), help: ArgumentHelp("Windows held while the database is away; then input waits.", valueName: "rows"))
        var maxPending = 50_000

        @Option(name: .customLong("db-timeout"), help: ArgumentHelp("Give up (status 1) after the database has been away this long.", valueName: "seconds"))
        var dbTimeout = Seconds(nanoseconds: 60_000_000_000)

        @Option(help: ArgumentHelp("Drop time partitions older than this behind the watermark, such as 7d (default: keep all).", valueName: "length"))
        var retention: String?

        @Option(help: ArgumentHelp("Length of the time partitions, when cascade creates the tables.", valueName: "length"))
        var partition = "1d"

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var filter: FilterOptions

        mutating func execute() throws -> ExitStatus {
            let ladder: Levels
            do { ladder = try Levels(parsing: levels) } catch { throw UsageError("--levels: \(error)") }
            guard (1...1_000_000).contains(batch) else { throw UsageError("--batch: must be 1 to 1000000") }
            guard maxPending >= batch else { throw UsageError("--max-pending: must be at least --batch") }
            guard dbTimeout.nanoseconds > 0 else { throw UsageError("--db-timeout: must be more than 0 seconds") }
            let retentionSeconds = try retention.map { text throws -> Int64 in
                guard let seconds = Levels.seconds(of: text) else { throw UsageError("--retention: '\(text)' is not a length such as 7d") }
                guard seconds >= ladder.seconds.last! else { throw UsageError("--retention: must be at least the coarsest level") }
                return seconds
            }
            guard let partitionSeconds = Levels.seconds(of: partition), partitionSeconds % ladder.seconds.last! == 0 else {
                throw UsageError("--partition: must be a length such as 1d that the coarsest level divides")
            }
            let sensorName = sensor ?? Self.hostName()
            guard !sensorName.isEmpty else { throw UsageError("--sensor: must not be empty") }

            let diagnostics = Diagnostics(tool: "cascade")
            let writer = NDJSONWriter(flushesEachRecord: filter.lineBuffered)
            StopSignal.install()
            let conninfo = try database.conninfo(diagnostics: diagnostics)
            guard let store = connect(conninfo: conninfo, partitionSeconds: partitionSeconds, diagnostics: diagnostics) else {
                return .failure
            }
            let settings = Cascader.Settings(
                levels: ladder, lateness: lateness.nanoseconds, maxDelay: maxDelay.nanoseconds, batchRows: batch,
                batchSeconds: 1, maxPending: maxPending, databaseTimeout: Double(dbTimeout.nanoseconds) / 1e9,
                retention: retentionSeconds.map { $0 * 1_000_000_000 })
            let cascader = Cascader(settings: settings, store: store, writer: writer, diagnostics: diagnostics)
            let input = CascadeInput(cascader: cascader, levelSeconds: ladder.fine, sensor: sensorName,
                                     diagnostics: diagnostics, showsProgress: !filter.quiet, lineBuffered: filter.lineBuffered)
            do {
                try filter.readInputs(input.read)
                try input.finish()
            } catch let error as CascadeError {
                if case .output(let output) = error { throw output }
                diagnostics.say("\(error)")
                return .failure
            }
            return filter.exitStatus(summary: input.summary(), diagnostics: diagnostics)
        }

        /// Connects, waiting up to --db-timeout for a database that is not
        /// up yet; nil (after saying why) when it does not come.
        private func connect(conninfo: String, partitionSeconds: Int64, diagnostics: Diagnostics) -> WindowStore? {
            let start = monotonicNow()
            let timeout = Double(dbTimeout.nanoseconds) / 1e9
            var pause = 0.1
            while true {
                do {
                    return try WindowStore(conninfo: conninfo, partitionSeconds: partitionSeconds)
                } catch where error.isUnreachable && monotonicNow() - start < timeout && !StopSignal.isPending {
                    if pause == 0.1 { diagnostics.say("\(error); retrying for up to \(dbTimeout) s (--db-timeout)") }
                    usleep(UInt32(max(0.01, min(pause, timeout - (monotonicNow() - start))) * 1_000_000))
                    pause = min(pause * 2, 5)
                } catch {
                    let waited = error.isUnreachable ? " for \(Int((monotonicNow() - start).rounded())) s (--db-timeout)" : ""
                    diagnostics.say("\(error)\(waited)")
                    return nil
                }
            }
        }

        static func hostName() -> String {
            var name = [CChar](repeating: 0, count: 256)
            guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
            return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
