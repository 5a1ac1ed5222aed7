/// flowify's settings: report interval, timeouts and table bound. Times
/// are nanoseconds of event time; the defaults are those of flowify(1).
public struct FlowOptions: Sendable {
    public static let second: Int64 = 1_000_000_000

    /// Length of the report intervals, aligned to the epoch.
    public var interval: Int64 = 5 * second
    /// Idle timeout of TCP flows with packets in both directions.
    public var tcpEstablishedTimeout: Int64 = 300 * second
    /// Idle timeout of TCP flows seen in one direction only.
    public var tcpAttemptTimeout: Int64 = 30 * second
    public var udpTimeout: Int64 = 60 * second
    public var icmpTimeout: Int64 = 30 * second
    public var otherTimeout: Int64 = 60 * second
    /// How long a TCP flow stays after FIN from both sides or a RST, to
    /// absorb the last ACKs and retransmissions.
    public var linger: Int64 = 5 * second
    /// A flow open this long ends with a final report and goes on as a new one.
    public var activeTimeout: Int64 = 1800 * second
    public var maxFlows = 1_000_000
    /// Seed of the Community IDs (Zeek's and Suricata's `community_id_seed`).
    public var communityIDSeed: UInt16 = 0

    public init() {}

    /// Every duration setting, for whoever needs to check or show them all.
    var durations: [Int64] {
        [interval, tcpEstablishedTimeout, tcpAttemptTimeout, udpTimeout, icmpTimeout, otherTimeout, linger, activeTimeout]
    }

    func idleTimeout(_ idleClass: IdleClass) -> Int64 {
        switch idleClass {
        case .tcpEstablished: tcpEstablishedTimeout
        case .tcpAttempt: tcpAttemptTimeout
        case .udp: udpTimeout
        case .icmp: icmpTimeout
        case .other: otherTimeout
        case .closing: linger
        }
    }
}
