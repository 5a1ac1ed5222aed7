/// Who talks to whom: the internal clients, the internal servers and a pool
/// of external servers, with the MAC addresses and TTLs a capture on the
/// internal network's router port would see.
///
/// Clients live in 10.0.0.0/16 (and 2001:db8:a::/64), internal servers in
/// 10.1.0.0/16 (2001:db8:1::/64). External addresses come only from the
/// documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
/// 2001:db8::/32), so a generated file can never be mistaken for, or leak,
/// real hosts.
public struct AddressPlan: Sendable {
    /// Internal client hosts, at most 254 × 256 so each has a 10.0.x.y address.
    public let hostCount: Int

    /// Every packet crosses the router, so one side of every frame is its MAC.
    /// Locally administered addresses (02:…) cannot collide with real vendors.
    public static let routerMAC: UInt64 = 0x02_00_5E_00_00_01

    public static let maximumHosts = 254 * 256

    public init(hostCount: Int) {
        precondition(hostCount >= 1 && hostCount <= Self.maximumHosts)
        self.hostCount = hostCount
    }

    public func clientMAC(_ host: Int) -> UInt64 { 0x02_00_0A_00_00_00 | UInt64(host + 1) }

    /// 10.0.x.y, skipping .0 and .255 in the last octet.
    public func clientIPv4(_ host: Int) -> UInt32 {
        0x0A00_0000 | UInt32(host / 254) << 8 | UInt32(host % 254 + 1)
    }

    public func clientIPv6(_ host: Int) -> IPv6Bits {
        IPv6Bits(high: 0x2001_0DB8_000A_0000, low: UInt64(host + 1))
    }

    /// A fifth of the hosts run Windows (initial TTL 128), the rest Linux or
    /// macOS (64), fixed per host so one host's TTL never changes.
    public func clientTTL(_ host: Int) -> UInt8 { host % 5 == 4 ? 128 : 64 }

    /// An internal server for a service: a handful of fixed machines, one
    /// router hop from the clients.
    public func internalServer(port: UInt16, random: inout SeededRandom) -> (IPv4: UInt32, IPv6: IPv6Bits, ttl: UInt8) {
        let base: UInt32
        switch port {
        case 53: base = 53
        case 25, 993: base = 25
        case 3306: base = 30 + UInt32(random.below(3))
        case 22: base = 40 + UInt32(random.below(8))
        default: base = 10 + UInt32(random.below(6))
        }
        return (0x0A01_0000 | base, IPv6Bits(high: 0x2001_0DB8_0001_0000, low: UInt64(base)), 63)
    }

    /// Whether `address` is one of the machines `internalServer(port:)`
    /// picks from (keep the two together).
    public static func isInternalServer(_ address: UInt32) -> Bool {
        guard address >> 8 == 0x0A_01_00 else { return false }
        switch address & 0xFF {
        case 10...15, 25, 30...32, 40...47, 53: return true
        default: return false
        }
    }

    /// A random external server: address from the documentation ranges, TTL
    /// an initial 64, 128 or 255 less 6 to 20 hops.
    public func externalServer(random: inout SeededRandom) -> (IPv4: UInt32, IPv6: IPv6Bits, ttl: UInt8) {
        let networks: (UInt32, UInt32, UInt32) = (0xC000_0200, 0xC633_6400, 0xCB00_7100)
        let pick = random.below(3)
        let network = pick == 0 ? networks.0 : pick == 1 ? networks.1 : networks.2
        let hostPart = UInt32(random.int(1...254))
        let roll = random.below(10)
        let initial = roll < 7 ? 64 : roll < 9 ? 128 : 255
        let ttl = UInt8(initial - random.int(6...20))
        let ipv6 = IPv6Bits(high: 0x2001_0DB8_FF00_0000 | UInt64(pick) << 16, low: UInt64(hostPart) << 8 | 0x1)
        return (network | hostPart, ipv6, ttl)
    }
}
