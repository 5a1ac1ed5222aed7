import Testing
@testable import SluiceCore

/// The heavy-hitter summary that names a window's main peer and ports:
/// exact while small, the Misra-Gries bounds (checked against exact
/// counts kept beside it), merges, and the record's text.
@Suite struct HeavyHittersTests {
    typealias Summary = HeavyHitters<Int>

    /// Exact weights per value, the oracle the bounds are checked against.
    static func exact(_ stream: [(Int, UInt64)]) -> [Int: UInt64] {
        var weights: [Int: UInt64] = [:]
        for (value, weight) in stream { weights[value, default: 0] += weight }
        return weights
    }

    /// Misra-Gries: every entry at most W / (k + 1) below its true weight
    /// and never above it, and every value heavier than W / (k + 1) kept.
    static func checkBounds(_ summary: Summary, _ truth: [Int: UInt64], sourceLocation: SourceLocation = #_sourceLocation) {
        let total = truth.values.reduce(0, +)
        let slack = total / UInt64(summary.capacity + 1)
        for entry in summary.entries {
            let real = truth[entry.value] ?? 0
            #expect(entry.weight <= real, "value \(entry.value) over its weight", sourceLocation: sourceLocation)
            #expect(entry.weight + slack >= real, "value \(entry.value) too far under its weight", sourceLocation: sourceLocation)
        }
        for (value, weight) in truth where weight > slack {
            #expect(summary.entries.contains { $0.value == value }, "heavy value \(value) lost", sourceLocation: sourceLocation)
        }
        #expect(summary.entries.count <= summary.capacity, sourceLocation: sourceLocation)
    }

    // Expected: with at most `capacity` distinct values nothing is ever
    // taken off: the weights are the sums, worked by hand (5 + 2, 1, 4).
    @Test func exactWhileSmall() {
        var summary = Summary()
        for (value, weight) in [(7, 5), (9, 1), (7, 2), (3, 4)] as [(Int, UInt64)] { summary.add(value, weight: weight) }
        #expect(summary.ranked == [.init(value: 7, weight: 7), .init(value: 3, weight: 4), .init(value: 9, weight: 1)])
        #expect(summary.top == .init(value: 7, weight: 7))
    }

    // Expected, by hand: capacity 2, stream a:3 b:2 c:2 → c and the two
    // entries lose 2 (the smallest of 3, 2, 2): a:1 stays, b and c go.
    @Test func fullSummaryTakesTheSmallestOff() {
        var summary = HeavyHitters<Int>(capacity: 2)
        summary.add(1, weight: 3)
        summary.add(2, weight: 2)
        summary.add(3, weight: 2)
        #expect(summary.ranked == [.init(value: 1, weight: 1)])
    }

    // Expected: the bounds hold for skewed random streams (one value with a
    // third of the weight, the rest spread), added one by one and merged
    // from six parts, and merging is the same in either order.
    @Test(arguments: [1, 2, 3, 4, 5])
    func boundsHoldForStreamsAndMerges(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var stream: [(Int, UInt64)] = []
        for _ in 0..<3000 {
            let heavy = random.next() % 3 == 0
            stream.append((heavy ? 42 : Int(random.next() % 200), 1 + random.next() % 5))
        }
        let truth = Self.exact(stream)
        var whole = Summary()
        for (value, weight) in stream { whole.add(value, weight: weight) }
        Self.checkBounds(whole, truth)
        #expect(whole.top?.value == 42)

        var parts: [Summary] = []
        for part in 0..<6 {
            var summary = Summary()
            for (value, weight) in stream[(part * 500)..<((part + 1) * 500)] { summary.add(value, weight: weight) }
            parts.append(summary)
        }
        var merged = Summary()
        for part in parts { merged.merge(part) }
        Self.checkBounds(merged, truth)
        var reversed = parts[5]
        reversed.merge(parts[4])
        var pair = parts[4]
        pair.merge(parts[5])
        #expect(reversed.ranked == pair.ranked)
    }

    // Expected: a crowd (spoofed sources, each once) leaves no entry
    // heavier than W / (k + 1).
    @Test func aCrowdLeavesOnlySmallWeights() {
        var summary = Summary()
        for value in 0..<10_000 { summary.add(value) }
        #expect(summary.entries.allSatisfy { $0.weight <= 10_000 / 4 })
    }

    // Expected: the record's text, written and read back, gives the same
    // summary; heaviest first, equal weights by value.
    @Test func recordTextRoundTrips() {
        var peers = HeavyHitters<IPAddress>()
        peers.add(IPAddress("192.168.1.25")!, weight: 1981)
        peers.add(IPAddress("2001:db8::1")!, weight: 3)
        peers.add(IPAddress("10.0.0.7")!, weight: 3)
        #expect(peers.listText == #"[["192.168.1.25",1981],["10.0.0.7",3],["2001:db8::1",3]]"#)
        let text = Array(peers.listText.utf8)
        let back = text.withUnsafeBufferPointer { HeavyHitters(listText: $0, value: IPAddress.init(text:)) }
        #expect(back?.ranked == peers.ranked)

        var ports = HeavyHitters<ProtocolPort>()
        ports.add(ProtocolPort(protocolNumber: 6, port: 22), weight: 60)
        ports.add(ProtocolPort(protocolNumber: 17, port: 53))
        ports.add(ProtocolPort(protocolNumber: 132, port: 5060))
        #expect(ports.listText == #"[["22/tcp",60],["53/udp",1],["5060/sctp",1]]"#)
        let portText = Array(" [ [\"22/tcp\" , 60] ,[\"53/udp\",1],[\"5060/sctp\",1] ] ".utf8)
        #expect(portText.withUnsafeBufferPointer { HeavyHitters(listText: $0, value: ProtocolPort.init(text:)) }?.ranked == ports.ranked)
    }

    // Expected: anything but a list of [value, weight > 0] pairs, each
    // value once, is refused.
    @Test(arguments: [
        "", "[", "{}", "[[\"10.0.0.1\"]]", "[[\"10.0.0.1\",0]]", "[[\"10.0.0.1\",-1]]", "[[\"10.0.0.1\",1.5]]",
        "[[\"10.0.0.1\",1],[\"10.0.0.1\",2]]", "[[\"not an address\",1]]", "[[\"10.0.0.1\",1]] x",
        "[[\"10.0.0.1\",01]]", "[[\"10.0.0.1\",99999999999999999999999]]", "[[\"10.0.\\u0030.1\",1]]",
    ])
    func malformedListsAreRefused(text: String) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer { HeavyHitters(listText: $0, value: IPAddress.init(text:)) } == nil)
    }

    @Test func portTextReadsTheProtocols() {
        func port(_ text: String) -> ProtocolPort? { Array(text.utf8).withUnsafeBufferPointer { ProtocolPort(text: $0) } }
        #expect(port("22/tcp") == ProtocolPort(protocolNumber: 6, port: 22))
        #expect(port("0/udp") == ProtocolPort(protocolNumber: 17, port: 0))
        #expect(port("9/33") == ProtocolPort(protocolNumber: 33, port: 9))
        for bad in ["/tcp", "65536/tcp", "22/", "22/xyz", "22", "22/256", "a/tcp"] { #expect(port(bad) == nil, "\(bad)") }
    }
}
