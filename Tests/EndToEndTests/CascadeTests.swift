import Foundation
import Testing

/// cascade against a real PostgreSQL cluster: coarse totals against
/// tshark, coarse rows against SQL aggregates of the stored 5 s rows,
/// replay, restart after kill -9, an outage, two writers, a silent host
/// and hostile keys.
@Suite(.serialized) struct CascadeTests {
    /// Captures spanning several 30 s and 180 s windows (1198 s, 56 s and,
    /// with long silences, three years).
    static let captures = ["attacks/ssh_bruteforce/traceshare_hydra-1_tasks.pcapng",
                           "attacks/port_scan/evilfingers_nmap_tcp_connect_scan.pcap",
                           "benign/zeek_ssh_sessions.pcap"]

    /// window5s's 5 s windows of a capture.
    static func fineWindows(_ file: String) async throws -> [String] {
        let output = try await windowCapture(file)
        #expect(output.status == 0, "window5s: \(output.stderr)")
        return output.lines
    }

    // Expected: per 30 s and per 180 s epoch bucket, and for both views,
    // the coarse windows' packets and bytes equal the IP and IPv6 frames
    // and their frame.len from `tshark -n -r FILE -o ip.defragment:FALSE
    // -o ipv6.defragment:FALSE -Y "ip or ipv6" -T fields -e
    // frame.time_epoch -e frame.len`, bucketed by whole seconds rounded
    // down to a multiple of 30 or 180. And the 5 s windows come out as
    // window5s wrote them, with level and sensor added. Every record is
    // within 3072 bytes with its newline (the scanner's coarse windows
    // would reach 4 KB: they are written with smaller sketches).
    @Test(arguments: captures)
    func coarseTotalsMatchTshark(file: String) async throws {
        guard let tshark = Tshark.path else { throw OracleMissing(name: "tshark") }
        let frames = try run(tshark, ["-n", "-r", E2E.pcap(file), "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                                      "-Y", "ip or ipv6", "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len"], timeout: 300)
        let fine = try await Self.fineWindows(file)
        let db = try TestCluster.database()
        let output = try cascade(lines: fine, db: db)
        #expect(output.status == 0, "cascade: \(output.stderr)")
        let windows = output.records.filter { $0.type == "window" }
        for level in [30, 180] {
            var expected = BucketTotals()
            for line in frames.lines {
                let columns = line.split(separator: "\t")
                guard columns.count == 2, let seconds = Int(columns[0].split(separator: ".")[0]), let length = Int(columns[1]) else { continue }
                expected.add(bucket: seconds / level * level, packets: 1, bytes: length)
            }
            #expect(BucketTotals(windows: windows, view: "src", level: level) == expected, "\(level) s, src")
            #expect(BucketTotals(windows: windows, view: "dst", level: level) == expected, "\(level) s, dst")
        }
        for line in output.lines { #expect(line.utf8.count + 1 <= 3072, "\(line.utf8.count + 1) bytes") }
        let forwarded = output.lines.filter { $0.contains("\"level\":5,") }
        #expect(forwarded == fine.filter { $0.hasPrefix("{\"type\":\"window\"") }.map { String($0.dropLast()) + ",\"level\":5,\"sensor\":\"test\"}" })
    }

    // Expected: every stored 30 s row equals SQL's sum() of the counters,
    // min() and max() of the extremes over the stored 5 s rows inside it
    // (and 180 s over 30 s), and each level has one row per key and
    // coarse bucket that has finer rows. Computed by PostgreSQL itself.
    @Test func coarseRowsEqualSQLAggregatesOfTheStoredRows() async throws {
        let db = try TestCluster.database()
        let output = try cascade(lines: try await Self.fineWindows(Self.captures[0]), db: db)
        #expect(output.status == 0, "cascade: \(output.stderr)")
        let counters = ["flows", "flows_started", "flows_ended", "packets_out", "packets_in", "bytes_out", "bytes_in",
                        "payload_bytes_out", "payload_bytes_in", "tcp_packets", "udp_bytes", "s0_flows", "rej_flows", "rst_flows", "fin_flows"]
        for (level, below) in [(30, 5), (180, 30)] {
            let sums = counters.map { "c.\($0) <> sum(f.\($0))" }.joined(separator: " OR ")
            let mismatches = try TestCluster.psql(db, """
                SELECT count(*) FROM (SELECT c.key_kind, c.key_value, c.window_start FROM sluice_windows c
                  JOIN sluice_windows f ON f.level_s = \(below) AND f.sensor = c.sensor AND f.key_kind = c.key_kind
                   AND f.key_value = c.key_value AND f.window_start >= c.window_start AND f.window_start < c.window_end
                  WHERE c.level_s = \(level)
                  GROUP BY c.key_kind, c.key_value, c.window_start, \(counters.map { "c.\($0)" }.joined(separator: ", ")),
                    c.pkt_size_min, c.pkt_size_max, c.duration_min_us, c.duration_max_us
                  HAVING \(sums) OR c.pkt_size_min IS DISTINCT FROM min(f.pkt_size_min) OR c.pkt_size_max IS DISTINCT FROM max(f.pkt_size_max)
                    OR c.duration_min_us IS DISTINCT FROM min(f.duration_min_us) OR c.duration_max_us IS DISTINCT FROM max(f.duration_max_us)) AS bad
                """)
            #expect(mismatches.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "level \(level)")
            let rows = try TestCluster.psql(db, """
                SELECT (SELECT count(*) FROM sluice_windows WHERE level_s = \(level)) = (SELECT count(*) FROM (SELECT DISTINCT key_kind, key_value,
                  floor(extract(epoch FROM window_start) / \(level)) FROM sluice_windows WHERE level_s = \(below)) AS k)
                """)
            #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "t", "level \(level): one row per key and bucket")
        }
    }

    // Expected: the same input twice gives byte-identical tables (COPY of
    // every row in key order) and the same output.
    @Test func replayGivesIdenticalTables() async throws {
        let fine = try await Self.fineWindows(Self.captures[1])
        let db = try TestCluster.database()
        let first = try cascade(lines: fine, db: db)
        let dump = try TestCluster.dump(db)
        let second = try cascade(lines: fine, db: db)
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        #expect(!dump.isEmpty)
        #expect(try TestCluster.dump(db) == dump)
        #expect(first.lines == second.lines)
    }

    // Expected: host A has windows only in [0, 5); host B goes on to 100 s.
    // A's 30 s window comes out once the watermark passes 30 s (B's window
    // starting at 30 arrives), before any window starting at 35 or later,
    // and A gets its 180 s window at the end of input, with A's counts.
    @Test func silentHostStillGetsItsCoarseWindows() throws {
        var lines: [String] = []
        for start in stride(from: 0, through: 100, by: 5) {
            if start == 0 { lines.append(Self.syntheticWindow(start: start, host: "10.0.0.1", packets: 7)) }
            lines.append(Self.syntheticWindow(start: start, host: "10.0.0.2", packets: 1))
        }
        let output = try cascade(lines: lines, db: try TestCluster.database())
        #expect(output.status == 0, "\(output.stderr)")
        let records = output.records
        let silent30 = try #require(records.firstIndex { $0["host"] == "10.0.0.1" && $0.int("level") == 30 })
        let firstAt35 = try #require(records.firstIndex { $0.int("level") == 5 && $0.int("window_start") == 35 })
        #expect(silent30 < firstAt35)
        #expect(records[silent30].int("packets_out") == 7)
        #expect(records.contains { $0["host"] == "10.0.0.1" && $0.int("level") == 180 && $0.int("packets_out") == 7 })
        // B: 21 windows of 1 packet; 30 s buckets 0..90 (6 each, 90 has 3: 90, 95, 100).
        let thirty = records.filter { $0["host"] == "10.0.0.2" && $0.int("level") == 30 }.map { $0.int("packets_out") }
        #expect(thirty == [6, 6, 6, 3])
    }

    // Expected: a host and a sensor holding SQL and COPY metacharacters are
    // stored as themselves (read back by psql), and the table survives.
    @Test func hostileKeysAreStoredAsText() throws {
        let host = "'); DROP TABLE sluice_windows; --\\t\\\\"
        let line = Self.syntheticWindow(start: 0, host: host, packets: 3)
        let db = try TestCluster.database()
        let output = try cascade(lines: [line], db: db, ["--sensor", "tab\tsensor"])
        #expect(output.status == 0, "\(output.stderr)")
        let stored = try TestCluster.psql(db, "SELECT key_value || '|' || sensor FROM sluice_windows WHERE level_s = 5")
        #expect(stored == "'); DROP TABLE sluice_windows; --\\t\\\\|tab\tsensor\n")
    }

    // Expected: killed with SIGKILL at several points, then run again over
    // the whole input, or over the rest of it (from the first window the
    // killed run had not written out, so not acknowledged as stored),
    // cascade leaves exactly the tables of one clean run (dumps equal,
    // revisions included): nothing lost, nothing doubled.
    @Test(arguments: [false, true])
    func restartAfterKillLeavesTheSameTables(restOnly: Bool) async throws {
        let fine = try await Self.fineWindows(Self.captures[0]).filter { $0.hasPrefix("{\"type\":\"window\"") }
        let reference = try TestCluster.database()
        #expect(try cascade(lines: fine, db: reference).status == 0)
        let expected = try TestCluster.dump(reference)
        for delay in [0.05, 0.3, 0.8] {
            let db = try TestCluster.database()
            let killed = try cascade(lines: fine, db: db, ["--batch", "50"], timeout: delay)
            #expect(killed.signaled || killed.status == 0)
            let acknowledged = killed.lines.filter { $0.contains("\"level\":5,") && $0.hasSuffix("}") }.count
            let again = try cascade(lines: restOnly ? Array(fine[acknowledged...]) : fine, db: db)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try TestCluster.dump(db) == expected, "killed after \(delay) s, \(acknowledged) windows acknowledged")
        }
    }

    // Expected: two cascades with the same sensor, one fed the 5 s windows
    // starting at even multiples of 5 s and the other the odd ones, running
    // at once, leave the same fine rows and the same coarse content as one
    // cascade over everything (revisions may differ: a coarse window merged
    // before the other writer's rows arrived is revised).
    @Test func twoWritersNeitherLoseNorDoubleCount() async throws {
        let fine = try await Self.fineWindows(Self.captures[0])
        let reference = try TestCluster.database()
        #expect(try cascade(lines: fine, db: reference).status == 0)
        let columns = "level_s, sensor, key_kind, key_value, window_start, flows, packets_out, bytes_in, pkt_size_m2, peers_sketch, duration_hist"
        let db = try TestCluster.database()
        let parity: (String) -> Int = { (Record(Substring($0))?.int("window_start") ?? 0) / 5 % 2 }
        let directory = E2E.scratchDirectory("writers")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for half in 0..<2 { try writeLines(fine.filter { parity($0) == half }, to: directory + "/\(half).ndjson") }
        let both = try run("/bin/sh", ["-c", """
            "$1" --db "$2" --sensor test -q < "$3/0.ndjson" > /dev/null & first=$!
            "$1" --db "$2" --sensor test -q < "$3/1.ndjson" > /dev/null; second=$?
            wait $first && exit $second
            """, "sh", E2E.cascade, db, directory], timeout: 300)
        #expect(both.status == 0, "\(both.stderr)")
        #expect(try TestCluster.dump(db, columns: columns) == TestCluster.dump(reference, columns: columns))
    }

    // Expected: with its cluster stopped for 3 s mid-stream, cascade says
    // so, holds the windows (at most 100, then input waits), catches up
    // when the cluster is back, writes out every window once, and
    // leaves the same tables as a run without the outage. With the cluster
    // gone for longer than --db-timeout it ends with status 1 and says how
    // many windows it could not store.
    @Test func outageIsRiddenOutAndTimeoutFails() async throws {
        let fine = try await Self.fineWindows(Self.captures[0])
        let reference = try TestCluster.database()
        #expect(try cascade(lines: fine, db: reference).status == 0)
        let directory = E2E.scratchDirectory("outage")
        let cluster = directory + "/pg"
        defer {
            TestCluster.destroy(cluster)
            try? FileManager.default.removeItem(atPath: directory)
        }
        try TestCluster.start(cluster)
        let db = try TestCluster.database(in: cluster)
        let half = fine.count / 2
        try writeLines(fine[..<half], to: directory + "/a.ndjson")
        try writeLines(fine[half...], to: directory + "/b.ndjson")
        let result = try shell("""
            { cat "$3/a.ndjson"; sleep 2; cat "$3/b.ndjson"; } | "$1" --db "$2" --sensor test --batch 20 --max-pending 100 > "$3/out" 2> "$3/err" & pipeline=$!
            sleep 1; SLUICE_PG_DIR="$4" sh "$5" stop; sleep 3; SLUICE_PG_DIR="$4" sh "$5" start > /dev/null
            wait $pipeline; status=$?; cat "$3/err" >&2; exit $status
            """, [E2E.cascade, db, directory, cluster, TestCluster.sluicePg], timeout: 300)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("database unreachable"), "\(result.stderr)")
        #expect(result.stderr.contains("database back after"), "\(result.stderr)")
        #expect(try TestCluster.dump(db) == TestCluster.dump(reference))
        let written = try String(contentsOfFile: directory + "/out", encoding: .utf8).split(separator: "\n").filter { $0.contains("\"level\":5,") }
        #expect(written.count == fine.filter { $0.hasPrefix("{\"type\":\"window\"") }.count)

        try TestCluster.stop(cluster)
        let timedOut = try cascade(lines: Array(fine.prefix(20)), db: db, ["--db-timeout", "2"], timeout: 60)
        #expect(timedOut.status == 1)
        #expect(timedOut.stderr.contains("--db-timeout"), "\(timedOut.stderr)")
        #expect(timedOut.lines.isEmpty)
    }

    /// A host window record as window5s writes it, `packets` sent.
    static func syntheticWindow(start: Int, host: String, packets: Int) -> String {
        let escaped = host.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return """
            {"type":"window","ts":\(start),"window_start":\(start),"window_end":\(start + 5),"key":"src","host":"\(escaped)","revision":1,\
            "flows":1,"flows_started":1,"flows_ended":0,"tcp_flows":1,"udp_flows":0,"icmp_flows":0,"other_flows":0,\
            "packets_out":\(packets),"packets_in":0,"bytes_out":\(packets * 100),"bytes_in":0,"payload_bytes_out":0,"payload_bytes_in":0,\
            "tcp_packets":\(packets),"udp_packets":0,"icmp_packets":0,"other_packets":0,"tcp_bytes":\(packets * 100),"udp_bytes":0,\
            "icmp_bytes":0,"other_bytes":0,"s0_flows":0,"rej_flows":0,"rst_flows":0,"fin_flows":0,"peers":0,"dports":0,"sports":0,\
            "bytes_out_in_ratio":\(packets * 100),"peers_sketch":"AQwA","dports_sketch":"AQwA","sports_sketch":"AQwA"}
            """
    }
}
