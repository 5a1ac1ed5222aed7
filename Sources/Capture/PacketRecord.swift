import SluiceCore

/// One captured frame as a source hands it over.
public struct CapturedFrame {
    public var timestamp: Timestamp
    public var wireLength: Int
    public var bytes: UnsafeRawBufferPointer
    public var linkType: LinkType
    /// The pcapng interface index; -1 for sources without interfaces.
    public var interface: Int
    /// Decimal digits of the source's time resolution (6 for microseconds).
    public var fractionDigits: Int

    public init(timestamp: Timestamp, wireLength: Int, bytes: UnsafeRawBufferPointer,
                linkType: LinkType, interface: Int = -1, fractionDigits: Int = 6) {
        self.timestamp = timestamp
        self.wireLength = wireLength
        self.bytes = bytes
        self.linkType = linkType
        self.interface = interface
        self.fractionDigits = fractionDigits
    }
}

extension NDJSONWriter {
    /// Writes a `packet` record (or a `frame` record for a frame without IP),
    /// leaving out every field that does not apply. Field names and meanings
    /// are documented in sluice-records(7).
    public func writePacket(_ packet: DecodedPacket, of frame: CapturedFrame) throws(OutputError) {
        if packet.isIP || packet.decodeError != nil {
            beginRecord(type: "packet")
        } else {
            beginRecord(type: "frame")
        }
        field("ts", timestamp: frame.timestamp, fractionDigits: frame.fractionDigits)
        if frame.interface >= 0 { field("iface", frame.interface) }
        field("len", packet.wireLength)
        field("caplen", packet.capturedLength)
        if packet.vlan >= 0 { field("vlan", Int(packet.vlan)) }
        if packet.innerVLAN >= 0 { field("vlan_inner", Int(packet.innerVLAN)) }
        if packet.mplsLabel >= 0 { field("mpls", Int(packet.mplsLabel)) }
        if packet.etherType >= 0 { field("ethertype", Int(packet.etherType)) }
        if packet.isIP {
            field("src", address: packet.source)
            field("dst", address: packet.destination)
            field("proto", Int(packet.ipProtocol))
            field("ttl", Int(packet.ttl))
            field("ip_len", Int(packet.ipLength))
            if packet.fragmentOffset >= 0 {
                field("frag_id", Int(packet.fragmentID))
                field("frag_offset", Int(packet.fragmentOffset))
                field("frag_more", packet.moreFragments)
            }
            if packet.sourcePort >= 0 {
                field("sport", Int(packet.sourcePort))
                field("dport", Int(packet.destinationPort))
            }
            if packet.tcpFlags >= 0 {
                field("tcp_flags", Int(packet.tcpFlags))
                field("tcp_seq", Int(packet.tcpSequence))
                field("tcp_ack", Int(packet.tcpAcknowledgement))
                field("tcp_win", Int(packet.tcpWindow))
            }
            if packet.icmpType >= 0 {
                field("icmp_type", Int(packet.icmpType))
                field("icmp_code", Int(packet.icmpCode))
                if packet.icmpID >= 0 { field("icmp_id", Int(packet.icmpID)) }
            }
            if packet.payloadLength >= 0 { field("payload_len", Int(packet.payloadLength)) }
        }
        if let error = packet.decodeError {
            beginField("decode_error", room: 40)
            appendByte(UInt8(ascii: "\""))
            var name = error.rawValue
            name.withUTF8 { appendBytes($0) }
            appendByte(UInt8(ascii: "\""))
        }
        try endRecord()
    }

    /// A `tick` record: event time moves on although no packet arrived.
    public func writeTick(_ timestamp: Timestamp) throws(OutputError) {
        beginRecord(type: "tick")
        field("ts", timestamp: timestamp, fractionDigits: 6)
        try endRecord()
    }
}
