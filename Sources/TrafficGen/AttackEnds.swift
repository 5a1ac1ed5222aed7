/// Where an attack's two ends sit as the capture point sees them.
///
/// Victims are taken to be on the captured segment: their frames carry
/// their own MAC address and the TTL they leave with (64, Linux), and they
/// react within tens of microseconds. Attackers (and spoofed sources and
/// reflectors) are beyond the router: their frames come from the router's
/// MAC with the TTL their hops left, and their reactions to a victim's
/// packet appear a round trip later. In `Endpoints` terms the attacker is
/// the client and the victim the server.
struct AttackerPath {
    /// TTL of the attacker's packets at the capture point.
    let ttl: UInt8
    /// Round trip from the capture point to the attacker and back.
    let roundTripNs: Int64

    /// Attack tools run on Linux (initial TTL 64). An internal attacker is
    /// one router hop away; an external one 8 to 20 hops and 10 to 120 ms.
    init(attacker: UInt32, random: inout SeededRandom) {
        if attacker >> 24 == 10 {
            ttl = 63
            roundTripNs = Int64(random.logUniform(200_000, 2_000_000))
        } else {
            ttl = UInt8(64 - random.int(8...20))
            roundTripNs = Int64(random.logUniform(10_000_000, 120_000_000))
        }
    }
}

enum AttackEnds {
    /// What a victim's packets carry: Linux's initial TTL, unrouted.
    static let victimTTL: UInt8 = 64

    /// A locally administered unicast MAC (06:00:…) ending in the IPv4
    /// address, so each victim has its own and none collides with the
    /// background's client MACs (02:00:0a:…) or the router's.
    static func victimMAC(_ address: UInt32) -> UInt64 { 0x0600_0000_0000 | UInt64(address) }

    /// Endpoints from `attacker` (client side) to `victim` (server side).
    static func endpoints(attacker: UInt32, attackerTTL: UInt8, attackerPort: UInt16,
                          victim: UInt32, victimPort: UInt16) -> Endpoints {
        Endpoints(isIPv6: false, clientMAC: AddressPlan.routerMAC, serverMAC: victimMAC(victim),
                  clientIPv4: attacker, serverIPv4: victim, clientPort: attackerPort, serverPort: victimPort,
                  clientTTL: attackerTTL, serverTTL: victimTTL)
    }

    /// How long a victim's kernel takes to answer a probe (a SYN-ACK, a RST,
    /// an ICMP error): 30 to 200 µs.
    static func victimDelayNs(_ random: inout SeededRandom) -> Int64 {
        Int64(random.logUniform(30_000, 200_000))
    }

    /// A random unicast address outside 0/8, 10/8, 127/8 and 224/3
    /// (multicast and reserved): what a spoofing tool's random sources and
    /// open resolvers on the Internet look like. These are not real hosts of
    /// this network, and nothing is ever sent to most of them.
    static func publicLookingAddress(_ random: inout SeededRandom) -> UInt32 {
        while true {
            let address = UInt32(truncatingIfNeeded: random.next() >> 32)
            let first = address >> 24
            if first == 0 || first == 10 || first == 127 || first >= 224 { continue }
            // Avoid the .0 and .255 of each /24, which read as network and broadcast.
            let last = address & 0xFF
            if last == 0 || last == 255 { continue }
            return address
        }
    }

    /// Spacing of a steady sender: the mean gap, jittered by ±50 % so the
    /// packets do not tick like a metronome.
    static func jitteredGapNs(meanNs: Double, _ random: inout SeededRandom) -> Int64 {
        max(1, Int64(meanNs * (0.5 + random.unit())))
    }
}
