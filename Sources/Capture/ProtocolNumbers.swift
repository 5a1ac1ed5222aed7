/// The numbers the decoder switches on, named after their registries so
/// that each `switch` reads as what it handles.

/// IANA EtherTypes.
enum EtherType {
    static let ipv4: UInt16 = 0x0800
    static let ipv6: UInt16 = 0x86DD
    /// 802.1Q, 802.1ad, and the pre-standard QinQ values 0x9100 and 0x9200.
    static let vlanTags: [UInt16] = [0x8100, 0x88A8, 0x9100, 0x9200]
    static let mplsUnicast: UInt16 = 0x8847
    static let mplsMulticast: UInt16 = 0x8848
    static let pppoeSession: UInt16 = 0x8864
}

/// PPP protocol numbers (RFC 1661 registry).
enum PPPProtocol {
    static let ipv4: UInt16 = 0x0021
    static let ipv6: UInt16 = 0x0057
    static let mplsUnicast: UInt16 = 0x0281
}

/// IANA IP protocol numbers (and IPv6 extension headers, which share them).
enum IPProtocol {
    static let icmp: Int32 = 1
    static let tcp: Int32 = 6
    static let udp: Int32 = 17
    static let icmpv6: Int32 = 58
    static let sctp: Int32 = 132
    static let udpLite: Int32 = 136

    static let hopByHop: UInt8 = 0
    static let routing: UInt8 = 43
    static let fragment: UInt8 = 44
    static let authentication: UInt8 = 51
    static let destinationOptions: UInt8 = 60
    static let mobility: UInt8 = 135
    static let hostIdentity: UInt8 = 139
    static let shim6: UInt8 = 140
}
