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
        var context = Context()
        let values = [Double](unsafeUninitializedCapacity: names.count) { buffer, count in
            context = write(&history, stepEnd: end, step: step, into: buffer)
            count = names.count
        }
        return (values, context)
    }

    /// Writes the values, in the order of `names`, into `buffer` (at least
    /// `names.count` long; a buffer used again for every host, where an
    /// array per vector was an allocation); returns the context.
    static func write(_ history: inout HostHistory, stepEnd end: Int64, step: Int64,
                      into buffer: UnsafeMutableBufferPointer<Double>) -> Context {
        precondition(buffer.count >= names.count, "FeatureVector: room for \(buffer.count) values, \(names.count) needed")
        history.settleStores()
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

        // Written in place, in the order of `names` (appends checked the
        // capacity, and array literals of counts were arrays of their own).
        var context = Context()
        var next = 0
        func put(_ value: Double) {
            buffer[next] = value
            next += 1
        }
        func put(_ value: UInt64) { put(Double(value)) }
        func putPortAndShare(_ top: HeavyHitters<ProtocolPort>.Entry?, of total: UInt64) {
            guard let top else {
                put(-1.0)
                put(0.0)
                return
            }
            put(Double(top.value.port))
            put(share(top.weight, of: total))
        }
        let current = totals.current
        put(current.flows)
        put(current.flowsStarted)
        put(current.packetsOut)
        put(current.packetsIn)
        put(current.bytesOut)
        put(current.bytesIn)
        put(now?.peerCount ?? 0)
        put(now?.portCount ?? 0)
        put(Double(current.bytesOut) / Double(max(current.bytesIn, 1)))
        put(Double(current.packetsOut + current.packetsIn) / Double(max(current.flows, 1)))
        put(Double(current.unanswered) / Double(max(current.tcpFlows, 1)))
        func put(_ block: HostHistory.BlockNumbers) {
            put(block.flows)
            put(block.bytesOut)
            put(block.bytesIn)
            put(block.peerCount)
            put(block.portCount)
        }
        put(thirty)
        put(long)
        put(totals.flowsStarted1m)
        let total = history.fiveMinuteTotals
        put(total.flowsStarted)
        put(history.tenMinuteFlowsStarted)

        // A rejected attempt ends in a RST too: counted once, as rejected.
        let otherResets = total.reset > total.rejected ? total.reset - total.rejected : 0
        let failed = total.unanswered + total.rejected + otherResets
        put(min(1, Double(failed) / Double(max(total.flowsStarted, 1))))
        put(history.fiveMinutes.portCount)
        put(history.tenMinutes.peerCount)
        put(entropy(total.tcpFlows, total.udpFlows, total.icmpFlows, total.otherFlows))
        put(Double(total.bytesIn) / Double(max(total.flows, 1)))
        let otherEnded = total.flowsEnded > total.reset + total.finished ? total.flowsEnded - total.reset - total.finished : 0
        put(entropy(total.unanswered, total.rejected, otherResets, total.finished, otherEnded))
        put(total.packetSize.variance)
        let (mean, deviation) = history.starts.withUnsafeBufferPointer { starts in
            history.flowsStarted.withUnsafeBufferPointer {
                startIntervals(starts: starts, flowsStarted: $0, from: end - 300, to: end, step: step)
            }
        }
        put(mean)
        put(deviation)

        put(current.unanswered)
        put(current.rejected)
        put(current.tcpPackets)
        put(current.udpPackets)
        put(current.icmpPackets)
        put(current.payloadBytesOut)
        put(current.payloadBytesIn)
        let topPeer5s = now?.sketches.topPeers.top
        put(now?.sketches.sourcePortCount ?? 0)
        put(share(topPeer5s?.weight, of: current.packetsOut + current.packetsIn))
        putPortAndShare(now?.sketches.topPorts.top, of: current.flows)
        putPortAndShare(now?.sketches.topSourcePort, of: current.bytesOut + current.bytesIn)
        put(total.flows)
        put(total.icmpFlows)
        put(history.fiveMinutes.peerCount)
        let topPeer5m = history.fiveMinuteTops.topPeer
        put(share(topPeer5m?.weight, of: total.packetsOut + total.packetsIn))
        putPortAndShare(history.fiveMinuteTops.topPort, of: total.flows)
        precondition(next == names.count, "FeatureVector: \(next) values for \(names.count) names")

        context.topPeer5s = topPeer5s?.value
        context.topPeer5m = topPeer5m?.value
        return context
    }

    /// A heavy hitter's weight over the total, 0 to 1; 0 without one.
    private static func share(_ weight: UInt64?, of total: UInt64) -> Double {
        guard let weight, total > 0 else { return 0 }
        return min(1, Double(weight) / Double(total))
    }

    /// Shannon entropy, bits, of the distribution the counts give; 0 when
    /// they are all 0. (Five counts at most, passed as they are: an array
    /// of them was made for every call.)
    static func entropy(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64, _ e: UInt64 = 0) -> Double {
        let sum = Double(a + b + c + d + e)
        guard sum > 0 else { return 0 }
        func term(_ count: UInt64) -> Double {
            guard count > 0 else { return 0 }
            let share = Double(count) / sum
            return share * log2(share)
        }
        return -(term(a) + term(b) + term(c) + term(d) + term(e))
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
