import SluiceCore

/// One host's (one view's) 5 s windows of the last ten minutes, in time
/// order; only windows that had traffic are kept, so memory follows the
/// host's activity, and a missing window is a silent one.
///
/// The distinct counters of whole 30 s and 180 s epoch blocks are merged
/// once and kept, so a ten-minute union takes about twenty merges rather
/// than a hundred and twenty; a window stored into a block (late, or a
/// revision) drops the block's merge.
public struct HostHistory: Sendable {
    /// Window starts (epoch seconds), ascending, and each window's counts
    /// and distinct counters, at the same index.
    public private(set) var starts: [Int64] = []
    public private(set) var counts: [FeatureSlot] = []
    private var sketches: [Sketches] = []
    private var blocks: [Block: Sketches] = [:]

    /// Distinct peers, destination and source ports, and who and which
    /// ports had most of the traffic, merged.
    public struct Sketches: Sendable {
        public var peers: DistinctCounter?
        public var ports: DistinctCounter?
        public var sourcePorts: DistinctCounter?
        public var topPeers = HeavyHitters<IPAddress>()
        public var topPorts = HeavyHitters<ProtocolPort>()
        public var topSourcePorts = HeavyHitters<ProtocolPort>()

        mutating func merge(_ other: Sketches) {
            Self.merge(&peers, other.peers)
            Self.merge(&ports, other.ports)
            Self.merge(&sourcePorts, other.sourcePorts)
            topPeers.merge(other.topPeers)
            topPorts.merge(other.topPorts)
            topSourcePorts.merge(other.topSourcePorts)
        }

        private static func merge(_ mine: inout DistinctCounter?, _ theirs: DistinctCounter?) {
            guard let theirs else { return }
            if mine == nil { mine = theirs } else { mine!.merge(theirs) }
        }

        public init(peers: DistinctCounter? = nil, ports: DistinctCounter? = nil) {
            self.peers = peers
            self.ports = ports
        }

        public var peerCount: Double { (peers?.estimate ?? 0).rounded() }
        public var portCount: Double { (ports?.estimate ?? 0).rounded() }
        public var sourcePortCount: Double { (sourcePorts?.estimate ?? 0).rounded() }
    }

    private struct Block: Hashable, Sendable {
        let length: Int64
        let start: Int64
    }

    static let blockLengths: [Int64] = [180, 30]
    let step: Int64

    public init(step: Int64 = 5) { self.step = step }

    /// Stores the window starting at `start`; a later record for the same
    /// window (a revision) replaces it.
    public mutating func store(_ counted: FeatureSlot, _ sketch: Sketches = Sketches(), start: Int64) {
        let index = lowerBound(start)
        if index < starts.count && starts[index] == start {
            counts[index] = counted
            sketches[index] = sketch
        } else {
            starts.insert(start, at: index)
            counts.insert(counted, at: index)
            sketches.insert(sketch, at: index)
        }
        for length in Self.blockLengths { blocks[Block(length: length, start: floorDivide(start, length) * length)] = nil }
    }

    /// Forgets windows that start before `start`.
    public mutating func forget(before start: Int64) {
        let keep = lowerBound(start)
        if keep > 0 {
            starts.removeFirst(keep)
            counts.removeFirst(keep)
            sketches.removeFirst(keep)
        }
        // Called every step for every host: rebuild the cache only when a
        // block has expired.
        if blocks.keys.contains(where: { $0.start + $0.length <= start }) {
            blocks = blocks.filter { $0.key.start + $0.key.length > start }
        }
    }

    public var isEmpty: Bool { starts.isEmpty }

    /// The indices of the windows with starts in `[from, to)`.
    public func indices(from: Int64, to: Int64) -> Range<Int> {
        lowerBound(from)..<max(lowerBound(from), lowerBound(to))
    }

    /// The union of the distinct counters of the windows starting in
    /// `[from, to)` (both multiples of the step).
    public mutating func union(from: Int64, to: Int64) -> Sketches {
        var result = Sketches()
        var time = from
        while time < to {
            if let length = Self.blockLengths.first(where: { time % $0 == 0 && time + $0 <= to }) {
                result.merge(block(length: length, start: time))
                time += length
            } else {
                let index = lowerBound(time)
                if index < starts.count && starts[index] == time { result.merge(sketches[index]) }
                time += step
            }
        }
        return result
    }

    private mutating func block(length: Int64, start: Int64) -> Sketches {
        let key = Block(length: length, start: start)
        if let merged = blocks[key] { return merged }
        var merged = Sketches()
        for index in indices(from: start, to: start + length) { merged.merge(sketches[index]) }
        blocks[key] = merged
        return merged
    }

    /// The first index whose start is at or after `start`.
    private func lowerBound(_ start: Int64) -> Int {
        var low = 0, high = starts.count
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] < start { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
