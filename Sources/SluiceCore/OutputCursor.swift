/// Formats JSON text at a raw position in `NDJSONWriter`'s buffer.
///
/// Why a separate value: while formatting goes through the writer's own
/// stored properties, every byte stored through a `UInt8` pointer may alias
/// them, so the compiler reloads `buffer` and `count` after each byte. A
/// cursor in a local variable stays in a register. Obtain one with
/// `NDJSONWriter.withCursor(reserving:)`, which has made room beforehand:
/// the cursor itself checks nothing.
public struct OutputCursor {
    public var position: UnsafeMutablePointer<UInt8>

    @inlinable @inline(__always)
    public init(position: UnsafeMutablePointer<UInt8>) { self.position = position }

    @inlinable @inline(__always)
    public mutating func byte(_ value: UInt8) {
        position.pointee = value
        position += 1
    }

    /// Copies a literal. Inlined, its length is a constant, so the copy
    /// compiles to a few moves rather than a byte loop or a memcpy call.
    @inlinable @inline(__always)
    public mutating func text(_ value: StaticString) {
        let length = value.utf8CodeUnitCount
        UnsafeMutableRawPointer(position).copyMemory(from: value.utf8Start, byteCount: length)
        position += length
    }

    @inlinable @inline(__always)
    public mutating func bytes(_ value: UnsafeBufferPointer<UInt8>) {
        guard let base = value.baseAddress, value.count > 0 else { return }
        position.update(from: base, count: value.count)
        position += value.count
    }

    /// `,"key":`
    @inlinable @inline(__always)
    public mutating func key(_ key: StaticString) {
        let length = key.utf8CodeUnitCount
        position[0] = UInt8(ascii: ",")
        position[1] = UInt8(ascii: "\"")
        UnsafeMutableRawPointer(position + 2).copyMemory(from: key.utf8Start, byteCount: length)
        position[2 + length] = UInt8(ascii: "\"")
        position[3 + length] = UInt8(ascii: ":")
        position += length + 4
    }

    /// Decimal digits of `value`, two at a time from the right. No lookup
    /// table: a global array costs a lazy-initialisation check per access.
    @inlinable @inline(__always)
    public mutating func unsigned(_ value: UInt64) {
        // Most numbers in records (ports, lengths, flags) are below 10,000.
        if value < 100 {
            if value < 10 {
                position[0] = 48 &+ UInt8(truncatingIfNeeded: value)
                position += 1
            } else {
                pair(UInt8(truncatingIfNeeded: value))
            }
            return
        }
        if value < 10_000 {
            let high = UInt8(truncatingIfNeeded: value / 100)
            let low = UInt8(truncatingIfNeeded: value % 100)
            if high < 10 {
                position[0] = 48 &+ high
                position += 1
            } else {
                pair(high)
            }
            pair(low)
            return
        }
        let digits = decimalDigitCount(value)
        var remaining = value
        var index = digits
        while remaining >= 100 {
            let pair = UInt8(truncatingIfNeeded: remaining % 100)
            remaining /= 100
            index -= 2
            position[index] = 48 &+ pair / 10
            position[index + 1] = 48 &+ pair % 10
        }
        if remaining >= 10 {
            let pair = UInt8(truncatingIfNeeded: remaining)
            position[0] = 48 &+ pair / 10
            position[1] = 48 &+ pair % 10
        } else {
            position[0] = 48 &+ UInt8(truncatingIfNeeded: remaining)
        }
        position += digits
    }

    /// `,"key":"address"` (key length + 52 bytes of room).
    public mutating func field(_ key: StaticString, address: IPAddress) {
        self.key(key)
        byte(UInt8(ascii: "\""))
        self.address(address)
        byte(UInt8(ascii: "\""))
    }

    /// Most bytes `number` writes.
    public static let numberRoom = 32

    /// A double in the shortest form that reads back to the same value
    /// (whole ones below 10^15 as integers); JSON has no NaN or infinity,
    /// so those are written as `null`.
    @inlinable
    public mutating func number(_ value: Double) {
        guard value.isFinite else { return text("null") }
        // Whole: through an integer and back (`rounded()` is a libm call).
        if abs(value) < 1e15, Double(Int64(value)) == value { return integer(Int(value)) }
        if shortDecimal(value) { return }
        // The same text as `description` (at most 24 bytes), handed over
        // as bytes: no String made per number.
        var text = ASCIIText(position: position)
        value.write(to: &text)
        position = text.position
    }

