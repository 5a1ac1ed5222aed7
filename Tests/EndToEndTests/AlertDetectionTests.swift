import Foundation
import Testing

extension E2E {
    static var alert: String { tool("alert") }
}

/// One line of the shared captures' GROUND_TRUTH.tsv: what attack a
/// capture holds, who did it to whom, as the captures' sources label them
/// (the column labelled_by says how).
struct GroundTruth: Sendable, CustomStringConvertible {
    var path: String
    /// The first word of the kind column ("port_scan (TCP FIN)" is port_scan).
    var kind: String
    /// The attacker's address, or nil for a crowd (spoofed sources,
    /// reflectors): then only the victim can be named.
    var attacker: String?
    var victim: String
    var victimPort: Int?

    var description: String { path }

    static let all: [GroundTruth] = {
        guard let text = try? String(contentsOfFile: E2E.pcap("GROUND_TRUTH.tsv"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 4 else { return nil }
            let kind = String(columns[1].split(separator: " ")[0])
            let attacker = isAddress(columns[2]) ? columns[2] : nil
            let victimParts = columns[3].split(separator: ":")
            return GroundTruth(path: columns[0], kind: kind, attacker: attacker, victim: String(victimParts[0]),
                               victimPort: victimParts.count == 2 ? Int(victimParts[1]) : nil)
        }
    }()

    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}

/// The whole pipeline, sniff through alert with cascade against the test
/// cluster, over the shared captures: every attack capture raises an alert
/// of its kind that names its attacker (or the victim, where the attack
/// comes from a crowd) as GROUND_TRUTH.tsv gives them; no benign capture
/// raises any. The rules are the built-in ones, whose thresholds come from
/// what each attack is (sluice-rules(5)), not from these files.
@Suite(.serialized) struct AlertDetectionTests {
    /// The pipeline's alert records (and its status and stderr).
    static func pipeline(_ file: String) throws -> (alerts: [[String: Any]], status: Int32, stderr: String) {
        let conninfo = try TestCluster.database()
        let script = """
            set -o pipefail
            "$1/sniff" -q -r "$2" | "$1/flowify" -q | "$1/window5s" -q | "$1/cascade" -q --db "$3" --sensor test \
              | "$1/featurize" -q | "$1/alert" -q
            """
        let result = try run("/bin/bash", ["-c", script, "bash", E2E.binDirectory, E2E.pcap(file), conninfo], timeout: 600)
        let alerts = result.stdoutText.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["type"] as? String == "alert" }
        return (alerts, result.status, result.stderr)
    }

    static let attacks = GroundTruth.all
    static let benign: [String] = E2E.allPcaps.filter { $0.hasPrefix("benign/") }

    // Expected: GROUND_TRUTH.tsv's kind, attacker and victim (and the
    // victim's port where it gives one) on at least one alert: src_ip is
    // the attacker, dest_ip the victim; for a crowd, no src_ip and
    // sluice.attacker "many".
    @Test(arguments: attacks)
    func attackIsAlertedWithItsKindAndParties(truth: GroundTruth) throws {
        let (alerts, status, stderr) = try Self.pipeline(truth.path)
        #expect(status == 0, "\(stderr)")
        let matching = alerts.filter { alert in
            let sluice = alert["sluice"] as? [String: Any] ?? [:]
            guard sluice["kind"] as? String == truth.kind, alert["dest_ip"] as? String == truth.victim else { return false }
            if let port = truth.victimPort, alert["dest_port"] as? Int != port { return false }
            if let attacker = truth.attacker { return alert["src_ip"] as? String == attacker }
            return alert["src_ip"] == nil && sluice["attacker"] as? String == "many"
        }
        let seen = alerts.map { alert -> String in
            let sluice = alert["sluice"] as? [String: Any] ?? [:]
            return "\(sluice["kind"] ?? "?") \(alert["src_ip"] ?? "-") -> \(alert["dest_ip"] ?? "-"):\(alert["dest_port"] ?? "-")"
        }
        #expect(!matching.isEmpty, "alerts: \(seen)")
    }

    // Expected: none of the benign captures raises an alert.
    @Test(arguments: benign)
    func benignCaptureRaisesNoAlert(file: String) throws {
        let (alerts, status, stderr) = try Self.pipeline(file)
        #expect(status == 0, "\(stderr)")
        #expect(alerts.isEmpty, "\(alerts)")
    }

    // Expected: the ground truth lists every attack folder (a capture
    // missing from it would go untested).
    @Test func everyAttackCaptureHasItsTruth() {
        let listed = Set(Self.attacks.map(\.path))
        let present = E2E.allPcaps.filter { $0.hasPrefix("attacks/") }
        #expect(!present.isEmpty)
        #expect(Set(present).isSubset(of: listed), "\(Set(present).subtracting(listed))")
    }
}
