/// A pcap link-layer header type (LINKTYPE_/DLT_ value), as found in a pcap
/// file header, a pcapng interface block or a live handle.
public struct LinkType: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let null = LinkType(0)             // BSD loopback, host-order family
    public static let ethernet = LinkType(1)
    public static let ppp = LinkType(9)
    public static let rawDLT12 = LinkType(12)        // DLT_RAW on most systems
    public static let rawDLT14 = LinkType(14)        // DLT_RAW on OpenBSD
    public static let pppSerial = LinkType(50)
    public static let pppOverEthernet = LinkType(51)
    public static let raw = LinkType(101)
    public static let ciscoHDLC = LinkType(104)
    public static let loop = LinkType(108)           // OpenBSD loopback, network-order family
    public static let linuxSLL = LinkType(113)
    public static let ipv4 = LinkType(228)
    public static let ipv6 = LinkType(229)
    public static let nflog = LinkType(239)
    public static let netlink = LinkType(253)
    public static let linuxSLL2 = LinkType(276)

    /// Link types known to carry no IP at all: their frames count as non-IP,
    /// not as decode errors.
    public static let knownWithoutIP: Set<LinkType> = [.netlink]

    /// The DLT_ number libpcap uses inside a process for this file link
    /// type. They differ below 104, where the historical DLT values were
    /// not the same on every system; pcap_open_dead wants the DLT value.
    var libpcapValue: Int32 {
        switch rawValue {
        case 100: return 11   // ATM RFC 1483
        case 101: return 12   // raw IP (DLT_RAW on Linux)
        case 102: return 15   // SLIP BSD/OS
        case 103: return 16   // PPP BSD/OS
        default: return rawValue
        }
    }

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .ethernet: return "EN10MB"
        case .ppp: return "PPP"
        case .rawDLT12, .rawDLT14, .raw: return "RAW"
        case .pppSerial: return "PPP_SERIAL"
        case .pppOverEthernet: return "PPP_ETHER"
        case .ciscoHDLC: return "C_HDLC"
        case .loop: return "LOOP"
        case .linuxSLL: return "LINUX_SLL"
        case .ipv4: return "IPV4"
        case .ipv6: return "IPV6"
        case .nflog: return "NFLOG"
        case .netlink: return "NETLINK"
        case .linuxSLL2: return "LINUX_SLL2"
        default: return "DLT \(rawValue)"
        }
    }
}
