#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open-addressing hash table from key bytes to slot numbers, built once
/// per parser.
///
/// A key is summarised by two words loaded from it: its first and last 8
/// bytes (4 for keys of 4 to 7 bytes, single bytes below that). For keys of
/// up to 16 bytes, which is all of them in practice, those words and the
/// length *are* the key, so the same loads that hash it also confirm the
/// match, and no memcmp is called; longer keys are confirmed with memcmp.
/// The loads never leave the key's own bytes.
@usableFromInline
final class KeySlotTable {
    @usableFromInline
    struct Bucket {
        var head: UInt64
        var tail: UInt64
        /// -1 for an empty bucket.
        var length: Int32
        var slot: Int32
    }

    private let buckets: UnsafeMutablePointer<Bucket>
    private let shift: UInt64
    private let mask: Int
    /// The keys' UTF-8 bytes back to back; key s is keyBytes[offsets[s]..<offsets[s + 1]].
    private let keyBytes: UnsafeMutablePointer<UInt8>
    private let offsets: UnsafeMutablePointer<Int>
    let count: Int

    init(_ keys: FieldKeys) {
        count = keys.count
        var bits = 4
        while (1 << bits) < 4 * max(count, 1) { bits += 1 }
        let size = 1 << bits
        mask = size - 1
        shift = UInt64(64 - bits)
        buckets = .allocate(capacity: size)
        buckets.initialize(repeating: Bucket(head: 0, tail: 0, length: -1, slot: -1), count: size)
        let utf8 = keys.keys.map { Array($0.utf8) }
        let total = utf8.reduce(0) { $0 + $1.count }
        keyBytes = .allocate(capacity: max(total, 1))
        offsets = .allocate(capacity: count + 1)
        var offset = 0
        for (slot, bytes) in utf8.enumerated() {
            offsets[slot] = offset
            (keyBytes + offset).initialize(from: bytes, count: bytes.count)
            offset += bytes.count
            let (head, tail) = Self.words(keyBytes + offsets[slot], bytes.count)
            var bucket = bucketIndex(head, tail, bytes.count)
            while buckets[bucket].length >= 0 { bucket = (bucket + 1) & mask }
            buckets[bucket] = Bucket(head: head, tail: tail, length: Int32(bytes.count), slot: Int32(slot))
        }
        offsets[count] = offset
    }

    deinit {
        buckets.deallocate()
        keyBytes.deallocate()
        offsets.deallocate()
    }

    /// The slot of the key with these bytes, or -1.
    @inline(__always)
    func slot(of key: UnsafePointer<UInt8>, count length: Int) -> Int {
        var hint: Int32 = -1
        return slot(of: key, count: length, hint: &hint)
    }

    /// The slot of the key with these bytes, or -1, trying first the bucket
    /// in `hint` and leaving there the bucket that matched (-1 for none).
    /// Records of one kind list their keys in the same order line after
    /// line, so a hint per field position skips the hashing nearly always.
    @inline(__always)
    func slot(of key: UnsafePointer<UInt8>, count length: Int, hint: inout Int32) -> Int {
        let (head, tail) = Self.words(key, length)
        if hint >= 0 {
            let entry = buckets[Int(hint)]
            if Int(entry.length) == length && entry.head == head && entry.tail == tail
                && (length <= 16 || memcmp(keyBytes + offsets[Int(entry.slot)], key, length) == 0) {
                return Int(entry.slot)
            }
        }
        var bucket = bucketIndex(head, tail, length)
        while true {
            let entry = buckets[bucket]
            if entry.length < 0 {
                hint = -1
                return -1
            }
            if Int(entry.length) == length && entry.head == head && entry.tail == tail {
                let slot = Int(entry.slot)
                if length <= 16 || memcmp(keyBytes + offsets[slot], key, length) == 0 {
                    hint = Int32(truncatingIfNeeded: bucket)
                    return slot
                }
            }
            bucket = (bucket + 1) & mask
        }
    }

    /// Two words that, with the length, identify a key of up to 16 bytes.
    @inline(__always)
    private static func words(_ key: UnsafePointer<UInt8>, _ length: Int) -> (UInt64, UInt64) {
        let raw = UnsafeRawPointer(key)
        if length >= 8 {
            return (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self))
        } else if length >= 4 {
            return (UInt64(raw.loadUnaligned(as: UInt32.self)),
                    UInt64(raw.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)))
        } else if length > 0 {
            return (UInt64(key[0]) | UInt64(key[length >> 1]) << 8 | UInt64(key[length - 1]) << 16, 0)
        }
        return (0, 0)
    }

    @inline(__always)
    private func bucketIndex(_ head: UInt64, _ tail: UInt64, _ length: Int) -> Int {
        // Fibonacci hashing: the top bits of a multiply by 2^64 / phi.
        let mixed = (head ^ ((tail << 23) | (tail >> 41)) ^ UInt64(truncatingIfNeeded: length)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> shift)
    }
}
