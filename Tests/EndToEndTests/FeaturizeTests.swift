import Foundation
import Testing

extension E2E {
    static var featurize: String { tool("featurize") }
}

func featurize(lines input: [String], _ arguments: [String] = [], timeout: Double = 120) throws -> ToolOutput {
    let directory = E2E.scratchDirectory("featurize")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/input.ndjson"
    try writeLines(input, to: path)
    return ToolOutput(try run(E2E.featurize, arguments, stdinPath: path, timeout: timeout))
}

/// featurize against counts taken straight from flowify's flow records,
/// bypassing window5s: flows started and distinct peers over the sliding
/// horizons of each host as originator.
@Suite struct FeaturizeTests {
    // Expected: for every src-view feature vector, flows_started_1m/5m/10m
    // equal the number of distinct flows (flow_id) whose first_ts lies in
    // the last 60/300/600 s before the step's end and whose src is the
    // host; peers_10m equals the number of distinct dst of the host's flow
    // reports whose interval_start lies in the last 600 s (below 64, the
    // distinct counter is exact). Taken from flowify's records.
    @Test(arguments: ["attacks/ssh_bruteforce/traceshare_hydra-1_tasks.pcapng",
                      "attacks/port_scan/evilfingers_nmap_tcp_connect_scan.pcap", "benign/zeek_ssh_sessions.pcap"])
    func slidingCountsMatchTheFlowRecords(file: String) async throws {
        let (_, flows) = try await flowifyCapture(file)
        let windows = try window5s(lines: flows.lines)
        let output = try featurize(lines: windows.lines)
        #expect(output.status == 0, "\(output.stderr)")
        var firstStart: [String: (host: String, second: Int)] = [:]
        var reports: [(host: String, peer: String, second: Int)] = []
        for flow in flows.records where flow.type == "flow" {
            guard let id = flow["flow_id"], let src = flow["src"], let dst = flow["dst"],
                  let first = flow.wholeSeconds("first_ts"), let interval = flow.wholeSeconds("interval_start") else { continue }
            firstStart[id] = (src, first)
            reports.append((src, dst, interval))
        }
        let vectors = output.records.filter { $0.type == "features" && $0["key"] == "src" }
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let host = vector["host"]!, end = vector.int("window_end")
            for (name, seconds) in [("flows_started_1m", 60), ("flows_started_5m", 300), ("flows_started_10m", 600)] {
                let expected = firstStart.values.filter { $0.host == host && $0.second >= end - seconds && $0.second < end }.count
                #expect(vector.int(name) == expected, "\(host) at \(end): \(name)")
            }
            let peers = Set(reports.filter { $0.host == host && $0.second >= end - 600 && $0.second < end }.map(\.peer))
            if peers.count < 64 { #expect(vector.int("peers_10m") == peers.count, "\(host) at \(end): peers_10m") }
        }
    }

    // Expected: CSV has the header named by --columns and one row per
    // vector, the same numbers as the NDJSON records.
    @Test func csvHasAHeaderAndTheSameNumbers() async throws {
        let (_, flows) = try await flowifyCapture("attacks/port_scan/evilfingers_nmap_tcp_connect_scan.pcap")
        let windows = try window5s(lines: flows.lines).lines
        let records = try featurize(lines: windows).records.filter { $0.type == "features" }
        let csv = try featurize(lines: windows, ["--format", "csv", "--columns", "dports_5m,flows_started_1m"])
        #expect(csv.status == 0)
        #expect(csv.lines.first == "window_start,window_end,key,host,sensor,dports_5m,flows_started_1m")
        #expect(Array(csv.lines.dropFirst()) == records.map {
            "\($0.int("window_start")),\($0.int("window_end")),\($0["key"]!),\($0["host"]!),,\($0.int("dports_5m")),\($0.int("flows_started_1m"))"
        })
    }
}

