import SluiceCore
import Testing
@testable import Features

/// The featurizer's host table against a plain model (the oracle): a
/// dictionary from key to the identity it was added with, and the keys
/// sorted anew. Through a seeded run of arrivals and departures in
/// batches (as steps forget silent hosts), often more than half the
/// hosts at once, so the identities are laid out again many times: after
/// every change the table must list exactly the model's keys in byte
/// order, each with its own identity's bytes, at a slot that finds it.
@Suite struct HostTableTests {
    @Test func keysIdentitiesAndSlotsAgreeWithAModelThroughArrivalsAndDepartures() {
        var table = HostTable()
        var model: [FeatureKey: [UInt8]] = [:]
        var random = SplitMix64(seed: 11)
        let universe = (0..<300).map { index in
            FeatureKey(sensor: index % 4 == 0 ? "" : "s\(index % 4)", kind: index % 2 == 0 ? "src" : "dst",
                       host: "10.\(index % 7).\(index / 256).\(index % 256)")
        }
        var layOuts = 0
        var disagreements = 0
        for round in 0..<400 {
            // Arrivals: a few keys not held, each with an identity of its
            // own length, so that ranges shift when laid out again.
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                let key = universe[Int.random(in: 0..<universe.count, using: &random)]
                guard model[key] == nil else { continue }
                let identity = Array("\(key.host.count)|\(round)|".utf8) + key.host + Array(repeating: UInt8(ascii: "x"), count: round % 9)
                _ = table.add(key, identity: identity, step: 5)
                model[key] = identity
            }
            // Departures: a share of the held hosts at once, sometimes most.
            let share = round % 5 == 0 ? 0.8 : 0.15
            let leaving = model.keys.filter { _ in Double.random(in: 0..<1, using: &random) < share }
            let identityBytesBefore = table.identities.count
            table.remove(leaving.map { table.slot(of: $0)! })
            for key in leaving { model[key] = nil }
            if !leaving.isEmpty && table.identities.count < identityBytesBefore { layOuts += 1 }

            let expectedKeys = model.keys.sorted()
            if table.ordered.map(\.key) != expectedKeys || table.count != model.count { disagreements += 1 }
            for entry in table.ordered {
                if Array(table.identities[entry.identity]) != model[entry.key] { disagreements += 1 }
                if table.slot(of: entry.key) != entry.slot { disagreements += 1 }
            }
            // Each slot belongs to one host.
            if Set(table.ordered.map(\.slot)).count != table.ordered.count { disagreements += 1 }
        }
        #expect(disagreements == 0)
        // The run must have laid the identities out again, or it tested
        // nothing of that.
        #expect(layOuts > 20)
    }
}
