import Glibc

/// Which slot holds each key: open addressing on the hash the key brings
/// with it (made on the reading thread), linear probing, at most half
/// full. A lookup is a masked index and a compare of that hash, where a
/// dictionary hashed the hash again and compared the keys part by part
/// through generic code.
struct KeySlots {
    private struct Entry {
        var hash: Int
        /// -1: empty.
        var slot: Int32
    }

    private var entries = [Entry](repeating: Entry(hash: 0, slot: -1), count: 64)
    /// The key held at each slot, for the compare that settles a match.
    private var keys: [FeatureKey?] = []
    private(set) var count = 0
    var isEmpty: Bool { count == 0 }

    private var mask: Int { entries.count - 1 }

    func slot(of key: FeatureKey) -> Int? {
        var index = key.partsHash & mask
        while true {
            let entry = entries[index]
            if entry.slot < 0 { return nil }
            if entry.hash == key.partsHash, Self.same(keys[Int(entry.slot)], key) {
                return Int(entry.slot)
            }
            index = (index + 1) & mask
        }
    }

    /// Holds `key` at `slot`; the key must not be held already.
    mutating func insert(_ key: FeatureKey, slot: Int) {
        if (count + 1) * 2 > entries.count { grow() }
        if slot >= keys.count { keys += [FeatureKey?](repeating: nil, count: slot + 1 - keys.count) }
        keys[slot] = key
        place(Entry(hash: key.partsHash, slot: Int32(slot)))
        count += 1
    }

    /// Forgets `key`, held at `slot`.
    mutating func remove(_ key: FeatureKey, slot: Int) {
        var index = key.partsHash & mask
        while entries[index].slot != Int32(slot) {
            precondition(entries[index].slot >= 0, "KeySlots: removing a key not held")
            index = (index + 1) & mask
        }
        keys[slot] = nil
        count -= 1
        // Backward shift: each later entry of the run moves into the hole
        // when its home is not between the hole and itself, so that no
        // probe stops early at the hole.
        var hole = index
        var next = (hole + 1) & mask
        while entries[next].slot >= 0 {
            let home = entries[next].hash & mask
            let distanceToNext = (next - home) & mask
            let distanceToHole = (hole - home) & mask
            if distanceToHole <= distanceToNext {
                entries[hole] = entries[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        entries[hole] = Entry(hash: 0, slot: -1)
    }

    private mutating func place(_ entry: Entry) {
        var index = entry.hash & mask
        while entries[index].slot >= 0 { index = (index + 1) & mask }
        entries[index] = entry
    }

    private mutating func grow() {
        let old = entries
        entries = [Entry](repeating: Entry(hash: 0, slot: -1), count: old.count * 2)
        for entry in old where entry.slot >= 0 { place(entry) }
    }

    /// The parts compared as bytes.
    private static func same(_ held: FeatureKey?, _ key: FeatureKey) -> Bool {
        guard let held else { return false }
        return same(held.host, key.host) && same(held.kind, key.kind) && same(held.sensor, key.sensor)
    }

    private static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
        }
    }
}
