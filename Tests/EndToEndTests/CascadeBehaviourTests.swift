import Foundation
import Testing

/// cascade's behaviour on crafted windows and a capture: revisions,
/// retention, history, other levels and bad input.
@Suite(.serialized) struct CascadeBehaviourTests {
    static func window(_ start: Int, _ host: String, _ packets: Int) -> String {
        CascadeTests.syntheticWindow(start: start, host: host, packets: packets)
    }

    // Expected: host a sends 1 packet in each 5 s window from 0 to 55. Its
    // 30 s window [0, 30) comes out with 6 packets, revision 1. Then a
    // revision 2 of the window at 5 with 11 packets arrives (after the
    // watermark passed 30): [0, 30) comes out again, revision 2, with 16
    // packets, and the 180 s window has all 22. The stored rows agree.
    @Test func aRevisedWindowRevisesItsCoarseWindows() throws {
        var lines = stride(from: 0, through: 55, by: 5).map { Self.window($0, "a", 1) }
        lines.insert(Self.window(5, "a", 11).replacingOccurrences(of: "\"revision\":1", with: "\"revision\":2"), at: 9)
        let db = try TestCluster.database()
        let output = try cascade(lines: lines, db: db)
        #expect(output.status == 0, "\(output.stderr)")
        let thirty: [Record] = output.records.filter { $0.int("level") == 30 && $0.int("window_start") == 0 }
        let revisions: [[Int]] = thirty.map { [$0.int("revision"), $0.int("packets_out")] }
        #expect(revisions == [[1, 6], [2, 16]])
        #expect(output.records.filter { $0.int("level") == 180 }.map { $0.int("packets_out") } == [22])
        let stored = try TestCluster.psql(db, "SELECT level_s, revision, packets_out FROM sluice_windows WHERE window_start = to_timestamp(0) ORDER BY level_s")
        #expect(stored == "5|1|1\n30|2|16\n180|1|22\n")
        #expect(try TestCluster.psql(db, "SELECT revision, packets_out FROM sluice_windows WHERE level_s = 5 AND window_start = to_timestamp(5)") == "2|11\n")
    }

    // Expected: windows on three days with --retention 1d and daily
    // partitions: once the watermark is on day 2, day 0's partition is
    // dropped (said on stderr) and a window of day 0 arriving then is not
    // stored but counted; days 1 and 2 stay.
    @Test func retentionDropsWholePartitions() throws {
        let day = 86_400
        let lines = [Self.window(0, "a", 1), Self.window(day + 5, "a", 1), Self.window(2 * day + 10, "a", 1), Self.window(60, "a", 1)]
        let db = try TestCluster.database()
        let output = try cascade(lines: lines, db: db, ["--retention", "1d", "--levels", "5s,30s"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("retention: dropped sluice_windows_p0"), "\(output.stderr)")
        #expect(output.stderr.contains("1 windows older than --retention not stored"), "\(output.stderr)")
        #expect(try TestCluster.psql(db, "SELECT DISTINCT floor(extract(epoch FROM window_start) / 86400) FROM sluice_windows ORDER BY 1") == "1\n2\n")
    }

    // Expected: `cascade history` prints, for a host and a level, exactly
    // the coarse window records the run wrote for that host (both views),
    // in time order; --kind and --since narrow them.
    @Test func historyPrintsTheStoredWindows() async throws {
        let fine = try await CascadeTests.fineWindows(CascadeTests.captures[0])
        let db = try TestCluster.database()
        let output = try cascade(lines: fine, db: db)
        #expect(output.status == 0)
        let thirty = output.lines.filter { $0.contains("\"level\":30,") }
        let first = try #require(thirty.first)
        let host = try #require(Record(Substring(first))?["host"])
        func order(_ line: String) -> [Int] {
            [Record(Substring(line))!.int("window_start"), line.contains("\"key\":\"dst\"") ? 1 : 0]
        }
        let expected = thirty.filter { $0.contains("\"host\":\"\(host)\"") }.sorted { order($0).lexicographicallyPrecedes(order($1)) }
        let history = ToolOutput(try run(E2E.cascade, ["history", "--db", db, "--key", host, "--level", "30s"]))
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.lines == expected)
        let since = try #require(Record(Substring(expected.last!))?.int("window_start"))
        let narrowed = ToolOutput(try run(E2E.cascade, ["history", "--db", db, "--key", host, "--level", "30s", "--kind", "src", "--since", String(since)]))
        #expect(narrowed.lines == expected.filter { $0.contains("\"key\":\"src\"") && Record(Substring($0))!.int("window_start") >= since })
    }

