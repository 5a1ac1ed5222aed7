import SluiceCore

/// What the decoder learned about one captured frame. Reused for every
/// packet; fields that do not apply hold -1 (or nil), and the record
/// encoder leaves them out.
public struct DecodedPacket {
    public var timestamp = Timestamp(nanoseconds: 0)
    /// The pcapng interface index; -1 for sources without interfaces.
    public var interface = -1
    /// Decimal digits of the source's time resolution.
    public var fractionDigits = 6
    public var wireLength = 0
    public var capturedLength = 0

    /// Outer and inner 802.1Q/802.1ad VLAN ids.
    public var vlan: Int32 = -1
    public var innerVLAN: Int32 = -1
    /// The top MPLS label.
    public var mplsLabel: Int32 = -1
    /// EtherType of a frame that carries no IP (ARP, LLDP, ...); -1 otherwise.
    public var etherType: Int32 = -1

    /// 4 or 6 once an IP header was read; 0 for frames without IP.
    public var ipVersion: UInt8 = 0
    public var source = IPAddress(ipv4: 0)
    public var destination = IPAddress(ipv4: 0)
    public var ipProtocol: Int32 = -1
    public var ttl: Int32 = -1
    /// IPv4 total length, or 40 + IPv6 payload length.
    public var ipLength: Int32 = -1

    /// Fragment offset in bytes; -1 when the packet is not a fragment.
    public var fragmentOffset: Int32 = -1
    public var moreFragments = false
    public var fragmentID: Int64 = -1

    public var sourcePort: Int32 = -1
    public var destinationPort: Int32 = -1
    public var tcpFlags: Int32 = -1
    public var tcpSequence: Int64 = -1
    public var tcpAcknowledgement: Int64 = -1
    public var tcpWindow: Int32 = -1
    /// Transport payload length from the header lengths (not what was captured).
    public var payloadLength: Int32 = -1

    public var icmpType: Int32 = -1
    public var icmpCode: Int32 = -1
    /// Identifier of ICMP and ICMPv6 echo requests and replies.
    public var icmpID: Int32 = -1

    public var decodeError: DecodeError?

    public init() {}

    /// Clears everything for the next packet.
    @inlinable
    public mutating func reset(for frame: CapturedFrame) {
        self = DecodedPacket()
        timestamp = frame.timestamp
        interface = frame.interface
        fractionDigits = frame.fractionDigits
        wireLength = frame.wireLength
        capturedLength = frame.bytes.count
    }

    public var isIP: Bool { ipVersion != 0 }
}

/// What was wrong with a packet that could be decoded only in part. The raw
/// values are the `decode_error` strings of packet records.
public enum DecodeError: String, CaseIterable, Sendable {
    case unsupportedLinkType = "unsupported_link_type"
    case truncatedLinkHeader = "truncated_link_header"
    case truncatedVLANTag = "truncated_vlan_tag"
    case truncatedMPLS = "truncated_mpls"
    case truncatedPPPoE = "truncated_pppoe"
    case truncatedIPHeader = "truncated_ip_header"
    case badIPVersion = "bad_ip_version"
    case badIPHeaderLength = "bad_ip_header_length"
    case badIPTotalLength = "bad_ip_total_length"
    case truncatedIPv6Extension = "truncated_ipv6_extension"
    case truncatedTCPHeader = "truncated_tcp_header"
    case badTCPHeaderLength = "bad_tcp_header_length"
    case truncatedUDPHeader = "truncated_udp_header"
    case badUDPLength = "bad_udp_length"
    case truncatedICMPHeader = "truncated_icmp_header"
}
