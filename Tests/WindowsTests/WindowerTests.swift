import SluiceCore
import Testing
@testable import Windows

/// The window clock: emission by watermark, lateness and revisions, late
/// records, sliding windows, the bound on states.
@Suite struct WindowerTests {
    static let second: Int64 = 1_000_000_000

    /// Every emission as "start-end key count rN", in order.
    final class Log {
        var lines: [String] = []
    }

    static func windower(size: Int64 = 5, slide: Int64? = nil, delay: Int64 = 1, lateness: Int64 = 0,
                         maxEntries: Int = 1000, log: Log) -> Windower<String, Int> {
        Windower<String, Int>(
            assigner: WindowAssigner(size: size * second, slide: slide.map { $0 * second }),
            watermark: Watermark(maxDelay: delay * second, lateness: lateness * second),
            maxEntries: maxEntries, makeState: { 0 },
            emit: { window, key, count, revision in
                log.lines.append("\(window.start / second)-\(window.end / second) \(key) \(count.pointee) r\(revision)")
            })
    }

    static func add(_ windower: Windower<String, Int>, _ seconds: Double, _ key: String) throws -> Windower<String, Int>.Outcome {
        try windower.add(time: Int64(seconds * 1e9), key: key) { $0 += 1 }
    }

    // Expected: with a 1 s delay, [0, 5) is emitted by the first record at
    // 6 s or later (watermark 5), keys in byte order; [5, 10) at the end.
    @Test func tumblingWindowsCloseByWatermark() throws {
        let log = Log()
        let windower = Self.windower(log: log)
        _ = try Self.add(windower, 1, "b")
        _ = try Self.add(windower, 2, "a")
        _ = try Self.add(windower, 4.5, "b")
        _ = try Self.add(windower, 5.9, "a")
        #expect(log.lines.isEmpty)
        _ = try Self.add(windower, 6, "a")
        #expect(log.lines == ["0-5 a 1 r1", "0-5 b 2 r1"])
        try windower.finish()
        #expect(log.lines == ["0-5 a 1 r1", "0-5 b 2 r1", "5-10 a 2 r1"])
    }

    // Expected: with 2 s of lateness a record for [0, 5) at watermark 5 or 6
    // revises it (revision 2, emitted when the watermark next moves, one
    // revision for two late records); at watermark 7 it is late.
    @Test func latenessRevisesThenRefuses() throws {
        let log = Log()
        let windower = Self.windower(lateness: 2, log: log)
        _ = try Self.add(windower, 1, "a")
        _ = try Self.add(windower, 6, "a")          // watermark 5: [0, 5) emitted
        #expect(try Self.add(windower, 3, "a") == .counted)
        #expect(try Self.add(windower, 4, "a") == .counted)
        _ = try Self.add(windower, 7, "a")          // watermark 6: the revision goes out
        #expect(log.lines == ["0-5 a 1 r1", "0-5 a 3 r2"])
        _ = try Self.add(windower, 8, "a")          // watermark 7: [0, 5) past its lateness
        #expect(try Self.add(windower, 2, "a") == .late)
        #expect(windower.counts.late == 1 && windower.counts.revisions == 1)
    }

    // Expected: without lateness a record for an emitted window is late at once.
    @Test func withoutLatenessEmittedWindowsAreFinal() throws {
        let log = Log()
        let windower = Self.windower(log: log)
        _ = try Self.add(windower, 1, "a")
        _ = try Self.add(windower, 6, "a")
        #expect(try Self.add(windower, 4.9, "a") == .late)
        try windower.finish()
        #expect(log.lines == ["0-5 a 1 r1", "5-10 a 1 r1"])
    }

    // Expected: a 10 s window sliding by 5 s counts a record at 7 s in
    // [0, 10) and [5, 15).
    @Test func slidingWindowsCountARecordInEach() throws {
        let log = Log()
        let windower = Self.windower(size: 10, slide: 5, log: log)
        _ = try Self.add(windower, 7, "a")
        try windower.finish()
        #expect(log.lines == ["0-10 a 1 r1", "5-15 a 1 r1"])
    }

    // Expected: with room for 2 states, a third key in the same window is
    // refused and counted; room comes back once a window is emitted.
    @Test func statesAreBounded() throws {
        let log = Log()
        let windower = Self.windower(maxEntries: 2, log: log)
        #expect(try Self.add(windower, 1, "a") == .counted)
        #expect(try Self.add(windower, 1, "b") == .counted)
        #expect(try Self.add(windower, 1, "c") == .overflow)
        _ = try Self.add(windower, 6, "a")
        #expect(try Self.add(windower, 6.5, "c") == .counted)
        #expect(windower.counts.overflow == 1)
    }

    // Expected: ticks (advance) close windows on a quiet stream.
    @Test func ticksCloseWindows() throws {
        let log = Log()
        let windower = Self.windower(log: log)
        _ = try Self.add(windower, 1, "a")
        try windower.advance(to: 20 * Self.second)
        #expect(log.lines == ["0-5 a 1 r1"])
    }
}
