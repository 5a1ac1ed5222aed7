import SluiceCore

/// Session windows per key: a key's session starts at its first record and
/// goes on while records come within `gap` of the last one; it ends at its
/// last record's time plus the gap, and is emitted once the watermark
/// passes that end. Records that fall between two open sessions of a key
/// join them into one.
///
/// Lateness works as for fixed windows: an emitted session is kept until
/// the watermark passes its end plus the lateness, and a record within its
/// reach (its start less the gap to its end) revises it. A revision keeps
/// the session's start, the identity downstream consumers replace by, and
/// may move its end; it is not merged with other sessions. A record that
/// reaches no open or kept session and whose own session would already be
/// past its lateness is late.
public final class SessionWindower<Key: Hashable & Comparable, State> {
    public typealias Emit = Windower<Key, State>.Emit

    private struct Session {
        var start: Int64
        var last: Int64
        var state: State
        /// Of the last emission; 0 while open.
        var revision = 0
        var dirty = false
    }

    public let gap: Int64
    public let maxEntries: Int
    public private(set) var watermark: Watermark
    public private(set) var counts = WindowCounts()
    private let makeState: () -> State
    private let mergeStates: (inout State, State) -> Void
    private let emit: Emit
    /// Per key, sessions by start, not overlapping.
    private var sessions: [Key: [Session]] = [:]
    private var entryCount = 0
    /// A kept session was revised since the last emission.
    private var revisionsWaiting = false
    /// When a key's sessions may next need emitting or dropping: one live
    /// entry per session, checked against the session when it comes due.
    private var deadlines = MinimumHeap<Deadline>()

    private struct Deadline: Comparable {
        var time: Int64
        var key: Key
        static func < (a: Deadline, b: Deadline) -> Bool { a.time < b.time }
    }

    public init(gap: Int64, watermark: Watermark, maxEntries: Int, makeState: @escaping () -> State,
                merge: @escaping (inout State, State) -> Void, emit: @escaping Emit) {
        precondition(gap > 0 && maxEntries > 0)
        self.gap = gap
        self.watermark = watermark
        self.maxEntries = maxEntries
        self.makeState = makeState
        mergeStates = merge
        self.emit = emit
    }

    public var entriesHeld: Int { entryCount }

    private func end(_ session: Session) -> Int64 { session.last.saturatingAdding(gap) }

    /// When the session next needs attention: its end while open, its end
    /// plus the lateness once emitted.
    private func deadline(_ session: Session) -> Int64 {
        session.revision > 0 ? watermark.expiry(ofWindowEndingAt: end(session)) : end(session)
    }

    /// Times must lie in `Timestamp.supportedEventTimes` (the record
    /// readers ensure it), so a session always ends after it starts.
    @discardableResult
    public func add(time: Int64, key: Key, update: (inout State) -> Void) throws(OutputError) -> WindowOutcome {
        try advance(to: time)
        var list = sessions.removeValue(forKey: key) ?? []
        defer { if !list.isEmpty { sessions[key] = list } }
        let reachEnd = time.saturatingAdding(gap)
        // Sessions the record's own span [time, time + gap) touches.
        let touched = list.indices.filter { list[$0].start < reachEnd && time < end(list[$0]) }

        if let kept = touched.first(where: { list[$0].revision > 0 }) {
            update(&list[kept].state)
            list[kept].last = max(list[kept].last, time)
            list[kept].dirty = true
            revisionsWaiting = true
            counts.records += 1
            return .counted
        }
        if !touched.isEmpty {
            // Merge every open session touched into the first.
            let first = touched[0]
            for index in touched.dropFirst().reversed() {
                let other = list.remove(at: index)
                mergeStates(&list[first].state, other.state)
                list[first].start = min(list[first].start, other.start)
                list[first].last = max(list[first].last, other.last)
                entryCount -= 1
            }
            update(&list[first].state)
            list[first].start = min(list[first].start, time)
            list[first].last = max(list[first].last, time)
            counts.records += 1
            return .counted
        }
        if watermark.expiry(ofWindowEndingAt: reachEnd) <= watermark.value {
            counts.late += 1
            return .late
        }
        guard entryCount < maxEntries else {
            counts.overflow += 1
            return .overflow
        }
        var session = Session(start: time, last: time, state: makeState())
        update(&session.state)
        let position = list.firstIndex { $0.start > time } ?? list.count
        list.insert(session, at: position)
        entryCount += 1
        deadlines.push(Deadline(time: reachEnd, key: key))
        counts.records += 1
        return .counted
    }

    public func advance(to time: Int64) throws(OutputError) {
        let before = watermark.value
        watermark.observe(time)
        let now = watermark.value
        guard now > before else { return }
        var due: [(end: Int64, start: Int64, key: Key)] = []
        var dueKeys: [Key] = []
        while let next = deadlines.minimum, next.time <= now {
            deadlines.popMinimum()
            dueKeys.append(next.key)
        }
        if revisionsWaiting {
            revisionsWaiting = false
            for (key, list) in sessions where list.contains(where: \.dirty) { dueKeys.append(key) }
        }
        var seen = Set<Key>()
        for key in dueKeys where seen.insert(key).inserted {
            guard let list = sessions[key] else { continue }
            for session in list where session.dirty || (session.revision == 0 && end(session) <= now) {
                due.append((end(session), session.start, key))
            }
        }
        due.sort { ($0.end, $0.start, $0.key) < ($1.end, $1.start, $1.key) }
        for item in due {
            guard let index = sessions[item.key]?.firstIndex(where: { $0.start == item.start }) else { continue }
            try write(sessions[item.key]![index], key: item.key)
            sessions[item.key]![index].revision += 1
            sessions[item.key]![index].dirty = false
        }
        // Drop what is past its lateness; reschedule what is not yet due.
        for key in seen {
            guard var list = sessions[key] else { continue }
            let held = list.count
            list.removeAll { $0.revision > 0 && deadline($0) <= now }
            entryCount -= held - list.count
            var earliest = Int64.max
            for session in list { earliest = min(earliest, deadline(session)) }
            if list.isEmpty { sessions[key] = nil } else {
                sessions[key] = list
                if earliest != .max { deadlines.push(Deadline(time: earliest, key: key)) }
            }
        }
    }

    /// Emits the session as its next revision.
    private func write(_ session: Session, key: Key) throws(OutputError) {
        try withUnsafePointer(to: session.state) { state throws(OutputError) in
            try emit(EventTimeWindow(start: session.start, end: end(session)), key, state, session.revision + 1)
        }
        counts.emitted += 1
        if session.revision > 0 { counts.revisions += 1 }
    }

    /// End of input: every session not yet written, and every revision, in
    /// order of end.
    public func finish() throws(OutputError) {
        var all: [(end: Int64, start: Int64, key: Key, session: Session)] = []
        for (key, list) in sessions {
            for session in list where session.revision == 0 || session.dirty {
                all.append((end(session), session.start, key, session))
            }
        }
        all.sort { ($0.end, $0.start, $0.key) < ($1.end, $1.start, $1.key) }
        for item in all { try write(item.session, key: item.key) }
        sessions = [:]
        entryCount = 0
        deadlines = MinimumHeap()
    }
}

/// A binary min-heap: the session clock's queue of deadlines.
struct MinimumHeap<Element: Comparable> {
    private var items: [Element] = []

    var minimum: Element? { items.first }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popMinimum() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count && items[left] < items[smallest] { smallest = left }
            if right < items.count && items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
