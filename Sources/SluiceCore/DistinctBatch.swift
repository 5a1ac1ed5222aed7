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
    /// The counters that came with registers, merged as they came.
    private var dense: DistinctCounter?
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
        } else if dense == nil {
            dense = counter
        } else {
            dense!.merge(counter)
        }
    }

    /// The merged counter; nil when nothing (or only empty counters) came.
    public func merged() -> DistinctCounter? {
        if let mixed { return mixed }
        guard let precision, !hashes.isEmpty || dense != nil else { return nil }
        var unique = hashes
        unique.sort()
        unique.removeDuplicatesSorted()
        guard var result = dense else {
            var result = DistinctCounter(precision: precision)
            result.hashes = unique
            if unique.count > DistinctCounter.exactLimit { result.densify() }
            return result
        }
        for hash in unique { result.insert(hash: hash) }
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
