import SluiceCore

/// Which coarse windows cascade must (re)compute and when. A coarse window
/// completes when the watermark passes its end plus the lateness, never by
/// counting the fine windows in it: a host silent for a while still gets
/// its coarse windows. A fine window arriving for a coarse window already
/// complete re-merges it and revises the keys it touched.
public struct CoarseSchedule {
    public let levels: Levels
    /// Nanoseconds after a coarse window's end before it completes.
    public let lateness: Int64

    /// A coarse window of one sensor: its level's index in `levels` and
    /// its start, epoch seconds.
    public struct Range: Hashable, Comparable, Sendable {
        public var levelIndex: Int
        public var sensor: String
        public var start: Int64

        public static func < (a: Range, b: Range) -> Bool {
            (a.levelIndex, a.start, a.sensor) < (b.levelIndex, b.start, b.sensor)
        }
    }

    /// What to compute: a range, and which keys (`kind\thost`) to write
    /// out; nil writes every key (a range completing for the first time).
    public struct Work: Equatable, Sendable {
        public var range: Range
        public var keys: Set<String>?
    }

    /// Ranges holding windows, waiting for the watermark.
    private var open: Set<Range> = []
    /// Complete ranges that changed since, with the keys that did.
    private var revisits: [Range: Set<String>] = [:]

    public init(levels: Levels, lateness: Int64) {
        self.levels = levels
        self.lateness = lateness
    }

    public var isEmpty: Bool { open.isEmpty && revisits.isEmpty }

    /// The coarse window of level `levelIndex` holding a window that
    /// starts at `start`.
    public func range(levelIndex: Int, sensor: String, containing start: Int64) -> Range {
        let length = levels.seconds[levelIndex]
        return Range(levelIndex: levelIndex, sensor: sensor, start: floorDivide(start, length) * length)
    }

    /// Whether `range` completes at `watermark` (nanoseconds).
    public func isDue(_ range: Range, watermark: Int64) -> Bool {
        let end = (range.start + levels.seconds[range.levelIndex]).multipliedReportingOverflow(by: 1_000_000_000)
        return !end.overflow && end.partialValue.saturatingAdding(lateness) <= watermark
    }

    /// A window of level `levelIndex - 1` with key `key` was stored (or
    /// merged) at `start`: the range above it must be computed.
    public mutating func changed(levelIndex: Int, sensor: String, start: Int64, key: String, watermark: Int64) {
        guard levelIndex < levels.seconds.count else { return }
        let range = range(levelIndex: levelIndex, sensor: sensor, containing: start)
        if open.contains(range) { return }
        if isDue(range, watermark: watermark) {
            revisits[range, default: []].insert(key)
        } else {
            open.insert(range)
        }
    }

    /// Whether `range` waits to be computed in full (for the first time,
    /// or after a restart).
    public func isOpen(_ range: Range) -> Bool { open.contains(range) }

    /// A range found in the database after a restart: computed in full
    /// when due.
    public mutating func reopen(_ range: Range) {
        revisits[range] = nil
        open.insert(range)
    }

    /// The work due at `watermark` (all of it at the end of input, when
    /// `watermark` is nil), finest level first, in time order. Taking work
    /// does not remove it: `done` does, once it is stored.
    public func due(watermark: Int64?) -> [Work] {
        var work: [Work] = []
        for range in open where watermark.map({ isDue(range, watermark: $0) }) ?? true {
            work.append(Work(range: range, keys: nil))
        }
        for (range, keys) in revisits where !open.contains(range) {
            work.append(Work(range: range, keys: keys))
        }
        return work.sorted { $0.range < $1.range }
    }

    public mutating func done(_ work: Work) {
        if work.keys == nil {
            open.remove(work.range)
        } else if let keys = work.keys, var waiting = revisits[work.range] {
            waiting.subtract(keys)
            revisits[work.range] = waiting.isEmpty ? nil : waiting
        }
    }

    /// The time up to which level `levelIndex` is complete at `watermark`:
    /// the end of the last range that is due, epoch seconds.
    public func completedUntil(levelIndex: Int, watermark: Int64) -> Int64 {
        let length = levels.seconds[levelIndex]
        let seconds = floorDivide(watermark.saturatingAdding(-lateness), 1_000_000_000)
        return floorDivide(seconds, length) * length
    }
}
