import Cascade
import SluiceCore
import Store

/// Reads NDJSON inputs line by line into the cascader: fine window records
/// are stored and merged, ticks move event time, other records pass
/// through in order. Bad lines are reported with their file and line,
/// counted and skipped.
///
/// Reading and checking lines runs on the calling thread; the cascader
/// (the database, the merges, the output) on a second one, fed in order
/// through an `InputWorker`, so that cascade's own work and the
/// database's overlap.
final class CascadeInput {
    enum Item {
        case window(FineWindow, line: [UInt8])
        case tick(Int64, line: [UInt8])
        case other(line: [UInt8])
    }

    private let cascader: Cascader
    private let parser = JSONLineParser(keys: WindowRecords.keys)
    private let levelSeconds: Int64
    private let sensor: String
    private let forwarded: WindowRecords.ForwardedFields
    private let diagnostics: Diagnostics
    private let showsProgress: Bool
    private var worker: InputWorker<Item, CascadeError>!

    init(cascader: Cascader, levelSeconds: Int64, sensor: String, diagnostics: Diagnostics, showsProgress: Bool, lineBuffered: Bool) {
        self.cascader = cascader
        self.levelSeconds = levelSeconds
        self.sensor = sensor
        forwarded = WindowRecords.ForwardedFields(levelSeconds: levelSeconds, sensor: sensor)
        self.diagnostics = diagnostics
        self.showsProgress = showsProgress
        worker = InputWorker(batchSize: 1024, depth: 4, handsOffEachLine: lineBuffered) { item throws(CascadeError) in
            switch item {
            case .window(let window, let line): try cascader.add(window, line: line)
            case .tick(let time, let line): try line.withUnsafeBufferPointer { buffer throws(CascadeError) in try cascader.tick(at: time, line: buffer) }
            case .other(let line): try line.withUnsafeBufferPointer { buffer throws(CascadeError) in try cascader.passThrough(buffer) }
            }
        }
    }

    /// Reads one input to its end (or until a stop signal, or until the
    /// cascader fails; `finish` then throws what it failed with).
    func read(_ name: String) throws(OutputError) {
        try NDJSONInput.readRecords(name, tool: "cascade", parser: parser, showsProgress: showsProgress,
                             report: { diagnostics.report($0, $1) }) { line, place, lineNumber throws(OutputError) in
            guard let item = item(line, place: place, lineNumber: lineNumber) else { return }
            worker.hand(item, bytes: line.count)
        }
    }

    /// Waits for the cascader to take everything, then ends it.
    func finish() throws(CascadeError) {
        if let failure = worker.finish() { throw failure }
        try cascader.finish()
    }

    /// The parsed line as the cascader takes it; nil when it is skipped.
    private func item(_ line: UnsafeBufferPointer<UInt8>, place: String, lineNumber: Int) -> Item? {
        switch WindowRecords.role(of: parser, levelSeconds: levelSeconds) {
        case .window:
            do {
                let window = try WindowRecords.read(parser, levelSeconds: levelSeconds, sensor: sensor)
                return .window(window, line: forwarded.line(line, parser: parser))
            } catch {
                diagnostics.report("bad_record", "\(place)line \(lineNumber): \(error.message)")
                return nil
            }
        case .tick:
            do {
                return .tick(try parser.requireEventTime(WindowRecords.ts), line: Array(line))
            } catch {
                diagnostics.report("bad_tick", "\(place)line \(lineNumber): \(error.message)")
                return nil
            }
        case .passThrough:
            return .other(line: Array(line))
        }
    }

    /// `cascade: 1200 windows stored; 240 coarse windows written (...)`.
    func summary() -> String {
        let counts = cascader.counts
        var text = "\(counts.stored) windows stored; \(counts.merged) coarse windows written"
        if counts.mergedRevisions > 0 { text += " (\(counts.mergedRevisions) revisions)" }
        if counts.expired > 0 { text += "; \(counts.expired) windows older than --retention not stored" }
        if counts.ticks > 0 { text += "; \(counts.ticks) ticks" }
        if counts.passed > 0 { text += "; \(counts.passed) other records passed through" }
        return text
    }
}
