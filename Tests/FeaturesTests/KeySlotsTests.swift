import Testing
@testable import Features

/// The featurizer's key-to-slot table against a Dictionary (the oracle)
/// through a seeded run of arrivals and departures: every key ever seen,
/// held or not, must be found at the same slot, or not found, after every
/// change. With a few hundred keys in a table of 64 to 1024 entries, many
/// share their home entry, so removals shift runs back, which is where an
/// open-addressing table goes wrong.
@Suite struct KeySlotsTests {
    @Test func lookupsAgreeWithADictionaryThroughInsertsAndRemovals() {
        var table = KeySlots()
        var oracle: [FeatureKey: Int] = [:]
        var freeSlots: [Int] = []
        var nextSlot = 0
        let universe = (0..<400).map { index in
            FeatureKey(sensor: index % 3 == 0 ? "" : "s\(index % 3)", kind: index % 2 == 0 ? "src" : "dst",
                       host: "10.0.\(index / 256).\(index % 256)")
        }
        // SplitMix64: the same run every time.
        var state: UInt64 = 7
        func nextRandom(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        var disagreements = 0
        for round in 0..<3000 {
            let key = universe[nextRandom(universe.count)]
            if let slot = oracle[key] {
                // Departures a little less often than arrivals, so the table grows.
                guard nextRandom(5) < 2 else { continue }
                table.remove(key, slot: slot)
                oracle[key] = nil
                freeSlots.append(slot)
            } else {
                let slot = freeSlots.popLast() ?? { defer { nextSlot += 1 }; return nextSlot }()
                table.insert(key, slot: slot)
                oracle[key] = slot
            }
            if round % 10 == 0 || round > 2900 {
                for probe in universe where table.slot(of: probe) != oracle[probe] { disagreements += 1 }
            }
            #expect(table.count == oracle.count)
        }
        #expect(disagreements == 0)
        #expect(oracle.count > 100)
    }
}
