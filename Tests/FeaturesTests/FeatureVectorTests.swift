import Foundation
import SluiceCore
import Testing
@testable import Features

@Suite struct FeatureVectorTests {
    static func slot(flowsStarted: UInt64, tcp: UInt64 = 0, udp: UInt64 = 0, unanswered: UInt64 = 0, bytesIn: UInt64 = 0) -> FeatureSlot {
        var slot = FeatureSlot()
        slot.flows = flowsStarted
        slot.flowsStarted = flowsStarted
        slot.tcpFlows = tcp
        slot.udpFlows = udp
        slot.unanswered = unanswered
        slot.bytesIn = bytesIn
        slot.packetsOut = flowsStarted
        return slot
    }

    func value(_ name: String, _ values: [Double]) -> Double { values[FeatureVector.names.firstIndex(of: name)!] }

    // Expected, worked by hand: windows at 0 (4 starts, 4 TCP, 3 unanswered),
    // 5 (none: silent), 10 (2 starts, 1 TCP + 1 UDP, 100 bytes in) and 295
    // (1 start, UDP); the step ending at 300.
    // - flows_started_1m: only the window at 295 is within [240, 300): 1.
    // - flows_started_5m: 4 + 2 + 1 = 7; failed_ratio_5m 3/7.
    // - proto_entropy_5m over 5 TCP and 2 UDP flows: -(5/7 log2 5/7 + 2/7 log2 2/7).
    // - bytes_in_per_flow_5m: 100 / 7.
    // - start intervals: starts at 0.625, 1.875, 3.125, 4.375 (4 in [0, 5)),
    //   11.25, 13.75 (2 in [10, 15)), 297.5: gaps 1.25 ×3, 6.875, 2.5, 283.75.
    // - flows_30s: the aligned 30 s window ending at 300 is [270, 300): 1;
    //   flows_180s: the one ending at 180 is [0, 180): 4 + 2 = 6.
    @Test func horizonsAndFormulas() {
        var history = HostHistory()
        history.store(Self.slot(flowsStarted: 4, tcp: 4, unanswered: 3), start: 0)
        history.store(Self.slot(flowsStarted: 2, tcp: 1, udp: 1, bytesIn: 100), start: 10)
        history.store(Self.slot(flowsStarted: 1, udp: 1), start: 295)
        let values = FeatureVector.values(&history, stepEnd: 300)
        #expect(values.count == FeatureVector.names.count)
        #expect(value("flows_started_5s", values) == 1)
        #expect(value("flows_started_1m", values) == 1)
        #expect(value("flows_started_5m", values) == 7)
        #expect(value("flows_started_10m", values) == 7)
        #expect(value("flows_30s", values) == 1)
        #expect(value("flows_180s", values) == 6)
        #expect(abs(value("failed_ratio_5m", values) - 3.0 / 7) < 1e-12)
        let tcpShare = 5.0 / 7, udpShare = 2.0 / 7
        let entropy: Double = -(tcpShare * log2(tcpShare) + udpShare * log2(udpShare))
        #expect(abs(value("proto_entropy_5m", values) - entropy) < 1e-12)
        #expect(abs(value("bytes_in_per_flow_5m", values) - 100.0 / 7) < 1e-12, "flows = flows started in these slots")
        let gaps = [1.25, 1.25, 1.25, 6.875, 2.5, 283.75]
        let mean = gaps.reduce(0, +) / 6
        let deviation = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5).squareRoot()
        #expect(abs(value("start_interval_mean_5m", values) - mean) < 1e-9)
        #expect(abs(value("start_interval_stddev_5m", values) - deviation) < 1e-9)
    }

    // Expected: 10 TCP attempts, 5 rejected (each also ending in a RST)
    // and 2 other connections reset: failed = 5 rejected + 2 other resets
    // = 7 of 10, not 12; the state classes are rej 5, other rst 2.
    @Test func rejectedAttemptsCountOnce() {
        var history = HostHistory()
        var slot = Self.slot(flowsStarted: 10, tcp: 10)
        slot.rejected = 5
        slot.reset = 7
        slot.flowsEnded = 7
        history.store(slot, start: 100)
        let values = FeatureVector.values(&history, stepEnd: 105)
        #expect(value("failed_ratio_5m", values) == 0.7)
        let five = 5.0 / 7, two = 2.0 / 7
        let expected: Double = -(five * log2(five) + two * log2(two))
        #expect(abs(value("state_diversity_5m", values) - expected) < 1e-12)
        #expect(value("start_interval_mean_5m", values) == 0.5)
    }

    // Expected: one start in five minutes: no interval seen, so the mean
    // is the horizon, 300 s, and the deviation 0.
    @Test func fewStartsMeanTheHorizon() {
        var history = HostHistory()
        history.store(Self.slot(flowsStarted: 1, tcp: 1), start: 100)
        let values = FeatureVector.values(&history, stepEnd: 105)
        #expect(value("start_interval_mean_5m", values) == 300)
        #expect(value("start_interval_stddev_5m", values) == 0)
    }
}
