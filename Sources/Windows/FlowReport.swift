import SluiceCore

/// What window5s takes from a `flow` record (sluice-records(7)): the
/// report's interval, its endpoints and the interval's counters, and what
/// the first and the final report of a flow add.
public struct FlowReport: Sendable {
    /// The event time the report is placed at: `interval_start` unless
    /// `--time-field` names another field.
    public var time: Int64 = 0
    public var protocolNumber: UInt8 = 0
    public var source = IPAddress(ipv4: 0)
    public var destination = IPAddress(ipv4: 0)
    /// -1 when the flow has no ports (ICMP, other protocols, port-less fragments).
    public var sourcePort: Int32 = -1
    public var destinationPort: Int32 = -1
    /// The flow's first report: its first packet is in the report's interval.
    public var isFirst = false
    public var isFinal = false
    public var state = ConnectionState.other
    public var endReason = EndReason.other
    /// Final reports: `duration_us`.
    public var durationMicroseconds = 0.0
    /// The interval's counters (`*_delta`) of the originator and the responder.
    public var originator = DirectionDeltas()
    public var responder = DirectionDeltas()

    public init() {}

    public struct DirectionDeltas: Sendable {
        public var packets: UInt64 = 0
        public var bytes: UInt64 = 0
        public var payloadBytes: UInt64 = 0
        public init() {}
    }

    /// The connection states the feature set counts. A responder's reset
    /// counts as a rejection when no payload went either way: the answer
    /// of a closed port to FIN, NULL and Xmas probes, which Zeek's states
    /// call RSTR (RSTRH when the probe had no flags), not REJ, because no
    /// SYN came first.
    public enum ConnectionState: UInt8, Sendable {
        case s0, rej, responderReset, other
    }

    public enum EndReason: UInt8, Sendable {
        case fin, rst, other
    }

    public enum ProtocolClass: Int, CaseIterable, Sendable {
        case tcp, udp, icmp, other
    }

    public var protocolClass: ProtocolClass {
        switch protocolNumber {
        case 6: .tcp
        case 17: .udp
        case 1, 58: .icmp
        default: .other
        }
    }
}
