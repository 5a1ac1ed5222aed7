extension HostHistory {
    /// What the features read of a 30 s or 180 s block, kept by the
    /// history for the steps that read the same block again (five in six
    /// for 30 s, 35 in 36 for 180 s): a copy of five numbers, where
    /// asking the block cache cost a lookup and a retain each time.
    struct BlockNumbers: Sendable {
        /// The block's start; `.min` when none is held.
        var start = Int64.min
        var flows: UInt64 = 0
        var bytesOut: UInt64 = 0
        var bytesIn: UInt64 = 0
        var peerCount = 0.0
        var portCount = 0.0

        init() {}

        init(start: Int64, _ block: WindowSummary) {
            self.start = start
            flows = block.flows
            bytesOut = block.bytesOut
            bytesIn = block.bytesIn
            peerCount = block.peerCount
            portCount = block.portCount
        }
    }

    /// What the features read of the block of `length` (30 or 180)
    /// seconds starting at `start`.
    mutating func blockNumbers(length: Int64, start: Int64) -> BlockNumbers {
        let held = length == 30 ? thirtyNumbers : longNumbers
        if held.start == start { return held }
        let numbers = BlockNumbers(start: start, block(length: length, start: start))
        if length == 30 { thirtyNumbers = numbers } else { longNumbers = numbers }
        return numbers
    }
}
