import SluiceCore
import Store
import Windows

/// Reading window5s's host window records and writing cascade's own:
/// the same record (sluice-records(7), `window`) with the window's
/// `level` (its length in seconds) and `sensor` at the end.
public enum WindowRecords {
    /// The slot of `ts`, for ticks.
    public static let ts = 1
    static let identityNames = ["type", "ts", "window_start", "window_end", "key", "host", "revision", "sensor", "level"]
    static let type = 0, windowStart = 2, windowEnd = 3, key = 4, host = 5, revision = 6, sensor = 7, level = 8

    /// The keys a parser of cascade's input registers: `type` and `ts`
    /// first, the store's content columns from `contentSlot` on.
    public static let keys = FieldKeys(identityNames + WindowColumns.contentKinds.map(\.name))
    static let contentSlot = identityNames.count

    public enum Role {
        case window
        case tick
        case passThrough
    }

    /// Windows with a `level` other than the finest (coarse windows of
    /// another cascade) are not cascade's input: they pass through.
    public static func role(of parser: JSONLineParser, levelSeconds: Int64) -> Role {
        if parser.string(type, equals: "window") {
            if let stated = try? parser.int(level), stated != levelSeconds { return .passThrough }
            return .window
        }
        if parser.string(type, equals: "tick") { return .tick }
        return .passThrough
    }

    /// A host window record of the finest level. `sensor` applies when the
    /// record names none. Every stored field is checked (counts, finite
    /// numbers, sketches that decode) and goes into the store as the
    /// record wrote it. The error names the field at fault.
    public static func read(_ parser: JSONLineParser, levelSeconds: Int64, sensor defaultSensor: String)
        throws(FieldError) -> FineWindow {
        // Within the event times every stage takes (years 1824 to 2116), so
        // that a coarse window's end cannot overflow.
        let start = try parser.requireEventTime(windowStart)
        let end = try parser.requireEventTime(windowEnd)
        let nanosecondsPerSecond = Timestamp.nanosecondsPerSecond
        guard start % nanosecondsPerSecond == 0, floorDivide(start / nanosecondsPerSecond, levelSeconds) * levelSeconds == start / nanosecondsPerSecond else {
            throw .wrongType(key: identityNames[windowStart], expected: "start aligned to the finest level (\(Levels.label(levelSeconds)))")
        }
        guard end.subtractingReportingOverflow(start) == (levelSeconds * nanosecondsPerSecond, false) else {
            throw .wrongType(key: identityNames[windowEnd], expected: "end \(Levels.label(levelSeconds)) after window_start (the finest level; see --levels)")
        }
        let keyKind = try parser.requireString(key)
        guard keyKind == "src" || keyKind == "dst" else { throw .wrongType(key: identityNames[key], expected: "\"src\" or \"dst\"") }
        let hostText = try parser.requireString(host)
        guard !hostText.isEmpty else { throw .wrongType(key: identityNames[host], expected: "host") }
        let revisionValue = try parser.int(revision) ?? 1
        guard (1...Int64(Int32.max)).contains(revisionValue) else { throw .wrongType(key: identityNames[revision], expected: "revision of 1 or more") }
        let sensorText = try parser.string(sensor) ?? defaultSensor
        let identity = WindowIdentity(levelSeconds: levelSeconds, sensor: sensorText, keyKind: keyKind, keyValue: hostText,
                                      startSeconds: start / nanosecondsPerSecond)
        return try FineWindow(identity: identity, revision: Int(revisionValue), contentFields: try contentFields(parser))
    }

