import SluiceCore

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

extension FeatureSlot {
    /// The window record fields a slot is read from, after the caller's
    /// own keys: the counters summed, the packet-size moments, and the two
    /// distinct counters merged.
    public static let recordNames = [
        "flows", "flows_started", "flows_ended", "tcp_flows", "udp_flows", "icmp_flows", "other_flows",
        "packets_out", "packets_in", "bytes_out", "bytes_in", "s0_flows", "rej_flows", "rst_flows", "fin_flows",
        "pkt_size_mean", "pkt_size_m2", "peers_sketch", "dports_sketch",
    ]

    /// Reads a window record whose parser has `recordNames` from slot
    /// `first` on: only what the features use is decoded.
    public static func read(_ parser: JSONLineParser, first: Int) throws(FieldError) -> (FeatureSlot, HostHistory.Sketches) {
        var counts = [UInt64](repeating: 0, count: 15)
        for index in 0..<15 {
            let value = try parser.requireInt(first + index)
            guard value >= 0 else { throw .wrongType(key: recordNames[index], expected: "count of 0 or more") }
            counts[index] = UInt64(value)
        }
        var slot = FeatureSlot()
        (slot.flows, slot.flowsStarted, slot.flowsEnded) = (counts[0], counts[1], counts[2])
        (slot.tcpFlows, slot.udpFlows, slot.icmpFlows, slot.otherFlows) = (counts[3], counts[4], counts[5], counts[6])
        (slot.packetsOut, slot.packetsIn, slot.bytesOut, slot.bytesIn) = (counts[7], counts[8], counts[9], counts[10])
        (slot.unanswered, slot.rejected, slot.reset, slot.finished) = (counts[11], counts[12], counts[13], counts[14])
        // Every packet has a size: n is the packets, as window5s counts them.
        if let mean = try parser.double(first + 15), let m2 = try parser.double(first + 16), slot.packetsOut + slot.packetsIn > 0 {
            slot.packetSize = RunningMoments(count: slot.packetsOut + slot.packetsIn, mean: mean, m2: m2)
        }
        var sketches = HostHistory.Sketches()
        for (offset, name) in [(17, "peers_sketch"), (18, "dports_sketch")] {
            guard let text = try parser.stringBytes(first + offset) else { throw .missing(key: name) }
            guard let counter = Base64.decode(text).flatMap(DistinctCounter.init(encoded:)) else {
                throw .wrongType(key: name, expected: "distinct counter (base64)")
            }
            if !counter.isEmpty {
                if offset == 17 { sketches.peers = counter } else { sketches.ports = counter }
            }
        }
        return (slot, sketches)
    }
}
