import SluiceCore
import Testing
@testable import Features

/// The five minutes' heaviest peer and port, carried from step to step,
/// against the same sums made afresh for every step.
@Suite struct SlidingTopsTests {
    /// A window whose lists name peers 10.0.0.(seed % 7 ...) and ports
    /// 20 + seed % 5 ..., with weights that vary by window.
    static func sketches(_ seed: Int) -> HostHistory.Sketches {
        var sketches = HostHistory.Sketches()
        let peers = (0..<3).map { offset in
            HeavyHitters<IPAddress>.Entry(value: IPAddress(ipv4: 0x0A00_0000 + UInt32((seed + offset * 3) % 7)),
                                          weight: UInt64(1 + (seed * 7 + offset * 11) % 13))
        }
        let ports = (0..<(1 + seed % 3)).map { offset in
            HeavyHitters<ProtocolPort>.Entry(value: ProtocolPort(protocolNumber: 6, port: UInt16(20 + (seed + offset) % 5)),
                                             weight: UInt64(1 + (seed * 5 + offset) % 9))
        }
        sketches.topPeers = HeavyHitters(entries: peers)
        sketches.topPorts = HeavyHitters(entries: ports)
        return sketches
    }

    /// The heaviest peer and port of the windows held in `[from, to)`: each
    /// window's list weights summed value by value, the largest sum, ties
    /// to the smaller value (sluice-features(7), Heavy hitters).
    static func expectedTops(_ history: HostHistory, from: Int64, to: Int64)
        -> (HeavyHitters<IPAddress>.Entry?, HeavyHitters<ProtocolPort>.Entry?) {
        var peers: [IPAddress: UInt64] = [:], ports: [ProtocolPort: UInt64] = [:]
        for index in history.indices(from: from, to: to) {
            let window = history.window(startingAt: history.starts[index])!
            for entry in window.sketches.topPeers.entries { peers[entry.value, default: 0] += entry.weight }
            for entry in window.sketches.topPorts.entries { ports[entry.value, default: 0] += entry.weight }
        }
        let peer = peers.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
        let port = ports.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
        return (peer.map { .init(value: $0.key, weight: $0.value) }, port.map { .init(value: $0.key, weight: $0.value) })
    }

    // Expected: at every step, the carried tops equal the sums made afresh,
    // through windows arriving and leaving the five minutes, silences (one
    // of over five minutes, after which nothing carried is left), a late
    // window and a revision stored into the part already summed, and
    // windows forgotten after ten minutes.
    @Test func carriedTopsEqualSumsMadeAfresh() {
        var history = HostHistory()
        var seed = 0
        for end in stride(from: Int64(5), through: 2400, by: 5) {
            let start = end - 5
            let silent = (start / 5) % 9 == 4 || (900...1300).contains(start)
            if !silent {
                seed += 1
                history.store(FeatureSlot(), Self.sketches(seed), start: start)
            }
            if end % 95 == 0 {
                // Late: a window 2 minutes back; a revision of one 40 s back.
                seed += 1
                history.store(FeatureSlot(), Self.sketches(seed), start: start - 120)
                history.store(FeatureSlot(), Self.sketches(seed * 3), start: start - 40)
            }
            history.forget(before: end - 600)
            _ = FeatureVector.values(&history, stepEnd: end)
            let (peer, port) = Self.expectedTops(history, from: end - 300, to: end)
            #expect(history.fiveMinuteTops.topPeer == peer, "step ending at \(end)")
            #expect(history.fiveMinuteTops.topPort == port, "step ending at \(end)")
        }
    }

    // Expected: a host's shares are its summed weight over the five
    // minutes' packets (peers) or flows (ports); worked by hand for two
    // windows: peer 10.0.0.1 has 6 + 3 = 9 of 20 packets, port 22 has
    // 2 + 1 = 3 of 4 flows. The Misra-Gries merge of the two lists would
    // have cut 10.0.0.1 to 9 - 2 = 7 (the fourth value's weight).
    @Test func sharesOfTheSummedWeights() {
        var history = HostHistory()
        for (start, peers, ports) in [
            (Int64(100), [(1, 6), (2, 2), (3, 2)], [(22, 2)]),
            (Int64(110), [(1, 3), (4, 2), (5, 1)], [(22, 1), (80, 1)]),
        ] {
            var slot = FeatureSlot()
            slot.flows = 2
            slot.packetsOut = 10
            var sketches = HostHistory.Sketches()
            sketches.topPeers = HeavyHitters(entries: peers.map { .init(value: IPAddress(ipv4: 0x0A00_0000 + UInt32($0.0)), weight: UInt64($0.1)) })
            sketches.topPorts = HeavyHitters(entries: ports.map { .init(value: ProtocolPort(protocolNumber: 6, port: UInt16($0.0)), weight: UInt64($0.1)) })
            history.store(slot, sketches, start: start)
        }
        let (values, context) = FeatureVector.valuesAndContext(&history, stepEnd: 120)
        let value = { (name: String) in values[FeatureVector.names.firstIndex(of: name)!] }
        #expect(value("top_peer_share_5m") == 9.0 / 20)
        #expect(context.topPeer5m == IPAddress(ipv4: 0x0A00_0001))
        #expect(value("top_dport_5m") == 22)
        #expect(value("top_dport_share_5m") == 3.0 / 4)
    }
}
