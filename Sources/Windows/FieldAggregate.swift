import SluiceCore

/// Everything the aggregates of one field need, mergeable: exact count,
/// sum, minimum and maximum, Welford moments for the deviation, a
/// percentile sketch and a distinct counter when asked for.
public struct FieldAggregate: Equatable, Sendable {
    /// Numeric values seen (a record without the field, or with a
    /// non-numeric value, counts nowhere but in `distinct`).
    public private(set) var count: UInt64 = 0
    public private(set) var sum = 0.0
    public private(set) var minimum = Double.infinity
    public private(set) var maximum = -Double.infinity
    public private(set) var moments = RunningMoments()
    /// Percentiles are of non-negative values rounded to integers (scale a
    /// field of fractions first); negative values count as 0.
    public private(set) var percentiles: PercentileSketch?
    public private(set) var distinct: DistinctCounter?

    public init(percentiles: Bool, distinct: Bool) {
        self.percentiles = percentiles ? PercentileSketch() : nil
        self.distinct = distinct ? DistinctCounter() : nil
    }

    public mutating func add(number value: Double) {
        guard value.isFinite else { return }
        count += 1
        sum += value
        minimum = min(minimum, value)
        maximum = max(maximum, value)
        moments.add(value)
        percentiles?.record(value <= 0 ? 0 : UInt64(min(value.rounded(), 9.2e18)))
    }

    /// For `distinct`: the value's JSON text, so "80" and 80 differ.
    public mutating func add(text: UnsafeRawBufferPointer) {
        distinct?.insert(hash: StableHash.hash(text))
    }

    public mutating func merge(_ other: FieldAggregate) {
        count += other.count
        sum += other.sum
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        moments.merge(other.moments)
        if let theirs = other.percentiles { percentiles?.merge(theirs) }
        if let theirs = other.distinct { distinct?.merge(theirs) }
    }
}
