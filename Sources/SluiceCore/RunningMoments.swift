/// Count, mean and sum of squared deviations (Welford's M2) of a stream of
/// numbers, mergeable: Chan, Golub and LeVeque's pairwise update combines
/// the moments of two parts into those of their union, so a 30 s window's
/// mean and deviation come from its six 5 s windows without their values.
///
/// Floating point: a merge agrees with the direct computation within
/// rounding, not bit for bit (for a spread a billionth of the values' size,
/// the variance to about 1e-8 relative). Integer-valued fields whose sums and
/// sums of squares fit 128 bits (sizes, durations in ns) can be kept exact
/// instead, as flowify's statistics are.
public struct RunningMoments: Equatable, Sendable {
    public private(set) var count: UInt64 = 0
    public private(set) var mean = 0.0
    public private(set) var m2 = 0.0

    public init() {}

    public init(count: UInt64, mean: Double, m2: Double) {
        self.count = count
        self.mean = mean
        self.m2 = m2
    }

    public mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        m2 += delta * (value - mean)
    }

    public mutating func merge(_ other: RunningMoments) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let total = count.saturatingAdding(other.count)
        let delta = other.mean - mean
        let share = Double(other.count) / Double(total)
        mean += delta * share
        m2 += other.m2 + delta * delta * Double(count) * share
        count = total
    }

    /// Sample variance (n - 1); 0 for fewer than two values.
    public var variance: Double { count > 1 ? m2 / Double(count - 1) : 0 }

    public var standardDeviation: Double { variance.squareRoot() }
}
