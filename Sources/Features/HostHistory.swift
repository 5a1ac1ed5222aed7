import SluiceCore

/// One host's (one view's) 5 s windows of the last ten minutes, in time
/// order; only windows that had traffic are kept, so memory follows the
/// host's activity, and a missing window is a silent one.
///
/// The distinct counters of whole 30 s and 180 s epoch blocks are merged
/// once and kept (`BlockCache`), so a ten-minute union takes about twenty
/// merges rather than a hundred and twenty; a window stored into a block
/// (late, or a revision) drops the block's merge. The five and ten minute
/// unions are carried from step to step (`SlidingUnion`), and each
/// horizon merges only the sketches its features read.
public struct HostHistory: Sendable {
    /// Window starts (epoch seconds), ascending, and each window's counts
    /// and distinct counters, at the same index.
    public private(set) var starts: [Int64] = []
    public private(set) var counts: [FeatureSlot] = []
    /// Each window's `flowsStarted` again, packed: the passes that read
    /// only those (every step, over minutes of windows) touch 8 bytes a
    /// window instead of a cache line of its counts.
    private(set) var flowsStarted: [UInt64] = []
    /// Each window's sketches, with what the features read of them.
    private(set) var summaries: [WindowSummary] = []
    /// The latest end of a block merged: a window that starts at or after
    /// it (any window that arrives in time) is in no merged block.
    private var blocksMergedEnd = Int64.min
    /// The earliest start stored since the last step: what the carried
    /// horizons and block numbers check at the next step (`settleStores`),
    /// so that storing a window touches only these first fields of the
    /// history, not the cache lines of each horizon.
    private var earliestStored = Int64.max
    private var blocks = BlockCache()
    /// The 30 s and 180 s blocks the last step read (`blockNumbers`).
    var thirtyNumbers = BlockNumbers(), longNumbers = BlockNumbers()
    /// The five and ten minute distinct counts and sums, carried from step
    /// to step (`SlidingUnion`).
    var fiveMinutes = SlidingUnion()
    var tenMinutes = SlidingUnion()
    /// Every counter summed over the five minutes; the flows started over
    /// the ten (all the ten minutes' features read of the counters).
    private(set) var fiveMinuteTotals = FeatureSlot()
    private(set) var tenMinuteFlowsStarted: UInt64 = 0
    /// Windows that start before this are forgotten (`forget(before:)`).
    private(set) var forgottenBefore = Int64.min
    /// The five minutes' heaviest peer and port, carried the same way
    /// (`SlidingTops`).
    var fiveMinuteTops = SlidingTops()

    /// Distinct peers and destination ports, and who and which ports had
    /// most of the traffic, merged; of the source ports only what the
    /// step's own features read (no longer horizon reads them): their
    /// distinct count and heaviest port, so a history holds neither their
    /// counter nor their list.
    public struct Sketches: Sendable {
        public var peers: DistinctCounter?
        public var ports: DistinctCounter?
        public var topPeers = HeavyHitters<IPAddress>()
        public var topPorts = HeavyHitters<ProtocolPort>()
        public var sourcePortCount = 0.0
        public var topSourcePort: HeavyHitters<ProtocolPort>.Entry?

        static func merge(_ mine: inout DistinctCounter?, _ theirs: DistinctCounter?) {
            guard let theirs else { return }
            if mine == nil { mine = theirs } else { mine!.merge(theirs) }
        }

        public init(peers: DistinctCounter? = nil, ports: DistinctCounter? = nil) {
            self.peers = peers
            self.ports = ports
        }

        public var peerCount: Double { Self.count(peers) }
        public var portCount: Double { Self.count(ports) }

        static func count(_ counter: DistinctCounter?) -> Double { (counter?.estimate ?? 0).rounded() }
    }

    let step: Int64

    public init(step: Int64 = 5) { self.step = step }

    /// A window as a history stores it: its counts, and what the features
    /// read of its sketches, made once, on whichever thread reads it.
    public struct Window: Sendable {
        let counts: FeatureSlot
        let summary: WindowSummary

        public init(_ counts: FeatureSlot, _ sketches: consuming Sketches = Sketches()) {
            self.counts = counts
            summary = WindowSummary(sketches, counts)
        }
    }

    /// Stores the window starting at `start`; a later record for the same
    /// window (a revision) replaces it.
    public mutating func store(_ counted: FeatureSlot, _ sketch: Sketches = Sketches(), start: Int64) {
        store(Window(counted, sketch), start: start)
    }

