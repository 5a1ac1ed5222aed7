import SluiceCore
import Testing
@testable import Windows

/// The default feature set in-process: the merge law on sketches large
/// enough to be HyperLogLog registers, and their accuracy at a million.
@Suite struct HostFeaturesTests {
    static let second: Int64 = 1_000_000_000

    /// A flow report from `source` to `destination`, one packet each way.
    static func report(time: Int64, source: IPAddress, destination: IPAddress, sourcePort: Int32, destinationPort: Int32,
                       final: Bool = false, duration: Double = 0) -> FlowReport {
        var report = FlowReport()
        report.time = time
        report.protocolNumber = 6
        report.source = source
        report.destination = destination
        report.sourcePort = sourcePort
        report.destinationPort = destinationPort
        report.isFirst = true
        report.isFinal = final
        report.durationMicroseconds = duration
        report.originator.packets = 1
        report.originator.bytes = UInt64(40 + time % 1460)
        report.responder.packets = 1
        report.responder.bytes = 60
        return report
    }

    // Expected: a victim receiving flows from 1,000,000 distinct sources
    // over 30 s. The 30 s window computed directly and the merge of the six
    // 5 s windows are equal in every field: counters exactly, the distinct
    // counters register for register (HyperLogLog by then), the histograms
    // bucket for bucket, the Welford moments within rounding. Distinct
    // source ports (all 65,536 used) and destination ports (1,024) are
    // estimated within 2 %, peers within 4 % (2.5 standard errors; the mean
    // error over several ranges is the next test's).
    @Test func sixWindowsMergeIntoTheirThirtySecondWindow() throws {
        let victim = IPAddress(ipv4: 0x0A00_0001)
        var direct = HostFeatures()
        var parts = [HostFeatures](repeating: HostFeatures(), count: 6)
        var random = SplitMix64(seed: 7)
        for index in 0..<1_000_000 {
            let time = Int64(index) * 30 * Self.second / 1_000_000
            let source = IPAddress(ipv4: 0x2000_0000 &+ UInt32(index))
            let report = Self.report(time: time, source: source, destination: victim,
                                     sourcePort: Int32(index % 65536), destinationPort: Int32(random.next() % 1024),
                                     final: index % 3 == 0, duration: Double(random.next() % 30_000_000))
            direct.add(report, view: .responder)
            parts[Int(time / (5 * Self.second))].add(report, view: .responder)
        }
        var merged = HostFeatures()
        for part in parts { merged.merge(part) }

        #expect(merged.flows == 1_000_000 && merged.packetsIn == 1_000_000 && merged.flowsEnded == 333_334)
        #expect(merged.bytesIn == direct.bytesIn && merged.bytesOut == direct.bytesOut)
        #expect(!merged.peers.isExact)
        #expect(merged.peers == direct.peers)
        #expect(merged.peers.encoded == direct.peers.encoded)
        #expect(merged.sourcePorts == direct.sourcePorts && merged.destinationPorts == direct.destinationPorts)
        #expect(merged.packetSize.percentiles == direct.packetSize.percentiles)
        #expect(merged.duration.percentiles == direct.duration.percentiles)
        #expect(merged.packetSize.minimum == direct.packetSize.minimum && merged.duration.maximum == direct.duration.maximum)
        #expect(abs(merged.duration.mean - direct.duration.mean) <= 1e-9 * direct.duration.mean)
        #expect(abs(merged.duration.moments.m2 - direct.duration.moments.m2) <= 1e-9 * direct.duration.moments.m2)
        #expect(abs(merged.peers.estimate - 1_000_000) <= 40_000, "estimate \(merged.peers.estimate)")
        #expect(abs(merged.sourcePorts.estimate - 65536) <= 0.02 * 65536, "estimate \(merged.sourcePorts.estimate)")
        #expect(abs(merged.destinationPorts.estimate - 1024) <= 0.02 * 1024, "estimate \(merged.destinationPorts.estimate)")
    }

