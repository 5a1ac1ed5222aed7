import SluiceCore
import Windows

/// Reads NDJSON inputs line by line into a window stage: its records are
/// counted in windows, ticks move event time and pass through, other
/// records pass through in order. Bad lines are reported with their file
/// and line, counted and skipped; late records go to `--late-out`.
final class WindowInput<Stage: WindowStage> {
    private let stage: Stage
    private let parser: JSONLineParser
    private let writer: NDJSONWriter
    private let lateWriter: NDJSONWriter?
    private let diagnostics: Diagnostics
    private let showsProgress: Bool
    private var recordsPassed = 0
    /// Per record, not per window or view: what became of it.
    private var counted = 0
    private var late = 0
    private var ticks = 0

    init(stage: Stage, writer: NDJSONWriter, lateWriter: NDJSONWriter?, diagnostics: Diagnostics, showsProgress: Bool) {
        self.stage = stage
        parser = JSONLineParser(keys: stage.keys)
        self.writer = writer
        self.lateWriter = lateWriter
        self.diagnostics = diagnostics
        self.showsProgress = showsProgress
    }

    /// Reads one input to its end (or until a stop signal). A file that
    /// cannot be opened or read is reported and counted; output errors are
    /// thrown.
    func read(_ name: String) throws(OutputError) {
        try NDJSONInput.readRecords(name, tool: "window5s", parser: parser, showsProgress: showsProgress,
                             report: { diagnostics.report($0, $1) }) { line, place, lineNumber throws(OutputError) in
            try handle(line, place: place, lineNumber: lineNumber)
        }
    }

    private func handle(_ line: UnsafeBufferPointer<UInt8>, place: String, lineNumber: Int) throws(OutputError) {
        switch stage.role(of: parser) {
        case .windowed:
            let record: Stage.Record
            do {
                record = try stage.read(parser)
            } catch {
                diagnostics.report("bad_record", "\(place)line \(lineNumber): \(error.message)")
                return
            }
            switch try stage.add(record) {
            case .counted: counted += 1
            case .late:
                late += 1
                try lateWriter?.writeLine(line)
            case .overflow:
                diagnostics.report("overflow", "\(place)line \(lineNumber): no room for another window state (--max-keys); record not counted in all its windows")
            }
        case .tick:
            let time: Int64
            do {
                time = try parser.requireEventTime(windowTsSlot)
            } catch {
                diagnostics.report("bad_tick", "\(place)line \(lineNumber): \(error.message)")
                return
            }
            try stage.advance(to: time)
            ticks += 1
            try writer.writeLine(line)
        case .passThrough:
            recordsPassed += 1
            try writer.writeLine(line)
        }
    }

    /// `window5s: 120000 records in 5000 windows (...)`.
    func summary() -> String {
        let counts = stage.counts
        var text = "\(counted) records counted; \(counts.emitted) window records written"
        if counts.revisions > 0 { text += " (\(counts.revisions) revisions)" }
        if late > 0 {
            text += "; \(late) late records not counted" + (lateWriter == nil ? "" : " (written to --late-out)")
        }
        if ticks > 0 { text += "; \(ticks) ticks" }
        if recordsPassed > 0 { text += "; \(recordsPassed) other records passed through" }
        return text
    }
}
