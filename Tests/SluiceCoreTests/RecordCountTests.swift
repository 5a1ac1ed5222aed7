import Testing
@testable import SluiceCore

/// Counts from records: what a record may carry, and sums that saturate
/// instead of trapping (a record built to overflow them stopped cascade
/// and featurize before).
@Suite struct RecordCountTests {
    // Expected: 0 and 2^53 are counts; -1 and 2^53 + 1 are refused, with
    // the field's name and the range in the message.
    @Test func countsRunFromZeroToTwoToTheFiftyThird() throws {
        #expect(try RecordCount.checked(0, key: "flows") == 0)
        #expect(try RecordCount.checked(1 << 53, key: "flows") == 1 << 53)
        for value: Int64 in [-1, (1 << 53) + 1, .max] {
            #expect(throws: FieldError.wrongType(key: "bytes_out", expected: "count from 0 to 2^53")) {
                try RecordCount.checked(value, key: "bytes_out")
            }
        }
    }

    // Expected: sums stop at UInt64.max, and below it are plain sums.
    @Test func sumsSaturate() {
        var count: UInt64 = .max - 2
        count.add(saturating: 2)
        #expect(count == .max)
        count.add(saturating: 1)
        #expect(count == .max)
        #expect(UInt64(40).saturatingAdding(2) == 42)
        #expect((UInt64.max / 2 + 1).saturatingAdding(.max / 2 + 1) == .max)
    }

    // Expected: heavy hitters, percentile histograms and moments merge
    // counts near the top without trapping; the heaviest entry keeps
    // the largest weight.
    @Test func summariesMergeCountsNearTheTop() {
        var hitters = HeavyHitters<Int>()
        hitters.add(7, weight: .max - 1)
        hitters.add(7, weight: 5)
        var other = HeavyHitters<Int>()
        other.add(7, weight: .max)
        hitters.merge(other)
        #expect(hitters.top == .init(value: 7, weight: .max))

        var histogram = PercentileSketch()
        histogram.record(100, count: .max - 1)
        var more = PercentileSketch()
        more.record(100, count: 10)
        more.record(5000, count: 10)
        histogram.merge(more)
        #expect(histogram.count == .max)
        #expect(histogram.value(atPercentile: 50) == 100)

        var moments = RunningMoments(count: .max - 1, mean: 3, m2: 0)
        moments.merge(RunningMoments(count: 10, mean: 3, m2: 0))
        #expect(moments.count == .max && moments.mean == 3)
    }
}
