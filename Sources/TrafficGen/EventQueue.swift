/// A binary min-heap of (time, arrival order, slot) that tells the
/// generator which session's packet comes next.
///
/// Entries hold a slot number rather than the session object, so sifting
/// moves plain integers and never touches reference counts. Ties in time go
/// to the entry queued first, which keeps the output independent of heap
/// internals.
struct EventQueue {
    struct Entry {
        var time: Int64
        var order: UInt64
        var slot: Int32

        @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            time < other.time || (time == other.time && order < other.order)
        }
    }

    private(set) var entries: [Entry] = []
    private var nextOrder: UInt64 = 0

    init() { entries.reserveCapacity(4096) }

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    /// The earliest entry; the queue must not be empty.
    var first: Entry { entries[0] }

    mutating func push(time: Int64, slot: Int32) {
        entries.append(Entry(time: time, order: nextOrder, slot: slot))
        nextOrder &+= 1
        siftUp(entries.count - 1)
    }

    /// Gives the earliest entry a new time and restores the heap: the common
    /// case of a session that has another packet, at half the cost of a pop
    /// and a push.
    mutating func rescheduleFirst(time: Int64) {
        entries[0].time = time
        entries[0].order = nextOrder
        nextOrder &+= 1
        siftDown(0)
    }

    mutating func removeFirst() {
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        entries.withUnsafeMutableBufferPointer { heap in
            var child = start
            let moving = heap[child]
            while child > 0 {
                let parent = (child - 1) / 2
                guard moving.precedes(heap[parent]) else { break }
                heap[child] = heap[parent]
                child = parent
            }
            heap[child] = moving
        }
    }

    private mutating func siftDown(_ start: Int) {
        entries.withUnsafeMutableBufferPointer { heap in
            let count = heap.count
            var parent = start
            let moving = heap[parent]
            while true {
                var child = 2 * parent + 1
                if child >= count { break }
                if child + 1 < count, heap[child + 1].precedes(heap[child]) { child += 1 }
                guard heap[child].precedes(moving) else { break }
                heap[parent] = heap[child]
                parent = child
            }
            heap[parent] = moving
        }
    }
}
