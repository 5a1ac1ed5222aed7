import Alerts
import SluiceCore

/// Reads NDJSON inputs into the engine: features records are tested,
/// ticks move event time, other records (windows and the like that
/// featurize passed through) are counted and left out. Bad lines are
/// reported with their file and line, counted and skipped.
final class AlertInput {
    private let engine: AlertEngine
    private let reader: FeatureRecordReader
    private let diagnostics: Diagnostics
    private let showsProgress: Bool
    private var vectors = 0
    private var ticks = 0
    private var others = 0

    init(engine: AlertEngine, features: [String], diagnostics: Diagnostics, showsProgress: Bool) {
        self.engine = engine
        reader = FeatureRecordReader(features: features)
        self.diagnostics = diagnostics
        self.showsProgress = showsProgress
    }

    func read(_ name: String) throws(OutputError) {
        try NDJSONInput.readRecords(name, tool: "alert", parser: reader.parser, showsProgress: showsProgress,
                                    report: { diagnostics.report($0, $1) }) { _, place, lineNumber throws(OutputError) in
            switch reader.role() {
            case .features:
                let record: FeatureRecord
                do throws(FieldError) {
                    record = try reader.read()
                } catch {
                    diagnostics.report("bad_record", "\(place)line \(lineNumber): \(error.message)")
                    return
                }
                vectors += 1
                try engine.add(record)
            case .tick:
                let time: Int64
                do throws(FieldError) {
                    time = try reader.tickTime()
                } catch {
                    diagnostics.report("bad_tick", "\(place)line \(lineNumber): \(error.message)")
                    return
                }
                ticks += 1
                try engine.advance(to: floorDivide(time, 1_000_000_000))
            case .other:
                others += 1
            }
        }
    }

    func summary(output: AlertOutput) -> String {
        var text = "\(vectors) feature vectors in; \(engine.alertsWritten) alerts"
        if engine.firingsSuppressed > 0 { text += " (\(engine.firingsSuppressed) more firings suppressed)" }
        text += ", \(engine.episodesEnded) episodes ended"
        if !engine.alertsByRule.isEmpty {
            text += ": " + engine.alertsByRule.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        if output.rowsStored > 0 { text += "; \(output.rowsStored) rows stored" }
        if others > 0 { text += "; \(others) other records left out" }
        return text
    }
}
