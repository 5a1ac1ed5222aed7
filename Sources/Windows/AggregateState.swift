import SluiceCore

/// The state of one window and key under an `--agg` spec: the record count
/// and one mergeable `FieldAggregate` per field the spec reads.
public struct AggregateState: Equatable, Sendable {
    public var records: UInt64 = 0
    public var fields: [FieldAggregate]

    public init(spec: AggregateSpec) {
        fields = spec.fields.map { field in
            FieldAggregate(
                percentiles: spec.terms.contains { $0.field == field && $0.function.isPercentile },
                distinct: spec.terms.contains { $0.field == field && $0.function == .distinct })
        }
    }

    public mutating func merge(_ other: AggregateState) {
        records += other.records
        for index in fields.indices { fields[index].merge(other.fields[index]) }
    }

    /// The terms' values in spec order (`count`, `sum_bytes`, `p99_len`,
    /// ...), then per field what merging needs: `<field>_n` (numeric values
    /// seen), `<field>_mean` and `<field>_m2` for averages and deviations,
    /// `<field>_hist` and `<field>_sketch` for percentiles and distinct
    /// counts.
    public func write(to writer: NDJSONWriter, spec: AggregateSpec, names: AggregateSpec.OutputNames) {
        for (index, term) in spec.terms.enumerated() {
            let name = names.terms[index]
            guard let fieldIndex = names.fieldIndex[index] else {
                writer.rawField(text: name, value: records)
                continue
            }
            let field = fields[fieldIndex]
            let empty = field.count == 0
            switch term.function {
            case .count: writer.rawField(text: name, value: records)
            case .sum: writer.rawField(text: name, double: field.sum)
            case .average: writer.rawField(text: name, double: field.mean)
            case .minimum: writer.rawField(text: name, double: empty ? 0 : field.minimum)
            case .maximum: writer.rawField(text: name, double: empty ? 0 : field.maximum)
            case .standardDeviation: writer.rawField(text: name, double: field.moments.standardDeviation)
            case .percentile(let value): writer.rawField(text: name, double: field.percentile(value))
            case .distinct: writer.rawField(text: name, value: UInt64((field.distinct?.estimate ?? 0).rounded()))
            }
        }
        for (index, field) in fields.enumerated() {
            let state = names.state[index]
            writer.rawField(text: state.count, value: field.count)
            if let mean = state.mean, let m2 = state.m2 {
                writer.rawField(text: mean, double: field.mean)
                writer.rawField(text: m2, double: field.moments.m2)
            }
            if let histogram = state.histogram, let sketch = field.percentiles {
                writer.rawField(text: histogram, string: sketch.base64)
            }
            if let name = state.sketch, let counter = field.distinct {
                writer.rawField(text: name, string: counter.base64)
            }
        }
    }
}

extension AggregateSpec.Function {
    var isPercentile: Bool {
        if case .percentile = self { return true }
        return false
    }
}

extension AggregateSpec {
    /// The output field names of a spec, worked out once.
    public struct OutputNames: Sendable {
        public var terms: [String] = []
        /// Per term, the index of its field in `AggregateSpec.fields` (nil for count()).
        public var fieldIndex: [Int?] = []
        public var state: [FieldState] = []

        /// Every name a window record of the spec carries.
        public var allNames: [String] {
            terms + state.flatMap { [$0.count, $0.mean, $0.m2, $0.histogram, $0.sketch].compactMap { $0 } }
        }

        public struct FieldState: Sendable {
            public var count: String
            public var mean: String?
            public var m2: String?
            public var histogram: String?
            public var sketch: String?
        }
    }

    public var outputNames: OutputNames {
        var names = OutputNames()
        let fields = self.fields
        for term in terms {
            names.fieldIndex.append(fields.firstIndex(of: term.field))
            switch term.function {
            case .count: names.terms.append("count")
            case .sum: names.terms.append("sum_\(term.field)")
            case .average: names.terms.append("avg_\(term.field)")
            case .minimum: names.terms.append("min_\(term.field)")
            case .maximum: names.terms.append("max_\(term.field)")
            case .standardDeviation: names.terms.append("stddev_\(term.field)")
            case .distinct: names.terms.append("distinct_\(term.field)")
            case .percentile(let value):
                let number = value == value.rounded() ? String(Int(value)) : String(value)
                names.terms.append("p\(number)_\(term.field)")
            }
        }
        for field in fields {
            let functions = terms.filter { $0.field == field }.map(\.function)
            let moments = functions.contains(.average) || functions.contains(.standardDeviation)
            names.state.append(.init(
                count: "\(field)_n",
                mean: moments ? "\(field)_mean" : nil,
                m2: moments ? "\(field)_m2" : nil,
                histogram: functions.contains(where: \.isPercentile) ? "\(field)_hist" : nil,
                sketch: functions.contains(.distinct) ? "\(field)_sketch" : nil))
        }
        return names
    }
}

extension NDJSONWriter {
    /// `,"name":` for a key made at run time (an `--agg` output name, which
    /// the spec's grammar keeps free of characters needing escapes).
    func rawKey(_ name: String) {
        var copy = name
        copy.withUTF8 { bytes in
            reserve(bytes.count + 4)
            appendByte(UInt8(ascii: ","))
            appendByte(UInt8(ascii: "\""))
            appendBytes(bytes)
            appendByte(UInt8(ascii: "\""))
            appendByte(UInt8(ascii: ":"))
        }
    }

    func rawField(text name: String, value: UInt64) {
        rawKey(name)
        withCursor(reserving: 21) { $0.unsigned(value) }
    }

    func rawField(text name: String, double value: Double) {
        rawKey(name)
        appendDouble(value)
    }

    func rawField(text name: String, string value: String) {
        rawKey(name)
        var copy = value
        copy.withUTF8 { appendQuoted($0) }
    }
}
