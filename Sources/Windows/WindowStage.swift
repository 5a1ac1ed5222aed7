import SluiceCore

/// One way of turning records into windows, behind window5s's input loop:
/// which lines it uses, how it reads one, how it counts it, and how it
/// writes a window record.
public protocol WindowStage: AnyObject {
    associatedtype Record

    /// The keys the stage's parser registers: `type` and `ts` first (slots
    /// `windowTypeSlot` and `windowTsSlot`), for roles and ticks.
    var keys: FieldKeys { get }
    /// What the parsed line is to the stage.
    func role(of parser: JSONLineParser) -> RecordRole
    /// Reads a line whose role is `.windowed`; the error names the field at fault.
    func read(_ parser: JSONLineParser) throws(FieldError) -> Record
    /// Counts the record in its windows, emitting what its time closes.
    func add(_ record: Record) throws(OutputError) -> WindowOutcome
    /// Moves event time on (a tick), emitting what it closes.
    func advance(to time: Int64) throws(OutputError)
    /// End of input: every window is emitted.
    func finish() throws(OutputError)
    var counts: WindowCounts { get }
}

public let windowTypeSlot = 0
public let windowTsSlot = 1

public enum RecordRole: Sendable {
    case windowed
    /// A tick: moves event time, then passes through.
    case tick
    /// Not the stage's: written through untouched.
    case passThrough
}


/// The start of every window record, shared by the stages:
/// `{"type":"window","ts":…,"window_start":…,"window_end":…` (the key and
/// the rest follow). Times are exact, with as many decimals as they need.
public func beginWindowRecord(_ window: EventTimeWindow, writer: NDJSONWriter) {
    writer.beginRecord(type: "window")
    writer.withCursor(reserving: 96) { cursor in
        cursor.key("ts")
        cursor.scaledDecimal(window.start, scale: 9)
        cursor.key("window_start")
        cursor.scaledDecimal(window.start, scale: 9)
        cursor.key("window_end")
        cursor.scaledDecimal(window.end, scale: 9)
    }
}
