import Features
import SluiceCore

/// Reads NDJSON inputs into the featurizer: 5 s host windows are kept,
/// coarser ones counted (the features need only the 5 s ones), ticks move
/// event time; ticks and other records pass through in order (counted and
/// left out in CSV). Bad lines are reported with their file and line,
/// counted and skipped.
final class FeaturizeInput {
    static let identity = ["type", "ts", "window_start", "window_end", "key", "host", "sensor"]
    static let type = 0, ts = 1, windowStart = 2, windowEnd = 3, key = 4, host = 5, sensor = 6
    static let keys = FieldKeys(identity + FeatureSlot.recordNames)

    private let featurizer: Featurizer
    private let writer: NDJSONWriter
    private let passesThrough: Bool
    private let parser = JSONLineParser(keys: keys)
    private var recentFields = FeatureSlot.RecentFields()
    private let diagnostics: Diagnostics
    private let showsProgress: Bool
    private var windows = 0
    private var coarse = 0
    private var passed = 0
    private var left = 0

    init(featurizer: Featurizer, writer: NDJSONWriter, passesThrough: Bool, diagnostics: Diagnostics, showsProgress: Bool) {
        self.featurizer = featurizer
        self.writer = writer
        self.passesThrough = passesThrough
        self.diagnostics = diagnostics
        self.showsProgress = showsProgress
    }

    func read(_ name: String) throws(OutputError) {
        try NDJSONInput.readRecords(name, tool: "featurize", parser: parser, showsProgress: showsProgress,
                             report: { diagnostics.report($0, $1) }) { line, place, lineNumber throws(OutputError) in
            try handle(line, place: place, lineNumber: lineNumber)
        }
    }

    private func handle(_ line: UnsafeBufferPointer<UInt8>, place: String, lineNumber: Int) throws(OutputError) {
        if parser.string(Self.type, equals: "window") {
            let key: FeatureKey, start: Int64, slot: FeatureSlot, sketches: HostHistory.Sketches
            do throws(FieldError) {
                let startTime = try parser.requireTimestamp(Self.windowStart).nanoseconds
                let endTime = try parser.requireTimestamp(Self.windowEnd).nanoseconds
                let step = featurizer.step * 1_000_000_000
                if endTime.subtractingReportingOverflow(startTime) != (step, false) {
                    coarse += 1
                    return
                }
                guard startTime % step == 0 else { throw FieldError.wrongType(key: "window_start", expected: "start aligned to 5 s") }
                let kind = try parser.requireString(Self.key)
                guard kind == "src" || kind == "dst" else { throw FieldError.wrongType(key: "key", expected: "\"src\" or \"dst\"") }
                let host = try parser.requireString(Self.host)
                key = FeatureKey(sensor: try parser.string(Self.sensor) ?? "", kind: kind, host: host)
                start = startTime / 1_000_000_000
                (slot, sketches) = try FeatureSlot.read(parser, first: Self.identity.count, recent: &recentFields)
            } catch {
                diagnostics.report("bad_record", "\(place)line \(lineNumber): \(error.message)")
                return
            }
            if try featurizer.add(key: key, start: start, slot: slot, sketches: sketches) {
                windows += 1
            } else {
                diagnostics.report("refused", "\(place)line \(lineNumber): window older than the ten minutes held, or no room for another host (--max-keys)")
            }
            return
        }
        if parser.string(Self.type, equals: "tick") {
            let time: Int64
            do {
                time = try parser.requireEventTime(Self.ts)
            } catch {
                diagnostics.report("bad_tick", "\(place)line \(lineNumber): \(error.message)")
                return
            }
            try featurizer.tick(time)
        }
        if passesThrough {
            passed += 1
            try writer.writeLine(line)
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
