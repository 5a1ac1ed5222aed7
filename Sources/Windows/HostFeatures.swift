import SluiceCore

/// The default feature set of one host in one window, from its flow
/// reports in one view (sluice-records(7), `window`). "Out" is what the
/// host sent, "in" what it received, whichever side it was on.
///
/// Everything merges: counters add, the distinct counters and histograms
/// merge as their types define, so `cascade` builds a 30 s window from six
/// 5 s ones exactly as if it had seen the reports itself.
public struct HostFeatures: Equatable, Sendable {
    /// Flows with packets in the window (once per report interval).
    public var flows: UInt64 = 0
    /// Flows whose first packet is in the window.
    public var flowsStarted: UInt64 = 0
    /// Flows that ended (final reports).
    public var flowsEnded: UInt64 = 0
    /// Per `FlowReport.ProtocolClass`: flows with packets, packets, bytes.
    public var protocolFlows = ProtocolCounts()
    public var protocolPackets = ProtocolCounts()
    public var protocolBytes = ProtocolCounts()
    public var packetsOut: UInt64 = 0
    public var packetsIn: UInt64 = 0
    public var bytesOut: UInt64 = 0
    public var bytesIn: UInt64 = 0
    public var payloadBytesOut: UInt64 = 0
    public var payloadBytesIn: UInt64 = 0
    /// TCP flows started in the window that were, at the end of their first
    /// report interval, unanswered (S0) or rejected (REJ).
    public var unansweredFlows: UInt64 = 0
    public var rejectedFlows: UInt64 = 0
    /// Flows that ended by a RST, or by FIN both ways.
    public var resetFlows: UInt64 = 0
    public var finishedFlows: UInt64 = 0
    /// The other ends, the responders' ports and the originators' ports
    /// (protocol and port: 80/tcp and 80/udp differ).
    public var peers = DistinctCounter()
    public var destinationPorts = DistinctCounter()
    public var sourcePorts = DistinctCounter()
    /// Who and which services most of the traffic was with: the peers by
    /// packets (both ways), the responder ports by flows (a scan's or a
    /// brute force's service), the originator ports by bytes (the source
    /// port of reflected traffic). They name the other party of a scan, a
    /// flood or a brute force.
    public var topPeers = HeavyHitters<IPAddress>()
    public var topDestinationPorts = HeavyHitters<ProtocolPort>()
    public var topSourcePorts = HeavyHitters<ProtocolPort>()
    /// Packet sizes, each packet taken as its flow direction's mean size in
    /// the report interval (flow reports carry no finer detail).
    public var packetSize = FieldAggregate(percentiles: true, distinct: false)
    /// Durations of the flows that ended, microseconds.
    public var duration = FieldAggregate(percentiles: true, distinct: false)

    public init() {}

    public struct ProtocolCounts: Equatable, Sendable {
        public var tcp: UInt64 = 0
        public var udp: UInt64 = 0
        public var icmp: UInt64 = 0
        public var other: UInt64 = 0

        public subscript(kind: FlowReport.ProtocolClass) -> UInt64 {
            get {
                switch kind {
                case .tcp: tcp
                case .udp: udp
                case .icmp: icmp
                case .other: other
                }
            }
            set {
                switch kind {
                case .tcp: tcp = newValue
                case .udp: udp = newValue
                case .icmp: icmp = newValue
                case .other: other = newValue
                }
            }
        }

        mutating func merge(_ other: ProtocolCounts) {
            tcp.add(saturating: other.tcp)
            udp.add(saturating: other.udp)
            icmp.add(saturating: other.icmp)
            self.other.add(saturating: other.other)
        }
    }

