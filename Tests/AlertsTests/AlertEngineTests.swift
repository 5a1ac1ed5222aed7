import Foundation
import SluiceCore
import Testing
@testable import Alerts

/// The engine on hand-made vectors: consecutive steps, suppression by
/// (attacker, victim) pair, repeats, episode ends, parties named only when
/// dominant, ignored hosts. Every expected value is worked out by hand in
/// the test's comment.
@Suite struct AlertEngineTests {
    static let yaml = """
        version: 1
        rules:
          - name: busy
            kind: test
            signature_id: 1
            signature: "busy host"
            category: Test
            severity: 3
            view: src
            when: flows_5s >= 10
            for: 2
            victim: top_peer_5s
            dest_port: top_dport_5s
            proto: TCP
            message: "{attacker} opened {flows_5s} flows to {victim} port {dest_port}"
          - name: flooded
            kind: flood
            signature_id: 2
            signature: "flooded host"
            category: Test
            severity: 1
            view: dst
            when: packets_in_5s >= 1000
            attacker: top_peer_5s
            ignore_hosts: [224.0.0.0/4]
            message: "{victim} flooded by {attacker}"
        """

    static func vector(_ host: String, kind: String = "src", end: Int64, _ values: [String: Double],
                       peer: String? = "10.1.0.1") -> FeatureRecord {
        var record = FeatureRecord()
        record.kind = kind
        record.host = host
        record.windowStart = end - 5
        record.windowEnd = end
        for (name, value) in values { record.values[RuleSet.slot(of: name)] = value }
        for name in RuleSet.featureNames where record.values[RuleSet.slot(of: name)].isNaN {
            record.values[RuleSet.slot(of: name)] = 0
        }
        record.topPeer5s = peer
        return record
    }

    func run(_ records: [FeatureRecord], suppress: Int64 = 60) throws -> [AlertEvent] {
        let rules = try RuleSet(yaml: Self.yaml, file: "test.yaml").rules
        var events: [AlertEvent] = []
        let engine = AlertEngine(rules: rules, suppressionSeconds: suppress) { events.append($0) }
        for record in records { try engine.add(record) }
        try engine.finish()
        return events
    }

    static let busy: [String: Double] = ["flows_5s": 12, "top_peer_share_5s": 0.9, "top_dport_5s": 22, "top_dport_share_5s": 1]

    // Expected: `for: 2` needs two consecutive steps: steps ending 10 and 15
    // hold, 20 does not, 25 holds, 30 holds → first alert at the step ending
    // 15 (its window starts at 10), none at 25 (streak 1), the step ending
    // 30 (streak 2) is within 60 s of the alert at 15 → a repeat. The
    // episode ends at the end of input: firings 2, alerts 1, repeats 1.
    @Test func consecutiveStepsAndOneAlertPerPeriod() throws {
        let records = [10, 15, 20, 25, 30].map { end in
            Self.vector("10.0.0.5", end: Int64(end), end == 20 ? ["flows_5s": 3] : Self.busy)
        }
        let events = try run(records)
        #expect(events.count == 2)
        let alert = events[0]
        #expect(!alert.isEnd && alert.record.windowEnd == 15 && alert.steps == 2 && alert.repeats == 0)
        #expect(alert.attacker == "10.0.0.5" && alert.victim == "10.1.0.1" && alert.destinationPort == 22)
        #expect(alert.message == "10.0.0.5 opened 12 flows to 10.1.0.1 port 22")
        let end = events[1]
        #expect(end.isEnd && end.firings == 2 && end.alerts == 1 && end.repeats == 1 && end.firstSeen == 10 && end.lastSeen == 30)
    }

    // Expected: firing in every step from 5 to 200 (streak from the step
    // ending 10): alerts at the steps ending 10, 70, 130, 190 (each 60 s after
    // the previous alert), each but the first carrying the 11 firings in
    // between; the end (input's end) carries the 2 after the last alert.
    @Test func repeatsAreCarriedByTheNextAlert() throws {
        let records = stride(from: 5, through: 200, by: 5).map { Self.vector("10.0.0.5", end: Int64($0), Self.busy) }
        let events = try run(records)
        let alerts = events.filter { !$0.isEnd }
        #expect(alerts.map(\.record.windowEnd) == [10, 70, 130, 190])
        #expect(alerts.map(\.repeats) == [0, 11, 11, 11])
        #expect(events.last?.isEnd == true && events.last?.repeats == 2 && events.last?.firings == 39)
    }

    // Expected: a pair quiet for the period ends its episode when event
    // time reaches its last firing step's end plus 60 s (the other host's
    // steps move time: the step starting at 75 = 15 + 60); a later firing
    // opens a new episode with an alert of its own.
    @Test func quietPeriodEndsTheEpisode() throws {
        var records = [10, 15].map { Self.vector("10.0.0.5", end: Int64($0), Self.busy) }
        records += stride(from: 20, through: 80, by: 5).map { Self.vector("10.0.0.9", end: Int64($0), ["flows_5s": 1]) }
        records += [85, 90].map { Self.vector("10.0.0.5", end: Int64($0), Self.busy) }
        let events = try run(records)
        #expect(events.map(\.isEnd) == [false, true, false, true])
        #expect(events[1].lastSeen == 15)
        #expect(events[2].record.windowEnd == 90 && events[2].repeats == 0 && events[2].firstSeen == 85)
    }

