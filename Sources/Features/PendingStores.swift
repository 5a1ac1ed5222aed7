/// Windows added since the last step was written, each waiting to be
/// stored into its host's history by the thread that writes the host's
/// next vector: the history then comes into a cache once, at the step,
/// not also at the window's arrival, and the storing is shared among the
/// step's threads. Every window waiting starts before the next step's
/// end, so storing it at the step gives the vectors that storing it on
/// arrival would.
struct PendingStores {
    private var windows: [(slot: Int, start: Int64, window: HostHistory.Window)] = []
    /// Per slot, its first window waiting (an index into `windows`), or -1.
    private var first: [Int] = []
    /// Per window waiting, the next of its slot, or -1.
    private var next: [Int] = []

    /// Most windows held before they are stored at once: revisions of one
    /// start with no step between them would otherwise pile up.
    static let most = 1 << 18

    var isEmpty: Bool { windows.isEmpty }
    var count: Int { windows.count }

    mutating func add(slot: Int, start: Int64, window: HostHistory.Window) {
        windows.append((slot, start, window))
    }

    /// Chains each slot's windows in the order they came, for
    /// `store(slot:into:)`; every slot is below `slotCount`.
    mutating func link(slotCount: Int) {
        if first.count < slotCount { first += repeatElement(-1, count: slotCount - first.count) }
        next = [Int](repeating: -1, count: windows.count)
        for index in windows.indices.reversed() {
            let slot = windows[index].slot
            next[index] = first[slot]
            first[slot] = index
        }
    }

    /// Stores the windows of `slot` into its history in the order they
    /// came. Reads only: threads storing different slots share it.
    func store(slot: Int, into history: inout HostHistory) {
        guard slot < first.count else { return }
        var index = first[slot]
        while index >= 0 {
            history.store(windows[index].window, start: windows[index].start)
            index = next[index]
        }
    }

    /// Forgets the windows, once stored.
    mutating func removeAll() {
        for window in windows where window.slot < first.count { first[window.slot] = -1 }
        windows.removeAll(keepingCapacity: true)
    }

    /// Stores every window now, in the order they came, and forgets them.
    mutating func storeAll(into histories: inout [HostHistory]) {
        for window in windows { histories[window.slot].store(window.window, start: window.start) }
        removeAll()
    }
}
