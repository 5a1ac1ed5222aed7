/// A window of event time, `[start, end)` in epoch nanoseconds.
public struct EventTimeWindow: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) {
        precondition(start < end, "EventTimeWindow: empty window")
        self.start = start
        self.end = end
    }

    public func contains(_ time: Int64) -> Bool { start <= time && time < end }

    /// Ordered by end, then start: the order in which a watermark closes them.
    public static func < (a: EventTimeWindow, b: EventTimeWindow) -> Bool {
        (a.end, a.start) < (b.end, b.start)
    }

    public var description: String { "[\(Timestamp(nanoseconds: start).seconds), \(Timestamp(nanoseconds: end).seconds))" }
}

/// Which windows a record's time falls into, aligned to the epoch:
/// tumbling windows of `size` (one per time), or sliding windows of
/// `size` starting every `slide` (size/slide of them, rounded up, per
/// time). Session windows depend on the records around them, not on the
/// time alone, and are kept by `SessionWindows`.
public struct WindowAssigner: Sendable {
    public let size: Int64
    public let slide: Int64

    public init(size: Int64, slide: Int64? = nil) {
        let slide = slide ?? size
        precondition(size > 0 && slide > 0 && slide <= size, "WindowAssigner: need 0 < slide <= size")
        self.size = size
        self.slide = slide
    }

    public var isTumbling: Bool { slide == size }

    /// The one window of a tumbling assigner that contains `time`, or nil
    /// where it cannot be represented (the ends of Int64).
    @inline(__always)
    public func tumblingWindow(containing time: Int64) -> EventTimeWindow? {
        let (start, beyond) = floorDivide(time, size).multipliedReportingOverflow(by: size)
        guard !beyond else { return nil }
        return EventTimeWindow(start: start, end: start.saturatingAdding(size))
    }

    /// The windows that contain `time`, earliest first.
    public func windows(containing time: Int64) -> [EventTimeWindow] {
        // Starts are multiples of `slide` in (time - size, time]. Within a
        // window of the ends of Int64 (years 1677 and 2262) a start that
        // cannot be represented is left out and an end is held at the limit.
        let (last, beyond) = floorDivide(time, slide).multipliedReportingOverflow(by: slide)
        guard !beyond else { return [] }
        let (lowest, underflow) = time.subtractingReportingOverflow(size)
        var windows: [EventTimeWindow] = []
        var start = last
        while underflow || start > lowest {
            windows.append(EventTimeWindow(start: start, end: start.saturatingAdding(size)))
            let (previous, startUnderflow) = start.subtractingReportingOverflow(slide)
            if startUnderflow { break }
            start = previous
        }
        return windows.reversed()
    }
}

/// The event-time clock of a stream: the largest time seen less the
/// allowed delay. A window may be closed once the watermark reaches its
/// end; with allowed lateness, its result may still be revised until the
/// watermark reaches its end plus the lateness, and records for it after
/// that are late.
public struct Watermark: Sendable {
    public let maxDelay: Int64
    public let lateness: Int64
    /// The largest event time seen; Int64.min before the first.
    public private(set) var latest: Int64 = .min

    public init(maxDelay: Int64, lateness: Int64 = 0) {
        precondition(maxDelay >= 0 && lateness >= 0)
        self.maxDelay = maxDelay
        self.lateness = lateness
    }

    /// Moves the clock on (a record's time, or a tick's); earlier times
    /// leave it where it is.
    public mutating func observe(_ time: Int64) {
        if time > latest { latest = time }
    }

    public var value: Int64 {
        latest.saturatingAdding(-maxDelay)
    }

    /// What a record may still do to `window`.
    public enum Standing: Equatable, Sendable {
        /// The window is open: the record simply counts.
        case open
        /// Closed and emitted, but within the lateness: the record counts
        /// and the window is emitted again, revised.
        case revisable
        /// Beyond the lateness: the record is late.
        case late
    }

    /// The watermark at which a window ending at `end` is past its lateness.
    public func expiry(ofWindowEndingAt end: Int64) -> Int64 { end.saturatingAdding(lateness) }

    public func standing(of window: EventTimeWindow) -> Standing {
        let now = value
        if now < window.end { return .open }
        return now < expiry(ofWindowEndingAt: window.end) ? .revisable : .late
    }
}
