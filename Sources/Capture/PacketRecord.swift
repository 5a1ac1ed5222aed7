import CPcap
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

private let quote = UInt8(ascii: "\"")

extension CapturedFrame {
    /// A frame as libpcap hands it over. `nanosecondTimestamps` tells how
    /// the handle's `tv_usec` field is to be read (nanoseconds when the
    /// handle was opened with nanosecond precision).
    init(header: UnsafePointer<pcap_pkthdr>, data: UnsafePointer<UInt8>, linkType: LinkType,
         nanosecondTimestamps: Bool, fractionDigits: Int) {
        let fraction = Int64(header.pointee.ts.tv_usec)
        self.init(
            timestamp: Timestamp(seconds: Int64(header.pointee.ts.tv_sec),
                                 nanoseconds: nanosecondTimestamps ? fraction : fraction * 1000),
            wireLength: Int(header.pointee.len),
            bytes: UnsafeRawBufferPointer(start: data, count: Int(header.pointee.caplen)),
            linkType: linkType, fractionDigits: fractionDigits)
    }
}

extension NDJSONWriter {
    /// Writes a `packet` record (or a `frame` record for a frame without IP),
    /// leaving out every field that does not apply. Field names and meanings
    /// are documented in sluice-records(7).
    public func writePacket(_ packet: DecodedPacket) throws(OutputError) {
        // One reservation covers the longest record: 18 keys, two IPv6
        // addresses, 20-digit numbers and the longest decode_error.
        withCursor(reserving: 640) { out, secondsText in
            if packet.isIP || packet.decodeError != nil {
                out.text("{\"type\":\"packet\"")
            } else {
                out.text("{\"type\":\"frame\"")
            }
            out.key("ts")
            out.timestamp(packet.timestamp, fractionDigits: packet.fractionDigits, cache: &secondsText)
            if packet.interface >= 0 { out.key("iface"); out.integer(packet.interface) }
            out.key("len"); out.integer(packet.wireLength)
            out.key("caplen"); out.integer(packet.capturedLength)
            if packet.vlan >= 0 { out.key("vlan"); out.integer(Int(packet.vlan)) }
            if packet.innerVLAN >= 0 { out.key("vlan_inner"); out.integer(Int(packet.innerVLAN)) }
            if packet.mplsLabel >= 0 { out.key("mpls"); out.integer(Int(packet.mplsLabel)) }
            if packet.etherType >= 0 { out.key("ethertype"); out.integer(Int(packet.etherType)) }
            if packet.isIP {
                out.key("src"); out.quotedAddress(packet.source)
                out.key("dst"); out.quotedAddress(packet.destination)
                out.key("proto"); out.integer(Int(packet.ipProtocol))
                out.key("ttl"); out.integer(Int(packet.ttl))
                out.key("ip_len"); out.integer(Int(packet.ipLength))
                if packet.fragmentOffset >= 0 {
                    out.key("frag_id"); out.integer(Int(packet.fragmentID))
                    out.key("frag_offset"); out.integer(Int(packet.fragmentOffset))
                    out.key("frag_more"); out.text(packet.moreFragments ? "true" : "false")
                }
                if packet.sourcePort >= 0 {
                    out.key("sport"); out.integer(Int(packet.sourcePort))
                    out.key("dport"); out.integer(Int(packet.destinationPort))
                }
                if packet.tcpFlags >= 0 {
                    out.key("tcp_flags"); out.integer(Int(packet.tcpFlags))
                    out.key("tcp_seq"); out.integer(Int(packet.tcpSequence))
                    out.key("tcp_ack"); out.integer(Int(packet.tcpAcknowledgement))
                    out.key("tcp_win"); out.integer(Int(packet.tcpWindow))
                }
                if packet.icmpType >= 0 {
                    out.key("icmp_type"); out.integer(Int(packet.icmpType))
                    out.key("icmp_code"); out.integer(Int(packet.icmpCode))
                    if packet.icmpID >= 0 { out.key("icmp_id"); out.integer(Int(packet.icmpID)) }
                }
                if packet.payloadLength >= 0 { out.key("payload_len"); out.integer(Int(packet.payloadLength)) }
            }
            if let error = packet.decodeError {
                out.key("decode_error")
                out.byte(quote)
                var name = error.rawValue
                name.withUTF8 { out.bytes($0) }
                out.byte(quote)
            }
            out.byte(UInt8(ascii: "}"))
            out.byte(UInt8(ascii: "\n"))
        }
        try recordEnded()
    }

    /// A `tick` record: event time moves on although no packet arrived.
    public func writeTick(_ timestamp: Timestamp) throws(OutputError) {
        beginRecord(type: "tick")
        field("ts", timestamp: timestamp, fractionDigits: 6)
        try endRecord()
    }
}