    public mutating func store(_ window: Window, start: Int64) {
        let index = lowerBound(start)
        if index < starts.count && starts[index] == start {
            counts[index] = window.counts
            flowsStarted[index] = window.counts.flowsStarted
            summaries[index] = window.summary
        } else {
            starts.insert(start, at: index)
            counts.insert(window.counts, at: index)
            flowsStarted.insert(window.counts.flowsStarted, at: index)
            summaries.insert(window.summary, at: index)
        }
        if start < blocksMergedEnd { blocks.drop(holding: start) }
        earliestStored = min(earliestStored, start)
    }

    /// Tells what is carried from step to step about the windows stored
    /// since the last step: a horizon or block numbers that hold a part
    /// where one was stored (late, or a revision) are made again.
    mutating func settleStores() {
        guard earliestStored != .max else { return }
        if earliestStored < thirtyNumbers.start + 30 { thirtyNumbers = BlockNumbers() }
        if earliestStored < longNumbers.start + 180 { longNumbers = BlockNumbers() }
        fiveMinutes.stored(start: earliestStored)
        tenMinutes.stored(start: earliestStored)
        fiveMinuteTops.stored(start: earliestStored)
        earliestStored = .max
    }

    /// Forgets windows that start before `start`.
    public mutating func forget(before start: Int64) {
        forgottenBefore = max(forgottenBefore, start)
        let keep = lowerBound(start)
        if keep > 0 {
            starts.removeFirst(keep)
            counts.removeFirst(keep)
            flowsStarted.removeFirst(keep)
            summaries.removeFirst(keep)
            blocks.drop(endingBy: start)
        }
    }

    @inline(__always)
    public var isEmpty: Bool { starts.isEmpty }

    /// The indices of the windows with starts in `[from, to)`.
    @inline(__always)
    public func indices(from: Int64, to: Int64) -> Range<Int> {
        starts.withUnsafeBufferPointer { Self.indices(of: $0, from: from, to: to) }
    }

    /// What the features read of the window starting at `start`, nil
    /// when it was silent.
    @inline(__always)
    func window(startingAt start: Int64) -> WindowSummary? {
        let index = lowerBound(start)
        return index < starts.count && starts[index] == start ? summaries[index] : nil
    }

    /// The union of the distinct counters of the windows starting in
    /// `[from, to)` (both multiples of the step), and their heavy hitters
    /// merged part by part (`forEachPart`); the source ports are left out.
    public mutating func union(from: Int64, to: Int64) -> Sketches {
        var result = Sketches()
        var partWindows: [Range<Int>] = []
        forEachPart(from: from, to: to) { part, windows in
            Sketches.merge(&result.peers, part.sketches.peers)
            Sketches.merge(&result.ports, part.sketches.ports)
            partWindows.append(windows)
        }
        // Blocks keep only the counters the features read: each part's
        // lists are merged here from its windows, as the block would have.
        for windows in partWindows {
            var part = Sketches()
            for index in windows {
                part.topPeers.merge(summaries[index].sketches.topPeers)
                part.topPorts.merge(summaries[index].sketches.topPorts)
            }
            result.topPeers.merge(part.topPeers)
            result.topPorts.merge(part.topPorts)
        }
        return result
    }

    /// Calls `body` with the sketches that make up `[from, to)`, in time
    /// order, and the indices of their windows: whole 30 s and 180 s blocks
    /// merged (cached), single windows at the edges. Every union folds the
    /// same parts in the same order, so heavy-hitter merges, which depend
    /// on the order, give the same result.
    mutating func forEachPart(from: Int64, to: Int64, _ body: (WindowSummary, Range<Int>) -> Void) {
        var time = from
        var index = lowerBound(from)
        while time < to && index < starts.count {
            // The longest block that starts here and fits (lengths as
            // literals: a division by a constant is a multiplication).
            let length: Int64 = time % 180 == 0 && time + 180 <= to ? 180 : time % 30 == 0 && time + 30 <= to ? 30 : 0
            let first = index
            if length > 0 {
                time += length
                while index < starts.count && starts[index] < time { index += 1 }
                // A block without windows merges nothing: skip the cache.
                if index > first { body(block(length: length, start: time - length), first..<index) }
            } else {
                if starts[index] == time { body(summaries[index], index..<index + 1) }
                time += step
                while index < starts.count && starts[index] < time { index += 1 }
            }
        }
    }

