import SluiceCore

/// The fields of a `packet` record (sluice-records(7)) that flowify reads,
/// by slot, and how their values become a `PacketObservation`.
///
/// Two readers fill a `PacketFieldValues`: `PacketLineDecoder`, a fast
/// path for the records sniff writes, and `read(from:into:)` over the
/// general JSON parser for everything else. Both then go through the one
/// `observation(from:)`, so the two can differ in speed only.
public enum PacketRecordFields {
    public static let keys = FieldKeys([
        "type", "ts", "len", "src", "dst", "proto", "sport", "dport",
        "tcp_flags", "tcp_seq", "tcp_ack", "tcp_win", "ttl",
        "icmp_type", "icmp_code", "icmp_id", "payload_len",
        "vlan", "vlan_inner", "frag_id", "frag_offset",
    ])

    public static let type = 0
    public static let ts = 1
    static let len = 2, src = 3, dst = 4, proto = 5, sport = 6, dport = 7
    static let tcpFlags = 8, tcpSeq = 9, tcpAck = 10, tcpWin = 11, ttl = 12
    static let icmpType = 13, icmpCode = 14, icmpID = 15, payloadLen = 16
    static let vlan = 17, vlanInner = 18, fragID = 19, fragOffset = 20

    /// Slots whose values are integers.
    static let integerSlots = [len, proto, sport, dport, tcpFlags, tcpSeq, tcpAck, tcpWin, ttl,
                               icmpType, icmpCode, icmpID, payloadLen, vlan, vlanInner, fragID, fragOffset]

    /// Fills `values` from the parsed line: each field read as its type, a
    /// value of another type an error naming the field.
    public static func read(from parser: JSONLineParser, into values: PacketFieldValues) throws(FieldError) {
        values.clear()
        if let time = try parser.timestamp(ts) { values.time = time.nanoseconds; values.mark(ts) }
        if let text = try parser.stringBytes(src) { values.source = try address(text, src); values.mark(src) }
        if let text = try parser.stringBytes(dst) { values.destination = try address(text, dst); values.mark(dst) }
        for slot in integerSlots {
            if let value = try parser.int(slot) { values.set(slot, value) }
        }
        values.fractionDigits = fractionDigits(in: parser)
    }

    /// The packet the values describe, or nil for a packet record without
    /// IP addresses (a frame sniff could not decode as IP), which belongs
    /// to no flow.
    public static func observation(from values: PacketFieldValues) throws(FieldError) -> PacketObservation? {
        guard values.has(src) else { return nil }
        guard values.has(ts) else { throw .missing(key: keys[ts]) }
        guard values.has(dst) else { throw .missing(key: keys[dst]) }
        var packet = PacketObservation()
        packet.time = try checked(values.time)
        packet.source = values.source
        packet.destination = values.destination
        packet.wireLength = try UInt32(required(values, len, 0...Int64(UInt32.max)))
        packet.protocolNumber = try UInt8(required(values, proto, 0...255))
        if let length = try optional(values, payloadLen, 0...Int64(UInt32.max)) {
            packet.payloadLength = UInt32(length)
        }
        if let source = try optional(values, sport, 0...65535),
           let destination = try optional(values, dport, 0...65535) {
            packet.ports = (UInt16(source), UInt16(destination))
        }
        if let flags = try optional(values, tcpFlags, 0...255) {
            packet.tcp = .init(
                flags: UInt8(flags),
                sequence: UInt32(try optional(values, tcpSeq, 0...Int64(UInt32.max)) ?? 0),
                acknowledgement: UInt32(try optional(values, tcpAck, 0...Int64(UInt32.max)) ?? 0),
                window: try optional(values, tcpWin, 0...65535).map { UInt16($0) })
        }
        if let ttlValue = try optional(values, ttl, 0...255) { packet.ttl = UInt8(ttlValue) }
        if let type = try optional(values, icmpType, 0...255) {
            packet.icmp = .init(
                type: UInt8(type),
                code: UInt8(try optional(values, icmpCode, 0...255) ?? 0),
                identifier: try optional(values, icmpID, 0...65535).map { UInt16($0) })
        }
        if let outer = try optional(values, vlan, 0...4095) {
            packet.vlans = FlowKey.packVLANs(
                outer: UInt16(outer), inner: try optional(values, vlanInner, 0...4095).map { UInt16($0) })
        }
        if let identification = try optional(values, fragID, 0...Int64(UInt32.max)) {
            packet.fragment = (UInt32(identification),
                               UInt32(try optional(values, fragOffset, 0...Int64(UInt32.max)) ?? 0))
        }
        return packet
    }

