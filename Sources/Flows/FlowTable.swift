#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The active flows: slots of `Flow` values, a hash index from key to slot,
/// and the lists that order flows by idle deadline and by start.
///
/// Memory grows by doubling with the number of flows alive at once, up to
/// `limit`; it never grows with the length of the input. The index is open
/// addressing with linear probing and backward-shift deletion (no
/// tombstones), each bucket holding the slot and 32 bits of the key's hash,
/// so a probe rarely touches a flow that is not the one sought.
final class FlowTable {
    private struct Bucket {
        /// -1 for an empty bucket.
        var slot: Int32
        var hash: UInt32
    }

    let limit: Int
    private(set) var count = 0
    // Unchecked exclusivity: one thread, and no property is handed out inout
    // across a call that touches it again.
    @exclusivity(unchecked) private(set) var flows: UnsafeMutablePointer<Flow>
    @exclusivity(unchecked) private var capacity: Int
    /// Slots below this were used at some time; free ones are in `freeSlots`.
    @exclusivity(unchecked) private var highWater = 0
    @exclusivity(unchecked) private var freeSlots: [Int32] = []

    @exclusivity(unchecked) private var buckets: UnsafeMutablePointer<Bucket>
    @exclusivity(unchecked) private var bucketMask: Int

    /// Each flow is in the idle list of its class, in order of activity...
    @exclusivity(unchecked) private var idleLinks: UnsafeMutablePointer<ListLinks>
    @exclusivity(unchecked) private(set) var idleLists = [ListEnds](repeating: ListEnds(), count: IdleClass.allCases.count)
    /// ...and in the start list, in the order flows started.
    @exclusivity(unchecked) private var startLinks: UnsafeMutablePointer<ListLinks>
    @exclusivity(unchecked) private(set) var startList = ListEnds()

    init(limit: Int) {
        precondition(limit > 0 && limit < Int(Int32.max) / 4)
        precondition(_isPOD(Flow.self), "FlowTable: flows are moved with realloc, so they must be plain values")
        self.limit = limit
        capacity = min(limit, 1024)
        flows = Self.allocate(capacity)
        idleLinks = Self.allocate(capacity)
        startLinks = Self.allocate(capacity)
        bucketMask = Self.bucketCount(for: capacity) - 1
        buckets = .allocate(capacity: bucketMask + 1)
        buckets.initialize(repeating: Bucket(slot: -1, hash: 0), count: bucketMask + 1)
    }

    deinit {
        free(flows)
        free(idleLinks)
        free(startLinks)
        buckets.deallocate()
    }

    var isFull: Bool { count >= limit }

    /// The slot of the flow with `key`, or nil.
    @inline(__always)
    func find(_ key: FlowKey, hash: UInt64) -> Int32? {
        let tag = UInt32(truncatingIfNeeded: hash)
        var index = Int(tag) & bucketMask
        while true {
            let bucket = buckets[index]
            if bucket.slot < 0 { return nil }
            if bucket.hash == tag && flows[Int(bucket.slot)].key == key { return bucket.slot }
            index = (index + 1) & bucketMask
        }
    }

