/// The attacks `--attack` can mix into the background, with what each is
/// called in the ground truth and the defaults that make it realistic.
///
/// Defaults are chosen so that a detector working on 5 s windows of flows
/// sees the attack within its first window: scans and sweeps probe hundreds
/// of ports or hosts a second, floods send thousands of packets a second,
/// password guessing opens a few connections a second, slowloris has all
/// its connections open within 3 s.
public enum AttackKind: String, CaseIterable, Sendable {
    case synScan = "syn_scan"
    case connectScan = "connect_scan"
    case finScan = "fin_scan"
    case nullScan = "null_scan"
    case xmasScan = "xmas_scan"
    case udpScan = "udp_scan"
    case horizontalScan = "horizontal_scan"
    case pingSweep = "ping_sweep"
    case synFlood = "syn_flood"
    case udpFlood = "udp_flood"
    case icmpFlood = "icmp_flood"
    case dnsAmplification = "dns_amplification"
    case sshBruteforce = "ssh_bruteforce"
    case ftpBruteforce = "ftp_bruteforce"
    case slowloris

    /// The family a detector reports, the ground truth's `kind` column: the
    /// six vertical scans are one `port_scan` whatever their flags.
    public var family: String {
        switch self {
        case .synScan, .connectScan, .finScan, .nullScan, .xmasScan, .udpScan: "port_scan"
        default: rawValue
        }
    }

    /// Probes every host of a network rather than one victim, so `victim`
    /// is a network in CIDR notation.
    public var sweepsNetwork: Bool { self == .horizontalScan || self == .pingSweep }

    /// What `rate` counts, for messages and the manual.
    public var rateUnit: String {
        switch self {
        case .synScan, .connectScan, .finScan, .nullScan, .xmasScan, .udpScan: "ports/s"
        case .horizontalScan, .pingSweep: "hosts/s"
        case .synFlood, .udpFlood, .icmpFlood: "packets/s"
        case .dnsAmplification: "responses/s"
        case .sshBruteforce, .ftpBruteforce, .slowloris: "connections/s"
        }
    }

    /// nmap's default timing reaches some 500 ports/s against a nearby
    /// host; a UDP scan goes slower because the victim rate-limits its ICMP
    /// answers. Floods at 5000 packets/s are what hping3 sends from a modest
    /// machine. Hydra with 4 tasks opens a connection every 0.4 s against
    /// SSH; slowloris opens its 150 sockets within 3 s.
    public var defaultRate: Double {
        switch self {
        case .synScan, .connectScan, .finScan, .nullScan, .xmasScan: 500
        case .udpScan: 200
        case .horizontalScan, .pingSweep: 100
        case .synFlood, .udpFlood, .icmpFlood: 5000
        case .dnsAmplification: 1000
        case .sshBruteforce: 2.5
        case .ftpBruteforce: 2
        case .slowloris: 50
        }
    }

    /// Scans stop when every port or host is probed, or after 30 s; floods
    /// and amplification last 20 s, password guessing a minute, slowloris
    /// two minutes (it is slow by design).
    public var defaultDuration_ns: Int64 {
        let second: Int64 = 1_000_000_000
        switch self {
        case .synScan, .connectScan, .finScan, .nullScan, .xmasScan, .udpScan, .horizontalScan, .pingSweep: return 30 * second
        case .synFlood, .udpFlood, .icmpFlood, .dnsAmplification: return 20 * second
        case .sshBruteforce, .ftpBruteforce: return 60 * second
        case .slowloris: return 120 * second
        }
    }

    /// The victim's port where the attack aims at one; nil where it does
    /// not apply (vertical scans, sweeps by ping, ICMP floods,
    /// amplification to random ports) or is drawn (a UDP flood's).
    public var defaultPort: UInt16? {
        switch self {
        case .horizontalScan, .sshBruteforce: 22
        case .synFlood, .slowloris: 80
        case .ftpBruteforce: 21
        default: nil
        }
    }

    /// Whether `port=` may be given.
    public var takesPort: Bool { defaultPort != nil || self == .udpFlood }

    /// Whether `attacker=` may be given: amplification's packets come from
    /// the reflectors, never from the attacker itself.
    public var takesAttacker: Bool { self != .dnsAmplification }

    /// 203.0.113.66: external, from a documentation range like every
    /// external address here. The background draws its external servers
    /// from the same ranges, so this address can turn up there too, rarely
    /// (some 1 in 760 external sessions) and only as a responder.
    public static let externalAttacker: UInt32 = 0xCB00_7142

    /// Internal servers the background never uses (its servers are
    /// 10.1.0.10-15, .25, .30-32, .40-47 and .53): a web server, an SSH
    /// server and an FTP server.
    public static let webServer: UInt32 = 0x0A01_0050
    public static let sshServer: UInt32 = 0x0A01_0016
    public static let ftpServer: UInt32 = 0x0A01_0015

    /// The default victim: the server that runs the attacked service, or
    /// for sweeps the internal servers' /24.
    public var defaultVictim: (address: UInt32, prefixLength: Int) {
        switch self {
        case .horizontalScan, .pingSweep: (0x0A01_0000, 24)
        case .sshBruteforce: (Self.sshServer, 32)
        case .ftpBruteforce: (Self.ftpServer, 32)
        default: (Self.webServer, 32)
        }
    }

    /// The default attacker: nil for a SYN flood (spoofed sources) and for
    /// amplification (reflectors), else `externalAttacker`.
    public var defaultAttacker: UInt32? {
        switch self {
        case .synFlood, .dnsAmplification: nil
        default: Self.externalAttacker
        }
    }
}
