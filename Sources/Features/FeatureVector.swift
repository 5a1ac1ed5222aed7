import SluiceCore

/// The features of one host and 5 s step, version 3: named numbers, in a
/// fixed order (version 1's 33 first, then version 2's) (sluice-features(7)
/// documents each: unit, window, formula). Version 3 sums the five
/// minutes' heavy-hitter lists where version 2 merged them.
/// Horizons end with the step: `_5s` is the step's own window, `_30s` and
/// `_180s` the epoch-aligned windows of those lengths that end at or
/// before the step's end (what cascade writes), `_1m`, `_5m`, `_10m` the
/// last 12, 60 and 120 steps. Silent windows count as zeros.
public enum FeatureVector {
    public static let version = 3

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
        let totals = history.starts.withUnsafeBufferPointer { starts in
            history.counts.withUnsafeBufferPointer { counts in
                history.flowsStarted.withUnsafeBufferPointer {
                    HorizonTotals(starts: starts, counts: counts, flowsStarted: $0, end: end, step: step)
                }
            }
        }
        // Each horizon reads only what its features use: the step's own
        // window as it is, the 30 s and 180 s blocks' cached counts, the
        // five and ten minutes and the five minutes' heavy hitters carried
        // from the last step.
        // Optional rather than a shared empty summary: the threads writing
        // a step's shares all retained that one object, and its reference
        // count's cache line went back and forth between them.
        let now = history.window(startingAt: end - step)
        let thirty = history.blockNumbers(length: 30, start: thirtyEnd - 30)
        let long = history.blockNumbers(length: 180, start: longEnd - 180)
        history.slideHorizons(toStepEnd: end)
        let (fiveMinutes, tenMinutes) = (history.fiveMinutes.counts, history.tenMinutes.counts)
        let fiveMinuteTops = (peer: history.fiveMinuteTops.topPeer, port: history.fiveMinuteTops.topPort)

        var values: [Double] = []
        values.reserveCapacity(names.count)
        let current = totals.current
        for count in [current.flows, current.flowsStarted, current.packetsOut, current.packetsIn, current.bytesOut, current.bytesIn] {
            values.append(Double(count))
        }
        values.append(now?.peerCount ?? 0)
        values.append(now?.portCount ?? 0)
        values.append(Double(current.bytesOut) / Double(max(current.bytesIn, 1)))
        values.append(Double(current.packetsOut + current.packetsIn) / Double(max(current.flows, 1)))
        values.append(Double(current.unanswered) / Double(max(current.tcpFlows, 1)))
        func appendBlock(_ block: HostHistory.BlockNumbers) {
            values.append(Double(block.flows))
            values.append(Double(block.bytesOut))
            values.append(Double(block.bytesIn))
            values.append(block.peerCount)
            values.append(block.portCount)
        }
        appendBlock(thirty)
        appendBlock(long)
        values.append(Double(totals.flowsStarted1m))
        values.append(Double(fiveMinutes.totals.flowsStarted))
        values.append(Double(tenMinutes.totals.flowsStarted))

        let total = fiveMinutes.totals
        // A rejected attempt ends in a RST too: counted once, as rejected.
        let otherResets = total.reset > total.rejected ? total.reset - total.rejected : 0
        let failed = total.unanswered + total.rejected + otherResets
        values.append(min(1, Double(failed) / Double(max(total.flowsStarted, 1))))
        values.append(fiveMinutes.portCount)
        values.append(tenMinutes.peerCount)
        values.append(entropy([total.tcpFlows, total.udpFlows, total.icmpFlows, total.otherFlows]))
        values.append(Double(total.bytesIn) / Double(max(total.flows, 1)))
        let otherEnded = total.flowsEnded > total.reset + total.finished ? total.flowsEnded - total.reset - total.finished : 0
        values.append(entropy([total.unanswered, total.rejected, otherResets, total.finished, otherEnded]))
        values.append(total.packetSize.variance)
        let (mean, deviation) = history.starts.withUnsafeBufferPointer { starts in
            history.flowsStarted.withUnsafeBufferPointer {
                startIntervals(starts: starts, flowsStarted: $0, from: end - 300, to: end, step: step)
            }
        }
        values.append(mean)
        values.append(deviation)

        for count in [current.unanswered, current.rejected, current.tcpPackets, current.udpPackets, current.icmpPackets,
                      current.payloadBytesOut, current.payloadBytesIn] {
            values.append(Double(count))
        }
        values.append(now?.sketches.sourcePortCount ?? 0)
        let currentPackets = current.packetsOut + current.packetsIn
        values.append(share(now?.sketches.topPeers.top?.weight, of: currentPackets))
        appendPortAndShare(now?.sketches.topPorts.top, of: current.flows, to: &values)
        appendPortAndShare(now?.sketches.topSourcePort, of: current.bytesOut + current.bytesIn, to: &values)
        values.append(Double(total.flows))
        values.append(Double(total.icmpFlows))
        values.append(fiveMinutes.peerCount)
        values.append(share(fiveMinuteTops.peer?.weight, of: total.packetsOut + total.packetsIn))
        appendPortAndShare(fiveMinuteTops.port, of: total.flows, to: &values)

        var context = Context()
        context.topPeer5s = now?.sketches.topPeers.top?.value
        context.topPeer5m = fiveMinuteTops.peer?.value
        return (values, context)
    }

    /// A heavy hitter's weight over the total, 0 to 1; 0 without one.
    private static func share(_ weight: UInt64?, of total: UInt64) -> Double {
        guard let weight, total > 0 else { return 0 }
        return min(1, Double(weight) / Double(total))
    }

    /// The heaviest port's number and its share of `total` (flows for
    /// responder ports, bytes for originator ports); -1 and 0 without one.
    private static func appendPortAndShare(_ top: HeavyHitters<ProtocolPort>.Entry?, of total: UInt64, to values: inout [Double]) {
        guard let top else { return values += [-1, 0] }
        values.append(Double(top.value.port))
        values.append(share(top.weight, of: total))
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
    /// (Over the windows' `starts` and `flowsStarted`, as `HostHistory`
    /// holds them: read in place, not copied.)
    static func startIntervals(starts: UnsafeBufferPointer<Int64>, flowsStarted flowsStartedByWindow: UnsafeBufferPointer<UInt64>,
                               from: Int64, to: Int64, step: Int64) -> (Double, Double) {
        var moments = RunningMoments()
        var lastStart: Double?
        for index in HostHistory.indices(of: starts, from: from, to: to) where flowsStartedByWindow[index] > 0 {
            let (start, flowsStarted) = (starts[index], flowsStartedByWindow[index])
            let spacing = Double(step) / Double(flowsStarted)
            let first = Double(start - from) + spacing / 2
            if let lastStart { moments.add(first - lastStart) }
            if flowsStarted > 1 { moments.merge(RunningMoments(count: flowsStarted - 1, mean: spacing, m2: 0)) }
            lastStart = Double(start - from) + Double(step) - spacing / 2
        }
        // Fewer than two starts: no interval seen, so at least the horizon.
        return moments.count == 0 ? (Double(to - from), 0) : (moments.mean, moments.standardDeviation)
    }
}

#if canImport(Glibc)
import Glibc
#endif
