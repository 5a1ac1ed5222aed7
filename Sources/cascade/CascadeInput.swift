import Cascade
import SluiceCore
import Store

/// Reads NDJSON inputs line by line into the cascader: fine window records
/// are stored and merged, ticks move event time, other records pass
/// through in order. Bad lines are reported with their file and line,
/// counted and skipped.
final class CascadeInput {
    private let cascader: Cascader
    private let parser = JSONLineParser(keys: WindowRecords.keys)
    private let levelSeconds: Int64
    private let sensor: String
    private let diagnostics: Diagnostics
    private let showsProgress: Bool
    private var failure: CascadeError?

    init(cascader: Cascader, levelSeconds: Int64, sensor: String, diagnostics: Diagnostics, showsProgress: Bool) {
        self.cascader = cascader
        self.levelSeconds = levelSeconds
        self.sensor = sensor
        self.diagnostics = diagnostics
        self.showsProgress = showsProgress
    }

    /// Reads one input to its end (or until a stop signal). Output errors
    /// are thrown as such; a database failure ends the input and is thrown
    /// by `finish`.
    func read(_ name: String) throws(OutputError) {
        guard failure == nil else { return }
        try NDJSONInput.read(name, tool: "cascade", showsProgress: showsProgress,
                             report: { diagnostics.report($0, $1) }) { line, place, lineNumber throws(OutputError) in
            guard failure == nil else { return }
            do throws(CascadeError) {
                try handle(line, place: place, lineNumber: lineNumber)
            } catch {
                if case .output(let output) = error { throw output }
                failure = error
                StopSignal.request()
            }
        }
    }

    func finish() throws(CascadeError) {
        if let failure { throw failure }
        try cascader.finish()
    }

    private func handle(_ line: UnsafeBufferPointer<UInt8>, place: String, lineNumber: Int) throws(CascadeError) {
        if JSONLineParser.isBlank(line) { return }
        do {
            try parser.parse(line)
        } catch {
            diagnostics.report("bad_json", "\(place)\(error.message(line: lineNumber))")
            return
        }
        switch WindowRecords.role(of: parser) {
        case .window:
            let window: FineWindow
            do {
                window = try WindowRecords.read(parser, levelSeconds: levelSeconds, sensor: sensor)
            } catch {
                diagnostics.report("bad_record", "\(place)line \(lineNumber): \(error.message)")
                return
            }
            try cascader.add(window, line: WindowRecords.forwardedLine(line, parser: parser, window: window))
        case .tick:
            let time: Int64
            do {
                time = try parser.requireEventTime(1)
            } catch {
                diagnostics.report("bad_tick", "\(place)line \(lineNumber): \(error.message)")
                return
            }
            try cascader.tick(at: time, line: line)
        case .passThrough:
            try cascader.passThrough(line)
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
