import Foundation
import Testing

/// One row of a trafficgen ground-truth file (trafficgen(1), FILES).
struct GeneratedTruth {
    var kind: String
    var technique: String
    var attacker: String
    var victim: String
    var destinationPort: Int?
    var start: Double
    var end: Double

    init(_ line: Substring) throws {
        let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        try #require(columns.count == 8, "truth row \(line)")
        kind = columns[1]
        technique = columns[2]
        attacker = columns[3]
        victim = columns[4]
        destinationPort = Int(columns[5])
        start = try #require(Double(columns[6]))
        end = try #require(Double(columns[7]))
    }
}

/// Every attack trafficgen can inject, mixed into benign background,
/// through sniff | flowify | window5s | featurize | alert with the
/// built-in rules: each is alerted with its kind, attacker, victim and
/// port in the 5 s window where it starts or the next; nothing else is
/// alerted; benign traffic alone raises nothing. cascade is left out (the
/// built-in rules read no 30 s or 180 s feature; AlertDetectionTests runs
/// it over the shared captures).
///
/// The labels come from trafficgen's truth file, written by the generator
/// that made the packets; the first test checks them against tshark's
/// reading of the pcap, so that a mislabelled scenario cannot pass.
@Suite struct GeneratedAttackTests {
    /// trafficgen's kinds, as its error for an unknown one lists them
    /// (checked by `everyKindIsTested`).
    static let kinds = [
        "syn_scan", "connect_scan", "fin_scan", "null_scan", "xmas_scan", "udp_scan", "horizontal_scan",
        "ping_sweep", "syn_flood", "udp_flood", "icmp_flood", "dns_amplification", "ssh_bruteforce",
        "ftp_bruteforce", "slowloris",
    ]

    /// A reflected flood is a UDP flood too: alert(1)'s udp_flood rule says
    /// it comes beside dns_amplification.
    static let companions: [String: Set<String>] = ["dns_amplification": ["udp_flood"]]

    /// Writes the capture with the attack 10 s in, returns it and its truth.
    static func capture(_ kind: String, in directory: String) throws -> (pcap: String, truth: GeneratedTruth) {
        let pcap = directory + "/\(kind).pcap"
        let made = try run(E2E.trafficgen, ["--seed", "3", "--duration", "40", "--flow-rate", "100",
                                            "--attack", "\(kind):start=10", "-w", pcap])
        try #require(made.status == 0, "trafficgen: \(made.stderr)")
        let text = try String(contentsOfFile: directory + "/\(kind).truth.tsv", encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst()
        try #require(rows.count == 1, "truth: \(text)")
        return (pcap, try GeneratedTruth(rows.first!))
    }

    static func alerts(_ pcap: String) throws -> (events: [[String: Any]], result: RunResult) {
        let script = """
            set -o pipefail
            "$1/sniff" -q -r "$2" | "$1/flowify" -q | "$1/window5s" -q | "$1/featurize" -q | "$1/alert" -q
            """
        let result = try run("/bin/bash", ["-c", script, "bash", E2E.binDirectory, pcap], timeout: 300)
        let records = result.stdoutText.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        return (records.filter { $0["event_type"] as? String == "alert" }, result)
    }

    // Expected: the truth's labels agree with the packets. tshark finds
    // the first packet to or from the attacker exactly at the truth's start
    // and the last (the victim's last answer, often) at its end. For a
    // crowd, the first packet to the victim from the start on is at the
    // start; its end is not checked, the benign clients going on after.
    @Test(arguments: kinds)
    func attackIsAlertedWithItsKindAndParties(kind: String) throws {
        let directory = E2E.scratchDirectory("attack-\(kind)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (pcap, truth) = try Self.capture(kind, in: directory)
        #expect(truth.technique == kind)

        if let tshark = Tshark.path {
            let attackerIsAddress = GroundTruth.isAddress(truth.attacker)
            let filter = attackerIsAddress ? "ip.addr==\(truth.attacker)" : "ip.dst==\(truth.victim) && frame.time_epoch >= \(truth.start - 0.000001)"
            let times = try run(tshark, ["-r", pcap, "-Y", filter, "-T", "fields", "-e", "frame.time_epoch"], timeout: 300)
            let epochs = times.stdoutText.split(separator: "\n").compactMap { Double($0) }
            try #require(!epochs.isEmpty, "tshark found no packet for \(filter)")
            #expect(abs(epochs.first! - truth.start) < 1e-6, "first packet \(epochs.first!) vs truth \(truth.start)")
            if attackerIsAddress { #expect(abs(epochs.last! - truth.end) < 1e-6, "last packet vs truth \(truth.end)") }
        }

        let (events, result) = try Self.alerts(pcap)
        #expect(result.status == 0, "\(result.stderr)")
        let described = events.map { event -> String in
            let sluice = event["sluice"] as? [String: Any] ?? [:]
            return "\(sluice["kind"] ?? "?") \(event["src_ip"] ?? "-") -> \(event["dest_ip"] ?? "-"):\(event["dest_port"] ?? "-") at \(sluice["window_start"] ?? "?")"
        }
        let allowed = Self.companions[truth.kind, default: []].union([truth.kind])
        for event in events {
            let alertKind = (event["sluice"] as? [String: Any])?["kind"] as? String ?? "?"
            #expect(allowed.contains(alertKind), "unexpected alert: \(described)")
        }

        // The window of the start, or the next one (a scan shorter than a
        // step shows its failures when its flows end).
        let firstWindow = (truth.start / 5).rounded(.down) * 5
        let matching = events.filter { event in
            let sluice = event["sluice"] as? [String: Any] ?? [:]
            guard sluice["kind"] as? String == truth.kind else { return false }
            let windowStart = sluice["window_start"] as? Double ?? -1
            guard windowStart == firstWindow || windowStart == firstWindow + 5 else { return false }
            if GroundTruth.isAddress(truth.attacker) {
                guard event["src_ip"] as? String == truth.attacker else { return false }
            } else {
                guard event["src_ip"] == nil, sluice["attacker"] as? String == "many" else { return false }
            }
            if GroundTruth.isAddress(truth.victim) {
                guard event["dest_ip"] as? String == truth.victim else { return false }
            } else {
                guard event["dest_ip"] == nil else { return false }
            }
            if let port = truth.destinationPort { return event["dest_port"] as? Int == port }
            return true
        }
        #expect(matching.count == 1, "truth \(truth.kind) \(truth.attacker) -> \(truth.victim):\(truth.destinationPort ?? -1) from \(truth.start); alerts: \(described)")
    }

    // Expected: two minutes of benign traffic (three seeds, at the
    // default 400 sessions a second) raise no alert.
    @Test(arguments: [1, 2, 3])
    func benignTrafficRaisesNoAlert(seed: Int) throws {
        let directory = E2E.scratchDirectory("benign-\(seed)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pcap = directory + "/benign.pcap"
        let made = try run(E2E.trafficgen, ["--seed", String(seed), "--duration", "120", "-w", pcap])
        try #require(made.status == 0, "trafficgen: \(made.stderr)")
        let (events, result) = try Self.alerts(pcap)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(events.isEmpty, "\(events)")
    }

    // Expected: the kinds above are exactly those trafficgen knows, as its
    // error for an unknown kind lists them.
    @Test func everyKindIsTested() throws {
        let result = try run(E2E.trafficgen, ["--attack", "nonsense"])
        #expect(result.status == 2)
        let listed = try #require(result.stderr.split(separator: "(kinds: ").last?.split(separator: ")").first)
        #expect(listed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } == Self.kinds)
    }
}
