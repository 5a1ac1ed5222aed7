import Testing
@testable import Cascade

@Suite struct LevelsTests {
    // Expected: lengths with units, each a multiple of the one before.
    @Test func parsesLadders() throws {
        #expect(try Levels(parsing: "5s,30s,180s").seconds == [5, 30, 180])
        #expect(try Levels(parsing: "5s,1m,15m,1h").seconds == [5, 60, 900, 3600])
        #expect(try Levels(parsing: "10,1d").seconds == [10, 86_400])
    }

    @Test(arguments: ["", "5s,7s", "30s,5s", "5x", "0s", "5s,,30s", "-5s", "5s,30s,30s", "1.5s"])
    func refusesBadLadders(text: String) {
        #expect(throws: LevelError.self) { try Levels(parsing: text) }
    }

    @Test func labels() {
        #expect(Levels.label(5) == "5s")
        #expect(Levels.label(180) == "180s")
        #expect(Levels.label(900) == "15m")
        #expect(Levels.label(3600) == "1h")
        #expect(Levels.label(86_400) == "1d")
    }
}

@Suite struct CoarseScheduleTests {
    static let second: Int64 = 1_000_000_000
    static let levels = try! Levels(parsing: "5s,30s,180s")

    // Expected: a 30 s window with rows becomes due when the watermark
    // reaches its end plus the lateness, not before; once done it is gone;
    // a row arriving after that revisits it for its key only.
    @Test func completesByWatermarkThenRevisits() {
        var schedule = CoarseSchedule(levels: Self.levels, lateness: 2 * Self.second)
        schedule.changed(levelIndex: 1, sensor: "s", start: 35, key: "src\ta", watermark: 35 * Self.second)
        #expect(schedule.due(watermark: 61 * Self.second).isEmpty)
        let due = schedule.due(watermark: 62 * Self.second)
        #expect(due == [CoarseSchedule.Work(range: .init(levelIndex: 1, sensor: "s", start: 30), keys: nil)])
        schedule.done(due[0])
        #expect(schedule.isEmpty)
        schedule.changed(levelIndex: 1, sensor: "s", start: 40, key: "dst\tb", watermark: 70 * Self.second)
        #expect(schedule.due(watermark: 70 * Self.second) == [CoarseSchedule.Work(range: .init(levelIndex: 1, sensor: "s", start: 30), keys: ["dst\tb"])])
    }

    // Expected: at the end of input (no watermark) everything is due,
    // finer levels first; completedUntil is the end of the last due range.
    @Test func endOfInputTakesEverything() {
        var schedule = CoarseSchedule(levels: Self.levels, lateness: 0)
        schedule.changed(levelIndex: 2, sensor: "s", start: 30, key: "src\ta", watermark: 0)
        schedule.changed(levelIndex: 1, sensor: "s", start: 200, key: "src\ta", watermark: 0)
        #expect(schedule.due(watermark: nil).map(\.range.levelIndex) == [1, 2])
        #expect(schedule.completedUntil(levelIndex: 2, watermark: 400 * Self.second) == 360)
        #expect(schedule.completedUntil(levelIndex: 1, watermark: 59 * Self.second) == 30)
    }
}
