/// The counters of one host summed over the step's own window and over the
/// last minute (only the flows started), in one pass over their windows.
/// The other horizons' sums are kept elsewhere: the 30 s and 180 s blocks'
/// with their merged sketches (`WindowSummary`), the five and ten minutes'
/// carried from step to step (`SlidingUnion`).
struct HorizonTotals {
    var current = FeatureSlot()
    var flowsStarted1m: UInt64 = 0

    /// Over the windows' `starts`, `counts` and `flowsStarted`, as
    /// `HostHistory` holds them (read in place: copying the history cost
    /// more than the sums).
    init(starts: UnsafeBufferPointer<Int64>, counts: UnsafeBufferPointer<FeatureSlot>,
         flowsStarted: UnsafeBufferPointer<UInt64>, end: Int64, step: Int64) {
        for index in HostHistory.indices(of: starts, from: end - 60, to: end) {
            if end - step <= starts[index] { current.add(counts[index]) }
            flowsStarted1m += flowsStarted[index]
        }
    }
}
