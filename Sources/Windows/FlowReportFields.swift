import SluiceCore

/// The fields of a `flow` record window5s reads, by slot, and how they
/// become a `FlowReport`.
public enum FlowReportFields {
    /// The record's fields, then the time field when it is another one.
    public static func keys(timeField: String) -> FieldKeys {
        names.contains(timeField) ? FieldKeys(names) : FieldKeys(names + [timeField])
    }

    static let names = [
        "type", "ts", "interval_start", "interval_end", "report", "proto", "src", "dst", "sport", "dport",
        "first_ts", "duration_us", "conn_state", "end_reason",
        "orig_packets_delta", "orig_bytes_delta", "orig_payload_bytes_delta",
        "resp_packets_delta", "resp_bytes_delta", "resp_payload_bytes_delta",
    ]
    public static let type = 0
    public static let ts = 1
    static let intervalStart = 2, intervalEnd = 3, reportKind = 4, proto = 5, src = 6, dst = 7, sport = 8, dport = 9
    static let firstTs = 10, duration = 11, connState = 12, endReason = 13
    static let origPackets = 14, origBytes = 15, origPayload = 16
    static let respPackets = 17, respBytes = 18, respPayload = 19

    /// The slot of the time field in `keys(timeField:)`.
    public static func timeSlot(_ timeField: String) -> Int {
        names.firstIndex(of: timeField) ?? names.count
    }

    /// Reads the parsed flow record; the error names the field at fault.
    public static func read(from parser: JSONLineParser, timeSlot: Int) throws(FieldError) -> FlowReport {
        var report = FlowReport()
        report.time = try parser.requireEventTime(timeSlot)
        report.source = try address(parser, src)
        report.destination = try address(parser, dst)
        report.protocolNumber = UInt8(try integer(parser, proto, 0...255, required: true)!)
        if let sourcePort = try integer(parser, sport, 0...65535, required: false),
           let destinationPort = try integer(parser, dport, 0...65535, required: false) {
            report.sourcePort = Int32(sourcePort)
            report.destinationPort = Int32(destinationPort)
        }
        let kind = try parser.requireStringBytes(reportKind)
        report.isFinal = kind.equals("final")
        guard report.isFinal || kind.equals("interim") else {
            throw .wrongType(key: names[reportKind], expected: "\"interim\" or \"final\"")
        }
        let intervalStart = try parser.requireTimestamp(intervalStart).nanoseconds
        if let first = try parser.timestamp(firstTs) { report.isFirst = first.nanoseconds >= intervalStart }
        if let state = try parser.stringBytes(connState) {
            report.state = state.equals("S0") ? .s0
                : state.equals("REJ") ? .rej
                : state.equals("RSTR") || state.equals("RSTRH") ? .responderReset
                : .other
        }
        if report.isFinal {
            if let reason = try parser.stringBytes(endReason) {
                report.endReason = reason.equals("fin") ? .fin : reason.equals("rst") ? .rst : .other
            }
            report.durationMicroseconds = try parser.double(duration) ?? 0
            guard report.durationMicroseconds >= 0 else { throw .wrongType(key: names[duration], expected: "duration of 0 or more") }
        }
        report.originator.packets = try counter(parser, origPackets)
        report.originator.bytes = try counter(parser, origBytes)
        report.originator.payloadBytes = try counter(parser, origPayload)
        report.responder.packets = try counter(parser, respPackets)
        report.responder.bytes = try counter(parser, respBytes)
        report.responder.payloadBytes = try counter(parser, respPayload)
        return report
    }

    private static func address(_ parser: JSONLineParser, _ slot: Int) throws(FieldError) -> IPAddress {
        guard let address = IPAddress(text: try parser.requireStringBytes(slot)) else {
            throw .wrongType(key: names[slot], expected: "IP address")
        }
        return address
    }

    private static func integer(_ parser: JSONLineParser, _ slot: Int, _ range: ClosedRange<Int64>,
                                required: Bool) throws(FieldError) -> Int64? {
        guard let value = required ? try parser.requireInt(slot) : try parser.int(slot) else { return nil }
        guard range.contains(value) else { throw .wrongType(key: names[slot], expected: "integer \(range.lowerBound) to \(range.upperBound)") }
        return value
    }

    /// A delta counter; absent counts as 0 (a script's reduced record).
    private static func counter(_ parser: JSONLineParser, _ slot: Int) throws(FieldError) -> UInt64 {
        guard let value = try parser.int(slot) else { return 0 }
        return try RecordCount.checked(value, key: names[slot])
    }
}
