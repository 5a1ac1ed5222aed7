/// Sums held at the end of their range instead of trapping.
extension Int64 {
    /// The sum, held at `Int64.max` or `.min` instead of overflowing: a
    /// window end or deadline beyond the year 2262 means "never".
    @inlinable
    public func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}

extension UInt64 {
    /// `self + other`, at most `UInt64.max`: a count past it means only
    /// "too many" (`RecordCount`).
    @inlinable @inline(__always)
    public func saturatingAdding(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }

    /// Adds `other`, staying at `UInt64.max` rather than overflowing.
    @inlinable @inline(__always)
    public mutating func add(saturating other: UInt64) { self = saturatingAdding(other) }
}
