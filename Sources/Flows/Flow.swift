import SluiceCore

/// Why a flow ended (`end_reason` in its final report).
public enum EndReason: String, Sendable {
    /// FIN from both sides, after the linger.
    case fin
    /// A RST, after the linger.
    case rst
    /// No packet for the idle timeout of its kind.
    case idle
    /// Open for the active timeout; the flow goes on as a new one.
    case active
    /// End of input, or SIGINT/SIGTERM.
    case eof
    /// The flow table was full and this flow had been idle longest.
    case evicted
}

/// The idle timeout that applies to a flow; flows of one class sit in one
/// list in the order of their last activity, so the list head is always
/// the next to time out.
enum IdleClass: Int, CaseIterable {
    /// TCP with packets in both directions.
    case tcpEstablished
    /// TCP seen in one direction only: an attempt, a scan, a backscatter.
    case tcpAttempt
    case udp
    case icmp
    case other
    /// TCP after FIN from both sides or a RST: the linger.
    case closing
}

/// One flow's state in the table: identity, orientation, times, counters
/// and the TCP state machine. A plain value of fixed size, moved with
/// memcpy when the table grows.
struct Flow {
    var key: FlowKey
    /// `flow_id`: numbered from 1 in the order flows start.
    var id: UInt64
    /// The originator is endpoint A of the key.
    var originatorIsA: Bool
    /// For ICMP, the originator's message type (the key holds the pair's).
    var icmpType: UInt8
    var idleClass: IdleClass
    /// Why the flow is closing, once it is.
    var closeReason: EndReason?

    /// Packet times, epoch nanoseconds; `first` is 0 while no packet was counted.
    var first: Int64 = 0
    var last: Int64 = 0
    /// Event time of the flow's last activity, the base of its idle deadline;
    /// for a closing flow, when it started closing.
    var activity: Int64
    /// Event time the flow started, the base of its active timeout.
    var started: Int64
    /// Start of the report interval the flow was last listed in as active.
    var listedInterval: Int64 = .min

    var originator = DirectionStatistics()
    var responder = DirectionStatistics()
    var flags = TCPFlagCounts()
    var tcp: TCPConnectionState
    var firstPackets = FirstPackets()

    var packets: UInt64 { originator.packets + responder.packets }
}
