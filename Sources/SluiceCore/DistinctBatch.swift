/// Distinct counters merged into one all at once (the windows of a 30 s
/// or 180 s block): the sets' hashes gathered and sorted once at the end,
/// where merging the counters in turn copied the growing set at every
/// merge. The result is bit for bit the counter those merges make: the
/// union of the sets while it has at most `exactLimit` hashes and no
/// counter brought registers, else registers holding the largest rank of
/// every hash and register.
public struct DistinctBatch {
    private var precision: Int?
    private var hashes: [UInt64] = []
    private var registers: [UInt8] = []
    /// Once counters of another precision came: everything merged in turn.
    private var mixed: DistinctCounter?

    public init() {}

    public mutating func add(_ counter: DistinctCounter) {
        if mixed != nil { return mixed!.merge(counter) }
        guard precision == nil || precision == counter.precision else {
            mixed = merged()
            return mixed!.merge(counter)
        }
        precision = counter.precision
        if counter.isExact {
            hashes.append(contentsOf: counter.hashes)
        } else if registers.isEmpty {
            registers = counter.registers
        } else {
            counter.registers.withUnsafeBufferPointer { theirs in
                registers.withUnsafeMutableBufferPointer { mine in
                    for index in mine.indices where theirs[index] > mine[index] { mine[index] = theirs[index] }
                }
            }
        }
    }

    /// The merged counter; nil when nothing (or only empty counters) came.
    public func merged() -> DistinctCounter? {
        if let mixed { return mixed }
        guard let precision, !(hashes.isEmpty && registers.isEmpty) else { return nil }
        var result = DistinctCounter(precision: precision)
        var unique = hashes
        unique.sort()
        unique.removeDuplicatesSorted()
        if registers.isEmpty && unique.count <= DistinctCounter.exactLimit {
            result.hashes = unique
            return result
        }
        var dense = registers.isEmpty ? [UInt8](repeating: 0, count: 1 << precision) : registers
        for hash in unique {
            let (index, rank) = DistinctCounter.register(of: hash, precision: precision)
            if rank > dense[index] { dense[index] = rank }
        }
        result.registers = dense
        return result
    }
}

extension Array where Element: Equatable {
    /// Drops the repeats of a sorted array, in place.
    mutating func removeDuplicatesSorted() {
        guard count > 1 else { return }
        var kept = 1
        for index in 1..<count where self[index] != self[kept - 1] {
            self[kept] = self[index]
            kept += 1
        }
        removeLast(count - kept)
    }
}
