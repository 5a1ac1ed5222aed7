import SluiceCore
import Testing
@testable import Features

@Suite struct HostHistoryTests {
    static func sketches(_ values: ClosedRange<UInt64>) -> HostHistory.Sketches {
        var peers = DistinctCounter()
        for value in values { peers.insert(hash: StableHash.hash(value)) }
        return HostHistory.Sketches(peers: peers, ports: nil)
    }

    // Expected: the union over any horizon, built from cached 30 s and
    // 180 s blocks, equals merging the windows one by one (register for
    // register; 100 distinct values per window, so HyperLogLog is dense);
    // and a window stored later into a block already merged (a late
    // window) is in the next union.
    @Test func blockUnionsEqualWindowByWindow() {
        var history = HostHistory()
        for index in 0..<120 where index % 7 != 3 {
            let start = Int64(1000 + index * 5 - 1000 % 5)
            history.store(FeatureSlot(), Self.sketches(UInt64(index * 37)...UInt64(index * 37 + 99)), start: start)
        }
        let first = Int64(1000 - 1000 % 5)
        for (from, to) in [(first, first + 600), (first + 85, first + 560), (first + 180, first + 360), (first + 5, first + 10)] {
            var naive = DistinctCounter()
            for index in history.indices(from: from, to: to) {
                naive.merge(Self.sketches(UInt64((history.starts[index] - first) / 5 * 37)...UInt64((history.starts[index] - first) / 5 * 37 + 99)).peers!)
            }
            #expect(history.union(from: from, to: to).peers ?? DistinctCounter() == naive, "[\(from), \(to))")
        }
        let before = history.union(from: first + 180, to: first + 360).peerCount
        history.store(FeatureSlot(), Self.sketches(1_000_000...1_000_999), start: first + 3 * 5 + 180)
        #expect(history.union(from: first + 180, to: first + 360).peerCount > before + 900)
    }
}