    /// The number of decimals of the line's `ts` text (0 to 9), so reports
    /// keep the precision of their input. A time written with an exponent
    /// may hide any precision: it counts as nine.
    public static func fractionDigits(in parser: JSONLineParser) -> Int {
        guard let index = parser.index(ofSlot: ts) else { return 0 }
        let text = parser.rawValue(at: index)
        if text.contains(UInt8(ascii: "e")) || text.contains(UInt8(ascii: "E")) { return 9 }
        var position = text.count - 1
        while position >= 0 {
            let byte = text[position]
            if byte == UInt8(ascii: ".") { return min(text.count - 1 - position, 9) }
            if byte < UInt8(ascii: "0") || byte > UInt8(ascii: "9") { return 0 }
            position -= 1
        }
        return 0
    }

    /// `time` if it is a supported event time, else the error that names `ts`.
    public static func checked(_ time: Int64) throws(FieldError) -> Int64 {
        try Timestamp.checkedEventTime(time, key: keys[ts])
    }

    @inline(__always)
    private static func optional(
        _ values: PacketFieldValues, _ slot: Int, _ range: ClosedRange<Int64>
    ) throws(FieldError) -> Int64? {
        guard values.has(slot) else { return nil }
        let value = values.integer(slot)
        guard range.contains(value) else {
            throw .wrongType(key: keys[slot], expected: "integer \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    @inline(__always)
    private static func required(
        _ values: PacketFieldValues, _ slot: Int, _ range: ClosedRange<Int64>
    ) throws(FieldError) -> Int64 {
        guard let value = try optional(values, slot, range) else { throw .missing(key: keys[slot]) }
        return value
    }

    private static func address(_ text: UnsafeBufferPointer<UInt8>, _ slot: Int) throws(FieldError) -> IPAddress {
        guard let address = IPAddress(text: text) else {
            throw .wrongType(key: keys[slot], expected: "IP address")
        }
        return address
    }
}

/// The registered fields of one packet record as read, reused line after
/// line: which are present, the integers by slot, the time and addresses.
public final class PacketFieldValues {
    @exclusivity(unchecked) private(set) var present: UInt32 = 0
    private let integers = UnsafeMutablePointer<Int64>.allocate(capacity: 32)
    @exclusivity(unchecked) var time: Int64 = 0
    @exclusivity(unchecked) var source = IPAddress(ipv4: 0)
    @exclusivity(unchecked) var destination = IPAddress(ipv4: 0)
    /// Decimals of the `ts` text.
    @exclusivity(unchecked) public var fractionDigits = 0

    public init() {
        precondition(PacketRecordFields.keys.count <= 32)
    }

    deinit { integers.deallocate() }

    @inline(__always) func clear() { present = 0 }
    @inline(__always) func has(_ slot: Int) -> Bool { present & (1 << UInt32(slot)) != 0 }
    @inline(__always) func mark(_ slot: Int) { present |= 1 << UInt32(slot) }
    @inline(__always) func integer(_ slot: Int) -> Int64 { integers[slot] }

    @inline(__always) func set(_ slot: Int, _ value: Int64) {
        integers[slot] = value
        mark(slot)
    }
}
