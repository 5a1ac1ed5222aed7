extension PacketDecoder {
    /// The transport header at `offset`; `length` is what the IP header says
    /// the transport segment occupies (header plus payload).
    mutating func decodeTransport(at offset: Int, length: Int) {
        let captured = available(from: offset)
        switch packet.ipProtocol {
        case IPProtocol.tcp: decodeTCP(at: offset, length: length, captured: captured)
        case IPProtocol.udp, IPProtocol.udpLite: decodeUDP(at: offset, length: length, captured: captured)
        case IPProtocol.icmp, IPProtocol.icmpv6: decodeICMP(at: offset, length: length, captured: captured)
        case IPProtocol.sctp:
            // SCTP: ports in a 12-byte common header.
            decodePortsIfPresent(at: offset, captured: captured)
            packet.payloadLength = Int32(length >= 12 ? length - 12 : max(length, 0))
        default:
            packet.payloadLength = Int32(length)
        }
    }

    private mutating func decodePortsIfPresent(at offset: Int, captured: Int) {
        guard captured >= 4 else { return }
        packet.sourcePort = Int32(bytes.u16(offset))
        packet.destinationPort = Int32(bytes.u16(offset + 2))
    }

    private mutating func decodeTCP(at offset: Int, length: Int, captured: Int) {
        decodePortsIfPresent(at: offset, captured: captured)
        guard captured >= 20, length >= 20 else { return fail(.truncatedTCPHeader) }
        packet.tcpSequence = Int64(bytes.u32(offset + 4))
        packet.tcpAcknowledgement = Int64(bytes.u32(offset + 8))
        packet.tcpFlags = Int32(bytes.u8(offset + 13))
        packet.tcpWindow = Int32(bytes.u16(offset + 14))
        let headerLength = Int(bytes.u8(offset + 12) >> 4) * 4
        guard headerLength >= 20, headerLength <= length else { return fail(.badTCPHeaderLength) }
        packet.payloadLength = Int32(length - headerLength)
    }

    private mutating func decodeUDP(at offset: Int, length: Int, captured: Int) {
        decodePortsIfPresent(at: offset, captured: captured)
        guard captured >= 8, length >= 8 else { return fail(.truncatedUDPHeader) }
        let udpLength = Int(bytes.u16(offset + 4))
        if packet.moreFragments {
            // A first fragment: the UDP length covers the whole datagram,
            // this packet carries only its first part.
            packet.payloadLength = Int32(length - 8)
            return
        }
        if packet.ipProtocol == IPProtocol.udp && (udpLength < 8 || udpLength > length) {
            // (UDP-Lite's field is a checksum coverage, not a length.)
            fail(.badUDPLength)
            packet.payloadLength = Int32(length - 8)
            return
        }
        packet.payloadLength = Int32((packet.ipProtocol == IPProtocol.udp ? udpLength : length) - 8)
    }

    /// ICMP and ICMPv6 share the layout: type, code, checksum, then for echo
    /// request and reply an identifier and a sequence number.
    private mutating func decodeICMP(at offset: Int, length: Int, captured: Int) {
        guard captured >= 4, length >= 4 else { return fail(.truncatedICMPHeader) }
        let type = bytes.u8(offset)
        packet.icmpType = Int32(type)
        packet.icmpCode = Int32(bytes.u8(offset + 1))
        // Echo reply and request: 0 and 8 in ICMP, 129 and 128 in ICMPv6.
        let isEcho = packet.ipProtocol == IPProtocol.icmp ? (type == 0 || type == 8) : (type == 128 || type == 129)
        guard captured >= 8, length >= 8 else {
            if isEcho { fail(.truncatedICMPHeader) }
            packet.payloadLength = Int32(max(length - 4, 0))
            return
        }
        if isEcho { packet.icmpID = Int32(bytes.u16(offset + 4)) }
        packet.payloadLength = Int32(length - 8)
    }
}