    /// Counts one flow report from the host's `view`.
    public mutating func add(_ report: FlowReport, view: HostKey.View) {
        let (sent, received) = view == .originator ? (report.originator, report.responder) : (report.responder, report.originator)
        let kind = report.protocolClass
        let packets = sent.packets + received.packets
        if packets > 0 {
            flows += 1
            protocolFlows[kind] += 1
        }
        // Saturating (RecordCount): however many reports a window takes.
        protocolPackets[kind] = protocolPackets[kind].saturatingAdding(packets)
        protocolBytes[kind] = protocolBytes[kind].saturatingAdding(sent.bytes + received.bytes)
        packetsOut.add(saturating: sent.packets)
        packetsIn.add(saturating: received.packets)
        bytesOut.add(saturating: sent.bytes)
        bytesIn.add(saturating: received.bytes)
        payloadBytesOut.add(saturating: sent.payloadBytes)
        payloadBytesIn.add(saturating: received.payloadBytes)
        if sent.packets > 0 { packetSize.add(number: Double(sent.bytes) / Double(sent.packets), times: sent.packets) }
        if received.packets > 0 {
            packetSize.add(number: Double(received.bytes) / Double(received.packets), times: received.packets)
        }
        if report.isFirst {
            flowsStarted += 1
            if kind == .tcp {
                if report.state == .s0 { unansweredFlows += 1 }
                if report.state == .rej || (report.state == .responderReset && sent.payloadBytes == 0 && received.payloadBytes == 0) {
                    rejectedFlows += 1
                }
            }
        }
        if report.isFinal {
            flowsEnded += 1
            if report.endReason == .rst { resetFlows += 1 }
            if report.endReason == .fin { finishedFlows += 1 }
            duration.add(number: report.durationMicroseconds)
        }
        let peer = view == .originator ? report.destination : report.source
        peers.insert(hash: Self.addressHash(peer))
        topPeers.add(peer, weight: packets)
        if report.destinationPort >= 0 {
            destinationPorts.insert(hash: Self.portHash(report.protocolNumber, report.destinationPort))
            sourcePorts.insert(hash: Self.portHash(report.protocolNumber, report.sourcePort))
            if packets > 0 {
                topDestinationPorts.add(ProtocolPort(protocolNumber: report.protocolNumber, port: UInt16(report.destinationPort)))
                topSourcePorts.add(ProtocolPort(protocolNumber: report.protocolNumber, port: UInt16(report.sourcePort)),
                                   weight: sent.bytes + received.bytes)
            }
        }
    }

    /// (Saturating, as `RecordCount` says: a long level merges thousands.)
    public mutating func merge(_ other: HostFeatures) {
        flows.add(saturating: other.flows)
        flowsStarted.add(saturating: other.flowsStarted)
        flowsEnded.add(saturating: other.flowsEnded)
        protocolFlows.merge(other.protocolFlows)
        protocolPackets.merge(other.protocolPackets)
        protocolBytes.merge(other.protocolBytes)
        packetsOut.add(saturating: other.packetsOut)
        packetsIn.add(saturating: other.packetsIn)
        bytesOut.add(saturating: other.bytesOut)
        bytesIn.add(saturating: other.bytesIn)
        payloadBytesOut.add(saturating: other.payloadBytesOut)
        payloadBytesIn.add(saturating: other.payloadBytesIn)
        unansweredFlows.add(saturating: other.unansweredFlows)
        rejectedFlows.add(saturating: other.rejectedFlows)
        resetFlows.add(saturating: other.resetFlows)
        finishedFlows.add(saturating: other.finishedFlows)
        peers.merge(other.peers)
        destinationPorts.merge(other.destinationPorts)
        sourcePorts.merge(other.sourcePorts)
        topPeers.merge(other.topPeers)
        topDestinationPorts.merge(other.topDestinationPorts)
        topSourcePorts.merge(other.topSourcePorts)
        packetSize.merge(other.packetSize)
        duration.merge(other.duration)
    }

    /// Bytes sent per byte received; with nothing received, the bytes sent
    /// (as if one byte had come back), so the ratio is always a number.
    public var bytesOutInRatio: Double { Double(bytesOut) / Double(max(bytesIn, 1)) }

    // MARK: Hashes of the distinct values

    /// Version, then the address's 128 bits: the same for a host on every
    /// machine, so sketches from several sensors merge.
    @inline(__always)
    public static func addressHash(_ address: IPAddress) -> UInt64 {
        StableHash.hash(address.low, seed: StableHash.hash(address.high, seed: UInt64(address.version)))
    }

    @inline(__always)
    public static func portHash(_ protocolNumber: UInt8, _ port: Int32) -> UInt64 {
        StableHash.hash(UInt64(protocolNumber) << 16 | UInt64(port), seed: 0x706F7274)
    }
}
