import SluiceCore
import Windows

/// What featurize sums of one host's 5 s window: the counters and the
/// packet-size moments (plain values, cheap to copy; the distinct counters
/// travel beside it, `HostHistory.Sketches`). An empty slot is a silent
/// 5 s: zeros, not a gap.
public struct FeatureSlot: Sendable {
    public var flows: UInt64 = 0
    public var flowsStarted: UInt64 = 0
    public var flowsEnded: UInt64 = 0
    public var tcpFlows: UInt64 = 0
    public var udpFlows: UInt64 = 0
    public var icmpFlows: UInt64 = 0
    public var otherFlows: UInt64 = 0
    public var packetsOut: UInt64 = 0
    public var packetsIn: UInt64 = 0
    public var bytesOut: UInt64 = 0
    public var bytesIn: UInt64 = 0
    public var unanswered: UInt64 = 0
    public var rejected: UInt64 = 0
    public var reset: UInt64 = 0
    public var finished: UInt64 = 0
    public var packetSize = RunningMoments()

    public init() {}

    public init(_ features: HostFeatures) {
        flows = features.flows
        flowsStarted = features.flowsStarted
        flowsEnded = features.flowsEnded
        tcpFlows = features.protocolFlows.tcp
        udpFlows = features.protocolFlows.udp
        icmpFlows = features.protocolFlows.icmp
        otherFlows = features.protocolFlows.other
        packetsOut = features.packetsOut
        packetsIn = features.packetsIn
        bytesOut = features.bytesOut
        bytesIn = features.bytesIn
        unanswered = features.unansweredFlows
        rejected = features.rejectedFlows
        reset = features.resetFlows
        finished = features.finishedFlows
        packetSize = features.packetSize.moments
    }

    public var isEmpty: Bool { flows == 0 && packetsOut == 0 && packetsIn == 0 && flowsEnded == 0 }

    /// Adds another slot's counts (sums over a horizon).
    public mutating func add(_ other: FeatureSlot) {
        flows += other.flows
        flowsStarted += other.flowsStarted
        flowsEnded += other.flowsEnded
        tcpFlows += other.tcpFlows
        udpFlows += other.udpFlows
        icmpFlows += other.icmpFlows
        otherFlows += other.otherFlows
        packetsOut += other.packetsOut
        packetsIn += other.packetsIn
        bytesOut += other.bytesOut
        bytesIn += other.bytesIn
        unanswered += other.unanswered
        rejected += other.rejected
        reset += other.reset
        finished += other.finished
        packetSize.merge(other.packetSize)
    }
}
