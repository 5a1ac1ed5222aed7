import SluiceCore

/// The features of one host and 5 s step, version 1: named numbers, in a
/// fixed order (sluice-features(7) documents each: unit, window, formula).
/// Horizons end with the step: `_5s` is the step's own window, `_30s` and
/// `_180s` the epoch-aligned windows of those lengths that end at or
/// before the step's end (what cascade writes), `_1m`, `_5m`, `_10m` the
/// last 12, 60 and 120 steps. Silent windows count as zeros.
public enum FeatureVector {
    public static let version = 1

    public static let names: [String] = staticNames.map(\.description)

    static let staticNames: [StaticString] = [
        "flows_5s", "flows_started_5s", "packets_out_5s", "packets_in_5s", "bytes_out_5s", "bytes_in_5s",
        "peers_5s", "dports_5s", "bytes_out_in_ratio_5s", "packets_per_flow_5s", "s0_ratio_5s",
        "flows_30s", "bytes_out_30s", "bytes_in_30s", "peers_30s", "dports_30s",
        "flows_180s", "bytes_out_180s", "bytes_in_180s", "peers_180s", "dports_180s",
        "flows_started_1m", "flows_started_5m", "flows_started_10m",
        "failed_ratio_5m", "dports_5m", "peers_10m", "proto_entropy_5m", "bytes_in_per_flow_5m",
        "state_diversity_5m", "pkt_size_var_5m", "start_interval_mean_5m", "start_interval_stddev_5m",
    ]

    /// The values for the step ending at `end` (epoch seconds), in the
    /// order of `names`.
    public static func values(_ history: HostHistory, stepEnd end: Int64, step: Int64 = 5) -> [Double] {
        let thirtyEnd = floorDivide(end, 30) * 30, longEnd = floorDivide(end, 180) * 180
        // One pass over the host's windows fills every horizon.
        var spans = [
            Span(from: end - step, to: end, peers: true, ports: true),
            Span(from: thirtyEnd - 30, to: thirtyEnd, peers: true, ports: true),
            Span(from: longEnd - 180, to: longEnd, peers: true, ports: true),
            Span(from: end - 60, to: end, peers: false, ports: false),
            Span(from: end - 300, to: end, peers: false, ports: true),
            Span(from: end - 600, to: end, peers: true, ports: false),
        ]
        for (start, slot) in history.slots(from: min(end - 600, longEnd - 180), to: end) {
            for index in spans.indices where spans[index].from <= start && start < spans[index].to {
                spans[index].add(slot)
            }
        }
        let (now, thirty, long, minute, five, ten) = (spans[0], spans[1], spans[2], spans[3], spans[4], spans[5])

        var values: [Double] = []
        values.reserveCapacity(names.count)
        let current = now.total
        values += [current.flows, current.flowsStarted, current.packetsOut, current.packetsIn,
                   current.bytesOut, current.bytesIn].map { Double($0) }
        values += [now.peerCount, now.portCount]
        values.append(Double(current.bytesOut) / Double(max(current.bytesIn, 1)))
        values.append(Double(current.packetsOut + current.packetsIn) / Double(max(current.flows, 1)))
        values.append(Double(current.unanswered) / Double(max(current.flowsStarted, 1)))
        for window in [thirty, long] {
            values += [Double(window.total.flows), Double(window.total.bytesOut), Double(window.total.bytesIn),
                       window.peerCount, window.portCount]
        }
        values += [minute, five, ten].map { Double($0.total.flowsStarted) }

        let total = five.total
        let failed = total.unanswered + total.rejected + total.reset
        values.append(min(1, Double(failed) / Double(max(total.flowsStarted, 1))))
        values.append(five.portCount)
        values.append(ten.peerCount)
        values.append(entropy([total.tcpFlows, total.udpFlows, total.icmpFlows, total.otherFlows]))
        values.append(Double(total.bytesIn) / Double(max(total.flowsStarted, 1)))
        let otherEnded = total.flowsEnded > total.reset + total.finished ? total.flowsEnded - total.reset - total.finished : 0
        values.append(entropy([total.unanswered, total.rejected, total.reset, total.finished, otherEnded]))
        values.append(total.packetSize.variance)
        let (mean, deviation) = startIntervals(history, from: end - 300, to: end, step: step)
        values += [mean, deviation]
        return values
    }

    /// Shannon entropy, bits, of the distribution the counts give; 0 when
    /// they are all 0.
    static func entropy(_ counts: [UInt64]) -> Double {
        let sum = Double(counts.reduce(0, +))
        guard sum > 0 else { return 0 }
        return counts.reduce(0.0) { result, count in
            guard count > 0 else { return result }
            let share = Double(count) / sum
            return result - share * log2(share)
        }
    }

    /// Mean and sample deviation of the seconds between flow starts in
    /// `[from, to)`, estimated from the starts per 5 s window (flow records
    /// carry no finer detail): the k starts of a window are taken as
    /// spread evenly in it, at the middles of k equal parts.
    static func startIntervals(_ history: HostHistory, from: Int64, to: Int64, step: Int64) -> (Double, Double) {
        var moments = RunningMoments()
        var lastStart: Double?
        for (start, slot) in history.slots(from: from, to: to) where slot.flowsStarted > 0 {
            let spacing = Double(step) / Double(slot.flowsStarted)
            let first = Double(start - from) + spacing / 2
            if let lastStart { moments.add(first - lastStart) }
            if slot.flowsStarted > 1 { moments.merge(RunningMoments(count: slot.flowsStarted - 1, mean: spacing, m2: 0)) }
            lastStart = Double(start - from) + Double(step) - spacing / 2
        }
        return moments.count == 0 ? (0, 0) : (moments.mean, moments.standardDeviation)
    }

    /// Sums of a host's windows over `[from, to)` (by their starts), and
    /// the distinct counters asked for, merged.
    struct Span {
        let from: Int64
        let to: Int64
        let peers: Bool
        let ports: Bool
        var total = FeatureSlot()
        var peerCounter: DistinctCounter?
        var portCounter: DistinctCounter?

        init(from: Int64, to: Int64, peers: Bool, ports: Bool) {
            self.from = from
            self.to = to
            self.peers = peers
            self.ports = ports
        }

        mutating func add(_ slot: FeatureSlot) {
            total.add(slot)
            if peers, let theirs = slot.peers {
                if peerCounter == nil { peerCounter = theirs } else { peerCounter!.merge(theirs) }
            }
            if ports, let theirs = slot.destinationPorts {
                if portCounter == nil { portCounter = theirs } else { portCounter!.merge(theirs) }
            }
        }

        var peerCount: Double { (peerCounter?.estimate ?? 0).rounded() }
        var portCount: Double { (portCounter?.estimate ?? 0).rounded() }
    }
}

#if canImport(Glibc)
import Glibc
#endif