    /// Stores a new flow (its key must not be in the table, and the table
    /// must not be full) at the tail of its idle list and the start list.
    func insert(_ flow: Flow, hash: UInt64) -> Int32 {
        precondition(count < limit, "FlowTable: insert into a full table")
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            if highWater == capacity { grow() }
            slot = Int32(highWater)
            highWater += 1
        }
        (flows + Int(slot)).initialize(to: flow)
        let tag = UInt32(truncatingIfNeeded: hash)
        var index = Int(tag) & bucketMask
        while buckets[index].slot >= 0 { index = (index + 1) & bucketMask }
        buckets[index] = Bucket(slot: slot, hash: tag)
        idleLinks.append(slot, to: &idleLists[flow.idleClass.rawValue])
        startLinks.append(slot, to: &startList)
        count += 1
        return slot
    }

    /// Takes a flow out of the index and both lists and frees its slot.
    func remove(_ slot: Int32) {
        let flow = flows + Int(slot)
        idleLinks.remove(slot, from: &idleLists[flow.pointee.idleClass.rawValue])
        startLinks.remove(slot, from: &startList)
        var index = Int(UInt32(truncatingIfNeeded: flow.pointee.key.hash)) & bucketMask
        while buckets[index].slot != slot { index = (index + 1) & bucketMask }
        // Backward shift: move later entries of the probe run into the gap
        // when their home bucket allows it, so lookups need no tombstones.
        var gap = index
        var next = (gap + 1) & bucketMask
        while buckets[next].slot >= 0 {
            let home = Int(buckets[next].hash) & bucketMask
            if (next - home) & bucketMask >= (next - gap) & bucketMask {
                buckets[gap] = buckets[next]
                gap = next
            }
            next = (next + 1) & bucketMask
        }
        buckets[gap] = Bucket(slot: -1, hash: 0)
        // Flow ids start at 1: id 0 marks the slot free for whoever still
        // holds its number (the interval's list of active flows).
        flows[Int(slot)].id = 0
        freeSlots.append(slot)
        count -= 1
    }

    /// Moves the flow to the tail of its idle list (after its activity time
    /// was set to the current event time).
    @inline(__always)
    func touch(_ slot: Int32) {
        idleLinks.moveToTail(slot, in: &idleLists[(flows + Int(slot)).pointee.idleClass.rawValue])
    }

    /// Moves the flow to the tail of another class's idle list.
    func reclassify(_ slot: Int32, as idleClass: IdleClass) {
        let current = (flows + Int(slot)).pointee.idleClass
        idleLinks.remove(slot, from: &idleLists[current.rawValue])
        flows[Int(slot)].idleClass = idleClass
        idleLinks.append(slot, to: &idleLists[idleClass.rawValue])
    }

    /// Moves the flow to the tail of the start list (it starts anew after an
    /// active timeout).
    func restart(_ slot: Int32) {
        startLinks.moveToTail(slot, in: &startList)
    }

    /// The next flow in start order after `slot`, or -1.
    func nextStarted(after slot: Int32) -> Int32 { startLinks[Int(slot)].next }

    private func grow() {
        let newCapacity = min(limit, capacity * 2)
        flows = Self.reallocate(flows, newCapacity)
        idleLinks = Self.reallocate(idleLinks, newCapacity)
        startLinks = Self.reallocate(startLinks, newCapacity)
        capacity = newCapacity
        let newBucketCount = Self.bucketCount(for: newCapacity)
        guard newBucketCount > bucketMask + 1 else { return }
        let old = buckets
        let oldCount = bucketMask + 1
        buckets = .allocate(capacity: newBucketCount)
        buckets.initialize(repeating: Bucket(slot: -1, hash: 0), count: newBucketCount)
        bucketMask = newBucketCount - 1
        for index in 0..<oldCount where old[index].slot >= 0 {
            var target = Int(old[index].hash) & bucketMask
            while buckets[target].slot >= 0 { target = (target + 1) & bucketMask }
            buckets[target] = old[index]
        }
        old.deallocate()
    }

    /// At least twice the flows, so probe runs stay short.
    private static func bucketCount(for capacity: Int) -> Int {
        var count = 16
        while count < 2 * capacity { count *= 2 }
        return count
    }

    // The slot arrays hold plain values (no references), so they live in
    // malloc'd memory and grow with realloc, which moves large blocks by
    // remapping pages: no second copy, no doubled peak memory.
    private static func allocate<T>(_ capacity: Int) -> UnsafeMutablePointer<T> {
        guard let memory = malloc(capacity * MemoryLayout<T>.stride) else { fatalError("flowify: out of memory") }
        return memory.bindMemory(to: T.self, capacity: capacity)
    }

    private static func reallocate<T>(_ old: UnsafeMutablePointer<T>, _ capacity: Int) -> UnsafeMutablePointer<T> {
        guard let memory = realloc(old, capacity * MemoryLayout<T>.stride) else { fatalError("flowify: out of memory") }
        return memory.bindMemory(to: T.self, capacity: capacity)
    }
}
