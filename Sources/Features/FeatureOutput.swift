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

    /// What names `key` in every record of it, made once per host: in
    /// NDJSON its `key`, `host` and (when it has one) `sensor` fields, in
    /// CSV its three columns, each with the comma before it.
    func identity(of key: FeatureKey) -> [UInt8] {
        switch format {
        case .ndjson:
            var text = Array(#","key":"#.utf8)
            JSONQuoting.appendQuoted(key.kind, to: &text)
            text += Array(#","host":"#.utf8)
            JSONQuoting.appendQuoted(key.host, to: &text)
            if !key.sensor.isEmpty {
                text += Array(#","sensor":"#.utf8)
                JSONQuoting.appendQuoted(key.sensor, to: &text)
            }
            return text
        case .csv:
            let text = { (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self) }
            return Array(",\(text(key.kind)),\(Self.csvField(text(key.host))),\(Self.csvField(text(key.sensor)))".utf8)
        }
    }

    /// Writes one vector of the host whose `identity` is given.
    func write(identity: UnsafeBufferPointer<UInt8>, stepStart: Int64, stepEnd: Int64, values: UnsafeBufferPointer<Double>,
               context: FeatureVector.Context = FeatureVector.Context()) throws(OutputError) {
        switch format {
        case .ndjson:
            // The whole record through one cursor, room made once: the
            // fixed fields with three 20-digit integers, each column's key
            // slot and number, the two addresses.
            let room = 160 + identity.count + columns.count * (Self.keySlot + OutputCursor.numberRoom) + 2 * (16 + 48)
            writer.withCursor(reserving: room) { cursor in
                cursor.text(#"{"type":"features","ts":"#)
                cursor.integer(Int(stepStart))
                cursor.key("window_start")
                cursor.integer(Int(stepStart))
                cursor.key("window_end")
                cursor.integer(Int(stepEnd))
                cursor.bytes(identity)
                cursor.key("version")
                cursor.integer(FeatureVector.version)
                for index in columns.indices {
                    UnsafeMutableRawPointer(cursor.position).copyMemory(from: keys + index * Self.keySlot, byteCount: Self.keySlot)
                    cursor.position += keyLengths[index]
                    let value = values[columns[index]]
                    if Self.isWhole(value) { cursor.integer(Int(value)) } else { cursor.number(value) }
                }
                if let peer = context.topPeer5s { cursor.field("top_peer_5s", address: peer) }
                if let peer = context.topPeer5m { cursor.field("top_peer_5m", address: peer) }
                cursor.text("}\n")
            }
            try writer.recordEnded()
        case .csv:
            writeHeaderOnce()
            appendText("\(stepStart),\(stepEnd)")
            writer.appendBytes(identity)
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
