import Testing
@testable import SluiceCore

/// Event-time window arithmetic: assignment and the watermark.
@Suite struct EventTimeWindowTests {
    static let second: Int64 = 1_000_000_000

    // Expected: tumbling 5 s windows are epoch-aligned and half-open: 12.3 s
    // is in [10, 15), 15.0 s in [15, 20), and -0.5 s in [-5, 0).
    @Test func tumblingWindows() {
        let assigner = WindowAssigner(size: 5 * Self.second)
        #expect(assigner.windows(containing: 12_300_000_000) == [EventTimeWindow(start: 10 * Self.second, end: 15 * Self.second)])
        #expect(assigner.windows(containing: 15 * Self.second) == [EventTimeWindow(start: 15 * Self.second, end: 20 * Self.second)])
        #expect(assigner.windows(containing: -Self.second / 2) == [EventTimeWindow(start: -5 * Self.second, end: 0)])
    }

    // Expected: sliding 30 s windows every 10 s hold a time in three of
    // them: 42 s is in [20, 50), [30, 60) and [40, 70); a time on a slide
    // boundary (40 s) in [20, 50), [30, 60), [40, 70) as well, and not
    // in [10, 40).
    @Test func slidingWindows() {
        let assigner = WindowAssigner(size: 30 * Self.second, slide: 10 * Self.second)
        let starts: [Int64] = [20, 30, 40]
        #expect(assigner.windows(containing: 42 * Self.second).map(\.start) == starts.map { $0 * Self.second })
        #expect(assigner.windows(containing: 40 * Self.second).map(\.start) == starts.map { $0 * Self.second })
        #expect(assigner.windows(containing: 42 * Self.second).allSatisfy { $0.end - $0.start == 30 * Self.second })
    }

    // Expected: times at the ends of Int64 do not trap; near the top the
    // windows' ends are held at Int64.max, near the bottom the windows whose
    // start would lie below Int64.min are left out.
    @Test func extremeTimesDoNotTrap() {
        let assigner = WindowAssigner(size: 30 * Self.second, slide: 10 * Self.second)
        #expect(assigner.windows(containing: Int64.min + 5).allSatisfy { $0.contains(Int64.min + 5) })
        let top = assigner.windows(containing: Int64.max - 5)
        #expect(top.count == 3 && top.allSatisfy { $0.contains(Int64.max - 5) })
    }

    // Expected: with a 1 s delay and 2 s lateness, the window [10, 15) is
    // open until the latest time reaches 16 s (watermark 15), revisable
    // until 18 s, then late; earlier times never move the watermark back.
    @Test func watermarkStanding() {
        var watermark = Watermark(maxDelay: Self.second, lateness: 2 * Self.second)
        let window = EventTimeWindow(start: 10 * Self.second, end: 15 * Self.second)
        #expect(watermark.standing(of: window) == .open)
        watermark.observe(15_999_999_999)
        #expect(watermark.standing(of: window) == .open)
        watermark.observe(16 * Self.second)
        #expect(watermark.standing(of: window) == .revisable)
        watermark.observe(3 * Self.second)
        #expect(watermark.value == 15 * Self.second)
        watermark.observe(18 * Self.second)
        #expect(watermark.standing(of: window) == .late)
        var strict = Watermark(maxDelay: 0)
        strict.observe(15 * Self.second)
        #expect(strict.standing(of: window) == .late)
    }

    // Expected: a delay larger than the distance from the earliest time to
    // Int64.min holds the watermark at Int64.min (nothing closes) instead
    // of wrapping round to a time far in the future.
    @Test func watermarkSaturatesBelow() {
        var watermark = Watermark(maxDelay: .max)
        watermark.observe(-(1 << 62))
        #expect(watermark.value == .min)
        #expect(watermark.standing(of: EventTimeWindow(start: -(1 << 62), end: -(1 << 62) + 5)) == .open)
    }
}
