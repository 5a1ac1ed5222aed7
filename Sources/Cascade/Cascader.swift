import SluiceCore
import Store
import Windows

#if canImport(Glibc)
import Glibc
#endif

/// The cascade stage: fine windows in, stored in batches; coarse windows
/// merged from the database when the watermark completes them; every
/// window written to stdout only once it is stored, in input order, so
/// what downstream has seen is in the database.
///
/// When the database goes away, windows wait in memory (up to
/// `maxPending`, then input waits too) while cascade reconnects with
/// backoff; after `databaseTimeout` seconds without it, the run fails.
public final class Cascader {
    public struct Settings {
        public var levels: Levels
        public var lateness: Int64
        public var maxDelay: Int64
        public var batchRows: Int
        public var batchSeconds: Double
        public var maxPending: Int
        public var databaseTimeout: Double
        public var retention: Int64?

        public init(levels: Levels, lateness: Int64, maxDelay: Int64, batchRows: Int, batchSeconds: Double,
                    maxPending: Int, databaseTimeout: Double, retention: Int64?) {
            self.levels = levels
            self.lateness = lateness
            self.maxDelay = maxDelay
            self.batchRows = batchRows
            self.batchSeconds = batchSeconds
            self.maxPending = maxPending
            self.databaseTimeout = databaseTimeout
            self.retention = retention
        }
    }

    public struct Counts {
        public var stored = 0
        public var merged = 0
        public var mergedRevisions = 0
        public var expired = 0
        public var ticks = 0
        public var passed = 0
    }

    private let settings: Settings
    private let store: WindowStore
    private let writer: NDJSONWriter
    private let diagnostics: Diagnostics
    private var schedule: CoarseSchedule
    public private(set) var counts = Counts()

    /// Event time: the latest fine window start, or tick time less the
    /// delay, nanoseconds.
    private var watermark = Int64.min
    private var pendingWindows: [FineWindow] = []
    /// What goes to stdout once `pendingWindows` is stored, in input order.
    private var pendingOutput: [UInt8] = []
    private var pendingSince = 0.0
    /// Sensors whose database progress has been read (restart recovery).
    private var knownSensors: Set<String> = []
    private var droppedBefore = Int64.min
    /// Where merged windows are written to measure them (`WindowRecords.fit`); never flushed.
    private let scratch = NDJSONWriter(fileDescriptor: -1, bufferSize: 1 << 14)

    private var outageSince: Double?
    private var nextAttempt = 0.0
    private var backoff = 0.1

    public init(settings: Settings, store: WindowStore, writer: NDJSONWriter, diagnostics: Diagnostics) {
        self.settings = settings
        self.store = store
        self.writer = writer
        self.diagnostics = diagnostics
        schedule = CoarseSchedule(levels: settings.levels, lateness: settings.lateness)
    }

    // MARK: Input

    /// A fine window and the line that goes out for it once stored.
    public func add(_ window: FineWindow, line: [UInt8]) throws(CascadeError) {
        let start = window.identity.startSeconds
        if let retention = settings.retention, watermark != .min,
           (start + window.identity.levelSeconds) * 1_000_000_000 <= watermark.saturatingAdding(-retention) {
            counts.expired += 1
            return
        }
        if start.multipliedReportingOverflow(by: 1_000_000_000).partialValue > watermark {
            // A new window start completes everything ending before it:
            // store what is pending, then merge what is due.
            try flush()
            watermark = start * 1_000_000_000
            try mergeDue()
        }
        try recover(window.identity.sensor)
        pendingWindows.append(window)
        pendingOutput.append(contentsOf: line)
        if pendingWindows.count == 1 { pendingSince = monotonicNow() }
        try flushIfDue()
    }

