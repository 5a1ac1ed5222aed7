import SluiceCore

/// The fields of a host window record after its key (sluice-records(7),
/// `window`): the plain numbers jq users read, then what merging needs
/// (second moments and the sketches, base64).
extension HostFeatures {
    public func write(to writer: NDJSONWriter) {
        writer.field("flows", flows)
        writer.field("flows_started", flowsStarted)
        writer.field("flows_ended", flowsEnded)
        writer.field("tcp_flows", protocolFlows.tcp)
        writer.field("udp_flows", protocolFlows.udp)
        writer.field("icmp_flows", protocolFlows.icmp)
        writer.field("other_flows", protocolFlows.other)
        writer.field("packets_out", packetsOut)
        writer.field("packets_in", packetsIn)
        writer.field("bytes_out", bytesOut)
        writer.field("bytes_in", bytesIn)
        writer.field("payload_bytes_out", payloadBytesOut)
        writer.field("payload_bytes_in", payloadBytesIn)
        writer.field("tcp_packets", protocolPackets.tcp)
        writer.field("udp_packets", protocolPackets.udp)
        writer.field("icmp_packets", protocolPackets.icmp)
        writer.field("other_packets", protocolPackets.other)
        writer.field("tcp_bytes", protocolBytes.tcp)
        writer.field("udp_bytes", protocolBytes.udp)
        writer.field("icmp_bytes", protocolBytes.icmp)
        writer.field("other_bytes", protocolBytes.other)
        writer.field("s0_flows", unansweredFlows)
        writer.field("rej_flows", rejectedFlows)
        writer.field("rst_flows", resetFlows)
        writer.field("fin_flows", finishedFlows)
        writer.field("peers", UInt64(peers.estimate.rounded()))
        writer.field("dports", UInt64(destinationPorts.estimate.rounded()))
        writer.field("sports", UInt64(sourcePorts.estimate.rounded()))
        writer.field("bytes_out_in_ratio", bytesOutInRatio)
        packetSize.writeStatistics(to: writer, keys: Self.packetSizeKeys)
        duration.writeStatistics(to: writer, keys: Self.durationKeys)
        writer.field("peers_sketch", base64: peers.encoded)
        writer.field("dports_sketch", base64: destinationPorts.encoded)
        writer.field("sports_sketch", base64: sourcePorts.encoded)
        writer.field("top_peers", topAddresses: topPeers)
        writer.field("top_dports", topPorts: topDestinationPorts)
        writer.field("top_sports", topPorts: topSourcePorts)
    }

    /// The three heavy-hitter lists' JSON text, as the record has them.
    public var topListTexts: [String] { [topPeers.listText, topDestinationPorts.listText, topSourcePorts.listText] }

    static let packetSizeKeys = FieldAggregate.StatisticKeys(
        minimum: "pkt_size_min", maximum: "pkt_size_max", mean: "pkt_size_mean", standardDeviation: "pkt_size_stddev",
        p50: "pkt_size_p50", p95: "pkt_size_p95", p99: "pkt_size_p99", m2: "pkt_size_m2", histogram: "pkt_size_hist")
    static let durationKeys = FieldAggregate.StatisticKeys(
        minimum: "duration_min_us", maximum: "duration_max_us", mean: "duration_mean_us",
        standardDeviation: "duration_stddev_us", p50: "duration_p50_us", p95: "duration_p95_us",
        p99: "duration_p99_us", m2: "duration_m2", histogram: "duration_hist")
}

extension FieldAggregate {
    /// Names of the summary fields of one measured quantity.
    public struct StatisticKeys: Sendable {
        public var minimum, maximum, mean, standardDeviation, p50, p95, p99, m2, histogram: StaticString
    }

    /// Minimum, maximum, mean, sample deviation and the three percentiles,
    /// then Welford's M2 and the histogram for merging; none of them when
    /// nothing was measured (a window where no flow ended has no durations).
    func writeStatistics(to writer: NDJSONWriter, keys: StatisticKeys) {
        guard count > 0 else { return }
        writer.field(keys.minimum, minimum)
        writer.field(keys.maximum, maximum)
        writer.field(keys.mean, mean)
        writer.field(keys.standardDeviation, moments.standardDeviation)
        writer.field(keys.p50, percentile(50))
        writer.field(keys.p95, percentile(95))
        writer.field(keys.p99, percentile(99))
        writer.field(keys.m2, moments.m2)
        writer.field(keys.histogram, base64: (percentiles ?? PercentileSketch()).encoded)
    }
}
