import SluiceCore

/// The distinct peers and ports of a horizon that slides with the steps
/// (the last five or ten minutes), kept from one step to the next, and
/// which windows the horizon's sums of the counters need (kept by the
/// history: `HostHistory.slideHorizons`).
///
/// Distinct counters merge to the same bits in any order, and the counters
/// are summed window by window in time order, so while the horizon keeps
/// its oldest window the next step's union and sums are this step's plus
/// the windows that arrived since, added in the same order a pass from the
/// start would add them: the same bits, for one merge per new window
/// instead of a pass over the whole horizon, and none for a host that
/// stayed silent. When the oldest window leaves, or a window is stored into
/// the part already merged (late, or a revision), they are built again.
/// (The sums live outside: a union small enough to move in and out of its
/// history is copied inline, where one holding the 184-byte sums took a
/// memcpy call each way.)
struct SlidingUnion: Sendable {
    /// The starts of the first and last windows merged; nil when nothing
    /// is held.
    private var first: Int64?
    private var last: Int64?
    private var peers = DistinctUnion()
    private var ports = DistinctUnion()
    /// What the features read.
    private(set) var peerCount = 0.0
    private(set) var portCount = 0.0

    /// What an update asks of the sums: to start again from zero
    /// (`restart`), then to add the windows at `add`, in order.
    struct SumChange {
        var restart = false
        var add: ClosedRange<Int>?
    }

    /// A window was stored at `start`: one inside the merged part makes the
    /// union stale; a later one is merged at the next step.
    mutating func stored(start: Int64) {
        if let last, start <= last { self = SlidingUnion() }
    }

    /// Brings the union to the windows of `history` starting in `[from, to)`,
    /// and says what the sums need. `readsEverything` false leaves out the
    /// ports (the ten minutes' features read only the peers).
    mutating func update(_ history: inout HostHistory, from: Int64, to: Int64, readsEverything: Bool) -> SumChange {
        let range = history.indices(from: from, to: to)
        guard let firstIndex = range.first, let lastIndex = range.last else {
            self = SlidingUnion()
            return SumChange(restart: true)
        }
        let (newFirst, newLast) = (history.starts[firstIndex], history.starts[lastIndex])
        let change: SumChange
        if newFirst == first, let last, newLast >= last {
            guard newLast > last else { return SumChange() }
            let arrived = history.lowerBound(last + 1)...lastIndex
            for index in arrived { merge(history.summaries[index], readsEverything: readsEverything) }
            change = SumChange(add: arrived)
        } else {
            peers = DistinctUnion()
            ports = DistinctUnion()
            history.forEachPart(from: from, to: to) { part, _ in merge(part, readsEverything: readsEverything) }
            change = SumChange(restart: true, add: firstIndex...lastIndex)
        }
        (first, last) = (newFirst, newLast)
        peerCount = peers.estimate.rounded()
        if readsEverything { portCount = ports.estimate.rounded() }
        return change
    }

    /// (Each counter read through the part: taking its `sketches` out
    /// copied all of them, a retain each in memory no feature reads.)
    private mutating func merge(_ part: HostHistory.WindowSummary, readsEverything: Bool) {
        if let partPeers = part.sketches.peers { peers.merge(partPeers) }
        if readsEverything, let partPorts = part.sketches.ports { ports.merge(partPorts) }
    }
}