    /// The content columns in COPY's binary format.
    private static func contentFields(_ parser: JSONLineParser) throws(FieldError) -> [UInt8] {
        var fields: [UInt8] = []
        fields.reserveCapacity(1024)
        for (offset, column) in WindowColumns.contentKinds.enumerated() {
            let slot = contentSlot + offset
            switch column.kind {
            case .count:
                CopyBinary.int8(Int64(try RecordCount.checked(parser.requireInt(slot), key: column.name)), into: &fields)
            case .number:
                guard let value = try parser.double(slot) else {
                    CopyBinary.null(into: &fields)
                    continue
                }
                guard value.isFinite else { throw .wrongType(key: column.name, expected: "finite number") }
                CopyBinary.float8(value, into: &fields)
            case .distinctCounter, .histogram:
                guard let sketch = try parser.stringBytes(slot) else {
                    if column.kind == .histogram { CopyBinary.null(into: &fields); continue }
                    throw .missing(key: column.name)
                }
                // Checked as FineWindow decodes it.
                CopyBinary.text(sketch, into: &fields)
            case .topAddresses, .topPorts:
                guard let field = parser.index(ofSlot: slot) else {
                    // Absent: empty, as HostFeatures(state:) reads it.
                    CopyBinary.text("[]", into: &fields)
                    continue
                }
                let text = parser.rawValue(at: field)
                // Stored as window5s writes it, so equal lists are equal text.
                let canonical = parser.kind(at: field) != .array ? nil : column.kind == .topAddresses
                    ? HeavyHitters(listText: text, value: IPAddress.init(text:))?.listText
                    : HeavyHitters(listText: text, value: ProtocolPort.init(text:))?.listText
                guard let canonical else { throw .wrongType(key: column.name, expected: "list of [value, weight] pairs") }
                CopyBinary.text(canonical, into: &fields)
            }
        }
        try checkQuantities(parser)
        return fields
    }

    /// A histogram comes with the minimum, maximum, mean and M2 that merge
    /// with it.
    private static func checkQuantities(_ parser: JSONLineParser) throws(FieldError) {
        for slots in quantitySlots where parser.index(ofSlot: slots.last!) != nil {
            for slot in slots.dropLast() where parser.index(ofSlot: slot) == nil { throw .missing(key: keys[slot]) }
        }
    }

    /// Per measured quantity, the slots of its minimum, maximum, mean, M2
    /// and histogram.
    private static let quantitySlots: [[Int]] = (0..<2).map { quantity in
        let first = HostFeatures.counters.count + 5 * quantity
        return HostFeatures.stateNames[first..<(first + 5)].map { keys.slot(of: $0)! }
    }

    /// What cascade adds to the window records it forwards, when they have
    /// none: the level and the sensor, the same for every record of a run,
    /// so written once.
    public struct ForwardedFields {
        private let level: [UInt8]
        private let sensor: [UInt8]

        public init(levelSeconds: Int64, sensor name: String) {
            level = Array(",\"level\":\(levelSeconds)".utf8)
            var text = Array(",\"sensor\":".utf8)
            JSONQuoting.appendQuoted(name.utf8, to: &text)
            sensor = text
        }

        /// The input record as it goes out: unchanged, with `level` and
        /// `sensor` added when it has none, and a newline.
        public func line(_ line: UnsafeBufferPointer<UInt8>, parser: JSONLineParser) -> [UInt8] {
            var end = line.count
            while end > 0, line[end - 1] != UInt8(ascii: "}") { end -= 1 }
            var output = Array(line[0..<max(end - 1, 0)])
            if parser.index(ofSlot: WindowRecords.level) == nil { output += level }
            if parser.index(ofSlot: WindowRecords.sensor) == nil { output += sensor }
            output.append(contentsOf: "}\n".utf8)
            return output
        }
    }

    /// A stored or merged window as a record.
    public static func write(_ window: StoredWindow, to writer: NDJSONWriter) throws(OutputError) {
        withUnsafePointer(to: window.features) { writeFields(window.identity, revision: window.revision, $0, to: writer) }
        try writer.endRecord()
    }

    /// The record but its closing brace and newline.
    static func writeFields(_ identity: WindowIdentity, revision: Int, _ features: UnsafePointer<HostFeatures>, to writer: NDJSONWriter) {
        let nanoseconds = Timestamp.nanosecondsPerSecond
        beginWindowRecord(EventTimeWindow(start: identity.startSeconds * nanoseconds, end: identity.endSeconds * nanoseconds), writer: writer)
        writer.field("key", string: identity.keyKind)
        writer.field("host", string: identity.keyValue)
        writer.field("revision", revision)
        features.pointee.write(to: writer)
        writer.field("level", Int(identity.levelSeconds))
        writer.field("sensor", string: identity.sensor)
    }

    /// Makes a merged window's record fit `WindowRecordSize.maximum`
    /// (smaller sketches, `WindowRecordSize`), measured in `scratch`, with
    /// the longest revision number, which the database assigns later.
    public static func fit(_ window: inout StoredWindow, scratch: NDJSONWriter) {
        scratch.rewind(to: 0)
        let identity = window.identity
        let fitted = withUnsafePointer(to: window.features) { features in
            WindowRecordSize.write(features, to: scratch) { writeFields(identity, revision: Int.max, $0, to: scratch) }
        }
        if let fitted { window.features = fitted }
    }
}
