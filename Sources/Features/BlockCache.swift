import SluiceCore

extension HostHistory {
    /// A host's merged 30 s and 180 s blocks, found by block number in a
    /// ring of slots: a lookup is an index and a compare, where a
    /// dictionary hashed the key (a dozen lookups per host and step). The
    /// rings hold more blocks than ten minutes have, so the blocks in use
    /// never push each other out; an older block that shares a slot is
    /// simply merged again.
    struct BlockCache: Sendable {
        private var thirty = Ring(slotBits: 5)
        private var long = Ring(slotBits: 3)

        /// The block of `length` (30 or 180) seconds starting at `start`,
        /// if merged. (Each length divides by a literal: a division by a
        /// constant is a multiplication.)
        func block(length: Int64, start: Int64) -> WindowSummary? {
            switch length {
            case 30: thirty.block(number: floorDivide(start, 30), start: start)
            case 180: long.block(number: floorDivide(start, 180), start: start)
            default: preconditionFailure("BlockCache: no \(length) s blocks")
            }
        }

        mutating func keep(_ block: WindowSummary, length: Int64, start: Int64) {
            switch length {
            case 30: thirty.keep(block, number: floorDivide(start, 30), start: start)
            case 180: long.keep(block, number: floorDivide(start, 180), start: start)
            default: preconditionFailure("BlockCache: no \(length) s blocks")
            }
        }

        /// Drops the blocks that hold the window starting at `start`.
        mutating func drop(holding start: Int64) {
            thirty.drop(number: floorDivide(start, 30), start: floorDivide(start, 30) * 30)
            long.drop(number: floorDivide(start, 180), start: floorDivide(start, 180) * 180)
        }

        /// Drops the blocks that end at or before `start` (their windows
        /// are forgotten).
        mutating func drop(endingBy start: Int64) {
            thirty.drop { $0 + 30 <= start }
            long.drop { $0 + 180 <= start }
        }
    }

    /// 2^`slotBits` slots, each the start of the block it holds and the
    /// block: a block number's low bits are its slot (two's complement
    /// keeps that right for negative numbers).
    private struct Ring: Sendable {
        private var entries: [(start: Int64, block: WindowSummary?)]

        init(slotBits: Int) {
            entries = Array(repeating: (.min, nil), count: 1 << slotBits)
        }

        private func slot(_ number: Int64) -> Int { Int(truncatingIfNeeded: number) & (entries.count - 1) }

        func block(number: Int64, start: Int64) -> WindowSummary? {
            let slot = slot(number)
            return entries[slot].start == start ? entries[slot].block : nil
        }

        mutating func keep(_ block: WindowSummary, number: Int64, start: Int64) {
            entries[slot(number)] = (start, block)
        }

        mutating func drop(number: Int64, start: Int64) {
            let slot = slot(number)
            if entries[slot].start == start { entries[slot] = (.min, nil) }
        }

        mutating func drop(where expired: (Int64) -> Bool) {
            for index in entries.indices where entries[index].block != nil && expired(entries[index].start) {
                entries[index] = (.min, nil)
            }
        }
    }
}
