import Testing
@testable import Flows

/// The per-direction arithmetic of flow reports.
@Suite struct FlowStatisticsTests {
    // Expected: the textbook sample 2, 4, 4, 4, 5, 5, 7, 9 has mean 5 and
    // sample variance 32/7.
    @Test func meanAndSampleDeviation() {
        let values: [UInt64] = [2, 4, 4, 4, 5, 5, 7, 9]
        let result = DirectionStatistics.meanAndDeviation(
            count: UInt64(values.count), sum: UInt128(values.reduce(0, +)),
            squares: values.reduce(0) { $0 + UInt128($1) * UInt128($1) })
        #expect(result.mean == 5)
        #expect(result.deviation == (32.0 / 7.0).squareRoot())
    }

    // Expected: gaps of 60 s give or take a nanosecond (a beacon) keep their
    // 1 ns spread exactly: 60e9 - 1, 60e9, 60e9 + 1 has sample variance 1.
    // Floating-point running sums of squares lose it entirely.
    @Test func tinySpreadAroundALargeMeanIsExact() {
        let values: [UInt64] = [59_999_999_999, 60_000_000_000, 60_000_000_001]
        let result = DirectionStatistics.meanAndDeviation(
            count: 3, sum: UInt128(values.reduce(0, +)),
            squares: values.reduce(0) { $0 + UInt128($1) * UInt128($1) })
        #expect(result.mean == 60_000_000_000)
        #expect(result.deviation == 1)
    }

    // Expected, per direction of one connection (sequence numbers from
    // 1000, 100-byte segments): in-order data counts nothing; a segment
    // sent again is a retransmission; a segment that overtook its
    // predecessor leaves a hole, and the predecessor filling it is out of
    // order, not a retransmission; an empty ACK counts nothing.
    @Test func retransmissionsAndReordering() {
        var tracker = SequenceTracker()
        tracker.observe(sequence: 999, length: 1)     // SYN
        tracker.observe(sequence: 1000, length: 100)
        tracker.observe(sequence: 1100, length: 100)
        tracker.observe(sequence: 1100, length: 100)  // again
        #expect(tracker.retransmissions == 1 && tracker.outOfOrder == 0)
        tracker.observe(sequence: 1300, length: 100)  // 1200 overtaken
        tracker.observe(sequence: 1200, length: 100)  // fills the hole
        #expect(tracker.retransmissions == 1 && tracker.outOfOrder == 1)
        tracker.observe(sequence: 1400, length: 0)    // pure ACK
        tracker.observe(sequence: 1200, length: 100)  // the hole is filled: a retransmission
        #expect(tracker.retransmissions == 2 && tracker.outOfOrder == 1)
    }

    // Expected: across the 32-bit wrap, in-order segments stay in order.
    @Test func sequenceWrapIsInOrder() {
        var tracker = SequenceTracker()
        tracker.observe(sequence: UInt32.max - 150, length: 100)
        tracker.observe(sequence: UInt32.max - 50, length: 100)
        tracker.observe(sequence: 49, length: 100)
        #expect(tracker.retransmissions == 0 && tracker.outOfOrder == 0)
    }

    // Expected: a packet key is the same whichever way the packet goes.
    @Test func keysAreSymmetric() throws {
        var packet = PacketObservation()
        packet.source = try #require(.init("2001:db8::1"))
        packet.destination = try #require(.init("10.0.0.1"))
        packet.protocolNumber = 6
        let forward = FlowKey.of(packet, ports: (1234, 80))
        swap(&packet.source, &packet.destination)
        let backward = FlowKey.of(packet, ports: (80, 1234))
        #expect(forward.key == backward.key)
        #expect(forward.sourceIsA != backward.sourceIsA)
    }
}
