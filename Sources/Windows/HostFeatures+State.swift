import SluiceCore

/// Where a host window's state is read back from: a parsed window record
/// or a stored row. Fields are asked for by their index in
/// `HostFeatures.stateNames`; the error names the field at fault.
public protocol HostStateSource {
    /// A count; absent is an error.
    func counter(_ index: Int) throws(FieldError) -> UInt64
    /// A number, or nil when absent.
    func number(_ index: Int) throws(FieldError) -> Double?
    /// A sketch's base64 text, or nil when absent; valid during the call
    /// that asked for it.
    func base64(_ index: Int) throws(FieldError) -> UnsafeBufferPointer<UInt8>?
    /// A heavy-hitter list's JSON text (`[["10.0.0.7",3]]`), or nil when
    /// absent; valid during the call that asked for it.
    func list(_ index: Int) throws(FieldError) -> UnsafeBufferPointer<UInt8>?
}

extension HostFeatures {
    /// The fields of a window record that hold a host window's whole
    /// state: the counters, then per measured quantity its minimum,
    /// maximum, mean, M2 and histogram, then the three distinct counters
    /// and the three heavy-hitter lists. Everything else in the record is
    /// derived from these.
    public static let stateNames: [String] = counters.map(\.name) + [
        "pkt_size_min", "pkt_size_max", "pkt_size_mean", "pkt_size_m2", "pkt_size_hist",
        "duration_min_us", "duration_max_us", "duration_mean_us", "duration_m2", "duration_hist",
        "peers_sketch", "dports_sketch", "sports_sketch",
    ] + topListNames

    /// The heavy-hitter lists, in record order.
    public static let topListNames = ["top_peers", "top_dports", "top_sports"]

    /// The counters in record order, with where each lives.
    nonisolated(unsafe) public static let counters: [(name: String, path: WritableKeyPath<HostFeatures, UInt64>)] = [
        ("flows", \.flows), ("flows_started", \.flowsStarted), ("flows_ended", \.flowsEnded),
        ("tcp_flows", \.protocolFlows.tcp), ("udp_flows", \.protocolFlows.udp),
        ("icmp_flows", \.protocolFlows.icmp), ("other_flows", \.protocolFlows.other),
        ("packets_out", \.packetsOut), ("packets_in", \.packetsIn),
        ("bytes_out", \.bytesOut), ("bytes_in", \.bytesIn),
        ("payload_bytes_out", \.payloadBytesOut), ("payload_bytes_in", \.payloadBytesIn),
        ("tcp_packets", \.protocolPackets.tcp), ("udp_packets", \.protocolPackets.udp),
        ("icmp_packets", \.protocolPackets.icmp), ("other_packets", \.protocolPackets.other),
        ("tcp_bytes", \.protocolBytes.tcp), ("udp_bytes", \.protocolBytes.udp),
        ("icmp_bytes", \.protocolBytes.icmp), ("other_bytes", \.protocolBytes.other),
        ("s0_flows", \.unansweredFlows), ("rej_flows", \.rejectedFlows),
        ("rst_flows", \.resetFlows), ("fin_flows", \.finishedFlows),
    ]

    /// The counters' values in the order of `counters`.
    public var counterValues: [UInt64] {
        [flows, flowsStarted, flowsEnded, protocolFlows.tcp, protocolFlows.udp, protocolFlows.icmp, protocolFlows.other,
         packetsOut, packetsIn, bytesOut, bytesIn, payloadBytesOut, payloadBytesIn,
         protocolPackets.tcp, protocolPackets.udp, protocolPackets.icmp, protocolPackets.other,
         protocolBytes.tcp, protocolBytes.udp, protocolBytes.icmp, protocolBytes.other,
         unansweredFlows, rejectedFlows, resetFlows, finishedFlows]
    }

