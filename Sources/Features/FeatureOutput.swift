import SluiceCore

/// Where feature vectors go: `features` NDJSON records, or CSV with a
/// header (for pandas or scikit-learn). `columns` are the indices into
/// `FeatureVector.names` to write, in order.
public final class FeatureOutput {
    public enum Format: String, Sendable {
        case ndjson, csv
    }

    private let writer: NDJSONWriter
    private let format: Format
    private let columns: [Int]
    private let names: [StaticString]
    private var wroteHeader = false

    public init(writer: NDJSONWriter, format: Format, columns: [Int]) {
        self.writer = writer
        self.format = format
        self.columns = columns
        names = columns.map { FeatureVector.staticNames[$0] }
    }

    func write(key: FeatureKey, stepStart: Int64, stepEnd: Int64, values: [Double]) throws(OutputError) {
        let sensor = String(decoding: key.sensor, as: UTF8.self)
        let kind = String(decoding: key.kind, as: UTF8.self)
        let host = String(decoding: key.host, as: UTF8.self)
        switch format {
        case .ndjson:
            writer.beginRecord(type: "features")
            writer.field("ts", Int(stepStart))
            writer.field("window_start", Int(stepStart))
            writer.field("window_end", Int(stepEnd))
            writer.field("key", string: kind)
            writer.field("host", string: host)
            if !sensor.isEmpty { writer.field("sensor", string: sensor) }
            writer.field("version", FeatureVector.version)
            for (index, column) in columns.enumerated() { writeNumber(names[index], values[column]) }
            try writer.endRecord()
        case .csv:
            if !wroteHeader {
                let header = (["window_start", "window_end", "key", "host", "sensor"] + columns.map { FeatureVector.names[$0] })
                    .joined(separator: ",") + "\n"
                appendText(header)
                wroteHeader = true
            }
            appendText("\(stepStart),\(stepEnd),\(kind),\(Self.csvField(host)),\(Self.csvField(sensor))")
            for column in columns {
                appendText(",")
                appendText(Self.numberText(values[column]))
            }
            appendText("\n")
            try writer.recordEnded()
        }
    }

    func finish() throws(OutputError) {
        if format == .csv && !wroteHeader {
            appendText((["window_start", "window_end", "key", "host", "sensor"] + columns.map { FeatureVector.names[$0] }).joined(separator: ",") + "\n")
            wroteHeader = true
        }
        try writer.flush()
    }

    /// Whole numbers without a fraction (counts), others as the shortest
    /// text that reads back the same.
    static func numberText(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 9e15 { return String(Int64(value)) }
        return value.description
    }

    private func writeNumber(_ name: StaticString, _ value: Double) {
        if value == value.rounded(), abs(value) < 9e15 {
            writer.field(name, Int(value))
        } else {
            writer.field(name, value)
        }
    }

    private func appendText(_ text: String) {
        var copy = text
        copy.withUTF8 { writer.appendBytes($0) }
    }

    /// RFC 4180: quoted when it holds a comma, quote or line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
