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
/// stayed silent. When a window is stored into the part already merged
/// (late, or a revision), the sums are built again, and so is a union.
/// When the oldest window leaves, the sums' integers slide (the leaving
/// windows' counters taken off) while their moments are merged again, and
/// a union is merged again; but while the horizon's windows all counted
/// exactly and hold few enough values for their union to stay exact, each
/// kind is counted by the hashes seen instead (`SeenHashes`), which let
/// the values of the windows that left go: the same count, with no merging
/// again.
/// (The sums live outside: a union small enough to move in and out of its
/// history is copied inline, where one holding the 184-byte sums took a
/// memcpy call each way.)
struct SlidingUnion: Sendable {
    /// The starts of the first and last windows taken in; nil when nothing
    /// is held.
    private var first: Int64?
    private var last: Int64?
    /// Each kind is counted either by its seen hashes (non-nil) or by its
    /// union (then the seen hashes are nil).
    private var peers = DistinctUnion()
    private var ports = DistinctUnion()
    private var seenPeers: SeenHashes?
    private var seenPorts: SeenHashes?
    /// What the features read.
    private(set) var peerCount = 0.0
    private(set) var portCount = 0.0

    /// What an update asks of the sums of the horizon's counters (window
    /// indices, each range in time order).
    enum SumChange {
        case unchanged
        /// Windows arrived after the last taken in: add them.
        case append(Range<Int>)
        /// The oldest windows left (those from `oldFirst`, the first
        /// taken in before, to the horizon; all still held): take their
        /// counters off, add those that arrived (all inside the horizon),
        /// and merge the packet-size moments of the whole horizon again
        /// from none. Moments cannot be taken off exactly; merged again in
        /// time order they have the bits a pass from the start gives, and
        /// the integers are exact either way.
        case slide(oldFirst: Int64, arrived: Range<Int>, horizon: Range<Int>)
        /// Start from zero and add the windows of `horizon` (none: empty).
        case rebuild(horizon: Range<Int>)
    }

    /// A window was stored at `start`: one inside the part taken in makes
    /// the union stale; a later one is taken in at the next step.
    mutating func stored(start: Int64) {
        if let last, start <= last { self = SlidingUnion() }
    }

    /// Brings the counts to the windows of `history` starting in
    /// `[from, to)`, and says what the sums need. `readsEverything` false
    /// leaves out the ports (the ten minutes' features read only the peers).
    mutating func update(_ history: inout HostHistory, from: Int64, to: Int64, readsEverything: Bool) -> SumChange {
        let range = history.indices(from: from, to: to)
        guard let firstIndex = range.first, let lastIndex = range.last else {
            self = SlidingUnion()
            return .rebuild(horizon: range)
        }
        let (newFirst, newLast) = (history.starts[firstIndex], history.starts[lastIndex])
        let change: SumChange
        var remergePeers = true, remergePorts = readsEverything
        if let first, let last, newFirst >= first, newLast >= last,
           // Slides only when every window that arrived is inside the
           // horizon: one that came between the last taken in and the
           // horizon's start (steps left unread) was never counted.
           case let arrivedFrom = history.lowerBound(last + 1), arrivedFrom >= firstIndex {
            guard newFirst > first || newLast > last else { return .unchanged }
            let arrived = arrivedFrom..<lastIndex + 1
            let oldestLeft = newFirst > first
            remergePeers = !Self.slide(&seenPeers, &peers, &history, arrived: arrived, oldestLeft: oldestLeft, from: from) {
                $0.sketches.peers
            }
            if readsEverything {
                remergePorts = !Self.slide(&seenPorts, &ports, &history, arrived: arrived, oldestLeft: oldestLeft, from: from) {
                    $0.sketches.ports
                }
            }
            if !oldestLeft {
                change = arrived.isEmpty ? .unchanged : .append(arrived)
            } else if first >= history.forgottenBefore {
                change = .slide(oldFirst: first, arrived: arrived, horizon: range)
            } else {
                change = .rebuild(horizon: range)
            }
        } else {
            change = .rebuild(horizon: range)
        }
        // What cannot slide is counted afresh: by seen hashes where every
        // window counted exactly and few enough values are seen, else by
        // merging the horizon's parts.
        if remergePeers {
            seenPeers = Self.seen(&history, range) { $0.sketches.peers }
            peers = DistinctUnion()
        }
        if remergePorts {
            seenPorts = Self.seen(&history, range) { $0.sketches.ports }
            ports = DistinctUnion()
        }
        let mergePeers = remergePeers && seenPeers == nil, mergePorts = remergePorts && seenPorts == nil
        if mergePeers || mergePorts {
            history.forEachPart(from: from, to: to) { part, _ in
                if mergePeers, let partPeers = part.sketches.peers { peers.merge(partPeers) }
                if mergePorts, let partPorts = part.sketches.ports { ports.merge(partPorts) }
            }
        }
        (first, last) = (newFirst, newLast)
        peerCount = seenPeers.map { Double($0.count) } ?? peers.estimate.rounded()
        if readsEverything { portCount = seenPorts.map { Double($0.count) } ?? ports.estimate.rounded() }
        return change
    }

    /// Slides one kind to the horizon: its seen hashes forget what left
    /// and take the windows that arrived, or its union takes the arrivals.
    /// Returns false when the kind must be counted afresh (a union whose
    /// oldest window left, or seen hashes that can no longer count it).
    private static func slide(_ seen: inout SeenHashes?, _ union: inout DistinctUnion, _ history: inout HostHistory,
                              arrived: Range<Int>, oldestLeft: Bool, from: Int64,
                              counter: (HostHistory.WindowSummary) -> DistinctCounter?) -> Bool {
        if var held = seen {
            // Out of the optional while it changes, so it changes in place.
            seen = nil
            if oldestLeft { held.forget(before: from) }
            for index in arrived where !held.add(counter(history.summaries[index]), start: history.starts[index]) {
                return false
            }
            seen = held
            return true
        }
        guard !oldestLeft else { return false }
        for index in arrived {
            if let windowCounter = counter(history.summaries[index]) { union.merge(windowCounter) }
        }
        return true
    }

    /// The seen hashes of the windows at `indices`, in time order; nil
    /// when they cannot count the kind.
    private static func seen(_ history: inout HostHistory, _ indices: Range<Int>,
                             counter: (HostHistory.WindowSummary) -> DistinctCounter?) -> SeenHashes? {
        var seen = SeenHashes()
        for index in indices where !seen.add(counter(history.summaries[index]), start: history.starts[index]) { return nil }
        return seen
    }
}
