import SluiceCore

/// The features of one host and 5 s step, version 2: named numbers, in a
/// fixed order (version 1's 33 first, then version 2's) (sluice-features(7) documents each: unit, window, formula).
/// Horizons end with the step: `_5s` is the step's own window, `_30s` and
/// `_180s` the epoch-aligned windows of those lengths that end at or
/// before the step's end (what cascade writes), `_1m`, `_5m`, `_10m` the
/// last 12, 60 and 120 steps. Silent windows count as zeros.
public enum FeatureVector {
    public static let version = 2

    public static let names: [String] = staticNames.map(\.description)

    static let staticNames: [StaticString] = [
        "flows_5s", "flows_started_5s", "packets_out_5s", "packets_in_5s", "bytes_out_5s", "bytes_in_5s",
        "peers_5s", "dports_5s", "bytes_out_in_ratio_5s", "packets_per_flow_5s", "s0_ratio_5s",
        "flows_30s", "bytes_out_30s", "bytes_in_30s", "peers_30s", "dports_30s",
        "flows_180s", "bytes_out_180s", "bytes_in_180s", "peers_180s", "dports_180s",
        "flows_started_1m", "flows_started_5m", "flows_started_10m",
        "failed_ratio_5m", "dports_5m", "peers_10m", "proto_entropy_5m", "bytes_in_per_flow_5m",
        "state_diversity_5m", "pkt_size_var_5m", "start_interval_mean_5m", "start_interval_stddev_5m",
        // Version 2: what naming an attack needs (counts by protocol, the
        // heavy hitters' shares, the five minutes' peers).
        "s0_flows_5s", "rej_flows_5s", "tcp_packets_5s", "udp_packets_5s", "icmp_packets_5s",
        "payload_bytes_out_5s", "payload_bytes_in_5s", "sports_5s",
        "top_peer_share_5s", "top_dport_5s", "top_dport_share_5s", "top_sport_5s", "top_sport_share_5s",
        "flows_5m", "icmp_flows_5m", "peers_5m", "top_peer_share_5m", "top_dport_5m", "top_dport_share_5m",
    ]

    /// What goes beside the numbers in a features record: the peers the
    /// shares are of (nil when the host had no traffic in the horizon).
    public struct Context: Sendable, Equatable {
        public var topPeer5s: IPAddress?
        public var topPeer5m: IPAddress?
        public init() {}
    }

    /// The values for the step ending at `end` (epoch seconds), in the
    /// order of `names`.
    public static func values(_ history: inout HostHistory, stepEnd end: Int64, step: Int64 = 5) -> [Double] {
        valuesAndContext(&history, stepEnd: end, step: step).values
    }

    /// The values, in the order of `names`, and the context.
    public static func valuesAndContext(_ history: inout HostHistory, stepEnd end: Int64, step: Int64 = 5)
        -> (values: [Double], context: Context) {
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
        let fiveMinutes = history.union(from: end - 300, to: end)
        values.append(fiveMinutes.portCount)
        values.append(history.union(from: end - 600, to: end).peerCount)
        values.append(entropy([total.tcpFlows, total.udpFlows, total.icmpFlows, total.otherFlows]))
        values.append(Double(total.bytesIn) / Double(max(total.flows, 1)))
        let otherEnded = total.flowsEnded > total.reset + total.finished ? total.flowsEnded - total.reset - total.finished : 0
        values.append(entropy([total.unanswered, total.rejected, otherResets, total.finished, otherEnded]))
        values.append(total.packetSize.variance)
        let (mean, deviation) = startIntervals(history, from: end - 300, to: end, step: step)
        values += [mean, deviation]

        values += [current.unanswered, current.rejected, current.tcpPackets, current.udpPackets, current.icmpPackets,
                   current.payloadBytesOut, current.payloadBytesIn].map { Double($0) }
        values.append(now.sourcePortCount)
        let currentPackets = current.packetsOut + current.packetsIn
        values.append(share(now.topPeers.top?.weight, of: currentPackets))
        values += portAndShare(now.topPorts, of: current.flows)
        values += portAndShare(now.topSourcePorts, of: current.bytesOut + current.bytesIn)
        values += [Double(total.flows), Double(total.icmpFlows), fiveMinutes.peerCount]
        values.append(share(fiveMinutes.topPeers.top?.weight, of: total.packetsOut + total.packetsIn))
        values += portAndShare(fiveMinutes.topPorts, of: total.flows)

        var context = Context()
        context.topPeer5s = now.topPeers.top?.value
        context.topPeer5m = fiveMinutes.topPeers.top?.value
        return (values, context)
    }

    /// A heavy hitter's weight over the total, 0 to 1; 0 without one.
    private static func share(_ weight: UInt64?, of total: UInt64) -> Double {
        guard let weight, total > 0 else { return 0 }
        return min(1, Double(weight) / Double(total))
    }

    /// The heaviest port's number and its share of `total` (flows for
    /// responder ports, bytes for originator ports); -1 and 0 without one.
    private static func portAndShare(_ ports: HeavyHitters<ProtocolPort>, of total: UInt64) -> [Double] {
        guard let top = ports.top else { return [-1, 0] }
        return [Double(top.value.port), share(top.weight, of: total)]
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
