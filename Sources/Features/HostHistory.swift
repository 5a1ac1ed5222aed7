/// One host's (one view's) 5 s windows of the last ten minutes, in time
/// order; only windows that had traffic are kept, so memory follows the
/// host's activity, and a missing window is a silent one.
public struct HostHistory: Sendable {
    /// Start (epoch seconds) and slot, ascending by start.
    public private(set) var slots: [(start: Int64, slot: FeatureSlot)] = []

    public init() {}

    /// Stores the window starting at `start`; a later record for the same
    /// window (a revision) replaces it.
    public mutating func store(_ slot: FeatureSlot, start: Int64) {
        if let last = slots.last, last.start < start {
            slots.append((start, slot))
            return
        }
        if let index = slots.firstIndex(where: { $0.start >= start }) {
            if slots[index].start == start { slots[index].slot = slot } else { slots.insert((start, slot), at: index) }
        } else {
            slots.append((start, slot))
        }
    }

    /// Forgets windows that start before `start`.
    public mutating func forget(before start: Int64) {
        let keep = slots.firstIndex { $0.start >= start } ?? slots.count
        if keep > 0 { slots.removeFirst(keep) }
    }

    public var isEmpty: Bool { slots.isEmpty }

    /// The windows with starts in `[from, to)`.
    public func slots(from: Int64, to: Int64) -> ArraySlice<(start: Int64, slot: FeatureSlot)> {
        let lower = slots.firstIndex { $0.start >= from } ?? slots.count
        let upper = slots[lower...].firstIndex { $0.start >= to } ?? slots.count
        return slots[lower..<upper]
    }
}
