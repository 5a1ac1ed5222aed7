import Features
import SluiceCore

/// Reads NDJSON inputs into the featurizer: 5 s host windows are kept,
/// coarser ones counted (the features need only the 5 s ones), ticks move
/// event time; ticks and other records pass through in order (counted and
/// left out in CSV). Bad lines are reported with their file and line,
/// counted and skipped.
///
/// Reading and parsing lines runs on the calling thread; the featurizer
/// (histories, steps, output) on a second one, fed in order through an
/// `InputWorker`, so the two overlap; with one thread (`--threads 1`),
/// all of it on the calling thread.
final class FeaturizeInput {
    enum Item {
        case window(Arrival)
        case tick(Int64, line: [UInt8])
        case other(line: [UInt8])
    }

    /// A window as the reading thread hands it over, boxed: each copy on
    /// the way (into a batch, out of it, into the switch) is one retain,
    /// where the key's arrays, the window's summary and the place were
    /// each retained and the counts copied.
    final class Arrival {
        let key: FeatureKey
        let start: Int64
        let window: HostHistory.Window
        let place: String
        let lineNumber: Int

        init(key: FeatureKey, start: Int64, window: HostHistory.Window, place: String, lineNumber: Int) {
            self.key = key
            self.start = start
            self.window = window
            self.place = place
            self.lineNumber = lineNumber
        }
    }

    static let identity = ["type", "ts", "window_start", "window_end", "key", "host", "sensor"]
    static let type = 0, ts = 1, windowStart = 2, windowEnd = 3, key = 4, host = 5, sensor = 6
    static let keys = FieldKeys(identity + FeatureSlot.recordNames)

    private let featurizer: Featurizer
    private let writer: NDJSONWriter
    private let passesThrough: Bool
    private let parser = JSONLineParser(keys: keys)
    private var recentFields = FeatureSlot.RecentFields()
    private let diagnostics: Diagnostics
    /// The featurizer's thread's own reports (windows refused), added to
    /// `diagnostics` at the end.
    private let takerDiagnostics: Diagnostics
    private let showsProgress: Bool
    /// nil with one thread.
    private var worker: InputWorker<Item, OutputError>?
    private var windows = 0
    private var coarse = 0
    private var passed = 0
    private var left = 0

    init(featurizer: Featurizer, writer: NDJSONWriter, passesThrough: Bool, diagnostics: Diagnostics, showsProgress: Bool,
         threads: Int) {
        self.featurizer = featurizer
        self.writer = writer
        self.passesThrough = passesThrough
        self.diagnostics = diagnostics
        takerDiagnostics = Diagnostics(tool: diagnostics.tool, messagesPerKind: diagnostics.messagesPerKind)
        self.showsProgress = showsProgress
        guard threads > 1 else { return }
        worker = InputWorker(batchSize: 512, depth: 16, handsOffEachLine: writer.flushesEachRecord) { [unowned self] item throws(OutputError) in
            try take(item)
        }
    }

    /// Reads one input to its end (or until a stop signal, or until the
    /// output fails; `finish` then throws what it failed with).
    func read(_ name: String) throws(OutputError) {
        try NDJSONInput.readRecords(name, tool: "featurize", parser: parser, showsProgress: showsProgress,
                             report: { diagnostics.report($0, $1) }) { line, place, lineNumber throws(OutputError) in
            guard let item = item(line, place: place, lineNumber: lineNumber) else { return }
            guard let worker else { return try take(item) }
            worker.hand(item, bytes: line.count)
        }
    }

    /// Waits for the featurizer to take everything, then writes the steps
    /// the end of input completes.
    func finish() throws(OutputError) {
        let failure = worker?.finish()
        diagnostics.add(takerDiagnostics)
        if let failure { throw failure }
        try featurizer.finish()
    }

    /// The parsed line as the featurizer takes it; nil when it is skipped
    /// (bad, or a coarser window).
    private func item(_ line: UnsafeBufferPointer<UInt8>, place: String, lineNumber: Int) -> Item? {
        if parser.string(Self.type, equals: "window") {
            do throws(FieldError) {
                let startTime = try parser.requireTimestamp(Self.windowStart).nanoseconds
                let endTime = try parser.requireTimestamp(Self.windowEnd).nanoseconds
                let step = featurizer.step * 1_000_000_000
                if endTime.subtractingReportingOverflow(startTime) != (step, false) {
                    coarse += 1
                    return nil
                }
                // A step's window must lie within the event times every stage takes.
                _ = try Timestamp.checkedEventTime(startTime, key: "window_start")
                _ = try Timestamp.checkedEventTime(endTime, key: "window_end")
                guard startTime % step == 0 else { throw FieldError.wrongType(key: "window_start", expected: "start aligned to 5 s") }
                let kind = try parser.requireStringBytes(Self.key)
                guard kind.equals("src") || kind.equals("dst") else { throw FieldError.wrongType(key: "key", expected: "\"src\" or \"dst\"") }
                let host = try parser.requireStringBytes(Self.host)
                let sensor = try parser.stringBytes(Self.sensor) ?? UnsafeBufferPointer(start: nil, count: 0)
                let key = FeatureKey(sensor: sensor, kind: kind, host: host)
                let (slot, sketches) = try FeatureSlot.read(parser, first: Self.identity.count, recent: &recentFields)
                return .window(Arrival(key: key, start: startTime / 1_000_000_000, window: HostHistory.Window(slot, sketches),
                                       place: place, lineNumber: lineNumber))
            } catch {
                diagnostics.report("bad_record", "\(place)line \(lineNumber): \(error.message)")
                return nil
            }
        }
        if parser.string(Self.type, equals: "tick") {
            do {
                return .tick(try parser.requireEventTime(Self.ts), line: Array(line))
            } catch {
                diagnostics.report("bad_tick", "\(place)line \(lineNumber): \(error.message)")
                return nil
            }
        }
        return .other(line: Array(line))
    }

    /// On the featurizer's thread, in input order.
    private func take(_ item: Item) throws(OutputError) {
        switch item {
        case .window(let arrival):
            if try featurizer.add(key: arrival.key, start: arrival.start, window: arrival.window) {
                windows += 1
            } else {
                takerDiagnostics.report("refused", "\(arrival.place)line \(arrival.lineNumber): window older than the ten minutes held, or no room for another host (--max-keys)")
            }
        case .tick(let time, let line):
            try featurizer.tick(time)
            try passThrough(line)
        case .other(let line):
            try passThrough(line)
        }
    }

    private func passThrough(_ line: [UInt8]) throws(OutputError) {
        if passesThrough {
            passed += 1
            try line.withUnsafeBufferPointer { buffer throws(OutputError) in try writer.writeLine(buffer) }
        } else {
            left += 1
        }
    }

    func summary() -> String {
        var text = "\(windows) windows in; \(featurizer.recordsWritten) feature vectors over \(featurizer.stepsWritten) steps"
        if featurizer.lateWindows > 0 { text += "; \(featurizer.lateWindows) windows late for their step (counted from the next)" }
        if coarse > 0 { text += "; \(coarse) coarser windows not needed" }
        if passed > 0 { text += "; \(passed) other records passed through" }
        if left > 0 { text += "; \(left) other records left out of the CSV" }
        return text
    }
}
