/// The hosts the featurizer holds, laid out for the walk it makes every
/// step: the histories in an array, updated in place (a dictionary's
/// in-place update moves the whole history out and back), a table from
/// key to position for arriving windows, and the keys in output
/// (byte) order, kept sorted as hosts come and go instead of sorted anew
/// every step.
struct HostTable {
    /// Each held host's history, at its slot; a freed slot holds an empty
    /// history until a new host takes it.
    var histories: [HostHistory] = []
    private var slots = KeySlots()
    private var freeSlots: [Int] = []
    /// Every held key, its slot and its identity (the output's text of
    /// the key, made once), in the order features are written.
    private(set) var ordered: [(key: FeatureKey, slot: Int, identity: [UInt8])] = []

    var count: Int { slots.count }
    var isEmpty: Bool { slots.isEmpty }

    func slot(of key: FeatureKey) -> Int? { slots.slot(of: key) }

    /// Holds `key` with an empty history; returns its slot.
    mutating func add(_ key: FeatureKey, identity: [UInt8], step: Int64) -> Int {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = histories.count
            histories.append(HostHistory(step: step))
        }
        slots.insert(key, slot: slot)
        var low = 0, high = ordered.count
        while low < high {
            let middle = (low + high) / 2
            if ordered[middle].key < key { low = middle + 1 } else { high = middle }
        }
        ordered.insert((key, slot, identity), at: low)
        return slot
    }

    /// Forgets the hosts at `removed` (slots).
    mutating func remove(_ removed: [Int]) {
        guard !removed.isEmpty else { return }
        let gone = Set(removed)
        for entry in ordered where gone.contains(entry.slot) {
            slots.remove(entry.key, slot: entry.slot)
            histories[entry.slot] = HostHistory(step: histories[entry.slot].step)
            freeSlots.append(entry.slot)
        }
        ordered.removeAll { gone.contains($0.slot) }
    }
}
