import SluiceCore

/// The distinct peers and ports, and the summed counters, of a horizon
/// that slides with the steps (the last five or ten minutes), kept from one
/// step to the next.
///
/// Distinct counters merge to the same bits in any order, and the counters
/// are summed window by window in time order, so while the horizon keeps
/// its oldest window the next step's union and sums are this step's plus
/// the windows that arrived since, added in the same order a pass from the
/// start would add them: the same bits, for one merge per new window
/// instead of a pass over the whole horizon, and none for a host that
/// stayed silent. When the oldest window leaves, or a window is stored into
/// the part already merged (late, or a revision), they are built again.
struct SlidingUnion: Sendable {
    /// The starts of the first and last windows merged; nil when nothing
    /// is held.
    private var first: Int64?
    private var last: Int64?
    private var peers = DistinctUnion()
    private var ports = DistinctUnion()
    private(set) var counts = Counts()

    /// What the features read: kept apart from the counters, so that they
    /// read it without copying those.
    struct Counts {
        var peerCount = 0.0
        var portCount = 0.0
        /// Every counter summed, or only `flowsStarted` (see `update`).
        var totals = FeatureSlot()
    }

    /// A window was stored at `start`: one inside the merged part makes the
    /// union stale; a later one is merged at the next step.
    mutating func stored(start: Int64) {
        if let last, start <= last { self = SlidingUnion() }
    }

    /// Brings the union to the windows of `history` starting in `[from, to)`.
    /// `readsEverything` false leaves out the ports and every counter but
    /// the flows started (all the ten minutes' features read).
    mutating func update(_ history: inout HostHistory, from: Int64, to: Int64, readsEverything: Bool) {
        let range = history.indices(from: from, to: to)
        guard let firstIndex = range.first, let lastIndex = range.last else {
            self = SlidingUnion()
            return
        }
        let (newFirst, newLast) = (history.starts[firstIndex], history.starts[lastIndex])
        if newFirst == first, let last, newLast >= last {
            guard newLast > last else { return }
            let arrived = history.lowerBound(last + 1)...lastIndex
            for index in arrived { merge(history.summaries[index], readsEverything: readsEverything) }
            sum(history.counts, arrived, readsEverything: readsEverything)
        } else {
            peers = DistinctUnion()
            ports = DistinctUnion()
            counts.totals = FeatureSlot()
            history.forEachPart(from: from, to: to) { part, _ in merge(part, readsEverything: readsEverything) }
            sum(history.counts, firstIndex...lastIndex, readsEverything: readsEverything)
        }
        (first, last) = (newFirst, newLast)
        counts.peerCount = peers.estimate.rounded()
        if readsEverything { counts.portCount = ports.estimate.rounded() }
    }

    /// (Each counter read through the part: taking its `sketches` out
    /// copied all six, a retain each in memory no feature reads.)
    private mutating func merge(_ part: HostHistory.WindowSummary, readsEverything: Bool) {
        if let partPeers = part.sketches.peers { peers.merge(partPeers) }
        if readsEverything, let partPorts = part.sketches.ports { ports.merge(partPorts) }
    }

    private mutating func sum(_ counts: [FeatureSlot], _ indices: ClosedRange<Int>, readsEverything: Bool) {
        counts.withUnsafeBufferPointer { counts in
            for index in indices {
                if readsEverything {
                    self.counts.totals.add(counts[index])
                } else {
                    self.counts.totals.flowsStarted += counts[index].flowsStarted
                }
            }
        }
    }
}
