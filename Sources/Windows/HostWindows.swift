import SluiceCore

/// The default stage: flow records in, per-host windows of the feature set
/// out, one record per window, host and view.
public final class HostWindows: WindowStage {
    public let keys: FieldKeys
    private let timeSlot: Int
    private let views: [HostKey.View]
    private var clock: WindowClock<HostKey, HostFeatures>!

    /// `views`: which sides of the flows make windows (both by default).
    public init(timeField: String, views: [HostKey.View], assigner: WindowAssigner, sessionGap: Int64?, watermark: Watermark,
                maxKeys: Int, writer: NDJSONWriter) {
        keys = FlowReportFields.keys(timeField: timeField)
        timeSlot = FlowReportFields.timeSlot(timeField)
        self.views = views
        clock = WindowClock(
            assigner: assigner, sessionGap: sessionGap, watermark: watermark, maxEntries: maxKeys, makeState: { HostFeatures() }, merge: { $0.merge($1) },
            emit: { window, key, features, revision throws(OutputError) in
                let limit = WindowRecordSize.maximum - WindowRecordSize.cascadeAllowance
                _ = WindowRecordSize.write(features, to: writer, limit: limit) { features in
                    beginWindowRecord(window, writer: writer)
                    writer.field("key", string: key.view.name)
                    writer.field("host", address: key.address)
                    writer.field("revision", revision)
                    features.pointee.write(to: writer)
                }
                try writer.endRecord()
            })
    }

    public func role(of parser: JSONLineParser) -> RecordRole {
        if parser.string(FlowReportFields.type, equals: "flow") { return .windowed }
        if parser.string(FlowReportFields.type, equals: "tick") { return .tick }
        return .passThrough
    }

    public func read(_ parser: JSONLineParser) throws(FieldError) -> FlowReport {
        try FlowReportFields.read(from: parser, timeSlot: timeSlot)
    }

    public func add(_ report: FlowReport) throws(OutputError) -> WindowOutcome {
        var outcome = WindowOutcome.late
        for view in views {
            let host = view == .originator ? report.source : report.destination
            let result = try clock.add(time: report.time, key: HostKey(view: view, address: host)) {
                $0.add(report, view: view)
            }
            if result == .overflow || (result == .counted && outcome == .late) { outcome = result }
        }
        return outcome
    }

    public func advance(to time: Int64) throws(OutputError) { try clock.advance(to: time) }
    public func finish() throws(OutputError) { try clock.finish() }
    public var counts: WindowCounts { clock.counts }
}