    /// A tick moves event time on (less the delay) and goes out in order.
    /// The coarse windows it completes go out before it, as window5s's
    /// windows do before the tick that closed them.
    public func tick(at time: Int64, line: UnsafeBufferPointer<UInt8>) throws(CascadeError) {
        counts.ticks += 1
        let moved = time.saturatingAdding(-settings.maxDelay)
        if moved > watermark {
            try flush()
            watermark = moved
            try mergeDue()
        }
        try passThrough(line, counted: false)
    }

    /// Records that are not fine windows go out in order with the windows.
    public func passThrough(_ line: UnsafeBufferPointer<UInt8>, counted: Bool = true) throws(CascadeError) {
        if counted { counts.passed += 1 }
        pendingOutput.append(contentsOf: line)
        if line.last != UInt8(ascii: "\n") { pendingOutput.append(UInt8(ascii: "\n")) }
        if pendingWindows.isEmpty { try writePendingOutput() } else { try flushIfDue() }
    }

    static let maxPendingBytes = 256 << 20

    /// End of input: stores what is pending and completes every coarse
    /// window that has windows, whatever the watermark.
    public func finish() throws(CascadeError) {
        try flush(waiting: true)
        try mergeDue(all: true)
        try recordProgress(atEnd: true)
        try writePendingOutput()
        do { try writer.flush() } catch { throw .output(error) }
    }

    // MARK: Storing

    private func flushIfDue() throws(CascadeError) {
        // Held lines count too: an outage during a stream of ticks and
        // other records must not grow without bound either.
        if pendingWindows.count >= settings.maxPending || pendingOutput.count >= Self.maxPendingBytes {
            try flush(waiting: true)
        } else if pendingWindows.count >= settings.batchRows || monotonicNow() - pendingSince >= settings.batchSeconds {
            try flush()
        }
    }

    /// Stores the pending windows. While the database is away this only
    /// tries again when the backoff allows, unless `waiting`, which keeps
    /// trying until it works or `databaseTimeout` runs out.
    private func flush(waiting: Bool = false) throws(CascadeError) {
        guard !pendingWindows.isEmpty else { return }
        let latest = Self.latestRevisions(pendingWindows)
        var transaction: UInt32?
        let stored = try withDatabase(waiting: waiting) { () throws(StoreError) in
            transaction = try store.storeFine(latest)
        }
        guard stored else { return }
        counts.stored += pendingWindows.count
        for window in latest {
            let identity = window.identity
            schedule.changed(levelIndex: 1, sensor: identity.sensor, start: identity.startSeconds,
                             key: identity.keyKind + "\t" + identity.keyValue, watermark: watermark)
            hold(HeldWindow(identity: identity, revision: window.revision, features: window.features, transaction: transaction),
                 levelIndex: 1)
        }
        pendingWindows.removeAll(keepingCapacity: true)
        try writePendingOutput()
        try mergeDue()
    }

    /// One row per key in a batch: the highest revision, the later of equals.
    static func latestRevisions(_ windows: [FineWindow]) -> [FineWindow] {
        var indexOfKey: [WindowIdentity: Int] = [:]
        var result: [FineWindow] = []
        result.reserveCapacity(windows.count)
        for window in windows {
            if let index = indexOfKey[window.identity] {
                if window.revision >= result[index].revision { result[index] = window }
            } else {
                indexOfKey[window.identity] = result.count
                result.append(window)
            }
        }
        return result
    }

    private func writePendingOutput() throws(CascadeError) {
        guard !pendingOutput.isEmpty else { return }
        do {
            try pendingOutput.withUnsafeBufferPointer { buffer throws(OutputError) in try writer.writeLines(buffer) }
        } catch { throw .output(error) }
        pendingOutput.removeAll(keepingCapacity: true)
    }

    // MARK: Coarse windows

