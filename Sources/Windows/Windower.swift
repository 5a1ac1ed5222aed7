import SluiceCore

/// Event-time windows per key: records are added to the windows their time
/// falls into, and each window is emitted once the watermark passes its
/// end. With allowed lateness an emitted window is kept: a record that
/// arrives for it within the lateness updates it, and it is emitted again
/// with the next revision number (late records are gathered: one revision
/// per window each time the watermark moves, not one per record). A record
/// for a window past its lateness is late, counted, and handed back to the
/// caller.
///
/// Generic over the key and the state kept per window and key, so the same
/// clock serves the flow feature set and any aggregate spec. Memory is
/// bounded by `maxEntries` (window, key) states, open and kept together; a
/// record that would need one more is refused and counted.
public final class Windower<Key: Hashable & Comparable, State> {
    public typealias Counts = WindowCounts
    public typealias Outcome = WindowOutcome

    /// The state is lent in place, by pointer, for the call only: passed by
    /// value, each emitted state was copied (a retain of each of its
    /// buffers) and destroyed again.
    public typealias Emit = (_ window: EventTimeWindow, _ key: Key, _ state: UnsafePointer<State>, _ revision: Int) throws(OutputError) -> Void

    private struct Entry {
        var state: State
        /// Of the last emission; 0 before the first.
        var revision = 0
        var dirty = false
    }

    /// A window's states, in an array found through `slots`, so that
    /// `emitWindow` can lend each one to `emit` in place.
    private struct Bucket {
        let window: EventTimeWindow
        var slots: [Key: Int] = [:]
        var keys: [Key] = []
        var entries: [Entry] = []
        var dirtyCount = 0

        var count: Int { entries.count }

        init(window: EventTimeWindow, expecting count: Int) {
            self.window = window
            // Windows of a stream hold similar numbers of keys: spare the
            // new one the rehashing as it grows to the last one's size.
            slots.reserveCapacity(count)
            keys.reserveCapacity(count)
            entries.reserveCapacity(count)
        }
    }

    public let assigner: WindowAssigner
    public let maxEntries: Int
    public private(set) var watermark: Watermark
    public private(set) var counts = Counts()
    private let makeState: () -> State
    private let emit: Emit
    /// Windows not yet emitted, and emitted ones within their lateness, by start.
    private var open: [Int64: Bucket] = [:]
    private var kept: [Int64: Bucket] = [:]
    private var entryCount = 0
    /// The watermark at which something next needs doing (an open window
    /// closes or a kept one expires); revisions waiting are flagged apart.
    private var nextDeadline = Int64.max
    private var revisionsWaiting = false
    private var lastBucketSize = 0

    public init(assigner: WindowAssigner, watermark: Watermark, maxEntries: Int,
                makeState: @escaping () -> State, emit: @escaping Emit) {
        precondition(maxEntries > 0)
        self.assigner = assigner
        self.watermark = watermark
        self.maxEntries = maxEntries
        self.makeState = makeState
        self.emit = emit
    }

    /// (window, key) states held, open and kept.
    public var entriesHeld: Int { entryCount }

    /// Adds a record of time `time` and key `key`. The record's time first
    /// moves the watermark (emitting what it closes, which frees room; the
    /// record's own window stays open, as the watermark trails it by the
    /// delay), then `update` is applied to the state of every window the
    /// record falls into that is open or revisable.
    @discardableResult
    public func add(time: Int64, key: Key, update: (inout State) -> Void) throws(OutputError) -> Outcome {
        try advance(to: time)
        var counted = false
        var refused = false
        if assigner.isTumbling {
            // One window per time: spare the array of windows.
            if let window = assigner.tumblingWindow(containing: time) {
                place(update, window, key, &counted, &refused)
            }
        } else {
            for window in assigner.windows(containing: time) {
                place(update, window, key, &counted, &refused)
            }
        }
        // A record refused by any of its windows is an overflow, even if
        // others counted it: it is not fully counted, and that must show.
        let outcome: Outcome = refused ? .overflow : (counted ? .counted : .late)
        switch outcome {
        case .counted: counts.records += 1
        case .late: counts.late += 1
        case .overflow: counts.overflow += 1
        }
        return outcome
    }

    /// Moves event time on (a record's time or a tick's), emitting every
    /// window the watermark has passed and every revised one.
    public func advance(to time: Int64) throws(OutputError) {
        let before = watermark.value
        watermark.observe(time)
        let now = watermark.value
        guard now > before, now >= nextDeadline || revisionsWaiting else { return }
        try emitRevised()
        for start in open.keys.sorted() where open[start]!.window.end <= now {
            var bucket = open.removeValue(forKey: start)!
            lastBucketSize = min(bucket.count, maxEntries)
            try emitWindow(&bucket, onlyDirty: false)
            if watermark.lateness > 0 {
                // Marked in place and moved: marking a copy of the bucket
                // copied its whole entries array (10-14 % of window5s' time
                // with --lateness).
                for index in bucket.entries.indices { bucket.entries[index].revision = 1 }
                kept[start] = consume bucket
            } else {
                entryCount -= bucket.count
            }
        }
        for (start, bucket) in kept where watermark.standing(of: bucket.window) == .late {
            entryCount -= bucket.count
            kept.removeValue(forKey: start)
        }
        updateDeadline()
    }

