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
    public var payloadBytesOut: UInt64 = 0
    public var payloadBytesIn: UInt64 = 0
    /// Packets by protocol, both ways.
    public var tcpPackets: UInt64 = 0
    public var udpPackets: UInt64 = 0
    public var icmpPackets: UInt64 = 0
    public var unanswered: UInt64 = 0
    public var rejected: UInt64 = 0
    public var reset: UInt64 = 0
    public var finished: UInt64 = 0
    public var packetSize = RunningMoments()

    public init() {}

    public var isEmpty: Bool { flows == 0 && packetsOut == 0 && packetsIn == 0 && flowsEnded == 0 }

    /// Adds another slot's counts (sums over a horizon).
    @inline(__always) public mutating func add(_ other: FeatureSlot) {
        addCounters(other)
        packetSize.merge(other.packetSize)
    }

    /// Adds another slot's counters, not its moments.
    @inline(__always) mutating func addCounters(_ other: FeatureSlot) { combineCounters(other) { $0 += $1 } }

    /// Takes another slot's counters, once added, off again.
    @inline(__always) mutating func subtractCounters(_ other: FeatureSlot) { combineCounters(other) { $0 -= $1 } }

    @inline(__always) private mutating func combineCounters(_ other: FeatureSlot, _ combine: (inout UInt64, UInt64) -> Void) {
        combine(&flows, other.flows)
        combine(&flowsStarted, other.flowsStarted)
        combine(&flowsEnded, other.flowsEnded)
        combine(&tcpFlows, other.tcpFlows)
        combine(&udpFlows, other.udpFlows)
        combine(&icmpFlows, other.icmpFlows)
        combine(&otherFlows, other.otherFlows)
        combine(&packetsOut, other.packetsOut)
        combine(&packetsIn, other.packetsIn)
        combine(&bytesOut, other.bytesOut)
        combine(&bytesIn, other.bytesIn)
        combine(&payloadBytesOut, other.payloadBytesOut)
        combine(&payloadBytesIn, other.payloadBytesIn)
        combine(&tcpPackets, other.tcpPackets)
        combine(&udpPackets, other.udpPackets)
        combine(&icmpPackets, other.icmpPackets)
        combine(&unanswered, other.unanswered)
        combine(&rejected, other.rejected)
        combine(&reset, other.reset)
        combine(&finished, other.finished)
    }
}

extension FeatureSlot {
    /// The window record fields a slot is read from, after the caller's
    /// own keys: the counters summed, the packet-size moments, the three
    /// distinct counters and the three heavy-hitter lists merged.
    public static let recordNames = counterNames + [
        "pkt_size_mean", "pkt_size_m2", "peers_sketch", "dports_sketch", "sports_sketch",
        "top_peers", "top_dports", "top_sports",
    ]

    static let counterNames = [
        "flows", "flows_started", "flows_ended", "tcp_flows", "udp_flows", "icmp_flows", "other_flows",
        "packets_out", "packets_in", "bytes_out", "bytes_in", "s0_flows", "rej_flows", "rst_flows", "fin_flows",
        "payload_bytes_out", "payload_bytes_in", "tcp_packets", "udp_packets", "icmp_packets",
    ]

    /// Reads a window record whose parser has `recordNames` from slot
    /// `first` on: only what the features use is decoded.
    public static func read(_ parser: JSONLineParser, first: Int) throws(FieldError) -> (FeatureSlot, HostHistory.Sketches) {
        var recent = RecentFields()
        return try read(parser, first: first, recent: &recent)
    }

    /// The destination ports' sketch and list texts read lately (see
    /// `RecentTexts`), for a reader to keep from record to record.
    public struct RecentFields {
        var portsSketches = RecentTexts<DistinctCounter?>()
        var topPorts = RecentTexts<HeavyHitters<ProtocolPort>>()

        public init() {}
    }

