/// The links of one slot in a doubly linked list threaded through the flow
/// table's slots by index (-1: none), so moving a flow to the tail of its
/// list costs no allocation.
struct ListLinks: Sendable {
    var previous: Int32 = -1
    var next: Int32 = -1
}

/// The two ends of one such list.
struct ListEnds: Sendable {
    var head: Int32 = -1
    var tail: Int32 = -1

    var isEmpty: Bool { head < 0 }
}

extension UnsafeMutablePointer<ListLinks> {
    /// Appends `slot`, which must be in no list of these links.
    func append(_ slot: Int32, to ends: inout ListEnds) {
        self[Int(slot)] = ListLinks(previous: ends.tail, next: -1)
        if ends.tail >= 0 { self[Int(ends.tail)].next = slot } else { ends.head = slot }
        ends.tail = slot
    }

    func remove(_ slot: Int32, from ends: inout ListEnds) {
        let links = self[Int(slot)]
        if links.previous >= 0 { self[Int(links.previous)].next = links.next } else { ends.head = links.next }
        if links.next >= 0 { self[Int(links.next)].previous = links.previous } else { ends.tail = links.previous }
        self[Int(slot)] = ListLinks()
    }

    func moveToTail(_ slot: Int32, in ends: inout ListEnds) {
        guard ends.tail != slot else { return }
        remove(slot, from: &ends)
        append(slot, to: &ends)
    }
}
