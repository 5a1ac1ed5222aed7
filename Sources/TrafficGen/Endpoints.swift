/// Everything that stays fixed for one conversation: link, network and
/// transport addresses of both ends, and the TTL each end's packets carry
/// when they reach the capture point.
///
/// The capture point is the internal network's uplink, next to the clients:
/// client packets show the client's initial TTL, server packets show the
/// server's initial TTL less the hops between.
public struct Endpoints: Sendable {
    public var isIPv6: Bool
    public var clientMAC: UInt64
    public var serverMAC: UInt64
    public var clientIPv4: UInt32
    public var serverIPv4: UInt32
    public var clientIPv6: IPv6Bits
    public var serverIPv6: IPv6Bits
    public var clientPort: UInt16
    public var serverPort: UInt16
    public var clientTTL: UInt8
    public var serverTTL: UInt8

    public init(isIPv6: Bool, clientMAC: UInt64, serverMAC: UInt64,
                clientIPv4: UInt32 = 0, serverIPv4: UInt32 = 0,
                clientIPv6: IPv6Bits = IPv6Bits(high: 0, low: 0),
                serverIPv6: IPv6Bits = IPv6Bits(high: 0, low: 0),
                clientPort: UInt16, serverPort: UInt16,
                clientTTL: UInt8, serverTTL: UInt8) {
        self.isIPv6 = isIPv6
        self.clientMAC = clientMAC
        self.serverMAC = serverMAC
        self.clientIPv4 = clientIPv4
        self.serverIPv4 = serverIPv4
        self.clientIPv6 = clientIPv6
        self.serverIPv6 = serverIPv6
        self.clientPort = clientPort
        self.serverPort = serverPort
        self.clientTTL = clientTTL
        self.serverTTL = serverTTL
    }
}

/// An IPv6 address as two big-endian halves: no allocation, cheap to sum.
public struct IPv6Bits: Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64
    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }
}