    /// Merges every coarse window due (all that have windows when `all`),
    /// level by level, each level's results feeding the next.
    private func mergeDue(all: Bool = false) throws(CascadeError) {
        guard pendingWindows.isEmpty else { return }
        while true {
            let work = schedule.due(watermark: all ? nil : watermark)
            guard !work.isEmpty else { break }
            for item in work {
                let range = item.range
                let level = settings.levels.seconds[range.levelIndex]
                let below = settings.levels.seconds[range.levelIndex - 1]
                var merge: WindowStore.CoarseMerge?
                let held = self.held[range]
                let done = try withDatabase(waiting: all) { () throws(StoreError) in
                    merge = try store.mergeCoarse(level: level, below: below, sensor: range.sensor, start: range.start, held: held) {
                        WindowRecords.fit(&$0, scratch: scratch)
                    }
                }
                guard done, let merge else { return }
                schedule.done(item)
                self.held[range] = nil
                let merged = merge.windows
                let end = range.start + level
                let key = "\(range.sensor)\t\(range.levelIndex)"
                if end > completedEnds[key] ?? .min { completedEnds[key] = end }
                for window in merged {
                    let key = window.identity.keyKind + "\t" + window.identity.keyValue
                    guard item.keys?.contains(key) ?? true else { continue }
                    counts.merged += 1
                    if window.revision > 1 { counts.mergedRevisions += 1 }
                    do { try WindowRecords.write(window, to: writer) } catch { throw .output(error) }
                    schedule.changed(levelIndex: range.levelIndex + 1, sensor: range.sensor, start: range.start,
                                     key: key, watermark: watermark)
                }
                if range.levelIndex + 1 < settings.levels.seconds.count,
                   schedule.isOpen(schedule.range(levelIndex: range.levelIndex + 1, sensor: range.sensor, containing: range.start)) {
                    for (window, content) in zip(merged, merge.contents) {
                        // What the level above reads back is the stored bytes.
                        guard let features = try? WindowColumns.features(fromContent: content) else { continue }
                        hold(HeldWindow(identity: window.identity, revision: window.revision, features: features,
                                        transaction: merge.transaction), levelIndex: range.levelIndex + 1)
                    }
                }
            }
        }
        if !all { try recordProgress() }
    }

    /// Per coarse window not merged yet, the windows below it that this run
    /// stored or merged, as stored, so that its merge need not read them
    /// back (`WindowStore.mergeCoarse(held:)` checks that the database
    /// holds just these). Dropped once merged: a late window re-merges
    /// from the database.
    ///
    /// A list, not a map by key: a window that replaces one held (the same
    /// key) was stored through the staging table, so it is held without a
    /// transaction, and the merge reads the database anyway.
    private var held: [CoarseSchedule.Range: [HeldWindow]] = [:]

    private func hold(_ window: HeldWindow, levelIndex: Int) {
        guard levelIndex < settings.levels.seconds.count else { return }
        let range = schedule.range(levelIndex: levelIndex, sensor: window.identity.sensor, containing: window.identity.startSeconds)
        guard schedule.isOpen(range) else { return }
        held[range, default: []].append(window)
    }

    private var recordedProgress: [String: Int64] = [:]
    /// Per sensor and level (`sensor\tindex`): the end of the latest coarse
    /// window merged.
    private var completedEnds: [String: Int64] = [:]

    /// Records how far each coarse level is complete: by the watermark, or
    /// at the end of input as far as anything was merged (a later run then
    /// does not merge and write those windows again).
    private func recordProgress(atEnd: Bool = false) throws(CascadeError) {
        guard watermark != .min else { return }
        for sensor in knownSensors {
            for index in settings.levels.seconds.indices.dropFirst() {
                let key = "\(sensor)\t\(index)"
                var until = schedule.completedUntil(levelIndex: index, watermark: watermark)
                if atEnd, let end = completedEnds[key] { until = max(until, end) }
                guard recordedProgress[key].map({ until > $0 }) ?? true else { continue }
                let done = try withDatabase(waiting: false) { () throws(StoreError) in
                    try store.recordProgress(sensor: sensor, level: settings.levels.seconds[index], completedUntil: until)
                }
                if done { recordedProgress[key] = until }
            }
        }
        if !atEnd { try dropExpiredPartitions() }
    }