    /// Rebuilds the state a window record or a stored row describes, so
    /// that merging it with others gives what one window over all their
    /// flow reports would have.
    /// Inlinable, so that each source's caller gets it specialised rather
    /// than going through its protocol and generic metadata per field.
    @inlinable public init(state source: some HostStateSource) throws(FieldError) {
        self.init()
        for (index, counter) in Self.counters.enumerated() {
            self[keyPath: counter.path] = try source.counter(index)
        }
        let first = Self.counters.count
        packetSize = try Self.aggregate(source, at: first)
        duration = try Self.aggregate(source, at: first + 5)
        peers = try Self.distinct(source, at: first + 10)
        destinationPorts = try Self.distinct(source, at: first + 11)
        sourcePorts = try Self.distinct(source, at: first + 12)
        topPeers = try Self.topList(source, at: first + 13, value: IPAddress.init(text:))
        topDestinationPorts = try Self.topList(source, at: first + 14, value: ProtocolPort.init(text:))
        topSourcePorts = try Self.topList(source, at: first + 15, value: ProtocolPort.init(text:))
    }

    /// A heavy-hitter list; absent is empty (the records of a script that
    /// leaves the lists out still merge, naming no one).
    @inlinable static func topList<Value>(_ source: some HostStateSource, at index: Int,
                                       value: (UnsafeBufferPointer<UInt8>) -> Value?) throws(FieldError) -> HeavyHitters<Value> {
        guard let text = try source.list(index) else { return HeavyHitters() }
        guard let summary = HeavyHitters(listText: text, value: value) else {
            throw .wrongType(key: stateNames[index], expected: "list of [value, weight] pairs")
        }
        return summary
    }

    /// Minimum, maximum, mean, M2 and histogram at `index`...`index + 4`;
    /// the histogram's count is the number of values. All absent: nothing
    /// was measured.
    @inlinable static func aggregate(_ source: some HostStateSource, at index: Int) throws(FieldError) -> FieldAggregate {
        guard let text = try source.base64(index + 4) else { return FieldAggregate(percentiles: true, distinct: false) }
        guard let histogram = Base64.decode(text).flatMap(PercentileSketch.init(encoded:)) else {
            throw .wrongType(key: stateNames[index + 4], expected: "histogram (base64)")
        }
        func require(_ offset: Int) throws(FieldError) -> Double {
            guard let value = try source.number(index + offset) else { throw .missing(key: stateNames[index + offset]) }
            return value
        }
        return FieldAggregate(count: histogram.count, minimum: try require(0), maximum: try require(1),
                              mean: try require(2), m2: try require(3), histogram: histogram)
    }

    @inlinable static func distinct(_ source: some HostStateSource, at index: Int) throws(FieldError) -> DistinctCounter {
        guard let text = try source.base64(index) else { throw .missing(key: stateNames[index]) }
        guard let counter = Base64.decode(text).flatMap(DistinctCounter.init(encoded:)) else {
            throw .wrongType(key: stateNames[index], expected: "distinct counter (base64)")
        }
        return counter
    }
}

/// A window record's state fields, read by a parser whose keys have
/// `HostFeatures.stateNames` from slot `firstSlot` on.
public struct RecordStateSource: HostStateSource {
    public let parser: JSONLineParser
    public let firstSlot: Int

    public init(parser: JSONLineParser, firstSlot: Int) {
        self.parser = parser
        self.firstSlot = firstSlot
    }

    public func counter(_ index: Int) throws(FieldError) -> UInt64 {
        try RecordCount.checked(parser.requireInt(firstSlot + index), key: HostFeatures.stateNames[index])
    }

    public func number(_ index: Int) throws(FieldError) -> Double? { try parser.double(firstSlot + index) }
    public func base64(_ index: Int) throws(FieldError) -> UnsafeBufferPointer<UInt8>? { try parser.stringBytes(firstSlot + index) }

    public func list(_ index: Int) throws(FieldError) -> UnsafeBufferPointer<UInt8>? {
        guard let field = parser.index(ofSlot: firstSlot + index) else { return nil }
        guard parser.kind(at: field) == .array else { throw .wrongType(key: HostFeatures.stateNames[index], expected: "list") }
        return parser.rawValue(at: field)
    }
}
