import SluiceCore
import Windows

/// The columns of `sluice_windows`, named as the window record's fields
/// (sluice-records(7)): the key, then every plain number jq users read
/// (so SQL can sum and filter them), then the merge state's M2s and
/// sketches (base64 text, as in the record).
public enum WindowColumns {
    static let key = ["level_s", "sensor", "key_kind", "key_value", "window_start"]
    /// The primary key's order: host first, for history queries.
    static let primaryKey = ["key_value", "level_s", "window_start", "sensor", "key_kind"]
    static let counters = HostFeatures.counters.map(\.name)
    static let estimates = ["peers", "dports", "sports"]
    static let statistics = ["bytes_out_in_ratio"]
        + quantityColumns(prefix: "pkt_size_", suffix: "") + quantityColumns(prefix: "duration_", suffix: "_us")
    static let sketches = ["pkt_size_hist", "duration_hist", "peers_sketch", "dports_sketch", "sports_sketch"]
    /// The heavy-hitter lists, JSON text as in the record (schema version 2).
    static let tops = HostFeatures.topListNames

    /// Everything but the key, in COPY order after it: window_end and
    /// revision, then the features.
    static let values = ["window_end", "revision"] + content
    static let all = key + values
    /// What a merge changes (everything but window_end and revision).
    static let content = counters + estimates + statistics + sketches + tops

    private static func quantityColumns(prefix: String, suffix: String) -> [String] {
        ["min", "max", "mean", "stddev", "p50", "p95", "p99"].map { prefix + $0 + suffix } + [prefix + "m2"]
    }

    /// The columns of schema version 1; later versions add theirs by
    /// migrations (`Schema`), so this list never changes.
    static func definitions() -> String {
        var lines = [
            "level_s integer NOT NULL", "sensor text NOT NULL", "key_kind text NOT NULL", "key_value text NOT NULL",
            "window_start timestamptz NOT NULL", "window_end timestamptz NOT NULL", "revision integer NOT NULL",
        ]
        lines += (counters + estimates).map { "\($0) bigint NOT NULL" }
        lines += statistics.map { "\($0) double precision" }
        lines += sketches.map { "\($0) text" }
        return lines.joined(separator: ",\n  ")
    }

    /// What a content column holds, and so how a record's value for it is
    /// checked before it is stored.
    public enum Kind: Sendable {
        case count, number, distinctCounter, histogram, topAddresses, topPorts
    }

    /// The content columns in COPY order, with their kinds.
    public static let contentKinds: [(name: String, kind: Kind)] =
        (counters + estimates).map { ($0, .count) } + statistics.map { ($0, .number) }
        + sketches.map { ($0, $0.hasSuffix("_hist") ? .histogram : .distinctCounter) }
        + tops.map { ($0, $0 == "top_peers" ? .topAddresses : .topPorts) }

    /// One COPY row for `window` (binary format).
    static func appendCopyRow(_ window: FineWindow, to data: inout [UInt8]) {
        appendKey(window.identity, revision: window.revision, to: &data)
        data.append(contentsOf: window.contentFields)
    }

    private static func appendKey(_ identity: WindowIdentity, revision: Int, to data: inout [UInt8]) {
        CopyBinary.beginRow(fields: all.count, into: &data)
        CopyBinary.int4(Int32(identity.levelSeconds), into: &data)
        CopyBinary.text(identity.sensor, into: &data)
        CopyBinary.text(identity.keyKind, into: &data)
        CopyBinary.text(identity.keyValue, into: &data)
        CopyBinary.timestamp(seconds: identity.startSeconds, into: &data)
        CopyBinary.timestamp(seconds: identity.endSeconds, into: &data)
        CopyBinary.int4(Int32(revision), into: &data)
    }

    static func appendCopyRow(_ window: StoredWindow, content: [UInt8], to data: inout [UInt8]) {
        appendKey(window.identity, revision: window.revision, to: &data)
        data.append(contentsOf: content)
    }

