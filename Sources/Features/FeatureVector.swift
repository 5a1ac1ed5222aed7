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
    public static func values(_ history: inout HostHistory, stepEnd end: Int64, step: Int64 = 5) -> [Double] {
        let thirtyEnd = floorDivide(end, 30) * 30, longEnd = floorDivide(end, 180) * 180
        // One pass over the host's windows sums every horizon.
        let spans = [(end - step, end), (thirtyEnd - 30, thirtyEnd), (longEnd - 180, longEnd),
                     (end - 60, end), (end - 300, end), (end - 600, end)]
        var totals = [FeatureSlot](repeating: FeatureSlot(), count: spans.count)
        for index in history.indices(from: min(end - 600, longEnd - 180), to: end) {
            let start = history.starts[index]
            for (span, range) in spans.enumerated() where range.0 <= start && start < range.1 {
                totals[span].add(history.counts[index])
            }
        }
        let now = history.union(from: end - step, to: end)
        let thirty = history.union(from: thirtyEnd - 30, to: thirtyEnd)
        let long = history.union(from: longEnd - 180, to: longEnd)

        var values: [Double] = []
        values.reserveCapacity(names.count)
        let current = totals[0]
        values += [current.flows, current.flowsStarted, current.packetsOut, current.packetsIn,
                   current.bytesOut, current.bytesIn].map { Double($0) }
        values += [now.peerCount, now.portCount]
        values.append(Double(current.bytesOut) / Double(max(current.bytesIn, 1)))
        values.append(Double(current.packetsOut + current.packetsIn) / Double(max(current.flows, 1)))
        values.append(Double(current.unanswered) / Double(max(current.tcpFlows, 1)))
        for (total, sketches) in [(totals[1], thirty), (totals[2], long)] {
            values += [Double(total.flows), Double(total.bytesOut), Double(total.bytesIn), sketches.peerCount, sketches.portCount]
        }
        values += [totals[3], totals[4], totals[5]].map { Double($0.flowsStarted) }

        let total = totals[4]
        // A rejected attempt ends in a RST too: counted once, as rejected.
        let otherResets = total.reset > total.rejected ? total.reset - total.rejected : 0
        let failed = total.unanswered + total.rejected + otherResets
        values.append(min(1, Double(failed) / Double(max(total.flowsStarted, 1))))
        values.append(history.union(from: end - 300, to: end).portCount)
        values.append(history.union(from: end - 600, to: end).peerCount)
        values.append(entropy([total.tcpFlows, total.udpFlows, total.icmpFlows, total.otherFlows]))
        values.append(Double(total.bytesIn) / Double(max(total.flows, 1)))
        let otherEnded = total.flowsEnded > total.reset + total.finished ? total.flowsEnded - total.reset - total.finished : 0
        values.append(entropy([total.unanswered, total.rejected, otherResets, total.finished, otherEnded]))
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
    /// spread evenly in it, at the middles of k equal parts. With fewer
    /// than two starts the mean is the horizon's length and the deviation 0.
    static func startIntervals(_ history: HostHistory, from: Int64, to: Int64, step: Int64) -> (Double, Double) {
        var moments = RunningMoments()
        var lastStart: Double?
        for index in history.indices(from: from, to: to) where history.counts[index].flowsStarted > 0 {
            let (start, slot) = (history.starts[index], history.counts[index])
            let spacing = Double(step) / Double(slot.flowsStarted)
            let first = Double(start - from) + spacing / 2
            if let lastStart { moments.add(first - lastStart) }
            if slot.flowsStarted > 1 { moments.merge(RunningMoments(count: slot.flowsStarted - 1, mean: spacing, m2: 0)) }
            lastStart = Double(start - from) + Double(step) - spacing / 2
        }
        // Fewer than two starts: no interval seen, so at least the horizon.
        return moments.count == 0 ? (Double(to - from), 0) : (moments.mean, moments.standardDeviation)
    }
}

#if canImport(Glibc)
import Glibc
#endif
