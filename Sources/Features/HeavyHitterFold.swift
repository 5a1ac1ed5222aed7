import SluiceCore

/// Heavy-hitter summaries merged one after another, exactly as
/// `HeavyHitters.merge` merges them, for the heaviest entry of the result
/// (the five minutes' top peer and port: a dozen summaries per host and
/// step).
///
/// The entries live in a few slots the caller lends (stack memory), where
/// each library merge copied or grew an array. A merge gives the same set
/// of entries and weights whatever their order (weights add value by value;
/// a cut sorts by weight, then value), so `top`, which breaks ties by value,
/// is the library's. Should the entries outgrow the slots (a record that
/// lists more than its capacity), the library's summary takes over.
struct HeavyHitterFold<Value: Hashable & Comparable & Sendable> {
    typealias Entry = HeavyHitters<Value>.Entry

    /// Slots enough for a full summary and a merged one's entries.
    static var slotCount: Int { 4 * HeavyHittersDefaults.capacity }

    private let slots: UnsafeMutableBufferPointer<Entry>
    private var count = 0
    private var library: HeavyHitters<Value>?
    private let capacity = HeavyHittersDefaults.capacity

    /// Folds into `slots` (at least `slotCount`), which must outlive it.
    init(slots: UnsafeMutableBufferPointer<Entry>) {
        self.slots = slots
    }

    /// Calls `body` with an empty fold whose slots are on the stack.
    static func withFold<Result>(_ body: (inout HeavyHitterFold) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: Entry.self, capacity: slotCount) { slots in
            var fold = HeavyHitterFold(slots: slots)
            return body(&fold)
        }
    }

    /// Merges a part's summary, read from its inline copy when it has one.
    /// (The summary is read only when needed: touching it is the cost saved.)
    mutating func merge(_ tops: InlineTops<Value>, else summary: @autoclosure () -> HeavyHitters<Value>) {
        switch tops {
        case .empty:
            return
        case .few(let count, let entries):
            guard library == nil, self.count + count <= slots.count else { return merge(summary()) }
            add(count: count) { entries[$0] }
        case .other:
            merge(summary())
        }
    }

    mutating func merge(_ other: HeavyHitters<Value>) {
        guard library == nil else { return library!.merge(other) }
        guard !other.isEmpty else { return }
        let theirs = other.entries
        guard other.capacity == capacity, count + theirs.count <= slots.count else {
            // Handed to the library as the summary these slots stand for
            // (rebuilt from its entries as they are, as a first merge keeps them).
            var summary = HeavyHitters<Value>(capacity: capacity, entries: Array(slots[..<count]))
            summary.merge(other)
            library = summary
            return
        }
        add(count: theirs.count) { theirs[$0] }
    }

    /// `HeavyHitters.merge` of a summary with this capacity whose entries
    /// are `theirEntry(0..<theirs)`, and which fit the slots.
    @inline(__always)
    private mutating func add(count theirs: Int, _ theirEntry: (Int) -> Entry) {
        if count == 0 {
            // Into an empty summary: its entries as they are, even beyond
            // the capacity, as the library's first merge keeps them.
            for index in 0..<theirs { slots[index] = theirEntry(index) }
            count = theirs
            return
        }
        for theirIndex in 0..<theirs {
            let entry = theirEntry(theirIndex)
            if let index = slots[..<count].firstIndex(where: { $0.value == entry.value }) {
                slots[index].weight.add(saturating: entry.weight)
            } else {
                slots[count] = entry
                count += 1
            }
        }
        guard count > capacity else { return }
        // Heaviest first (insertion sort: a handful of entries); the entry
        // at `capacity` sets the cut, and it and the lighter ones drop out.
        for sorted in 1..<count {
            let entry = slots[sorted]
            var index = sorted
            while index > 0 && Self.heavier(entry, slots[index - 1]) {
                slots[index] = slots[index - 1]
                index -= 1
            }
            slots[index] = entry
        }
        let cut = slots[capacity].weight
        var kept = 0
        for index in 0..<capacity where slots[index].weight > cut {
            slots[kept] = Entry(value: slots[index].value, weight: slots[index].weight - cut)
            kept += 1
        }
        count = kept
    }

    /// As `HeavyHitters.heavier`: heaviest first, equal weights by value.
    private static func heavier(_ a: Entry, _ b: Entry) -> Bool {
        a.weight != b.weight ? a.weight > b.weight : a.value < b.value
    }

    /// What was folded as a summary of its own: the library's merges
    /// would have made the same.
    var summary: HeavyHitters<Value> {
        library ?? HeavyHitters(capacity: capacity, entries: Array(slots[..<count]))
    }

    /// The heaviest entry (ties to the smaller value), nil when empty.
    var top: Entry? {
        if let library { return library.top }
        var best: Entry?
        for entry in slots[..<count] {
            if let current = best, !(entry.weight > current.weight || (entry.weight == current.weight && entry.value < current.value)) {
                continue
            }
            best = entry
        }
        return best
    }
}
