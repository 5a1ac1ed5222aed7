import SluiceCore
import Testing
@testable import Features

/// Windows held back until their step (PendingStores) reach each host's
/// history as windows stored on arrival do.
@Suite struct PendingStoresTests {
    // Expected: three sets of 16 histories fed the same windows, 120 a step
    // over 30 steps, each for a random host and a start in the minute
    // before the step's end (so many are revisions of a start already
    // sent, within the step or after it): the oracle stores each on
    // arrival; the others hold them until the step and store them through
    // link and store(slot:), or through storeAll. At every step every
    // host's vector is the oracle's, number for number.
    @Test func heldWindowsGiveTheVectorsOfWindowsStoredOnArrival() {
        let hosts = 16
        var onArrival = [HostHistory](repeating: HostHistory(), count: hosts)
        var linked = onArrival, all = onArrival
        var pending = PendingStores(), pendingAll = PendingStores()
        var random = SplitMix64(seed: 23)
        var seed = 0
        for end in stride(from: Int64(2_000_065), through: 2_000_210, by: 5) {
            for _ in 0..<120 {
                seed += 1
                let slot = Int(random.next() % UInt64(hosts))
                let start = end - 5 * Int64(1 + random.next() % 12)
                let (counts, sketches) = CarriedFeaturesTests.window(seed)
                onArrival[slot].store(counts, sketches, start: start)
                pending.add(slot: slot, start: start, window: HostHistory.Window(counts, sketches))
                pendingAll.add(slot: slot, start: start, window: HostHistory.Window(counts, sketches))
            }
            pending.link(slotCount: hosts)
            for slot in 0..<hosts { pending.store(slot: slot, into: &linked[slot]) }
            pending.removeAll()
            pendingAll.storeAll(into: &all)
            #expect(pending.isEmpty && pendingAll.isEmpty)
            for slot in 0..<hosts where !onArrival[slot].isEmpty {
                let expected = FeatureVector.valuesAndContext(&onArrival[slot], stepEnd: end)
                let fromLinked = FeatureVector.valuesAndContext(&linked[slot], stepEnd: end)
                let fromAll = FeatureVector.valuesAndContext(&all[slot], stepEnd: end)
                for (name, got) in [("link", fromLinked), ("storeAll", fromAll)] {
                    #expect(got.values.map(\.bitPattern) == expected.values.map(\.bitPattern), "\(name): host \(slot), step ending \(end)")
                    #expect(got.context == expected.context, "\(name): host \(slot), step ending \(end)")
                }
            }
        }
    }
}