    /// `read(_:first:)`, with repeated destination-port texts read once.
    public static func read(_ parser: JSONLineParser, first: Int,
                            recent: inout RecentFields) throws(FieldError) -> (FeatureSlot, HostHistory.Sketches) {
        var slot = FeatureSlot()
        // In the order of `counterNames` (assigned directly: a key path
        // per counter cost a runtime projection each).
        var index = 0
        func next() throws(FieldError) -> UInt64 {
            defer { index += 1 }
            return try RecordCount.checked(parser.requireInt(first + index), key: recordNames[index])
        }
        slot.flows = try next()
        slot.flowsStarted = try next()
        slot.flowsEnded = try next()
        slot.tcpFlows = try next()
        slot.udpFlows = try next()
        slot.icmpFlows = try next()
        slot.otherFlows = try next()
        slot.packetsOut = try next()
        slot.packetsIn = try next()
        slot.bytesOut = try next()
        slot.bytesIn = try next()
        slot.unanswered = try next()
        slot.rejected = try next()
        slot.reset = try next()
        slot.finished = try next()
        slot.payloadBytesOut = try next()
        slot.payloadBytesIn = try next()
        slot.tcpPackets = try next()
        slot.udpPackets = try next()
        slot.icmpPackets = try next()
        let moments = first + counterNames.count
        // Every packet has a size: n is the packets, as window5s counts them.
        if let mean = try parser.double(moments), let m2 = try parser.double(moments + 1), slot.packetsOut + slot.packetsIn > 0 {
            slot.packetSize = RunningMoments(count: slot.packetsOut + slot.packetsIn, mean: mean, m2: m2)
        }
        var sketches = HostHistory.Sketches()
        sketches.peers = try distinct(parser, moments + 2)
        sketches.ports = try distinct(parser, moments + 3, recent: &recent.portsSketches)
        sketches.sourcePortCount = HostHistory.Sketches.count(try distinct(parser, moments + 4))
        sketches.topPeers = try topList(parser, moments + 5, value: IPAddress.init(text:))
        sketches.topPorts = try topList(parser, moments + 6, recent: &recent.topPorts)
        sketches.topSourcePort = try topList(parser, moments + 7, value: ProtocolPort.init(text:)).top
        return (slot, sketches)
    }

    /// A distinct counter, nil when empty.
    private static func distinct(_ parser: JSONLineParser, _ slot: Int) throws(FieldError) -> DistinctCounter? {
        guard let text = try parser.stringBytes(slot) else { throw .missing(key: parser.keys[slot]) }
        return try distinct(text, name: parser.keys[slot])
    }

    private static func distinct(_ parser: JSONLineParser, _ slot: Int,
                                 recent: inout RecentTexts<DistinctCounter?>) throws(FieldError) -> DistinctCounter? {
        guard let text = try parser.stringBytes(slot) else { throw .missing(key: parser.keys[slot]) }
        return try recent.value(of: text) { text throws(FieldError) in try distinct(text, name: parser.keys[slot]) }
    }

    private static func distinct(_ text: UnsafeBufferPointer<UInt8>, name: String) throws(FieldError) -> DistinctCounter? {
        guard let counter = DistinctCounter(base64: text) else {
            throw .wrongType(key: name, expected: "distinct counter (base64)")
        }
        return counter.isEmpty ? nil : counter
    }

    /// A heavy-hitter list; absent is empty (a script's reduced record).
    private static func topList<Value>(_ parser: JSONLineParser, _ slot: Int,
                                       value: (UnsafeBufferPointer<UInt8>) -> Value?) throws(FieldError) -> HeavyHitters<Value> {
        guard let field = parser.index(ofSlot: slot) else { return HeavyHitters() }
        guard parser.kind(at: field) == .array,
              let summary = HeavyHitters(listText: parser.rawValue(at: field), value: value) else {
            throw .wrongType(key: parser.keys[slot], expected: "list of [value, weight] pairs")
        }
        return summary
    }

    private static func topList(_ parser: JSONLineParser, _ slot: Int,
                                recent: inout RecentTexts<HeavyHitters<ProtocolPort>>) throws(FieldError) -> HeavyHitters<ProtocolPort> {
        guard let field = parser.index(ofSlot: slot) else { return HeavyHitters() }
        guard parser.kind(at: field) == .array else {
            throw .wrongType(key: parser.keys[slot], expected: "list of [value, weight] pairs")
        }
        return try recent.value(of: parser.rawValue(at: field)) { text throws(FieldError) in
            guard let summary = HeavyHitters(listText: text, value: ProtocolPort.init(text:)) else {
                throw .wrongType(key: parser.keys[slot], expected: "list of [value, weight] pairs")
            }
            return summary
        }
    }
}
