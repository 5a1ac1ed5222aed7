/// A distinct counter that others are merged into one after another (a
/// horizon's peers, window by window), estimated after each merge.
///
/// Once it holds registers it also keeps their histogram, updated as
/// registers rise, so an estimate reads 60-odd counts instead of counting
/// all 2^precision registers again; the counter and the estimate are bit
/// for bit those of `DistinctCounter.merge` and `estimate`.
public struct DistinctUnion: Sendable {
    /// The union so far; nil before anything non-empty was merged.
    public private(set) var counter: DistinctCounter?
    /// Registers per value while `counter` has registers; empty before.
    private var histogram: [Int32] = []

    public init() {}

    public mutating func merge(_ other: DistinctCounter) {
        guard var mine = counter else {
            counter = other
            if !other.isExact { histogram = Self.histogram(of: other) }
            return
        }
        // Out of the property while it changes, so its arrays stay
        // uniquely held and change in place.
        counter = nil
        defer { counter = mine }
        guard !mine.isExact, mine.precision == other.precision else {
            mine.merge(other)
            if !mine.isExact { histogram = Self.histogram(of: mine) }
            return
        }
        let precision = mine.precision
        histogram.withUnsafeMutableBufferPointer { histogram in
            mine.registers.withUnsafeMutableBufferPointer { registers in
                func raise(_ index: Int, to rank: UInt8) {
                    let old = registers[index]
                    guard rank > old else { return }
                    histogram[Int(old)] -= 1
                    histogram[Int(rank)] += 1
                    registers[index] = rank
                }
                if other.isExact {
                    for hash in other.hashes {
                        let (index, rank) = DistinctCounter.register(of: hash, precision: precision)
                        raise(index, to: rank)
                    }
                } else {
                    other.registers.withUnsafeBufferPointer { theirs in
                        for index in theirs.indices { raise(index, to: theirs[index]) }
                    }
                }
            }
        }
    }

    /// `counter?.estimate`, 0 for none.
    public var estimate: Double {
        guard let counter else { return 0 }
        return counter.isExact ? Double(counter.hashes.count)
            : DistinctCounter.estimate(histogram: histogram, precision: counter.precision)
    }

    private static func histogram(of counter: DistinctCounter) -> [Int32] {
        DistinctCounter.histogram(counter.registers, precision: counter.precision)
    }
}