    // Expected: with --levels 5s,1m,15m,1h on a 20-minute capture, the
    // packets and bytes per 60 s, 900 s and 3600 s epoch bucket equal
    // tshark's IP frames bucketed the same way (see CascadeTests).
    @Test func otherLevelsMatchTshark() async throws {
        guard let tshark = Tshark.path else { throw OracleMissing(name: "tshark") }
        let file = CascadeTests.captures[0]
        let frames = try run(tshark, ["-n", "-r", E2E.pcap(file), "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                                      "-Y", "ip or ipv6", "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len"], timeout: 300)
        let output = try cascade(lines: try await CascadeTests.fineWindows(file), db: try TestCluster.database(), ["--levels", "5s,1m,15m,1h"])
        #expect(output.status == 0, "\(output.stderr)")
        for level in [60, 900, 3600] {
            var expected = BucketTotals()
            for line in frames.lines {
                let columns = line.split(separator: "\t")
                guard columns.count == 2, let seconds = Int(columns[0].split(separator: ".")[0]), let length = Int(columns[1]) else { continue }
                expected.add(bucket: seconds / level * level, packets: 1, bytes: length)
            }
            #expect(BucketTotals(windows: output.records, view: "src", level: level) == expected, "\(level) s")
        }
    }

    // Expected: a broken line, a 30 s window where 5 s ones are expected, a
    // window without a counter, one with a broken sketch, one in the year
    // 2200 (past the event times every stage takes) and one with a count
    // above 2^53 are each named with their line and skipped; the good
    // windows are stored and written, and merged into their 30 s window
    // (1 + 2 packets) although the second's peer counter has precision 14
    // ("AQ4A", an empty set), which crashed cascade before; the run ends
    // with status 1.
    @Test func badLinesAreNamedAndSkipped() throws {
        let good = Self.window(0, "a", 1)
        let lines = [good, "{\"type\":\"window\",", Self.window(0, "b", 1).replacingOccurrences(of: "\"window_end\":5", with: "\"window_end\":30"),
                     Self.window(0, "c", 1).replacingOccurrences(of: "\"flows\":1,", with: ""),
                     Self.window(0, "d", 1).replacingOccurrences(of: "\"peers_sketch\":\"AQwA\"", with: "\"peers_sketch\":\"!!\""),
                     Self.window(5, "a", 2).replacingOccurrences(of: "\"peers_sketch\":\"AQwA\"", with: "\"peers_sketch\":\"AQ4A\""),
                     Self.window(7_258_118_400, "e", 1),
                     Self.window(10, "f", 1).replacingOccurrences(of: "\"flows\":1,", with: "\"flows\":9007199254740993,")]
        let db = try TestCluster.database()
        let output = try cascade(lines: lines, db: db)
        #expect(output.status == 1)
        for fragment in ["line 2, column 18: expected string key", "line 3: expected end 5s after window_start", "line 4: missing field \"flows\"",
                         "line 5: expected distinct counter (base64) for \"peers_sketch\"",
                         "line 7: expected a time between the years 1824 and 2116 for \"window_start\"",
                         "line 8: expected count from 0 to 2^53 for \"flows\""] {
            #expect(output.stderr.contains(fragment), "\(fragment): \(output.stderr)")
        }
        #expect(try TestCluster.psql(db, "SELECT key_value, packets_out FROM sluice_windows WHERE level_s = 5 ORDER BY window_start") == "a|1\na|2\n")
        #expect(try TestCluster.psql(db, "SELECT key_value, packets_out FROM sluice_windows WHERE level_s = 30") == "a|3\n")
        #expect(output.records.filter { $0.int("level") == 5 }.count == 2)
    }
}
