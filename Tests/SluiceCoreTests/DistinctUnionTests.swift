import Testing
@testable import SluiceCore

/// `DistinctUnion` is `DistinctCounter.merge` with an estimate kept
/// current: the same counter and the same estimate after every merge.
@Suite struct DistinctUnionTests {
    // Expected: after each merge, the counter equals the one plain merges
    // build (exact sets, sets crossing the exact limit, registers, and a
    // smaller precision joining), and the estimate equals that counter's
    // `estimate`, which counts its registers afresh. Parts overlap, so
    // merges repeat values, as horizons do.
    @Test(arguments: [3, 20, 70, 2_000])
    func mergesAsDistinctCounterDoes(partSize: Int) {
        var random = SplitMix64(seed: UInt64(partSize))
        var union = DistinctUnion()
        var plain: DistinctCounter?
        for part in 0..<40 {
            let precision = part == 30 ? 10 : 12
            let first = part * partSize / 2
            let values = (0..<partSize).map { _ in UInt64(first) + random.next() % UInt64(partSize) }
            let counter = DistinctCounterTests.counter(values, precision: precision)
            union.merge(counter)
            if plain == nil { plain = counter } else { plain!.merge(counter) }
            #expect(union.counter == plain)
            #expect(union.estimate == plain!.estimate, "part \(part)")
        }
    }

    // Expected: nothing merged is no counter and an estimate of 0.
    @Test func emptyIsZero() {
        #expect(DistinctUnion().counter == nil)
        #expect(DistinctUnion().estimate == 0)
    }
}
