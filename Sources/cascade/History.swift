import ArgumentParser
import Cascade
import SluiceCLI
import SluiceCore
import Store

#if canImport(Glibc)
import Glibc
#endif

extension CascadeCommand {
    /// `cascade history`: the query side of the store.
    struct History: ToolCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "Print a host's stored windows as NDJSON window records.",
            version: sluiceVersion
        )

        @Option(help: ArgumentHelp("The host (as in the records' host field).", valueName: "host"))
        var key: String

        @Option(help: ArgumentHelp("Window length: a level cascade stores, such as 5s, 30s or 180s.", valueName: "length"))
        var level = "30s"

        @Option(help: ArgumentHelp("Windows starting at or after this time: epoch seconds or YYYY-MM-DDTHH:MM:SSZ.", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("Windows starting before this time.", valueName: "time"))
        var until: String?

        @Option(help: ArgumentHelp("Only this sensor's windows.", valueName: "name"))
        var sensor: String?

        @Option(help: ArgumentHelp("Only the host as originator (src) or as responder (dst).", valueName: "kind"))
        var kind: String?

        @OptionGroup var database: DatabaseOptions

        mutating func execute() throws -> ExitStatus {
            guard let levelSeconds = Levels.seconds(of: level) else { throw UsageError("--level: '\(level)' is not a length such as 30s") }
            // Within PostgreSQL's timestamps (about years -2400 to 6300).
            let limit: Int64 = 1 << 37
            let from = try since.map { text throws -> Int64 in
                guard let time = Self.time(text) else { throw UsageError("--since: '\(text)' is not epoch seconds or YYYY-MM-DDTHH:MM:SSZ") }
                return time
            }.map { max($0, -limit) } ?? -limit
            let to = try until.map { text throws -> Int64 in
                guard let time = Self.time(text) else { throw UsageError("--until: '\(text)' is not epoch seconds or YYYY-MM-DDTHH:MM:SSZ") }
                return time
            }.map { min($0, limit) } ?? limit
            if let kind, kind != "src", kind != "dst" { throw UsageError("--kind: must be src or dst") }
            let diagnostics = Diagnostics(tool: "cascade")
            StopSignal.install()
            let windows: [StoredWindow]
            do {
                let store = try WindowStore(conninfo: try database.conninfo(diagnostics: diagnostics))
                windows = try store.history(host: key, level: levelSeconds, since: from, until: to, sensor: sensor, keyKind: kind)
            } catch let error as StoreError {
                diagnostics.say("\(error)")
                return .failure
            }
            let writer = NDJSONWriter()
            for window in windows { try WindowRecords.write(window, to: writer) }
            try writer.flush()
            return .ok
        }

        /// Epoch seconds (whole, rounded down) or a UTC time
        /// `2026-01-01T00:00:00Z`.
        static func time(_ text: String) -> Int64? {
            if let stamp = Timestamp(decimalText: text) { return stamp.wholeSeconds }
            let parts = text.split(whereSeparator: { "-T:Z".contains($0) }).map { Int32($0) }
            guard text.hasSuffix("Z"), parts.count == 6, parts.allSatisfy({ $0 != nil }) else { return nil }
            var fields = tm()
            fields.tm_year = parts[0]! - 1900
            fields.tm_mon = parts[1]! - 1
            fields.tm_mday = parts[2]!
            fields.tm_hour = parts[3]!
            fields.tm_min = parts[4]!
            fields.tm_sec = parts[5]!
            return Int64(timegm(&fields))
        }
    }
}
