import Glibc

/// What recent texts of one record field read as, so that a text seen
/// again is not decoded again: destination ports repeat from window to
/// window (a host's services, the well-known ones), and their sketch and
/// heavy-hitter list came in as the same few texts nearly every time.
/// Reading one from here also shares its arrays, where decoding made new
/// ones for every window.
///
/// A direct-mapped table: a text's hash picks its slot, which holds the
/// last text read there and its value.
struct RecentTexts<Value> {
    private var slots: [(text: [UInt8], value: Value)?] = Array(repeating: nil, count: 1 << 10)

    /// The value of `text`: the one held for it, or `read(text)`, kept.
    /// (Only values are kept: a text that does not read throws each time.)
    mutating func value<Failure>(of text: UnsafeBufferPointer<UInt8>,
                                 read: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Value) throws(Failure) -> Value {
        // FNV-1a: a few instructions a byte, for texts of a few dozen.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let slot = Int(truncatingIfNeeded: hash ^ hash >> 32) & (slots.count - 1)
        if let held = slots[slot], Self.same(held.text, text) { return held.value }
        let value = try read(text)
        slots[slot] = (Array(text), value)
        return value
    }

    /// One compare of the bytes (`elementsEqual` went through iterators,
    /// a byte at a time).
    @inline(__always)
    private static func same(_ held: [UInt8], _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        held.count == text.count && held.withUnsafeBufferPointer { held in
            guard let base = text.baseAddress, let heldBase = held.baseAddress else { return true }
            return memcmp(heldBase, base, text.count) == 0
        }
    }
}
