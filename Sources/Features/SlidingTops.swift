import SluiceCore

/// The heaviest peer and destination port of a horizon that slides with
/// the steps (the last five minutes): the weights of the windows'
/// heavy-hitter lists summed value by value, kept from one step to the
/// next.
///
/// Sums, unlike Misra-Gries merges, do not depend on the order or grouping
/// of the windows, so a step's sums are the last step's less the windows
/// that left and plus those that arrived: a few list entries per step
/// instead of a fold over the whole horizon. They keep the lists' bounds
/// (sluice-features(7)): each window's weight of a value is at most a
/// quarter of the window's total below its true weight and never above,
/// so the sums are at most a quarter of the horizon's total below it.
/// A window stored into the part already summed (late, or a revision), or
/// a sum that reached 2^64 - 1, has the sums built again.
struct SlidingTops: Sendable {
    /// The horizon summed, `[from, to)`; nil when nothing is.
    private var summed: (from: Int64, to: Int64)?
    private var peers = WeightSums<IPAddress>()
    private var ports = WeightSums<ProtocolPort>()
    private(set) var topPeer: HeavyHitters<IPAddress>.Entry?
    private(set) var topPort: HeavyHitters<ProtocolPort>.Entry?

    /// A window was stored at `start`: inside the part summed, the sums
    /// are stale.
    mutating func stored(start: Int64) {
        if let summed, start < summed.to { self.summed = nil }
    }

    /// Brings the sums to the windows of `history` starting in `[from, to)`.
    /// (The windows that left must still be held: `from` may pass the last
    /// horizon's end only by building afresh.)
    mutating func update(_ history: inout HostHistory, from: Int64, to: Int64) {
        var changed = false
        if let summed, summed.from <= from, from <= summed.to, summed.to <= to, !peers.saturated, !ports.saturated {
            for index in history.indices(from: summed.from, to: from) {
                peers.subtract(history.summaries[index].sketches.topPeers.entries)
                ports.subtract(history.summaries[index].sketches.topPorts.entries)
                changed = true
            }
            for index in history.indices(from: summed.to, to: to) {
                add(history.summaries[index])
                changed = true
            }
        } else {
            peers = WeightSums()
            ports = WeightSums()
            for index in history.indices(from: from, to: to) { add(history.summaries[index]) }
            changed = true
        }
        summed = (from, to)
        if changed { (topPeer, topPort) = (peers.top, ports.top) }
    }

    private mutating func add(_ window: HostHistory.WindowSummary) {
        peers.add(window.sketches.topPeers.entries)
        ports.add(window.sketches.topPorts.entries)
    }
}

/// Weights summed value by value, in a short array searched in turn: a
/// host's five minutes name a handful of peers and ports (a scan's, a
/// few hundred).
struct WeightSums<Value: Hashable & Comparable & Sendable>: Sendable {
    typealias Entry = HeavyHitters<Value>.Entry

    private var entries: [Entry] = []
    /// A sum stopped at 2^64 - 1, so taking weights away would be wrong.
    private(set) var saturated = false

    mutating func add(_ list: [Entry]) {
        for entry in list where entry.weight > 0 {
            if let index = entries.firstIndex(where: { $0.value == entry.value }) {
                let (sum, overflow) = entries[index].weight.addingReportingOverflow(entry.weight)
                entries[index].weight = overflow ? .max : sum
                saturated = saturated || overflow
            } else {
                entries.append(entry)
            }
        }
    }

    /// Takes away a list added before (a value that reaches 0 goes).
    mutating func subtract(_ list: [Entry]) {
        for entry in list where entry.weight > 0 {
            guard let index = entries.firstIndex(where: { $0.value == entry.value }) else { continue }
            entries[index].weight -= min(entry.weight, entries[index].weight)
            if entries[index].weight == 0 { entries.remove(at: index) }
        }
    }

    /// The heaviest entry, of equal weights the smallest value; nil when
    /// empty.
    var top: Entry? { HeavyHitters<Value>.top(of: entries) }
}