    /// The merged block of `length` seconds starting at `start`: what the
    /// features read of it, its distinct peers and ports, flows and bytes
    /// (the other sketches, which none reads, are left out; see `union`).
    mutating func block(length: Int64, start: Int64) -> WindowSummary {
        if let merged = blocks.block(length: length, start: start) { return merged }
        var peers = DistinctBatch(), ports = DistinctBatch()
        var flows: UInt64 = 0, bytesOut: UInt64 = 0, bytesIn: UInt64 = 0
        for index in indices(from: start, to: start + length) {
            // Each counter read through the summary: taking `sketches` out
            // of it copied every sketch (a retain each).
            if let windowPeers = summaries[index].sketches.peers { peers.add(windowPeers) }
            if let windowPorts = summaries[index].sketches.ports { ports.add(windowPorts) }
            flows += counts[index].flows
            bytesOut += counts[index].bytesOut
            bytesIn += counts[index].bytesIn
        }
        let merged = WindowSummary(Sketches(peers: peers.merged(), ports: ports.merged()),
                                   flows: flows, bytesOut: bytesOut, bytesIn: bytesIn)
        blocks.keep(merged, length: length, start: start)
        blocksMergedEnd = max(blocksMergedEnd, start + length)
        return merged
    }

    /// The first index whose start is at or after `start`.
    @inline(__always)
    func lowerBound(_ start: Int64) -> Int {
        starts.withUnsafeBufferPointer { Self.lowerBound(of: $0, start) }
    }

    static func lowerBound(of starts: UnsafeBufferPointer<Int64>, _ start: Int64) -> Int {
        var low = 0, high = starts.count
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] < start { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The indices of the windows starting in `[from, to)` of `starts`,
    /// read in place.
    static func indices(of starts: UnsafeBufferPointer<Int64>, from: Int64, to: Int64) -> Range<Int> {
        let low = lowerBound(of: starts, from)
        return low..<max(low, lowerBound(of: starts, to))
    }
}

extension HostHistory {
    /// Brings the five and ten minute unions and sums, and the five
    /// minutes' heaviest peer and port, to the step ending at `end`.
    mutating func slideHorizons(toStepEnd end: Int64) {
        // Taken out while they update, so that their counters stay
        // uniquely held and change in place.
        var five = SlidingUnion(), ten = SlidingUnion(), tops = SlidingTops()
        swap(&five, &fiveMinutes)
        swap(&ten, &tenMinutes)
        swap(&tops, &fiveMinuteTops)
        let fiveChange = five.update(&self, from: end - 300, to: end, readsEverything: true)
        let tenChange = ten.update(&self, from: end - 600, to: end, readsEverything: false)
        tops.update(&self, from: end - 300, to: end)
        fiveMinutes = five
        tenMinutes = ten
        fiveMinuteTops = tops
        takeSums(five: fiveChange, ten: tenChange)
    }

    /// Brings the horizons' sums to what their updates asked.
    private mutating func takeSums(five: SlidingUnion.SumChange, ten: SlidingUnion.SumChange) {
        switch five {
        case .unchanged:
            break
        case .append(let arrived):
            for index in arrived { fiveMinuteTotals.add(counts[index]) }
        case .slide(let oldFirst, let arrived, let horizon):
            for index in lowerBound(oldFirst)..<horizon.lowerBound { fiveMinuteTotals.subtractCounters(counts[index]) }
            for index in arrived { fiveMinuteTotals.addCounters(counts[index]) }
            fiveMinuteTotals.packetSize = RunningMoments()
            for index in horizon { fiveMinuteTotals.packetSize.merge(counts[index].packetSize) }
        case .rebuild(let horizon):
            fiveMinuteTotals = FeatureSlot()
            for index in horizon { fiveMinuteTotals.add(counts[index]) }
        }
        // The windows that left ten minutes are forgotten before a step
        // reads (`forget(before:)`), so they cannot be taken off: the
        // flows started are summed again, from their own array.
        switch ten {
        case .unchanged:
            break
        case .append(let arrived):
            for index in arrived { tenMinuteFlowsStarted += flowsStarted[index] }
        case .slide(_, _, let horizon), .rebuild(let horizon):
            tenMinuteFlowsStarted = 0
            for index in horizon { tenMinuteFlowsStarted += flowsStarted[index] }
        }
    }
}
