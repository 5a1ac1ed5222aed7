import SluiceCore

/// A heavy-hitter summary's entries copied into its `WindowSummary`, for
/// the five minutes' fold (`HeavyHitterFold`): a dozen parts per host and
/// step, where reading each part's summary went to two more arrays
/// elsewhere in memory (a cache miss each), which cost more than the
/// merges themselves.
enum InlineTops<Value: Hashable & Comparable & Sendable>: Sendable {
    typealias Entry = HeavyHitters<Value>.Entry

    case empty
    /// The summary's entries are the first `count` (the rest repeat one).
    case few(count: Int, entries: InlineArray<3, Entry>)
    /// More entries than fit, or another capacity: read the summary.
    case other

    init(_ summary: HeavyHitters<Value>) {
        guard !summary.isEmpty else {
            self = .empty
            return
        }
        let entries = summary.entries
        guard entries.count <= 3, summary.capacity == HeavyHittersDefaults.capacity else {
            self = .other
            return
        }
        let last = entries.count - 1
        self = .few(count: entries.count, entries: [entries[0], entries[min(1, last)], entries[min(2, last)]])
    }
}
