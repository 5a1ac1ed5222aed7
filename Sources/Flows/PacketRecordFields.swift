import SluiceCore

/// Reads `packet` records (sluice-records(7)) into `PacketObservation`s:
/// the registered keys, and the checks that turn a value out of range into
/// a `FieldError` naming the field.
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

    /// The packet in the parsed line, or nil for a packet record without IP
    /// addresses (a frame sniff could not decode as IP), which belongs to no
    /// flow.
    public static func observation(from parser: JSONLineParser) throws(FieldError) -> PacketObservation? {
        guard let sourceText = try parser.stringBytes(src) else { return nil }
        var packet = PacketObservation()
        packet.time = try parser.requireTimestamp(ts).nanoseconds
        packet.wireLength = try UInt32(required(parser, len, 0...Int64(UInt32.max)))
        packet.source = try address(sourceText, src)
        packet.destination = try address(parser.requireStringBytes(dst), dst)
        packet.protocolNumber = try UInt8(required(parser, proto, 0...255))
        if let length = try optional(parser, payloadLen, 0...Int64(UInt32.max)) {
            packet.payloadLength = UInt32(length)
        }
        if let source = try optional(parser, sport, 0...65535),
           let destination = try optional(parser, dport, 0...65535) {
            packet.ports = (UInt16(source), UInt16(destination))
        }
        if let flags = try optional(parser, tcpFlags, 0...255) {
            packet.tcp = .init(
                flags: UInt8(flags),
                sequence: UInt32(try optional(parser, tcpSeq, 0...Int64(UInt32.max)) ?? 0),
                acknowledgement: UInt32(try optional(parser, tcpAck, 0...Int64(UInt32.max)) ?? 0),
                window: try optional(parser, tcpWin, 0...65535).map { UInt16($0) })
        }
        if let ttlValue = try optional(parser, ttl, 0...255) { packet.ttl = UInt8(ttlValue) }
        if let type = try optional(parser, icmpType, 0...255) {
            packet.icmp = .init(
                type: UInt8(type),
                code: UInt8(try optional(parser, icmpCode, 0...255) ?? 0),
                identifier: try optional(parser, icmpID, 0...65535).map { UInt16($0) })
        }
        if let outer = try optional(parser, vlan, 0...4095) {
            packet.vlans = FlowKey.packVLANs(
                outer: UInt16(outer), inner: try optional(parser, vlanInner, 0...4095).map { UInt16($0) })
        }
        if let identification = try optional(parser, fragID, 0...Int64(UInt32.max)) {
            packet.fragment = (UInt32(identification),
                               UInt32(try optional(parser, fragOffset, 0...Int64(UInt32.max)) ?? 0))
        }
        return packet
    }

    /// The number of decimals of the line's `ts` text (0 to 9), so reports
    /// keep the precision of their input.
    public static func fractionDigits(in parser: JSONLineParser) -> Int {
        guard let index = parser.index(ofSlot: ts) else { return 0 }
        let text = parser.rawValue(at: index)
        var position = text.count - 1
        while position >= 0 {
            let byte = text[position]
            if byte == UInt8(ascii: ".") { return min(text.count - 1 - position, 9) }
            if byte < UInt8(ascii: "0") || byte > UInt8(ascii: "9") { return 0 }
            position -= 1
        }
        return 0
    }

    @inline(__always)
    private static func optional(
        _ parser: JSONLineParser, _ slot: Int, _ range: ClosedRange<Int64>
    ) throws(FieldError) -> Int64? {
        guard let value = try parser.int(slot) else { return nil }
        guard range.contains(value) else {
            throw .wrongType(key: keys[slot], expected: "integer \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    @inline(__always)
    private static func required(
        _ parser: JSONLineParser, _ slot: Int, _ range: ClosedRange<Int64>
    ) throws(FieldError) -> Int64 {
        guard let value = try optional(parser, slot, range) else { throw .missing(key: keys[slot]) }
        return value
    }

    @inline(__always)
    private static func address(_ text: UnsafeBufferPointer<UInt8>, _ slot: Int) throws(FieldError) -> IPAddress {
        guard let address = IPAddress(text: text) else {
            throw .wrongType(key: keys[slot], expected: "IP address")
        }
        return address
    }
}
