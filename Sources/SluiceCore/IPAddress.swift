/// An IPv4 or IPv6 address held in two integers, cheap to copy, hash and
/// compare. IPv4 lives in the low 32 bits of `low`.
public struct IPAddress: Hashable, Comparable, Sendable {
    public var high: UInt64
    public var low: UInt64
    /// 4 or 6.
    public var version: UInt8

    public init(ipv4: UInt32) {
        high = 0
        low = UInt64(ipv4)
        version = 4
    }

    public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        version = 6
    }

    /// Reads 4 or 16 network-order bytes.
    public init(bytes: UnsafeRawPointer, version: UInt8) {
        if version == 4 {
            self.init(ipv4: UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self)))
        } else {
            self.init(ipv6High: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)),
                      low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    public var ipv4: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var networkBytes: [UInt8] {
        if version == 4 {
            return withUnsafeBytes(of: ipv4.bigEndian) { Array($0) }
        }
        return withUnsafeBytes(of: high.bigEndian) { Array($0) } + withUnsafeBytes(of: low.bigEndian) { Array($0) }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.version, a.high, a.low) < (b.version, b.high, b.low)
    }

    /// The 16-bit group `index` (0...7) of an IPv6 address.
    @inlinable
    public func group(_ index: Int) -> UInt16 {
        let word = index < 4 ? high : low
        return UInt16(truncatingIfNeeded: word >> UInt64((3 - index % 4) * 16))
    }

    /// True for ::ffff:a.b.c.d, which RFC 5952 writes with a dotted tail.
    public var isIPv4Mapped: Bool {
        version == 6 && high == 0 && (low >> 32) == 0xFFFF
    }
}

extension IPAddress: CustomStringConvertible {
    public var description: String {
        let writer = NDJSONWriter(bufferSize: 64)
        writer.reserve(48)
        writer.appendAddress(self)
        return String(decoding: UnsafeBufferPointer(start: writer.buffer, count: writer.count), as: UTF8.self)
    }
}

extension NDJSONWriter {
    /// `,"key":"address"`.
    @inlinable
    public func field(_ key: StaticString, address: IPAddress) {
        withCursor(reserving: key.utf8CodeUnitCount + 52) { $0.field(key, address: address) }
    }

    /// The address as text (see `OutputCursor.address`).
    @inlinable
    public func appendAddress(_ address: IPAddress) {
        withCursor(reserving: 48) { $0.address(address) }
    }
}

extension IPAddress {
    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and an
    /// optional dotted IPv4 tail). Returns nil for anything else.
    public init?(text: UnsafeBufferPointer<UInt8>) {
        // Dotted quads first: the common case, and a quick refusal at the
        // first ':' or hex letter of IPv6 text.
        if let start = text.baseAddress, let value = Self.parseIPv4(start, text.count) {
            self.init(ipv4: value)
        } else {
            guard text.contains(UInt8(ascii: ":")), let parsed = Self.parseIPv6(text) else { return nil }
            self = parsed
        }
    }

    public init?(_ text: String) {
        var copy = text
        guard let parsed = copy.withUTF8({ IPAddress(text: $0) }) else { return nil }
        self = parsed
    }

    /// A dotted quad without leading zeros, or nil.
    @inline(__always)
    static func parseIPv4(_ text: UnsafePointer<UInt8>, _ count: Int) -> UInt32? {
        var value: UInt32 = 0
        var octets = 0
        var current: UInt32 = 0
        var digits = 0
        for index in 0..<count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | current
                octets += 1
                current = 0
                digits = 0
            } else if byte &- 48 < 10 {
                // No leading zeros: "010" is ambiguous (octal to inet_aton).
                if digits > 0 && current == 0 { return nil }
                current = current * 10 + UInt32(byte &- 48)
                digits += 1
                guard current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return value << 8 | current
    }

    static func parseIPv6(_ text: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        // A vector, not an array: no allocation per address.
        var groups = SIMD8<UInt16>()
        var count = 0
        var gapAt = -1
        var index = 0
        let end = text.count
        if end >= 2, text[0] == UInt8(ascii: ":"), text[1] == UInt8(ascii: ":") {
            gapAt = 0
            index = 2
            if index == end { return IPAddress(ipv6High: 0, low: 0) }
        } else if end > 0, text[0] == UInt8(ascii: ":") {
            return nil
        }
        while index < end {
            // A dotted IPv4 tail takes the last two groups.
            var probe = index
            var sawDot = false
            while probe < end, text[probe] != UInt8(ascii: ":") {
                if text[probe] == UInt8(ascii: ".") { sawDot = true }
                probe += 1
            }
            if sawDot {
                guard probe == end, count <= 6,
                      let v4 = parseIPv4(text.baseAddress! + index, end - index) else { return nil }
                groups[count] = UInt16(v4 >> 16)
                groups[count + 1] = UInt16(v4 & 0xFFFF)
                count += 2
                index = end
                break
            }
            var value: UInt32 = 0
            var digits = 0
            while index < end, let nibble = hexValue(text[index]) {
                value = value << 4 | UInt32(nibble)
                digits += 1
                index += 1
            }
            guard digits >= 1, digits <= 4, count < 8 else { return nil }
            groups[count] = UInt16(value)
            count += 1
            if index == end { break }
            guard text[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < end, text[index] == UInt8(ascii: ":") {
                guard gapAt < 0 else { return nil }
                gapAt = count
                index += 1
                if index == end { break }
            } else if index == end {
                return nil
            }
        }
        if gapAt >= 0 {
            guard count < 8 else { return nil }
            let tailCount = count - gapAt
            var expanded = SIMD8<UInt16>()
            for position in 0..<gapAt { expanded[position] = groups[position] }
            for offset in 0..<tailCount { expanded[8 - tailCount + offset] = groups[gapAt + offset] }
            groups = expanded
        } else if count != 8 {
            return nil
        }
        var high: UInt64 = 0, low: UInt64 = 0
        for position in 0..<4 { high = high << 16 | UInt64(groups[position]) }
        for position in 4..<8 { low = low << 16 | UInt64(groups[position]) }
        return IPAddress(ipv6High: high, low: low)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - 55
        default: return nil
        }
    }
}
