/// The RFC 1071 one's-complement sum shared by IPv4, TCP, UDP, ICMP and
/// ICMPv6.
///
/// Kept as an unfolded running sum so a pseudo-header, a header and a payload
/// can be added separately and folded once. Payload bytes the generator never
/// materialises are one repeated byte, whose sum is a multiplication, so a
/// checksum over a 1500-byte frame costs only its headers.
@usableFromInline
struct InternetChecksum {
    @usableFromInline var sum: UInt64 = 0

    @inlinable init() {}

    /// Adds `count` bytes as big-endian 16-bit words; an odd last byte is
    /// padded with a zero, which is exact only at the end of the data.
    @inlinable
    mutating func add(_ bytes: UnsafePointer<UInt8>, count: Int) {
        var index = 0
        var total = sum
        while index + 1 < count {
            total &+= UInt64(bytes[index]) << 8 | UInt64(bytes[index + 1])
            index += 2
        }
        if index < count { total &+= UInt64(bytes[index]) << 8 }
        sum = total
    }

    @inlinable
    mutating func add(_ word: UInt16) { sum &+= UInt64(word) }

    @inlinable
    mutating func add(_ word: UInt32) { sum &+= UInt64(word >> 16) &+ UInt64(word & 0xFFFF) }

    /// Adds an already-formed partial sum (for example n × a repeated word);
    /// it must stay far below 2^63, which any frame length guarantees.
    @inlinable
    mutating func add(_ partial: UInt64) { sum &+= partial }

    /// The checksum field value: the folded sum, complemented.
    @inlinable
    var value: UInt16 {
        var folded = sum
        while folded >> 16 != 0 { folded = (folded & 0xFFFF) &+ (folded >> 16) }
        return ~UInt16(truncatingIfNeeded: folded)
    }
}
