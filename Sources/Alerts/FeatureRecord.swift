import SluiceCore

/// What alert reads of a `features` record (sluice-features(7)): whose
/// vector it is, its step, the values of the features the rules use
/// (indexed by `RuleSet.slot(of:)`; the others are not a number), and the
/// heaviest peers the shares are of.
public struct FeatureRecord: Sendable {
    public var kind: String = ""
    public var host: String = ""
    public var sensor: String = ""
    /// The step, epoch seconds.
    public var windowStart: Int64 = 0
    public var windowEnd: Int64 = 0
    public var values: [Double]
    public var topPeer5s: String?
    public var topPeer5m: String?

    public init() {
        values = [Double](repeating: .nan, count: RuleSet.featureNames.count)
    }

    public func value(_ feature: String) -> Double { values[RuleSet.slot(of: feature)] }

    func topPeer(_ horizon: Rule.Horizon) -> String? { horizon == .fiveSeconds ? topPeer5s : topPeer5m }
}

/// Reads features records with one parser whose keys are the identity,
/// every feature name and the context, decoding only the features `read`.
public final class FeatureRecordReader {
    static let identity = ["type", "ts", "window_start", "window_end", "key", "host", "sensor", "top_peer_5s", "top_peer_5m"]
    static let type = 0, ts = 1, windowStart = 2, windowEnd = 3, key = 4, host = 5, sensor = 6, topPeer5s = 7, topPeer5m = 8
    public static let keys = FieldKeys(identity + RuleSet.featureNames)

    public let parser = JSONLineParser(keys: keys)
    /// (feature slot, parser slot) of each feature read.
    private let slots: [(feature: Int, parser: Int)]
    private var record = FeatureRecord()

    public init(features: [String]) {
        slots = features.map { (RuleSet.slot(of: $0), Self.identity.count + RuleSet.slot(of: $0)) }
    }

    public enum Role {
        case features, tick, other
    }

    /// What the parsed line is.
    public func role() -> Role {
        if parser.string(Self.type, equals: "features") { return .features }
        if parser.string(Self.type, equals: "tick") { return .tick }
        return .other
    }

    /// A tick's time, nanoseconds.
    public func tickTime() throws(FieldError) -> Int64 { try parser.requireEventTime(Self.ts) }

    /// The parsed features record; the error names the field at fault
    /// (a feature a rule needs that the record lacks: featurize --columns
    /// left it out, or the record is of an older version).
    public func read() throws(FieldError) -> FeatureRecord {
        record.kind = try parser.requireString(Self.key)
        // Rules have a view of src or dst: a record of another key would be
        // read and never tested.
        guard record.kind == "src" || record.kind == "dst" else { throw .wrongType(key: "key", expected: "\"src\" or \"dst\"") }
        record.host = try parser.requireString(Self.host)
        record.sensor = try parser.string(Self.sensor) ?? ""
        let start = Timestamp(nanoseconds: try parser.requireEventTime(Self.windowStart))
        let end = Timestamp(nanoseconds: try parser.requireEventTime(Self.windowEnd))
        guard start.nanoseconds % Timestamp.nanosecondsPerSecond == 0, end.nanoseconds % Timestamp.nanosecondsPerSecond == 0,
              end > start else {
            throw .wrongType(key: "window_end", expected: "a step of whole seconds after window_start")
        }
        record.windowStart = start.wholeSeconds
        record.windowEnd = end.wholeSeconds
        for (feature, slot) in slots {
            let value = try parser.requireDouble(slot)
            guard value.isFinite else { throw .wrongType(key: RuleSet.featureNames[feature], expected: "finite number") }
            record.values[feature] = value
        }
        record.topPeer5s = try parser.string(Self.topPeer5s)
        record.topPeer5m = try parser.string(Self.topPeer5m)
        return record
    }
}
