import SluiceCore
import Windows

#if canImport(Glibc)
import Glibc
#endif

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

    /// Everything but the key, in COPY order after it: window_end and
    /// revision, then the features.
    static let values = ["window_end", "revision"] + counters + estimates + statistics + sketches
    static let all = key + values
    /// What a merge changes (everything but window_end and revision).
    static let content = counters + estimates + statistics + sketches

    private static func quantityColumns(prefix: String, suffix: String) -> [String] {
        ["min", "max", "mean", "stddev", "p50", "p95", "p99"].map { prefix + $0 + suffix } + [prefix + "m2"]
    }

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
        case count, number, distinctCounter, histogram
    }

    /// The content columns in COPY order, with their kinds.
    public static let contentKinds: [(name: String, kind: Kind)] =
        (counters + estimates).map { ($0, .count) } + statistics.map { ($0, .number) }
        + sketches.map { ($0, $0.hasSuffix("_hist") ? .histogram : .distinctCounter) }

    /// One COPY text line for `window`: tab-separated, `\N` for NULL,
    /// times as epoch seconds (the staging table converts them).
    static func appendCopyLine(_ window: FineWindow, to line: inout [UInt8]) {
        appendKey(window.identity, revision: window.revision, to: &line)
        line.append(contentsOf: window.copyText)
    }

    private static func appendKey(_ identity: WindowIdentity, revision: Int, to line: inout [UInt8]) {
        CopyText.append(identity.levelSeconds, to: &line)
        CopyText.append(identity.sensor, to: &line)
        CopyText.append(identity.keyKind, to: &line)
        CopyText.append(identity.keyValue, to: &line)
        CopyText.append(identity.startSeconds, to: &line)
        CopyText.append(identity.endSeconds, to: &line)
        CopyText.append(Int64(revision), to: &line)
    }

    static func appendCopyLine(_ window: StoredWindow, to line: inout [UInt8]) {
        let features = window.features
        appendKey(window.identity, revision: window.revision, to: &line)
        for value in features.counterValues { CopyText.append(value, to: &line) }
        CopyText.append(UInt64(features.peers.estimate.rounded()), to: &line)
        CopyText.append(UInt64(features.destinationPorts.estimate.rounded()), to: &line)
        CopyText.append(UInt64(features.sourcePorts.estimate.rounded()), to: &line)
        CopyText.append(features.bytesOutInRatio, to: &line)
        appendQuantity(features.packetSize, to: &line)
        appendQuantity(features.duration, to: &line)
        CopyText.append(features.packetSize.count == 0 ? nil : features.packetSize.percentiles?.base64, to: &line)
        CopyText.append(features.duration.count == 0 ? nil : features.duration.percentiles?.base64, to: &line)
        CopyText.append(features.peers.base64, to: &line)
        CopyText.append(features.destinationPorts.base64, to: &line)
        CopyText.append(features.sourcePorts.base64, to: &line, last: true)
    }

    /// As the record writes them: nothing when nothing was measured.
    private static func appendQuantity(_ quantity: FieldAggregate, to line: inout [UInt8]) {
        guard quantity.count > 0 else {
            for _ in 0..<8 { CopyText.append(nil as String?, to: &line) }
            return
        }
        for value in [quantity.minimum, quantity.maximum, quantity.mean, quantity.moments.standardDeviation,
                      quantity.percentile(50), quantity.percentile(95), quantity.percentile(99), quantity.moments.m2] {
            CopyText.append(value, to: &line)
        }
    }
}

/// COPY's text format: columns end in a tab, the row in a newline;
/// backslash, tab, newline and carriage return are escaped, so any text,
/// however hostile, is stored as itself.
public enum CopyText {
    public static func append(_ value: Int64, to line: inout [UInt8]) {
        if value < 0 { line.append(UInt8(ascii: "-")) }
        append(value.magnitude, to: &line)
    }

    public static func append(_ value: UInt64, to line: inout [UInt8]) {
        appendDigits(value, to: &line)
        line.append(UInt8(ascii: "\t"))
    }

    private static func appendDigits(_ value: UInt64, to line: inout [UInt8]) {
        if value >= 10 { appendDigits(value / 10, to: &line) }
        line.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// Text the caller knows needs no escaping (numbers, base64), then the
    /// column's end.
    public static func appendVerbatim(_ bytes: UnsafeBufferPointer<UInt8>, to line: inout [UInt8], last: Bool = false) {
        line.append(contentsOf: bytes)
        line.append(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
    }

    public static func appendNull(to line: inout [UInt8], last: Bool = false) {
        line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        line.append(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
    }

    /// The shortest text that reads back as the same double.
    public static func append(_ value: Double, to line: inout [UInt8]) {
        line.append(contentsOf: value.description.utf8)
        line.append(UInt8(ascii: "\t"))
    }

    public static func append(_ value: String?, to line: inout [UInt8], last: Bool = false) {
        if let value {
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\t"): line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: line.append(byte)
                }
            }
        } else {
            line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        }
        line.append(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
    }
}

/// The state columns of a stored row, for `HostFeatures(state:)`: a query
/// selecting `HostFeatures.stateNames` from column `firstColumn` on.
struct RowStateSource: HostStateSource {
    let result: QueryResult
    let row: Int
    let firstColumn: Int

    func counter(_ index: Int) throws(FieldError) -> UInt64 {
        guard let bytes = result.bytes(row, firstColumn + index), !bytes.isEmpty, bytes.count <= 19 else {
            throw .wrongType(key: HostFeatures.stateNames[index], expected: "count")
        }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte &- UInt8(ascii: "0") < 10 else { throw .wrongType(key: HostFeatures.stateNames[index], expected: "count") }
            value = value * 10 + UInt64(byte &- UInt8(ascii: "0"))
        }
        return value
    }

    /// libpq's values end in a NUL, so strtod reads them in place.
    func number(_ index: Int) throws(FieldError) -> Double? {
        guard let bytes = result.bytes(row, firstColumn + index) else { return nil }
        var end: UnsafeMutablePointer<CChar>?
        let value = bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count + 1) { strtod($0, &end) }
        let expectedEnd = UnsafeRawPointer(bytes.baseAddress! + bytes.count)
        guard !bytes.isEmpty, let end, UnsafeRawPointer(end) == expectedEnd else {
            throw .wrongType(key: HostFeatures.stateNames[index], expected: "number")
        }
        return value
    }

    func base64(_ index: Int) throws(FieldError) -> UnsafeBufferPointer<UInt8>? { result.bytes(row, firstColumn + index) }
}