    // Expected: with the shortest period (--suppress 5) a condition that
    // holds in every step is one episode: each step starts where the last
    // firing step ended, so the pair is never quiet for 5 s. Steps ending 10
    // to 40 fire (for: 2 from the one ending 10): one alert, at 10; one end,
    // at the end of input, with 7 firings.
    @Test func shortestPeriodKeepsOneEpisode() throws {
        let records = stride(from: 5, through: 40, by: 5).map { Self.vector("10.0.0.5", end: Int64($0), Self.busy) }
        let events = try run(records, suppress: 5)
        #expect(events.map(\.isEnd) == [false, false, false, false, false, false, false, true])
        #expect(events.filter(\.isEnd).first?.firings == 7)
        // With --suppress 5 each firing is 5 s after the previous alert,
        // so each is an alert of its own, within the one episode.
        #expect(events.dropLast().allSatisfy { $0.firstSeen == 5 })
    }

    // Expected: a step older than the episode's last firing (an older file
    // read after a newer one) does not move the episode back: its end
    // says the last firing step ended at 30, not 20.
    @Test func outOfOrderFiringsDoNotMoveTheEpisodeBack() throws {
        let records = [25, 30, 20].map { Self.vector("10.0.0.5", end: Int64($0), Self.busy) }
        let events = try run(records)
        #expect(events.last?.isEnd == true && events.last?.lastSeen == 30)
    }

    // Expected: a top port that is no port (1e300 would trap a conversion,
    // 70000 and 80.5 are out of range or not whole) names no dest_port.
    @Test func onlyARealPortIsNamed() throws {
        for port in [1e300, 70_000, 80.5, -1] {
            var values = Self.busy
            values["top_dport_5s"] = port
            let events = try run([5, 10].map { Self.vector("10.0.0.5", end: Int64($0), values) })
            #expect(events.first?.destinationPort == nil, "port \(port)")
            #expect(events.first?.message == "10.0.0.5 opened 12 flows to 10.1.0.1 port various ports")
        }
    }

    // Expected: numbers in messages are rounded to three decimals, and a
    // whole number after rounding has no fraction.
    @Test func messageNumbers() {
        #expect(AlertEvent.numberText(2.9996) == "3")
        #expect(AlertEvent.numberText(0.0004) == "0")
        #expect(AlertEvent.numberText(0.1234) == "0.123")
        #expect(AlertEvent.numberText(12) == "12")
    }

    // Expected: a peer is named only with at least half the packets: the
    // flooded host's attacker is its top peer at 0.7, "nobody" (a crowd)
    // at 0.1; a multicast group (ignore_hosts) raises nothing.
    @Test func partiesAreNamedOnlyWhenDominant() throws {
        let one = Self.vector("10.0.0.7", kind: "dst", end: 10, ["packets_in_5s": 5000, "top_peer_share_5s": 0.7], peer: "203.0.113.9")
        let crowd = Self.vector("10.0.0.8", kind: "dst", end: 10, ["packets_in_5s": 5000, "top_peer_share_5s": 0.1], peer: "198.51.100.3")
        let group = Self.vector("239.1.2.3", kind: "dst", end: 10, ["packets_in_5s": 5000, "top_peer_share_5s": 1])
        let events = try run([one, crowd, group]).filter { !$0.isEnd }
        #expect(events.count == 2)
        #expect(events[0].attacker == "203.0.113.9" && events[0].victim == "10.0.0.7")
        #expect(events[1].attacker == nil && events[1].victim == "10.0.0.8")
        #expect(events[1].message == "10.0.0.8 flooded by many sources")
    }

    // Expected: the EVE line of an alert has Suricata's fields; a crowd's
    // alert has no src_ip; the timestamp is the step's start in UTC
    // (1767225605 is 2026-01-01T00:00:05Z).
    @Test func eveRecord() throws {
        let crowd = Self.vector("10.0.0.8", kind: "dst", end: 1_767_225_610, ["packets_in_5s": 5000, "top_peer_share_5s": 0.1])
        let event = try #require(try run([crowd]).first)
        let line = AlertRecord.line(event)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["type"] as? String == "alert" && object["event_type"] as? String == "alert")
        #expect(object["timestamp"] as? String == "2026-01-01T00:00:05.000000+0000")
        #expect(object["src_ip"] == nil && object["dest_ip"] as? String == "10.0.0.8")
        let alert = try #require(object["alert"] as? [String: Any])
        #expect(alert["signature_id"] as? Int == 2 && alert["severity"] as? Int == 1 && alert["signature"] as? String == "flooded host")
        let sluice = try #require(object["sluice"] as? [String: Any])
        #expect(sluice["attacker"] as? String == "many" && sluice["kind"] as? String == "flood")
        let features = try #require(sluice["features"] as? [String: Any])
        #expect(features["packets_in_5s"] as? Int == 5000)
    }

    // Expected: EVE dates for a few days worked out by hand or with
    // `date -u -d @N`: 0 is 1970-01-01, 951782400 is 2000-02-29, 4102444799
    // is 2099-12-31T23:59:59.
    @Test func eveTimestamps() {
        #expect(EVETimestamp.text(seconds: 0) == "1970-01-01T00:00:00.000000+0000")
        #expect(EVETimestamp.text(seconds: 951_782_400) == "2000-02-29T00:00:00.000000+0000")
        #expect(EVETimestamp.text(seconds: 4_102_444_799) == "2099-12-31T23:59:59.000000+0000")
        #expect(EVETimestamp.text(seconds: -1) == "1969-12-31T23:59:59.000000+0000")
    }
}
