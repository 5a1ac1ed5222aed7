import Testing
@testable import SluiceCore

/// `DistinctBatch` merges counters all at once into the counter that
/// merging them in turn makes.
@Suite struct DistinctBatchTests {
    // Expected: the batch's counter equals, bit for bit, the counters
    // merged in turn with `DistinctCounter.merge`, for unions that stay
    // exact, cross the exact limit partway, start from registers, and mix
    // in a counter of a smaller precision; parts overlap, so values repeat.
    @Test(arguments: [(2, 5, false), (8, 5, false), (20, 9, false), (6, 400, false), (36, 3, true)])
    func batchEqualsMergesInTurn(parts: Int, partSize: Int, mixesPrecisions: Bool) {
        var random = SplitMix64(seed: UInt64(parts * 1000 + partSize))
        var batch = DistinctBatch()
        var inTurn: DistinctCounter?
        for part in 0..<parts {
            let precision = mixesPrecisions && part == parts / 2 ? 10 : 12
            let values = (0..<partSize).map { _ in UInt64(part * partSize / 2) + random.next() % UInt64(partSize) }
            let counter = DistinctCounterTests.counter(values, precision: precision)
            batch.add(counter)
            if inTurn == nil { inTurn = counter } else { inTurn!.merge(counter) }
        }
        #expect(batch.merged() == inTurn)
    }

    // Expected: nothing, or only empty counters, merge to none.
    @Test func nothingMergesToNone() {
        var batch = DistinctBatch()
        #expect(batch.merged() == nil)
        batch.add(DistinctCounter())
        #expect(batch.merged() == nil)
    }
}
