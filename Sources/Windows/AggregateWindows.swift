import SluiceCore

/// The `--agg` stage: any records with a time field, keyed by the values
/// of the `--key` fields, aggregated as the spec says.
public final class AggregateWindows: WindowStage {
    /// One record's share: its time, key and the spec's field values.
    public struct Record {
        var time: Int64
        var key: FieldValuesKey
        /// Per spec field: the number, if the value is one.
        var numbers: [Double?]
        /// Per spec field counted as distinct: the hash of its JSON text.
        var hashes: [UInt64?]
    }

    public let keys: FieldKeys
    private let spec: AggregateSpec
    private let names: AggregateSpec.OutputNames
    private let keyFields: [String]
    private let timeSlot: Int
    private let keySlots: [Int]
    private let fieldSlots: [Int]
    private let distinctFields: [Bool]
    private var clock: WindowClock<FieldValuesKey, AggregateState>!

    public init(spec: AggregateSpec, keyFields: [String], timeField: String, assigner: WindowAssigner,
                sessionGap: Int64?, watermark: Watermark, maxKeys: Int, writer: NDJSONWriter) {
        var names = ["type", "ts"]
        for name in [timeField] + keyFields + spec.fields where !names.contains(name) { names.append(name) }
        keys = FieldKeys(names)
        self.spec = spec
        self.names = spec.outputNames
        self.keyFields = keyFields
        timeSlot = names.firstIndex(of: timeField)!
        keySlots = keyFields.map { names.firstIndex(of: $0)! }
        fieldSlots = spec.fields.map { names.firstIndex(of: $0)! }
        distinctFields = spec.fields.map { field in spec.terms.contains { $0.field == field && $0.function == .distinct } }
        let keyLabel = keyFields.joined(separator: ",")
        let outputNames = self.names
        clock = WindowClock(
            assigner: assigner, sessionGap: sessionGap, watermark: watermark, maxEntries: maxKeys, makeState: { AggregateState(spec: spec) }, merge: { $0.merge($1) },
            emit: { window, key, state, revision throws(OutputError) in
                beginWindowRecord(window, writer: writer)
                writer.field("key", string: keyLabel)
                key.write(names: keyFields, to: writer)
                writer.field("revision", revision)
                state.pointee.write(to: writer, spec: spec, names: outputNames)
                try writer.endRecord()
            })
    }

    public func role(of parser: JSONLineParser) -> RecordRole {
        parser.string(windowTypeSlot, equals: "tick") ? .tick : .windowed
    }

    public func read(_ parser: JSONLineParser) throws(FieldError) -> Record {
        let time = try parser.requireEventTime(timeSlot)
        var key: [UInt8] = []
        for (position, slot) in keySlots.enumerated() {
            guard let index = parser.index(ofSlot: slot) else { throw .missing(key: keyFields[position]) }
            if position > 0 { key.append(0) }
            key.append(contentsOf: parser.rawValue(at: index))
        }
        var numbers: [Double?] = []
        var hashes: [UInt64?] = []
        for (position, slot) in fieldSlots.enumerated() {
            numbers.append(parser.kind(ofSlot: slot) == .number ? try parser.double(slot) : nil)
            if distinctFields[position], let index = parser.index(ofSlot: slot), parser.kind(at: index) != .null {
                hashes.append(StableHash.hash(UnsafeRawBufferPointer(parser.rawValue(at: index))))
            } else {
                hashes.append(nil)
            }
        }
        return Record(time: time, key: FieldValuesKey(bytes: key), numbers: numbers, hashes: hashes)
    }

    public func add(_ record: Record) throws(OutputError) -> WindowOutcome {
        try clock.add(time: record.time, key: record.key) { state in
            state.records += 1
            for index in state.fields.indices {
                if let number = record.numbers[index] { state.fields[index].add(number: number) }
                if let hash = record.hashes[index] { state.fields[index].add(hash: hash) }
            }
        }
    }

    public func advance(to time: Int64) throws(OutputError) { try clock.advance(to: time) }
    public func finish() throws(OutputError) { try clock.finish() }
    public var counts: WindowCounts { clock.counts }
}

/// The JSON texts of a record's key fields, as written, 0-separated (JSON
/// text holds no raw 0 byte), so `"80"` and `80` are different keys.
public struct FieldValuesKey: Hashable, Comparable, Sendable {
    public var bytes: [UInt8]

    public static func < (a: FieldValuesKey, b: FieldValuesKey) -> Bool {
        a.bytes.lexicographicallyPrecedes(b.bytes)
    }

    /// Each key field under its own name, with its JSON value as read.
    func write(names: [String], to writer: NDJSONWriter) {
        guard !names.isEmpty else { return }
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false).makeIterator()
        for name in names {
            guard let value = parts.next() else { return }
            var key = name
            key.withUTF8 { keyBytes in
                Array(value).withUnsafeBufferPointer { valueBytes in
                    writer.rawField(key: keyBytes, value: valueBytes)
                }
            }
        }
    }
}