/// Windows that come after their step was written: late ones, and
/// revisions of windows already counted.
@Suite struct FeaturizeLateWindowTests {
    // Expected, from featurize itself over the same windows in order (the
    // oracle run; the hydra capture gives windows over 1000 s): with one
    // window held back until the windows of 30 s later have come (late),
    // another first sent with 7 more flows started and its true record
    // sent 20 s later (a revision), and a third sent so and at once
    // revised (before its step), every vector from 10 s after the last
    // late record on is byte-identical to the oracle's; before it, the
    // step just after the late window's start lacks its flows
    // (flows_started_1m lower by its flows_started), and the step after
    // the revised window's start counts the 7 flows too many.
    @Test func lateWindowsAndRevisionsCountInTheStepsAfterThem() async throws {
        let (_, flows) = try await flowifyCapture("attacks/ssh_bruteforce/traceshare_hydra-1_tasks.pcapng")
        let windows = try window5s(lines: flows.lines).lines
        func start(_ line: String) -> Int? { Record(Substring(line)).flatMap { $0.int("window_start") } }
        func started(_ line: String) -> Int { Record(Substring(line))?.int("flows_started") ?? 0 }
        func isCountedSource(_ line: String) -> Bool {
            Record(Substring(line)).map { $0["type"] == "window" && $0["key"] == "src" && $0.int("flows_started") > 0 } ?? false
        }
        // The last line of windows starting at `second`, or nil.
        func lastIndex(startingAt second: Int, in lines: [String]) -> Int? { lines.lastIndex { start($0) == second } }
        func host(_ line: String) -> String? { Record(Substring(line))?["host"] }
        // A window of a host already held (with a window in the minute
        // before), so that the step after its start has a vector for it.
        let late = try #require(windows.indices.first { index in
            isCountedSource(windows[index])
                && windows[..<index].contains { host($0) == host(windows[index]) && start($0)! >= start(windows[index])! - 60 }
                && lastIndex(startingAt: start(windows[index])! + 30, in: windows) != nil
                && lastIndex(startingAt: start(windows[index])! + 60, in: windows) != nil
        })
        let lateStart = start(windows[late])!
        let revised = try #require(windows.indices.first { index in
            // Past the late window's arrival, so that its step counts it.
            index > late && isCountedSource(windows[index]) && start(windows[index])! >= lateStart + 35
                && lastIndex(startingAt: start(windows[index])! + 20, in: windows) != nil
        })
        let revisedStart = start(windows[revised])!
        // One revised before its step is written: its wrong record and
        // its true one, one after the other.
        let doubled = try #require(windows.indices.first { index in
            isCountedSource(windows[index]) && start(windows[index])! >= revisedStart + 40
        })
        func wrong(_ line: String) -> String {
            line.replacingOccurrences(of: "\"flows_started\":\(started(line)),", with: "\"flows_started\":\(started(line) + 7),")
        }
        try #require(wrong(windows[revised]) != windows[revised] && wrong(windows[doubled]) != windows[doubled])

        var disturbed = windows
        disturbed.insert(wrong(windows[doubled]), at: doubled)
        disturbed[revised] = wrong(windows[revised])
        disturbed.insert(windows[revised], at: lastIndex(startingAt: revisedStart + 20, in: disturbed)! + 1)
        disturbed.remove(at: late)
        disturbed.insert(windows[late], at: lastIndex(startingAt: lateStart + 30, in: disturbed)! + 1)

        let oracle = try featurize(lines: windows)
        let output = try featurize(lines: disturbed)
        #expect(oracle.status == 0 && output.status == 0, "\(output.stderr)")
        let settled = max(lateStart + 30, revisedStart + 20) + 10
        try #require(start(windows[doubled])! + 5 >= settled)
        func vectors(_ output: ToolOutput, from: Int) -> [String] {
            output.lines.filter { line in Record(Substring(line)).map { $0.type == "features" && $0.int("window_end") >= from } ?? false }
        }
        #expect(!vectors(oracle, from: settled).isEmpty)
        #expect(vectors(output, from: settled) == vectors(oracle, from: settled))

        let (oracleRecords, outputRecords) = (oracle.records, output.records)
        func vector(_ records: [Record], host: String, end: Int) -> Record? {
            records.first { $0.type == "features" && $0["key"] == "src" && $0["host"] == host && $0.int("window_end") == end }
        }
        let lateHost = host(windows[late])!
        let lateOracle = try #require(vector(oracleRecords, host: lateHost, end: lateStart + 5))
        let lateSeen = try #require(vector(outputRecords, host: lateHost, end: lateStart + 5))
        #expect(lateSeen.int("flows_started_1m") == lateOracle.int("flows_started_1m") - started(windows[late]))
        let revisedHost = host(windows[revised])!
        let revisedOracle = try #require(vector(oracleRecords, host: revisedHost, end: revisedStart + 5))
        let revisedSeen = try #require(vector(outputRecords, host: revisedHost, end: revisedStart + 5))
        #expect(revisedSeen.int("flows_started_1m") == revisedOracle.int("flows_started_1m") + 7)
    }
}

/// featurize's threads (--threads) change how fast, never what.
@Suite struct FeaturizeThreadsTests {
    // Expected: byte-identical NDJSON and CSV from one thread and from
    // three. The capture (trafficgen, 1000 client hosts, 300 sessions/s)
    // gives a step of over 2000 vectors, counted here from the output, so
    // three threads each write a share (featurize writes a step on one
    // thread below 256 hosts a share).
    @Test func sameBytesFromOneThreadAndFromThree() throws {
        let directory = E2E.scratchDirectory("featurize-threads")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try shell("""
            set -e
            "$1/trafficgen" --seed 5 --duration 10 --hosts 1000 --flow-rate 300 -w "$2/hosts.pcap"
            "$1/sniff" -q -r "$2/hosts.pcap" | "$1/flowify" -q | "$1/window5s" -q > "$2/windows.ndjson"
            for threads in 1 3; do
                "$1/featurize" -q --threads $threads "$2/windows.ndjson" > "$2/features.$threads"
                "$1/featurize" -q --threads $threads --format csv "$2/windows.ndjson" > "$2/features.csv.$threads"
            done
            """, [E2E.binDirectory, directory])
        try #require(result.status == 0, "\(result.stderr)")
        let one = try Data(contentsOf: URL(fileURLWithPath: directory + "/features.1"))
        let three = try Data(contentsOf: URL(fileURLWithPath: directory + "/features.3"))
        var vectorsPerStep: [Substring: Int] = [:]
        for line in String(decoding: one, as: UTF8.self).split(separator: "\n") where line.contains("\"type\":\"features\"") {
            guard let end = line.range(of: "\"window_end\":") else { continue }
            vectorsPerStep[line[end.upperBound...].prefix(while: \.isNumber), default: 0] += 1
        }
        #expect((vectorsPerStep.values.max() ?? 0) >= 3 * 256, "\(vectorsPerStep)")
        #expect(one == three)
        let csvOne = try Data(contentsOf: URL(fileURLWithPath: directory + "/features.csv.1"))
        let csvThree = try Data(contentsOf: URL(fileURLWithPath: directory + "/features.csv.3"))
        #expect(!csvOne.isEmpty && csvOne == csvThree)
    }
}

