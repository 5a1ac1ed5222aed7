import SluiceCore

/// The distinct values of a horizon whose windows all counted exactly, as
/// their hashes, each with the start of the latest window that held it.
///
/// Exact sets merge to their union, which stays exact up to
/// `DistinctCounter.exactLimit` hashes, so while the horizon holds no more
/// than that its distinct count is simply how many hashes are here. Unlike
/// a union, this can let values go: when the horizon slides, the hashes
/// last seen before it leave. A union had to be merged again from the
/// horizon's parts at every step once its oldest window left, which was
/// most of a long run's time.
struct SeenHashes: Sendable {
    private var entries: [(hash: UInt64, lastSeen: Int64)] = []

    var count: Int { entries.count }

    /// Adds the window starting at `start` (the latest yet); false when
    /// the horizon is no longer one this can count: a window that counted
    /// in registers, or more hashes than a union keeps exact.
    mutating func add(_ counter: DistinctCounter?, start: Int64) -> Bool {
        guard let counter else { return true }
        guard counter.isExact else { return false }
        for hash in counter.hashes {
            // A linear search: a horizon here holds at most 64 hashes.
            if let index = entries.firstIndex(where: { $0.hash == hash }) {
                entries[index].lastSeen = max(entries[index].lastSeen, start)
            } else {
                entries.append((hash, start))
            }
        }
        return entries.count <= DistinctCounter.exactLimit
    }

    /// The horizon now starts at `from`: the hashes no window since held
    /// leave.
    mutating func forget(before from: Int64) {
        entries.removeAll { $0.lastSeen < from }
    }
}
