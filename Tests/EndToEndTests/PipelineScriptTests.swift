import Foundation
import Testing

/// The scripts of pipelines/, run as a user runs them (with SLUICE_BIN
/// naming the debug build) over generated captures, against databases of
/// the test cluster. Each script's output is checked against the same
/// stages run by hand or against tshark.
@Suite struct PipelineScriptTests {
    static let pipelines = E2E.packageRoot.appendingPathComponent("pipelines").path

    /// A capture with `attack` 10 s in, over light benign traffic.
    static func capture(_ attack: String, in directory: String, seed: Int = 3) throws -> String {
        let pcap = directory + "/\(attack).pcap"
        let made = try run(E2E.trafficgen, ["--seed", String(seed), "--duration", "30", "--flow-rate", "50",
                                            "--attack", "\(attack):start=10", "-w", pcap])
        try #require(made.status == 0, "trafficgen: \(made.stderr)")
        return pcap
    }

    /// Runs a pipelines/ script under sh with SLUICE_BIN set.
    static func script(_ name: String, _ arguments: [String], timeout: Double = 300) throws -> RunResult {
        try bash("bin=$1 script=$2; shift 2; SLUICE_BIN=$bin exec sh \"$script\" \"$@\"",
                 [E2E.binDirectory, pipelines + "/" + name] + arguments, timeout: timeout)
    }

    static func bash(_ script: String, _ arguments: [String], timeout: Double = 300) throws -> RunResult {
        try run("/bin/bash", ["-c", script, "bash"] + arguments, timeout: timeout)
    }