/// featurize as a process in a pipeline, with its reading and writing
/// threads: a closed downstream, and a stop asked for.
@Suite struct FeaturizeProcessTests {
    static func windows() async throws -> [String] {
        let (_, flows) = try await flowifyCapture("attacks/port_scan/evilfingers_nmap_tcp_connect_scan.pcap")
        return try window5s(lines: flows.lines).lines
    }

    // Expected: `featurize | head -1` gives one line, and featurize (its
    // status captured inside the pipeline) ends with 0 and says nothing.
    @Test func headOneEndsQuietly() async throws {
        let windows = try await Self.windows()
        let directory = E2E.scratchDirectory("featurize-head")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try writeLines(windows, to: directory + "/in")
        let script = #"{ "$1" -q --threads 2 "$2/in" 2>"$2/err"; echo $? >"$2/status"; } | head -1"#
        let result = try run("/bin/sh", ["-c", script, "sh", E2E.featurize, directory], timeout: 120)
        #expect(result.lines.count == 1)
        #expect(try String(contentsOfFile: directory + "/status", encoding: .utf8) == "0\n")
        #expect(try String(contentsOfFile: directory + "/err", encoding: .utf8).isEmpty)
    }

    // Expected: SIGTERM while featurize waits on a pipe that is still open,
    // every window sent a second earlier, makes it write every step those
    // windows complete, exactly what featurize writes for the same windows
    // from a closed file, and exit 0 within 2 s (ARCHITECTURE.md:
    // "SIGINT/SIGTERM drain and flush").
    @Test func sigtermOnAnOpenPipeWritesEveryStep() async throws {
        let windows = try await Self.windows()
        let expected = try featurize(lines: windows, ["-q"])
        try #require(expected.status == 0 && !expected.lines.isEmpty)
        let directory = E2E.scratchDirectory("featurize-sigterm")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outPath = directory + "/out", errPath = directory + "/err"
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let child = try spawnWithDefaultSignals(E2E.featurize, ["-q", "--threads", "2"], stdin: fds[0],
                                                stdoutPath: outPath, stderrPath: errPath)
        close(fds[0])
        let writeEnd = fds[1]
        writeInBackground(Data(windows.map { $0 + "\n" }.joined().utf8), to: writeEnd)
        sleep(1)
        kill(child, SIGTERM)
        let ending = waitForExit(child, timeout: 2)
        if ending == nil { kill(child, SIGKILL) }
        let final = ending ?? waitForExit(child, timeout: 10)
        close(writeEnd)
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        let lines = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        #expect(ending != nil, "featurize still running 2 s after SIGTERM")
        #expect(final?.signaled == false && final?.status == 0, "status \(String(describing: final)); stderr: \(stderr)")
        #expect(lines == expected.lines)
    }
}

/// featurize behind cascade: the stages compose.
@Suite(.serialized) struct FeaturizeAfterCascadeTests {
    // Expected: featurize over cascade's output (5 s windows with level and
    // sensor, plus the 30 s and 180 s windows) writes the same vectors as
    // over window5s's output alone, but for the sensor field: the coarse
    // windows are counted and not needed, and the 30 s and 180 s features
    // computed from the 5 s windows are what cascade merged.
    @Test func sameVectorsBehindCascade() async throws {
        let (_, flows) = try await flowifyCapture("attacks/ssh_bruteforce/traceshare_hydra-1_tasks.pcapng")
        let windows = try window5s(lines: flows.lines).lines
        let direct = try featurize(lines: windows)
        let stored = try cascade(lines: windows, db: try TestCluster.database())
        #expect(stored.status == 0, "\(stored.stderr)")
        let behind = try featurize(lines: stored.lines)
        #expect(behind.status == 0, "\(behind.stderr)")
        #expect(behind.stderr.contains("coarser windows not needed"), "\(behind.stderr)")
        #expect(!direct.lines.isEmpty)
        #expect(behind.lines.map { $0.replacingOccurrences(of: ",\"sensor\":\"test\"", with: "") } == direct.lines)
    }
}