    /// End of input: revisions, then every open window, in window order.
    public func finish() throws(OutputError) {
        try emitRevised()
        for start in open.keys.sorted() {
            try emitWindow(&open[start]!, onlyDirty: false)
        }
        open = [:]
        kept = [:]
        entryCount = 0
        nextDeadline = .max
    }

    // MARK: Internals

    private func place(_ update: (inout State) -> Void, _ window: EventTimeWindow, _ key: Key,
                       _ counted: inout Bool, _ refused: inout Bool) {
        let added: Bool
        switch watermark.standing(of: window) {
        case .open: added = apply(update, to: window, key, in: &open, markDirty: false)
        case .revisable: added = apply(update, to: window, key, in: &kept, markDirty: true)
        case .late: return
        }
        if added { counted = true } else { refused = true }
    }

    /// Applies `body` to the state of (window, key), made if need be;
    /// false if there was no room to make it.
    private func apply(_ body: (inout State) -> Void, to window: EventTimeWindow, _ key: Key,
                       in buckets: inout [Int64: Bucket], markDirty: Bool) -> Bool {
        if buckets[window.start] == nil {
            buckets[window.start] = Bucket(window: window, expecting: lastBucketSize)
            if window.end < nextDeadline { nextDeadline = window.end }
        }
        return modify(&buckets[window.start]!) { bucket in
            let index: Int
            if let slot = bucket.slots[key] {
                index = slot
            } else {
                guard entryCount < maxEntries else { return false }
                entryCount += 1
                index = bucket.entries.count
                bucket.slots[key] = index
                bucket.keys.append(key)
                bucket.entries.append(Entry(state: makeState()))
            }
            body(&bucket.entries[index].state)
            if markDirty && !bucket.entries[index].dirty {
                bucket.entries[index].dirty = true
                bucket.dirtyCount += 1
                revisionsWaiting = true
            }
            return true
        }
    }

    @inline(__always)
    private func modify<T>(_ value: inout T, _ body: (inout T) -> Bool) -> Bool { body(&value) }

    private func updateDeadline() {
        var deadline = Int64.max
        for bucket in open.values where bucket.window.end < deadline { deadline = bucket.window.end }
        for bucket in kept.values { deadline = min(deadline, watermark.expiry(ofWindowEndingAt: bucket.window.end)) }
        nextDeadline = deadline
    }

    private func emitRevised() throws(OutputError) {
        guard revisionsWaiting else { return }
        revisionsWaiting = false
        for start in kept.keys.sorted() where kept[start]!.dirtyCount > 0 {
            try emitWindow(&kept[start]!, onlyDirty: true)
            for index in kept[start]!.entries.indices where kept[start]!.entries[index].dirty {
                kept[start]!.entries[index].dirty = false
                kept[start]!.entries[index].revision += 1
            }
            kept[start]!.dirtyCount = 0
        }
    }

    /// Emits a bucket's states in key order (so output is reproducible);
    /// revision numbers continue from the last emission.
    private func emitWindow(_ bucket: inout Bucket, onlyDirty: Bool) throws(OutputError) {
        let (keys, window) = (bucket.keys, bucket.window)
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        try bucket.entries.withUnsafeMutableBufferPointer { entries throws(OutputError) in
            for index in order {
                if onlyDirty && !entries[index].dirty { continue }
                let revision = entries[index].revision + 1
                try withUnsafeMutablePointer(to: &entries[index].state) { state throws(OutputError) in
                    try emit(window, keys[index], state, revision)
                }
                counts.emitted += 1
                if revision > 1 { counts.revisions += 1 }
            }
        }
    }
}

/// What a windower did with the records it was given.
public struct WindowCounts: Sendable {
    /// Records added to at least one window.
    public var records = 0
    /// Records for windows past their lateness.
    public var late = 0
    /// Records refused by at least one of their windows because
    /// `maxEntries` states were held.
    public var overflow = 0
    public var emitted = 0
    /// Of `emitted`, revisions (revision 2 and above).
    public var revisions = 0
}

/// What became of a record.
public enum WindowOutcome: Equatable, Sendable {
    /// Counted in every window it falls into (at least one still open or revisable).
    case counted
    /// Every window it falls into is past its lateness.
    case late
    /// No room for a new (window, key) state.
    case overflow
}

