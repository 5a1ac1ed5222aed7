import SluiceCore

/// Which hosts of the victims' network are up and which of their ports
/// listen, so that scans and sweeps get the answers a real network gives:
/// a few open ports, many closed ones, and mostly silence across a /24.
enum VictimNetwork {
    /// Whether a TCP port accepts connections on a host that is up. The web
    /// server and any other victim run SSH and HTTP(S); the SSH and FTP
    /// servers their own service (and SSH).
    static func isOpenTCP(_ port: UInt16, on address: UInt32) -> Bool {
        switch address {
        case AttackKind.sshServer: port == 22
        case AttackKind.ftpServer: port == 21 || port == 22
        default: port == 22 || port == 80 || port == 443
        }
    }

    /// UDP ports with a listener (DNS, NTP, SNMP). An empty probe to one
    /// gets no answer; every other port answers ICMP port unreachable,
    /// within the rate limit.
    static let openUDPPorts: Set<UInt16> = [53, 123, 161]

    enum Presence {
        /// No host: probes go unanswered.
        case absent
        /// Up, and answers; `isOpenTCP` decides SYN-ACK or RST.
        case up
    }

    /// The attack victims are always up. Of the other addresses some 9 %
    /// are, chosen by a fixed hash of the address so the same hosts answer a
    /// ping sweep and a horizontal scan in one run, and in every run. The
    /// background's own servers (behind the router, see `AddressPlan`) are
    /// never among them: their packets carry another TTL and MAC, and an
    /// address that showed both would be a tell no real network has.
    static func presence(of address: UInt32) -> Presence {
        if address == AttackKind.webServer || address == AttackKind.sshServer || address == AttackKind.ftpServer {
            return .up
        }
        if AddressPlan.isInternalServer(address) { return .absent }
        var mix = SplitMix64(seed: UInt64(address) ^ 0x5CA1_AB1E_0000_0000)
        return mix.next() % 100 < 9 ? .up : .absent
    }
}