    /// Writes a value that is not whole and is a decimal of at most six
    /// places, of magnitude between 0.001 and 10^9 (shares like 0.5 or
    /// 0.578125, means like 1279.5), as `description` would; false,
    /// writing nothing, for any other. Doubles below 10^9 lie less than
    /// 10^-6 apart, so such a decimal is the only one of at most six
    /// places that reads back as the value: the shortest, found for a
    /// fraction of what the general shortest search costs.
    @inlinable @inline(__always)
    mutating func shortDecimal(_ value: Double) -> Bool {
        let magnitude = abs(value)
        guard magnitude >= 0.001, magnitude < 1e9 else { return false }
        // Any millionths that read back as the value will do, however
        // found: adding a half is rounding enough.
        let millionths = UInt64(magnitude * 1e6 + 0.5)
        guard Double(millionths) / 1e6 == magnitude else { return false }
        var fraction = millionths % 1_000_000
        guard fraction != 0 else { return false }
        var places = 6
        while fraction % 10 == 0 {
            fraction /= 10
            places -= 1
        }
        if value < 0 { byte(UInt8(ascii: "-")) }
        unsigned(millionths / 1_000_000)
        byte(UInt8(ascii: "."))
        padded(fraction, digits: places)
        return true
    }

    /// Where `Double.write(to:)` puts its text: the standard library passes
    /// numbers' ASCII to `_writeASCII`, copied here as it is.
    @usableFromInline
    struct ASCIIText: TextOutputStream {
        @usableFromInline var position: UnsafeMutablePointer<UInt8>

        @inlinable init(position: UnsafeMutablePointer<UInt8>) { self.position = position }

        @inlinable mutating func write(_ string: String) {
            for byte in string.utf8 {
                position.pointee = byte
                position += 1
            }
        }

