import Testing
@testable import SluiceCore

@Suite struct RunningMomentsTests {
    // Expected: 2, 4, 4, 4, 5, 5, 7, 9 has mean 5 and sample variance 32/7.
    @Test func textbookSample() {
        var moments = RunningMoments()
        for value in [2.0, 4, 4, 4, 5, 5, 7, 9] { moments.add(value) }
        #expect(moments.count == 8 && moments.mean == 5)
        #expect(abs(moments.variance - 32.0 / 7.0) < 1e-12)
    }

    // Expected: merging six parts and an empty one gives the moments of the
    // whole within rounding, for values around 1e9 with a spread of a few
    // units (where a naive sum of squares would lose everything): the mean
    // within 1e-12 relative, the variance within 1e-6 (both ways of
    // computing it round at about 1e-8 here).
    @Test func mergeOfPartsEqualsWhole() {
        var random = SplitMix64(seed: 5)
        let values = (0..<60_000).map { _ in 1e9 + Double(random.next() % 1000) / 100 }
        var whole = RunningMoments()
        for value in values { whole.add(value) }
        var merged = RunningMoments()
        for part in 0..<6 {
            var moments = RunningMoments()
            for value in values[(part * 10_000)..<((part + 1) * 10_000)] { moments.add(value) }
            merged.merge(moments)
        }
        merged.merge(RunningMoments())
        #expect(merged.count == whole.count)
        #expect(abs(merged.mean - whole.mean) / whole.mean < 1e-12)
        #expect(abs(merged.variance - whole.variance) / whole.variance < 1e-6)
        #expect(abs(whole.standardDeviation - 2.887) < 0.01)
    }
}