    // Expected: the distinct peers of a host, counted from a million
    // consecutive addresses starting at six different places, are within 2 %
    // of 1,000,000 on average (precision 12, standard error 1.6 %), none off
    // by more than 4 % (2.5 standard errors).
    @Test func distinctPeersWithinTwoPercentAtAMillion() {
        var errors: [Double] = []
        for base: UInt32 in [0x2000_0000, 0x0A00_0000, 0xC0A8_0000, 0x0100_0000, 0x5000_1234, 0x7F00_0000] {
            var peers = DistinctCounter()
            for index in 0..<1_000_000 {
                peers.insert(hash: HostFeatures.addressHash(IPAddress(ipv4: base &+ UInt32(index))))
            }
            errors.append(abs(peers.estimate - 1_000_000) / 1_000_000)
        }
        #expect(errors.reduce(0, +) / Double(errors.count) <= 0.02, "errors \(errors)")
        #expect(errors.allSatisfy { $0 <= 0.04 }, "errors \(errors)")
    }

    // Expected: each flow counts from both ends: the originator sends what
    // the responder receives; S0 and REJ count only TCP flows in their
    // first report; peers of the originator are responders and vice versa.
    @Test func viewsSwapDirections() {
        let client = IPAddress(ipv4: 0x0A00_0001)
        let server = IPAddress(ipv4: 0x0A00_0002)
        var report = Self.report(time: 0, source: client, destination: server, sourcePort: 40000, destinationPort: 22)
        report.state = .s0
        report.originator.bytes = 74
        report.responder = FlowReport.DirectionDeltas()
        var originator = HostFeatures()
        var responder = HostFeatures()
        originator.add(report, view: .originator)
        responder.add(report, view: .responder)
        #expect(originator.bytesOut == 74 && originator.bytesIn == 0 && originator.packetsOut == 1)
        #expect(responder.bytesIn == 74 && responder.bytesOut == 0 && responder.packetsIn == 1)
        #expect(originator.unansweredFlows == 1 && responder.unansweredFlows == 1)
        report.protocolNumber = 17
        var udp = HostFeatures()
        udp.add(report, view: .originator)
        #expect(udp.unansweredFlows == 0 && udp.protocolFlows.udp == 1)
        #expect(originator.bytesOutInRatio == 74)
    }

    // Expected (flowify(1), sluice-records(7)): a closed port answers a FIN,
    // NULL or Xmas probe with a RST; flowify calls the flow RSTR, history
    // "Fr", as Zeek does, since no SYN came first. With no payload either
    // way it counts as rejected, like REJ; an RSTR flow that carried data
    // (a server resetting a live connection) does not.
    @Test func responderResetBeforeAnyPayloadIsRejected() {
        let scanner = IPAddress(ipv4: 0xCB00_7142)
        let victim = IPAddress(ipv4: 0x0A01_0050)
        var probe = Self.report(time: 0, source: scanner, destination: victim, sourcePort: 38276, destinationPort: 95)
        probe.state = .responderReset
        var features = HostFeatures()
        features.add(probe, view: .originator)
        #expect(features.rejectedFlows == 1 && features.unansweredFlows == 0)

        var live = probe
        live.responder.payloadBytes = 512
        var server = HostFeatures()
        server.add(live, view: .originator)
        #expect(server.rejectedFlows == 0)

        var later = probe
        later.isFirst = false
        var notFirst = HostFeatures()
        notFirst.add(later, view: .originator)
        #expect(notFirst.rejectedFlows == 0)
    }

    // Expected: a merge saturates each counter at UInt64.max rather than
    // trapping (a long level, or records built to, can sum past it), and
    // counters below it add as they are.
    @Test func mergedCountersSaturate() {
        var features = HostFeatures()
        features.bytesOut = .max - 3
        features.protocolBytes.tcp = .max
        features.flows = 2
        var other = HostFeatures()
        other.bytesOut = 10
        other.protocolBytes.tcp = 1
        other.flows = 3
        features.merge(other)
        #expect(features.bytesOut == .max)
        #expect(features.protocolBytes.tcp == .max)
        #expect(features.flows == 5)
    }
}