    static func events(_ path: String, type: String = "alert") throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["event_type"] as? String == type }
    }

    /// The count of the records of `type` that the stages write by hand.
    static func stageRecords(_ pcap: String, through stages: String, type: String) throws -> Int {
        let result = try bash("set -o pipefail; cd \"$1\" && ./sniff -q -r \"$2\" | \(stages) | grep -c '\"type\":\"\(type)\"'",
                               [E2E.binDirectory, pcap])
        try #require(result.status == 0, "\(result.stderr)")
        return try #require(Int(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// The lines of a file holding a record of `type`.
    static func lines(_ path: String, type: String) throws -> Int {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"type\":\"\(type)\"") }.count
    }

    /// IP frames of a capture, as tshark counts them.
    static func tsharkIPFrames(_ pcap: String) throws -> Int? {
        guard let tshark = Tshark.path else { return nil }
        let result = try run(tshark, ["-r", pcap, "-Y", "ip or ipv6", "-T", "fields", "-e", "frame.number"], timeout: 300)
        return result.stdoutText.split(separator: "\n").count
    }

    // Expected: detect.sh over a SYN scan writes the tcp_port_scan alert
    // (attacker 203.0.113.66, victim 10.1.0.80, trafficgen's defaults); the
    // database then holds exactly the 5 s windows window5s writes by hand
    // over the same capture, and one sluice_alerts row per alert and
    // episode end written. A second run over the same capture changes no
    // count: storing is idempotent. The first run keeps the records
    // between stages (-k): as many flow and feature records as flowify,
    // and flowify | window5s | featurize, write by hand, and a window
    // record for each row the database holds after it, 5 s and coarser.
    @Test func detectStoresWindowsAndAlerts() throws {
        let directory = E2E.scratchDirectory("detect")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pcap = try Self.capture("syn_scan", in: directory)
        let database = try TestCluster.database()
        let windows = try Self.stageRecords(pcap, through: "./flowify -q | ./window5s -q", type: "window")
        let flows = try Self.stageRecords(pcap, through: "./flowify -q", type: "flow")
        let features = try Self.stageRecords(pcap, through: "./flowify -q | ./window5s -q | ./featurize -q", type: "features")
        let kept = directory + "/kept"

        for round in 1...2 {
            let output = directory + "/alerts-\(round).ndjson"
            let result = try Self.script("detect.sh", ["-q", "-r", pcap, "-d", database, "-s", "scanner", "-o", output]
                                         + (round == 1 ? ["-k", kept] : []))
            #expect(result.status == 0, "round \(round): \(result.stderr)")
            if round == 1 {
                let allStored = try TestCluster.psql(database, "SELECT count(*) FROM sluice_windows WHERE sensor = 'scanner'")
                #expect(try Self.lines(kept + "/windows.ndjson", type: "window") == Int(allStored.trimmingCharacters(in: .whitespacesAndNewlines)))
                #expect(try Self.lines(kept + "/flows.ndjson", type: "flow") == flows)
                #expect(try Self.lines(kept + "/features.ndjson", type: "features") == features)
            }
            let alerts = try Self.events(output)
            let ends = try Self.events(output, type: "sluice_alert_end")
            #expect(alerts.contains { ($0["sluice"] as? [String: Any])?["rule"] as? String == "tcp_port_scan"
                    && $0["src_ip"] as? String == "203.0.113.66" && $0["dest_ip"] as? String == "10.1.0.80" },
                    "round \(round): \(alerts)")
            let stored = try TestCluster.psql(database, "SELECT count(*) FROM sluice_windows WHERE sensor = 'scanner' AND level_s = 5")
            #expect(Int(stored.trimmingCharacters(in: .whitespacesAndNewlines)) == windows, "round \(round)")
            let rows = try TestCluster.psql(database, "SELECT event, count(*) FROM sluice_alerts WHERE sensor = 'scanner' GROUP BY event ORDER BY event")
            #expect(rows == "alert|\(alerts.count)\nalert_end|\(ends.count)\n", "round \(round)")
        }
    }

    // Expected: SIGTERM to the script (the trap ^C's SIGINT shares; the
    // test runner's children inherit SIGINT ignored, and a shell cannot
    // trap a signal ignored on entry) while the capture is still open
    // stops sniff only; every later stage drains and flushes what it holds,
    // so the scan that sniff read before the signal is alerted and the
    // script ends with status 0. The capture comes through a FIFO whose
    // writer stays open, as a live interface would.
    @Test func interruptStopsTheCaptureAndFlushesTheRest() throws {
        let directory = E2E.scratchDirectory("detect-int")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pcap = try Self.capture("syn_scan", in: directory)
        // The test cluster's database (-d): without it cascade would start
        // a private server, which keeps this test's output pipes open.
        let result = try Self.bash("""
            cd "$1"
            mkfifo live
            sh -c 'cat "$1"; exec sleep 600' sh "$2" > live 2>/dev/null &
            writer=$!
            SLUICE_BIN="$3" sh "$4/detect.sh" -q --no-store -d "$5" -r live -o alerts.ndjson &
            detect=$!
            sleep 5
            kill -TERM "$detect"
            wait "$detect"
            status=$?
            kill "$writer" 2>/dev/null
            echo "status=$status"
            """, [directory, pcap, E2E.binDirectory, Self.pipelines, try TestCluster.database()], timeout: 120)
        #expect(result.stdoutText.contains("status=0"), "\(result.stdoutText) \(result.stderr)")
        let alerts = try Self.events(directory + "/alerts.ndjson")
        #expect(alerts.contains { ($0["sluice"] as? [String: Any])?["rule"] as? String == "tcp_port_scan" }, "\(alerts)")
    }

    // Expected: tee-flows.sh keeps exactly the final flow reports flowify
    // writes by hand over the same capture, and reports both counts.
    @Test func teeFlowsKeepsTheFlows() throws {
        let directory = E2E.scratchDirectory("tee-flows")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pcap = try Self.capture("ssh_bruteforce", in: directory)
        let database = try TestCluster.database()
        let flows = directory + "/flows.ndjson", alerts = directory + "/alerts.ndjson"
        let result = try Self.script("tee-flows.sh", ["-d", database, pcap, flows, alerts])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: flows, encoding: .utf8)
        let finals = text.split(separator: "\n").filter { $0.contains("\"report\":\"final\"") }.count
        #expect(finals == (try Self.stageRecords(pcap, through: "./flowify -q | grep '\"report\":\"final\"'", type: "flow")))
        let written = try Self.events(alerts)
        #expect(written.contains { ($0["sluice"] as? [String: Any])?["kind"] as? String == "ssh_bruteforce" })
        #expect(result.stderr.contains("\(finals) flows in \(flows), \(written.count) alerts in \(alerts)"), "\(result.stderr)")
    }

    // Expected: the custom featurizer (jq in featurize's place) and its
    // one rule find the SYN scan's scanner and its victim.
    @Test(.enabled(if: E2E.system("jq") != nil, "jq not installed"))
    func customFeaturizerFindsTheScan() throws {
        let directory = E2E.scratchDirectory("custom")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pcap = try Self.capture("syn_scan", in: directory)
        let result = try Self.script("custom-featurizer.sh", [pcap])
        #expect(result.status == 0, "\(result.stderr)")
        let alerts = result.stdoutText.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["event_type"] as? String == "alert" }
        #expect(alerts.contains { ($0["sluice"] as? [String: Any])?["rule"] as? String == "fast_port_scan"
                && $0["src_ip"] as? String == "203.0.113.66" && $0["dest_ip"] as? String == "10.1.0.80" }, "\(alerts)")
    }

    // Expected: two-sensors.sh keeps the sensors apart: each one's 30 s
    // windows hold every IP frame of its own capture (tshark's count, the
    // originator's view counting each packet once), and each one's alerts
    // are its own attack's kind.
    @Test func twoSensorsKeepTheirWindowsApart() throws {
        let directory = E2E.scratchDirectory("two-sensors")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try Self.capture("syn_scan", in: directory, seed: 4)
        let second = try Self.capture("ssh_bruteforce", in: directory, seed: 5)
        let database = try TestCluster.database()
        let result = try Self.script("two-sensors.sh", ["-d", database, first, second], timeout: 600)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdoutText.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        if let frames = try Self.tsharkIPFrames(first), let secondFrames = try Self.tsharkIPFrames(second) {
            #expect(lines.contains { $0.first == "sensor-a" && $0.count >= 4 && $0[3] == String(frames) }, "\(result.stdoutText)")
            #expect(lines.contains { $0.first == "sensor-b" && $0.count >= 4 && $0[3] == String(secondFrames) }, "\(result.stdoutText)")
        }
        let alertLines = lines.filter { $0.count == 3 && $0[0].hasPrefix("sensor-") }
        #expect(alertLines.contains { $0[0] == "sensor-a" && $0[1] == "port_scan" }, "\(result.stdoutText)")
        #expect(alertLines.contains { $0[0] == "sensor-b" && $0[1] == "ssh_bruteforce" }, "\(result.stdoutText)")
        #expect(alertLines.allSatisfy { ($0[0] == "sensor-a" && $0[1] == "port_scan") || ($0[0] == "sensor-b" && $0[1] == "ssh_bruteforce") },
                "\(result.stdoutText)")
    }
}
