/// The counts records carry (packets, bytes, flows, heavy-hitter weights)
/// and the sums tools make of them.
///
/// A count read from a record is at most `maximum`, 2^53: the largest
/// integer every JSON reader holds exactly (RFC 8259, section 6), far above
/// any real window's, and small enough that the sums of a thousand windows
/// fit. Sums that can take more (a window's flow records, however many;
/// the merge of a long level) saturate at the largest value instead of
/// trapping: a record built to overflow them must not stop a tool.
public enum RecordCount {
    public static let maximum: Int64 = 1 << 53

    /// `value` read for `key`, or the error that says what a count may be.
    @inlinable @inline(__always)
    public static func checked(_ value: Int64, key: @autoclosure () -> String) throws(FieldError) -> UInt64 {
        guard value >= 0 && value <= maximum else { throw .wrongType(key: key(), expected: "count from 0 to 2^53") }
        return UInt64(value)
    }
}
