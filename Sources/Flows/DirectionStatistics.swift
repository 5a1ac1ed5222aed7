/// Everything counted for one direction of a flow (originator to responder
/// or back).
///
/// Sums of squares are exact 128-bit integers rather than running floating
/// point moments, so a mean and standard deviation come out exact to the
/// last digit the output shows, and sums from several reports or windows
/// merge without error.
struct DirectionStatistics: Sendable {
    // Widest fields first, and sums of squares as two words rather than a
    // UInt128 (whose 16-byte alignment would pad the struct): a flow holds
    // two of these.
    private var lengthSquaresWords: (high: UInt64, low: UInt64) = (0, 0)
    private var gapSquaresWords: (high: UInt64, low: UInt64) = (0, 0)

    var packets: UInt64 = 0
    /// Frame bytes on the wire (`len`).
    var bytes: UInt64 = 0
    var payloadBytes: UInt64 = 0
    /// Since the last report.
    var deltaPackets: UInt64 = 0
    var deltaBytes: UInt64 = 0
    var deltaPayloadBytes: UInt64 = 0

    /// Time of the latest packet in this direction, for inter-arrival times.
    var latest: Int64 = 0
    /// Inter-arrival times: one per packet after the first.
    var gapSum: UInt64 = 0
    var gapMinimum: UInt64 = .max
    var gapMaximum: UInt64 = 0

    var lengthMinimum: UInt32 = .max
    var lengthMaximum: UInt32 = 0
    /// The TCP window field of the first segment that had one; -1 for none.
    var initialWindow: Int32 = -1
    var sequence = SequenceTracker()
    var ttlMinimum: UInt8 = .max
    var ttlMaximum: UInt8 = 0
    var sawTTL = false

    var gapCount: UInt64 { packets == 0 ? 0 : packets - 1 }

    var lengthSquares: UInt128 {
        get { UInt128(lengthSquaresWords.high) << 64 | UInt128(lengthSquaresWords.low) }
        set { lengthSquaresWords = (UInt64(truncatingIfNeeded: newValue >> 64), UInt64(truncatingIfNeeded: newValue)) }
    }

    var gapSquares: UInt128 {
        get { UInt128(gapSquaresWords.high) << 64 | UInt128(gapSquaresWords.low) }
        set { gapSquaresWords = (UInt64(truncatingIfNeeded: newValue >> 64), UInt64(truncatingIfNeeded: newValue)) }
    }

    /// Counts one packet. A packet older than the latest one (reordered
    /// input) counts a gap of 0 and does not move `latest` back.
    mutating func add(time: Int64, wireLength: UInt32, payloadLength: UInt32, ttl: UInt8?) {
        if packets > 0 {
            let gap = UInt64(max(0, time - latest))
            gapSum += gap
            gapMinimum = min(gapMinimum, gap)
            gapMaximum = max(gapMaximum, gap)
            gapSquares += UInt128(gap) * UInt128(gap)
            latest = max(latest, time)
        } else {
            latest = time
        }
        packets += 1
        bytes += UInt64(wireLength)
        payloadBytes += UInt64(payloadLength)
        deltaPackets += 1
        deltaBytes += UInt64(wireLength)
        deltaPayloadBytes += UInt64(payloadLength)
        lengthMinimum = min(lengthMinimum, wireLength)
        lengthMaximum = max(lengthMaximum, wireLength)
        lengthSquares += UInt128(wireLength) * UInt128(wireLength)
        if let ttl {
            sawTTL = true
            ttlMinimum = min(ttlMinimum, ttl)
            ttlMaximum = max(ttlMaximum, ttl)
        }
    }

    mutating func clearDeltas() {
        deltaPackets = 0
        deltaBytes = 0
        deltaPayloadBytes = 0
    }

    /// Mean and sample standard deviation (n - 1 in the denominator, 0 for
    /// a single value) of `count` values from their exact sum and sum of
    /// squares.
    static func meanAndDeviation(count: UInt64, sum: UInt128, squares: UInt128) -> (mean: Double, deviation: Double) {
        guard count > 0 else { return (0, 0) }
        let n = UInt128(count)
        let mean = Self.double(sum) / Double(count)
        guard count > 1 else { return (mean, 0) }
        // n * sum(x^2) - (sum x)^2 is an exact non-negative integer: the
        // variance is it over n(n-1), with no cancellation in floating point.
        // Only days-long flows of billions of packets could overflow 128
        // bits; they get the floating-point form.
        let (scaled, overflow) = n.multipliedReportingOverflow(by: squares)
        let variance = overflow
            ? max(0, (Self.double(squares) - Self.double(sum) * mean) / Double(count - 1))
            : Self.double(scaled - sum * sum) / (Double(count) * Double(count - 1))
        return (mean, variance.squareRoot())
    }

    /// The nearest Double, by halves: the standard library's generic
    /// conversion from UInt128 costs more than the rest of a report.
    @inline(__always)
    static func double(_ value: UInt128) -> Double {
        let high = UInt64(truncatingIfNeeded: value >> 64)
        let low = UInt64(truncatingIfNeeded: value)
        return high == 0 ? Double(low) : Double(high) * 0x1p64 + Double(low)
    }
}
