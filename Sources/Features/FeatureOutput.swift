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
    /// Each column's `,"name":`, at `keySlot` bytes apart (zero-padded),
    /// and its length: copying a whole slot is a couple of moves, where a
    /// copy of the name's own length was a call to memcpy.
    private let keys: UnsafeMutablePointer<UInt8>
    private let keyLengths: [Int]
    private static let keySlot = 32
    private var wroteHeader = false

    public init(writer: NDJSONWriter, format: Format, columns: [Int]) {
        self.writer = writer
        self.format = format
        self.columns = columns
        keys = .allocate(capacity: max(columns.count, 1) * Self.keySlot)
        keys.initialize(repeating: 0, count: max(columns.count, 1) * Self.keySlot)
        keyLengths = columns.enumerated().map { [keys] index, column in
            let name = FeatureVector.staticNames[column]
            let key = Array(",\"".utf8) + UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount) + Array("\":".utf8)
            precondition(key.count <= Self.keySlot, "FeatureOutput: feature name longer than \(Self.keySlot - 4) bytes")
            (keys + index * Self.keySlot).update(from: key, count: key.count)
            return key.count
        }
    }

    deinit { keys.deallocate() }

    /// An output of the same format and columns that collects its records
    /// in memory, for part of a step written on another thread; `append`
    /// then moves them here, in order.
    func collectingPart() -> FeatureOutput {
        let part = FeatureOutput(writer: NDJSONWriter(collectingCapacity: 1 << 20), format: format, columns: columns)
        part.wroteHeader = true
        return part
    }

    func append(_ part: FeatureOutput) throws(OutputError) {
        try writer.append(takingFrom: part.writer)
    }

    /// Whether each record must go out as it is written (-l): then a step
    /// is written by one thread, in order, as it goes.
    var flushesEachRecord: Bool { writer.flushesEachRecord }

    func write(key: FeatureKey, stepStart: Int64, stepEnd: Int64, values: [Double],
               context: FeatureVector.Context = FeatureVector.Context()) throws(OutputError) {
        switch format {
        case .ndjson:
            writer.beginRecord(type: "features")
            writer.field("ts", Int(stepStart))
            writer.field("window_start", Int(stepStart))
            writer.field("window_end", Int(stepEnd))
            key.kind.withUnsafeBufferPointer { writer.field("key", string: $0) }
            key.host.withUnsafeBufferPointer { writer.field("host", string: $0) }
            if !key.sensor.isEmpty { key.sensor.withUnsafeBufferPointer { writer.field("sensor", string: $0) } }
            writer.field("version", FeatureVector.version)
            writer.withCursor(reserving: columns.count * (Self.keySlot + OutputCursor.numberRoom)) { cursor in
                for index in columns.indices {
                    UnsafeMutableRawPointer(cursor.position).copyMemory(from: keys + index * Self.keySlot, byteCount: Self.keySlot)
                    cursor.position += keyLengths[index]
                    let value = values[columns[index]]
                    if Self.isWhole(value) { cursor.integer(Int(value)) } else { cursor.number(value) }
                }
            }
            if let peer = context.topPeer5s { writer.field("top_peer_5s", address: peer) }
            if let peer = context.topPeer5m { writer.field("top_peer_5m", address: peer) }
            try writer.endRecord()
        case .csv:
            writeHeaderOnce()
            let text = { (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self) }
            appendText("\(stepStart),\(stepEnd),\(text(key.kind)),\(Self.csvField(text(key.host))),\(Self.csvField(text(key.sensor)))")
            for column in columns {
                appendText(",")
                appendText(Self.numberText(values[column]))
            }
            appendText("\n")
            try writer.recordEnded()
        }
    }

    func finish() throws(OutputError) {
        if format == .csv { writeHeaderOnce() }
        try writer.flush()
    }

    private func writeHeaderOnce() {
        guard !wroteHeader else { return }
        appendText((["window_start", "window_end", "key", "host", "sensor"] + columns.map { FeatureVector.names[$0] })
            .joined(separator: ",") + "\n")
        wroteHeader = true
    }

    /// Counts and other whole numbers are written without a fraction.
    /// (Through an integer and back: `rounded()` is a libm call.)
    static func isWhole(_ value: Double) -> Bool { abs(value) < 9e15 && Double(Int64(value)) == value }

    /// Whole numbers without a fraction, others as the shortest text that
    /// reads back the same.
    static func numberText(_ value: Double) -> String {
        isWhole(value) ? String(Int64(value)) : value.description
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
