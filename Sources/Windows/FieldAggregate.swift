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

    /// The state a window record carries: the count, extremes, Welford's
    /// mean and M2, and the histogram (the sum is mean times count).
    public init(count: UInt64, minimum: Double, maximum: Double, mean: Double, m2: Double, histogram: PercentileSketch) {
        self.count = count
        sum = mean * Double(count)
        self.minimum = count == 0 ? .infinity : minimum
        self.maximum = count == 0 ? -.infinity : maximum
        moments = RunningMoments(count: count, mean: mean, m2: m2)
        percentiles = histogram
    }

    public mutating func add(number value: Double) {
        guard value.isFinite else { return }
        count += 1
        sum += value
        minimum = min(minimum, value)
        maximum = max(maximum, value)
        moments.add(value)
        percentiles?.record(Self.histogramValue(value))
    }

    /// Adds `value` as if seen `times` times.
    public mutating func add(number value: Double, times: UInt64) {
        guard value.isFinite, times > 0 else { return }
        if times == 1 { return add(number: value) }
        count.add(saturating: times)
        sum += value * Double(times)
        minimum = min(minimum, value)
        maximum = max(maximum, value)
        moments.merge(RunningMoments(count: times, mean: value, m2: 0))
        percentiles?.record(Self.histogramValue(value), count: times)
    }

    /// The histogram one significant digit coarser (`HostFeatures.shrinkOneSketch`);
    /// false when it has none, or no digit left.
    mutating func coarsenPercentiles() -> Bool {
        guard let sketch = percentiles, sketch.digits > 0 else { return false }
        percentiles = sketch.reduced(to: sketch.digits - 1)
        return true
    }

    @inline(__always)
    static func histogramValue(_ value: Double) -> UInt64 {
        value <= 0 ? 0 : UInt64(min(value.rounded(), 4.6e18))
    }

    public var mean: Double { count == 0 ? 0 : moments.mean }

    /// The histogram's percentile (the top of its bucket, within 1 %), held
    /// within the exact minimum and maximum, as HdrHistogram does; 0 when
    /// nothing was measured or no histogram is kept.
    public func percentile(_ percent: Double) -> Double {
        guard count > 0, let percentiles else { return 0 }
        return min(max(Double(percentiles.value(atPercentile: percent)), minimum), maximum)
    }

    /// For `distinct`: the value's JSON text, so "80" and 80 differ.
    public mutating func add(text: UnsafeRawBufferPointer) {
        distinct?.insert(hash: StableHash.hash(text))
    }

    /// For `distinct`: a value by its `StableHash`.
    public mutating func add(hash: UInt64) {
        distinct?.insert(hash: hash)
    }

    public mutating func merge(_ other: FieldAggregate) {
        count.add(saturating: other.count)
        sum += other.sum
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        moments.merge(other.moments)
        if let theirs = other.percentiles { percentiles?.merge(theirs) }
        if let theirs = other.distinct { distinct?.merge(theirs) }
    }
}
