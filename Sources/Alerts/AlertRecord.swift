import SluiceCore

/// An alert as a line of Suricata's EVE JSON, so that EVE consumers take it
/// as it is, with Sluice's own record fields (`type`, `ts`) in front and
/// its evidence under `sluice` (sluice-rules(5), "Alert records"). An
/// episode's end is the same shape with `"type":"alert_end"` and
/// `"event_type":"sluice_alert_end"`, which EVE consumers that select
/// `event_type == "alert"` leave aside.
public enum AlertRecord {
    public static func line(_ event: AlertEvent) -> [UInt8] {
        var object = JSONObjectText()
        let record = event.record
        let time = event.isEnd ? event.lastSeen : record.windowStart
        object.string("type", event.isEnd ? "alert_end" : "alert")
        object.integer("ts", Int(time))
        object.string("timestamp", EVETimestamp.text(seconds: time))
        object.string("event_type", event.isEnd ? "sluice_alert_end" : "alert")
        if let attacker = event.attacker { object.string("src_ip", attacker) }
        if let victim = event.victim { object.string("dest_ip", victim) }
        if let port = event.destinationPort { object.integer("dest_port", port) }
        if let proto = event.rule.proto { object.string("proto", proto) }
        object.object("alert") { alert in
            alert.string("action", "allowed")
            alert.integer("gid", 1)
            alert.integer("signature_id", event.rule.signatureID)
            alert.integer("rev", event.rule.revision)
            alert.string("signature", event.rule.signature)
            alert.string("category", event.rule.category)
            alert.integer("severity", event.rule.severity)
            if let attacker = event.attacker { alert.object("source") { $0.string("ip", attacker) } }
            if event.victim != nil || event.destinationPort != nil {
                alert.object("target") { target in
                    if let victim = event.victim { target.string("ip", victim) }
                    if let port = event.destinationPort { target.integer("port", port) }
                }
            }
        }
        object.object("sluice") { sluice in
            sluice.string("rule", event.rule.name)
            sluice.string("kind", event.rule.kind)
            sluice.string("message", event.message)
            sluice.string("attacker", event.attacker ?? "many")
            sluice.string("victim", event.victim ?? "many")
            sluice.string("view", record.kind)
            sluice.string("host", record.host)
            if !record.sensor.isEmpty { sluice.string("sensor", record.sensor) }
            sluice.integer("window_start", Int(record.windowStart))
            sluice.integer("window_end", Int(record.windowEnd))
            sluice.integer("steps", event.steps)
            sluice.integer("first_seen", Int(event.firstSeen))
            if event.isEnd {
                sluice.integer("last_seen", Int(event.lastSeen))
                sluice.integer("firings", event.firings)
                sluice.integer("alerts", event.alerts)
            }
            sluice.integer("repeats", event.repeats)
            sluice.string("condition", event.rule.condition.text)
            sluice.object("features") { features in
                for name in event.evidenceFeatures { features.number(name, record.value(name)) }
            }
        }
        return object.finish()
    }
}

/// A JSON object built field by field (alerts are few: clarity over speed).
struct JSONObjectText {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var empty = true

    private mutating func key(_ name: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        JSONQuoting.appendQuoted(name.utf8, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func string(_ name: String, _ value: String) {
        key(name)
        JSONQuoting.appendQuoted(value.utf8, to: &bytes)
    }

    mutating func integer(_ name: String, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Whole numbers without a fraction; not a number as null.
    mutating func number(_ name: String, _ value: Double) {
        key(name)
        if !value.isFinite {
            bytes.append(contentsOf: "null".utf8)
        } else if value == value.rounded() && abs(value) < 9e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    mutating func object(_ name: String, _ build: (inout JSONObjectText) -> Void) {
        key(name)
        var inner = JSONObjectText()
        build(&inner)
        bytes.append(contentsOf: inner.finish())
    }

    func finish() -> [UInt8] { bytes + [UInt8(ascii: "}")] }
}

/// EVE's timestamp: `2026-01-01T00:00:05.000000+0000`, UTC.
enum EVETimestamp {
    static func text(seconds: Int64) -> String {
        let days = floorDivide(seconds, 86_400)
        let second = seconds - days * 86_400
        let (year, month, day) = civil(days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = year >= 0 && year < 10_000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return "\(yearText)-\(two(month))-\(two(day))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)).000000+0000"
    }

    /// Year, month and day of a day count since 1970-01-01 (Howard
    /// Hinnant's civil_from_days).
    static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
