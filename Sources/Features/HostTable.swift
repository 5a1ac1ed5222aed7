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
    /// Every held key, its slot and where its identity (the output's text
    /// of the key, made once) lies in `identities`, in the order features
    /// are written.
    private(set) var ordered: [Entry] = []
    /// The identities side by side: a step reads every host's, and one
    /// array of them stays in a cache where an array per host was a miss
    /// per host and step. Bytes of forgotten hosts stay until they are half
    /// of it; the rest is then laid out again in output order.
    private(set) var identities: [UInt8] = []
    private var identityBytesForgotten = 0

    struct Entry {
        let key: FeatureKey
        let slot: Int
        var identity: Range<Int>
    }

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
        ordered.insert(Entry(key: key, slot: slot, identity: identities.count..<identities.count + identity.count), at: low)
        identities += identity
        return slot
    }

    /// Forgets the hosts at `removed` (slots).
    mutating func remove(_ removed: [Int]) {
        guard !removed.isEmpty else { return }
        var gone = [Bool](repeating: false, count: histories.count)
        for slot in removed { gone[slot] = true }
        // By index, reading only the slot of the hosts that stay: a copy
        // of each entry retained its key's arrays.
        for index in ordered.indices where gone[ordered[index].slot] {
            let slot = ordered[index].slot
            slots.remove(ordered[index].key, slot: slot)
            histories[slot] = HostHistory(step: histories[slot].step)
            freeSlots.append(slot)
            identityBytesForgotten += ordered[index].identity.count
        }
        ordered.removeAll { gone[$0.slot] }
        if identityBytesForgotten * 2 > identities.count { layOutIdentities() }
    }

    /// Copies the identities of the hosts held into a new array, in output
    /// order.
    private mutating func layOutIdentities() {
        var laidOut: [UInt8] = []
        laidOut.reserveCapacity(identities.count - identityBytesForgotten)
        for index in ordered.indices {
            let identity = ordered[index].identity
            ordered[index].identity = laidOut.count..<laidOut.count + identity.count
            laidOut += identities[identity]
        }
        identities = laidOut
        identityBytesForgotten = 0
    }
}