    /// The first time a sensor is seen: coarse windows it has in the
    /// database beyond its recorded progress (a run that died before
    /// merging them) are merged again when due.
    private func recover(_ sensor: String) throws(CascadeError) {
        guard !knownSensors.contains(sensor) else { return }
        var progress: [Int64: Int64] = [:]
        var starts: [[Int64]] = []
        let read = try withDatabase(waiting: true) { () throws(StoreError) in
            progress = try store.progress(sensor: sensor)
            starts = []
            for (index, level) in settings.levels.seconds.enumerated().dropFirst() {
                starts.append(try store.coarseStarts(level: level, below: settings.levels.seconds[index - 1],
                                                     sensor: sensor, since: progress[level]))
            }
        }
        guard read else { return }
        knownSensors.insert(sensor)
        for (offset, levelStarts) in starts.enumerated() {
            for start in levelStarts {
                schedule.reopen(CoarseSchedule.Range(levelIndex: offset + 1, sensor: sensor, start: start))
            }
        }
    }

    private func dropExpiredPartitions() throws(CascadeError) {
        guard let retention = settings.retention else { return }
        let cutoff = floorDivide(watermark.saturatingAdding(-retention), 1_000_000_000)
        let partition = floorDivide(cutoff, store.partitionSeconds)
        guard partition > droppedBefore else { return }
        var dropped: [String] = []
        let done = try withDatabase(waiting: false) { () throws(StoreError) in
            dropped = try store.dropPartitions(before: cutoff)
        }
        guard done else { return }
        droppedBefore = partition
        for name in dropped { diagnostics.say("retention: dropped \(name)") }
    }

    // MARK: The database going away

    /// Runs `body`; if the database is unreachable, reconnects with backoff
    /// (each call tries once when the backoff allows; `waiting` keeps
    /// trying) and returns false when it could not run `body`. After
    /// `databaseTimeout` seconds of outage, throws.
    private func withDatabase(waiting: Bool, _ body: () throws(StoreError) -> Void) throws(CascadeError) -> Bool {
        while true {
            let now = monotonicNow()
            if outageSince == nil || now >= nextAttempt {
                do {
                    if outageSince != nil { try store.reconnect() }
                    try body()
                    if let since = outageSince {
                        diagnostics.say("database back after \(Int((now - since).rounded())) s; catching up")
                        outageSince = nil
                        backoff = 0.1
                    }
                    return true
                } catch let error where error.isUnreachable {
                    if outageSince == nil {
                        outageSince = now
                        diagnostics.say("\(error); holding windows in memory (up to \(settings.maxPending)) and retrying")
                    }
                    nextAttempt = now + backoff
                    backoff = min(backoff * 2, 5)
                } catch {
                    throw .database(error)
                }
            }
            if let since = outageSince, now - since >= settings.databaseTimeout {
                throw .databaseTimeout(seconds: settings.databaseTimeout, unstored: pendingWindows.count)
            }
            if waiting && StopSignal.isPending { throw .stoppedWhileUnreachable(unstored: pendingWindows.count) }
            guard waiting else { return false }
            let pause = max(0.01, min(nextAttempt, (outageSince ?? now) + settings.databaseTimeout) - now)
            usleep(UInt32(pause * 1_000_000))
        }
    }
}

public enum CascadeError: Error, CustomStringConvertible {
    case output(OutputError)
    case database(StoreError)
    case databaseTimeout(seconds: Double, unstored: Int)
    case stoppedWhileUnreachable(unstored: Int)

    public var description: String {
        switch self {
        case .output(let error): error.message
        case .database(let error): error.description
        case .databaseTimeout(let seconds, let unstored):
            "database unreachable for \(Int(seconds)) s (--db-timeout); \(unstored) windows read were not stored and not written out"
        case .stoppedWhileUnreachable(let unstored):
            "stopped while the database was unreachable; \(unstored) windows read were not stored and not written out"
        }
    }
}