        @inlinable mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
            guard let base = buffer.baseAddress else { return }
            position.update(from: base, count: buffer.count)
            position += buffer.count
        }
    }

    /// Two digits, 00 to 99.
    @inlinable @inline(__always)
    mutating func pair(_ value: UInt8) {
        position[0] = 48 &+ value / 10
        position[1] = 48 &+ value % 10
        position += 2
    }

    @inlinable @inline(__always)
    public mutating func integer(_ value: Int) {
        if value < 0 {
            byte(UInt8(ascii: "-"))
            unsigned(UInt64(bitPattern: Int64(value)).magnitudeOfNegative)
        } else {
            unsigned(UInt64(value))
        }
    }

    /// Exactly `digits` decimal digits of `value`, zero-padded on the left.
    @inlinable @inline(__always)
    public mutating func padded(_ value: UInt64, digits: Int) {
        var remaining = value
        var index = digits
        while index >= 2 {
            index -= 2
            let pair = UInt8(truncatingIfNeeded: remaining % 100)
            remaining /= 100
            position[index] = 48 &+ pair / 10
            position[index + 1] = 48 &+ pair % 10
        }
        if index == 1 { position[0] = 48 &+ UInt8(truncatingIfNeeded: remaining % 10) }
        position += digits
    }

    /// Epoch seconds with exactly `fractionDigits` decimals (at most 9).
    @inlinable @inline(__always)
    public mutating func timestamp(_ timestamp: Timestamp, fractionDigits: Int) {
        // The magnitude as UInt64: negating Int64.min would trap.
        var magnitude = UInt64(bitPattern: timestamp.nanoseconds)
        if timestamp.nanoseconds < 0 {
            byte(UInt8(ascii: "-"))
            magnitude = magnitude.magnitudeOfNegative
        }
        unsigned(magnitude / 1_000_000_000)
        fraction(of: magnitude, digits: fractionDigits)
    }

    /// `value / 10^scale` exactly, with as many decimals as it needs (none
    /// for a whole number): nanoseconds as microseconds with `scale` 3.
    @inlinable
    public mutating func scaledDecimal(_ value: Int64, scale: Int) {
        var magnitude = UInt64(bitPattern: value)
        if value < 0 {
            byte(UInt8(ascii: "-"))
            magnitude = magnitude.magnitudeOfNegative
        }
        let divisor = powerOfTen(scale)
        unsigned(magnitude / divisor)
        var fraction = magnitude % divisor
        guard fraction != 0 else { return }
        var digits = scale
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        byte(UInt8(ascii: "."))
        padded(fraction, digits: digits)
    }

    /// `scaledDecimal` as a String, for messages and help text.
    public static func scaledDecimalText(_ value: Int64, scale: Int) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { buffer in
            var cursor = OutputCursor(position: buffer.baseAddress!)
            cursor.scaledDecimal(value, scale: scale)
            return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress!, count: cursor.position - buffer.baseAddress!),
                          as: UTF8.self)
        }
    }

    /// `.` and the first `digits` (at most 9) decimals of the nanoseconds of
    /// `nanoseconds`; nothing for 0 digits.
    @inlinable @inline(__always)
    mutating func fraction(of nanoseconds: UInt64, digits fractionDigits: Int) {
        guard fractionDigits > 0 else { return }
        byte(UInt8(ascii: "."))
        let digits = min(fractionDigits, 9)
        padded((nanoseconds % 1_000_000_000) / powerOfTen(9 - digits), digits: digits)
    }

    /// Like `timestamp(_:fractionDigits:)`, but reuses the text of the
    /// whole seconds from `cache` while they stay the same, as they do for
    /// thousands of consecutive records.
    @inlinable @inline(__always)
    public mutating func timestamp(_ timestamp: Timestamp, fractionDigits: Int, cache: inout SecondsText) {
        guard timestamp.nanoseconds >= 0 else {
            return self.timestamp(timestamp, fractionDigits: fractionDigits)
        }
        let nanoseconds = UInt64(timestamp.nanoseconds)
        let seconds = nanoseconds / 1_000_000_000
        if seconds == cache.seconds {
            var text = cache.text
            withUnsafeBytes(of: &text) { cached in
                UnsafeMutableRawPointer(position).copyMemory(from: cached.baseAddress!, byteCount: 24)
            }
            position += cache.length
        } else {
            let start = position
            unsigned(seconds)
            let length = position - start
            var text: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &text) { $0.baseAddress!.copyMemory(from: start, byteCount: length) }
            cache = SecondsText(seconds: seconds, text: text, length: length)
        }
        fraction(of: nanoseconds, digits: fractionDigits)
    }

    /// The address as a JSON string.
    @inlinable @inline(__always)
    public mutating func quotedAddress(_ address: IPAddress) {
        byte(UInt8(ascii: "\""))
        self.address(address)
        byte(UInt8(ascii: "\""))
    }

    @inlinable @inline(__always)
    public mutating func dottedQuad(_ value: UInt32) {
        octet(UInt8(truncatingIfNeeded: value >> 24))
        byte(UInt8(ascii: "."))
        octet(UInt8(truncatingIfNeeded: value >> 16))
        byte(UInt8(ascii: "."))
        octet(UInt8(truncatingIfNeeded: value >> 8))
        byte(UInt8(ascii: "."))
        octet(UInt8(truncatingIfNeeded: value))
    }

    @inlinable @inline(__always)
    mutating func octet(_ value: UInt8) {
        if value >= 100 {
            position[0] = 48 &+ value / 100
            position += 1
            pair(value % 100)
        } else if value >= 10 {
            pair(value)
        } else {
            position[0] = 48 &+ value
            position += 1
        }
    }

    /// Dotted quad for IPv4; RFC 5952 canonical text for IPv6 (lower case,
    /// no leading zeros, the longest run of two or more zero groups as `::`,
    /// the first such run on a tie, IPv4-mapped addresses with a dotted
    /// tail), the form tshark and inet_ntop print. At most 45 bytes.
    @inlinable
    public mutating func address(_ address: IPAddress) {
        if address.version == 4 {
            dottedQuad(address.ipv4)
            return
        }
        if address.isIPv4Mapped {
            text("::ffff:")
            dottedQuad(UInt32(truncatingIfNeeded: address.low))
            return
        }
        var bestStart = -1, bestLength = 0, runStart = -1
        for index in 0..<8 {
            if address.group(index) == 0 {
                if runStart < 0 { runStart = index }
                let length = index - runStart + 1
                if length > bestLength { bestStart = runStart; bestLength = length }
            } else {
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var index = 0
        while index < 8 {
            if index == bestStart {
                byte(UInt8(ascii: ":"))
                if index == 0 { byte(UInt8(ascii: ":")) }
                index += bestLength
                continue
            }
            hexGroup(address.group(index))
            if index < 7 { byte(UInt8(ascii: ":")) }
            index += 1
        }
    }

    /// A 16-bit group in lower-case hex without leading zeros.
    @inlinable @inline(__always)
    mutating func hexGroup(_ group: UInt16) {
        let digits = group == 0 ? 1 : (19 - group.leadingZeroBitCount) / 4
        var index = digits
        var remaining = group
        while index > 0 {
            index -= 1
            position[index] = hexDigit(UInt8(truncatingIfNeeded: remaining & 0xF))
            remaining >>= 4
        }
        position += digits
    }
}

/// The decimal text of the last whole seconds written (at most 20 digits),
/// kept by whoever writes many timestamps in a row.
public struct SecondsText {
    @usableFromInline var seconds: UInt64 = .max
    @usableFromInline var text: (UInt64, UInt64, UInt64) = (0, 0, 0)
    @usableFromInline var length = 0

    public init() {}

    @usableFromInline
    init(seconds: UInt64, text: (UInt64, UInt64, UInt64), length: Int) {
        self.seconds = seconds
        self.text = text
        self.length = length
    }
}

extension NDJSONWriter {
    /// Makes room for `bytes` bytes and lets `body` format them through a
    /// cursor; the writer's length is updated once at the end.
    @inlinable @inline(__always)
    public func withCursor(reserving bytes: Int, _ body: (inout OutputCursor) -> Void) {
        reserve(bytes)
        var cursor = OutputCursor(position: buffer + count)
        body(&cursor)
        count = cursor.position - buffer
    }

    /// `withCursor`, with the writer's text of the whole seconds last
    /// written lent beside the cursor, for
    /// `OutputCursor.timestamp(_:fractionDigits:cache:)`. Lent from here:
    /// a module that took `&secondsText` itself paid a runtime exclusivity
    /// check for every record, `@exclusivity(unchecked)` notwithstanding
    /// (sniff's writing thread, about 3 % of it).
    public func withCursor(reserving bytes: Int, _ body: (inout OutputCursor, inout SecondsText) -> Void) {
        withCursor(reserving: bytes) { body(&$0, &secondsText) }
    }
}