    /// The content columns of `features` in COPY's binary format, as a
    /// merge stores them.
    static func content(of features: HostFeatures) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(1024)
        // A bigint holds at most 2^63 - 1; a merge can saturate beyond (RecordCount).
        for value in features.counterValues { CopyBinary.int8(Int64(clamping: value), into: &data) }
        CopyBinary.int8(Int64(features.peers.estimate.rounded()), into: &data)
        CopyBinary.int8(Int64(features.destinationPorts.estimate.rounded()), into: &data)
        CopyBinary.int8(Int64(features.sourcePorts.estimate.rounded()), into: &data)
        CopyBinary.float8(features.bytesOutInRatio, into: &data)
        appendQuantity(features.packetSize, to: &data)
        appendQuantity(features.duration, to: &data)
        appendSketch(features.packetSize.count == 0 ? nil : features.packetSize.percentiles?.base64, to: &data)
        appendSketch(features.duration.count == 0 ? nil : features.duration.percentiles?.base64, to: &data)
        appendSketch(features.peers.base64, to: &data)
        appendSketch(features.destinationPorts.base64, to: &data)
        appendSketch(features.sourcePorts.base64, to: &data)
        for text in features.topListTexts { CopyBinary.text(text, into: &data) }
        return data
    }

    /// The merge state that content columns (as `content(of:)` or a
    /// window record's fields give them) hold: what a merge would read
    /// back from the stored row, since the row is these bytes.
    public static func features(fromContent content: [UInt8]) throws(FieldError) -> HostFeatures {
        try content.withUnsafeBufferPointer { bytes throws(FieldError) in
            guard let fields = CopyBinary.fields(bytes, count: contentKinds.count) else {
                throw .wrongType(key: "content", expected: "COPY fields")
            }
            return try HostFeatures(state: BinaryStateSource { fields[contentColumnOfState[$0]] })
        }
    }

    /// Per `HostFeatures.stateNames` index, its content column's index.
    private static let contentColumnOfState: [Int] = HostFeatures.stateNames.map { name in
        contentKinds.firstIndex { $0.name == name }!
    }

    private static func appendSketch(_ base64: String?, to data: inout [UInt8]) {
        if let base64 { CopyBinary.text(base64, into: &data) } else { CopyBinary.null(into: &data) }
    }

    /// As the record writes them: nothing when nothing was measured.
    private static func appendQuantity(_ quantity: FieldAggregate, to data: inout [UInt8]) {
        guard quantity.count > 0 else {
            for _ in 0..<8 { CopyBinary.null(into: &data) }
            return
        }
        for value in [quantity.minimum, quantity.maximum, quantity.mean, quantity.moments.standardDeviation,
                      quantity.percentile(50), quantity.percentile(95), quantity.percentile(99), quantity.moments.m2] {
            CopyBinary.float8(value, into: &data)
        }
    }
}

/// A host window's state in COPY's binary format (a stored row, or the
/// content columns on their way to one), for `HostFeatures(state:)`:
/// `bytes` gives the field of a `HostFeatures.stateNames` index, nil for
/// NULL.
struct BinaryStateSource: HostStateSource {
    let bytes: (Int) -> UnsafeBufferPointer<UInt8>?

    func counter(_ index: Int) throws(FieldError) -> UInt64 {
        guard let bytes = bytes(index), let value = CopyBinary.int64(bytes), value >= 0 else {
            throw .wrongType(key: HostFeatures.stateNames[index], expected: "count")
        }
        return UInt64(value)
    }

    func number(_ index: Int) throws(FieldError) -> Double? {
        guard let bytes = bytes(index) else { return nil }
        guard let value = CopyBinary.double(bytes) else { throw .wrongType(key: HostFeatures.stateNames[index], expected: "number") }
        return value
    }

    func base64(_ index: Int) throws(FieldError) -> UnsafeBufferPointer<UInt8>? { bytes(index) }
    func list(_ index: Int) throws(FieldError) -> UnsafeBufferPointer<UInt8>? { bytes(index) }
}

extension BinaryStateSource {
    /// The state columns of a query's row, selecting
    /// `HostFeatures.stateNames` from column `firstColumn` on, with results
    /// in binary.
    init(result: QueryResult, row: Int, firstColumn: Int) {
        self.init { result.bytes(row, firstColumn + $0) }
    }
}
