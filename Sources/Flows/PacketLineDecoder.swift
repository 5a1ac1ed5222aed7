#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

import SluiceCore

/// A fast path for the packet records sniff writes: one pass over the line
/// that checks the JSON and fills `PacketFieldValues` directly, with no
/// table of parsed fields in between.
///
/// It accepts only the plain form those records take: no whitespace
/// between tokens, keys of lower-case letters, digits and `_`, and values
/// that are strings without escapes, non-negative integers of at most 18
/// digits (`ts` also with a fraction), `true` or `false`. On anything
/// else it returns false having decided nothing, and the caller reads the
/// line with the general `JSONLineParser`, which accepts all JSON and
/// words the errors. Every line it accepts is valid JSON whose fields it
/// reads as the general path would.
public final class PacketLineDecoder {
    private static let prefix: StaticString = "{\"type\":\"packet\""
    /// Whole seconds whose nanoseconds, with any fraction, fit in Int64.
    private static let maximumWholeSeconds = Int64.max / 1_000_000_000 - 1

    private struct KeyWords: Equatable {
        var length: Int
        /// The first 8 bytes and the next 8, little-endian, zero-padded.
        var head: UInt64
        var tail: UInt64
    }

    private let keyWords: [KeyWords]
    private struct Hint {
        var key: KeyWords
        var slot: Int
    }

    /// Per field position, the key found there on the last line and its
    /// slot (-1: a key flowify does not read): records of one writer repeat
    /// their layout, so one comparison usually settles the key.
    private static let hintCount = 32
    private let hints: UnsafeMutablePointer<Hint>

    public init() {
        keyWords = PacketRecordFields.keys.keys.map { key in
            var head: UInt64 = 0
            var tail: UInt64 = 0
            for (index, byte) in key.utf8.enumerated() {
                if index < 8 { head |= UInt64(byte) << (8 * index) } else { tail |= UInt64(byte) << (8 * (index - 8)) }
            }
            return KeyWords(length: key.utf8.count, head: head, tail: tail)
        }
        hints = .allocate(capacity: Self.hintCount)
        hints.initialize(repeating: Hint(key: KeyWords(length: -1, head: 0, tail: 0), slot: -1), count: Self.hintCount)
    }

    deinit { hints.deallocate() }

    /// Decodes `line` into `values` if it is a packet record of the plain
    /// form; false otherwise.
    public func decode(_ line: UnsafeBufferPointer<UInt8>, into values: PacketFieldValues) -> Bool {
        guard let p = line.baseAddress else { return false }
        let n = line.count
        let prefixLength = Self.prefix.utf8CodeUnitCount
        guard n > prefixLength + 1, memcmp(p, Self.prefix.utf8Start, prefixLength) == 0 else { return false }
        values.clear()
        values.fractionDigits = 0
        var i = prefixLength
        var position = 1
        while true {
            // Separator, then the next key or the end.
            guard i < n else { return false }
            if p[i] == UInt8(ascii: "}") { return i + 1 == n }
            guard p[i] == UInt8(ascii: ","), i + 1 < n, p[i + 1] == UInt8(ascii: "\"") else { return false }
            i += 2

            let keyStart = i
            let slot: Int
            let hintLength = matchedHintLength(p + keyStart, available: n - keyStart, position: position)
            if hintLength > 0 {
                slot = hints[position].slot
                i = keyStart + hintLength
            } else {
                var head: UInt64 = 0
                var tail: UInt64 = 0
                while true {
                    guard i < n else { return false }
                    let byte = p[i]
                    if byte == UInt8(ascii: "\"") { break }
                    guard byte &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10 || byte == UInt8(ascii: "_")
                    else { return false }
                    let offset = i - keyStart
                    if offset < 8 {
                        head |= UInt64(byte) << (8 * offset)
                    } else if offset < 16 {
                        tail |= UInt64(byte) << (8 * (offset - 8))
                    } else {
                        return false
                    }
                    i += 1
                }
                slot = self.slot(of: KeyWords(length: i - keyStart, head: head, tail: tail), at: position)
            }
            position += 1
            i += 1
            guard i + 1 < n, p[i] == UInt8(ascii: ":") else { return false }
            i += 1

            let first = p[i]
            if first &- UInt8(ascii: "0") < 10 {
                // A non-negative integer, no leading zero, at most 18 digits.
                let start = i
                var value = Int64(first &- UInt8(ascii: "0"))
                i += 1
                if first != UInt8(ascii: "0") {
                    while i < n, p[i] &- UInt8(ascii: "0") < 10 {
                        value = value &* 10 &+ Int64(p[i] &- UInt8(ascii: "0"))
                        i += 1
                    }
                    guard i - start <= 18 else { return false }
                }
                guard i < n else { return false }
                if p[i] == UInt8(ascii: ".") {
                    guard slot == PacketRecordFields.ts else { return false }
                    i += 1
                    let fractionStart = i
                    while i < n, p[i] &- UInt8(ascii: "0") < 10 { i += 1 }
                    guard i > fractionStart else { return false }
                    let digits = i - fractionStart
                    if digits <= 9 && value <= Self.maximumWholeSeconds {
                        var fraction: Int64 = 0
                        for index in fractionStart..<i { fraction = fraction &* 10 &+ Int64(p[index] &- UInt8(ascii: "0")) }
                        for _ in digits..<9 { fraction &*= 10 }
                        values.time = value &* 1_000_000_000 &+ fraction
                    } else {
                        guard let time = Timestamp(decimalText: UnsafeBufferPointer(start: p + start, count: i - start))
                        else { return false }
                        values.time = time.nanoseconds
                    }
                    values.mark(slot)
                    values.fractionDigits = min(i - fractionStart, 9)
                } else if slot == PacketRecordFields.ts {
                    guard let time = Timestamp(decimalText: UnsafeBufferPointer(start: p + start, count: i - start))
                    else { return false }
                    values.time = time.nanoseconds
                    values.mark(slot)
                    values.fractionDigits = 0
                } else if slot >= 0 {
                    guard slot != PacketRecordFields.src && slot != PacketRecordFields.dst
                            && slot != PacketRecordFields.type else { return false }
                    values.set(slot, value)
                }
                guard i < n, p[i] != UInt8(ascii: "e"), p[i] != UInt8(ascii: "E") else { return false }
            } else if first == UInt8(ascii: "\"") && (slot == PacketRecordFields.src || slot == PacketRecordFields.dst) {
                guard let (address, end) = Self.scanAddress(p, i + 1, n), let address else { return false }
                if slot == PacketRecordFields.src { values.source = address } else { values.destination = address }
                values.mark(slot)
                i = end + 1
            } else if first == UInt8(ascii: "\"") {
                // A string where a number belongs, or a second "type".
                guard slot < 0 else { return false }
                i += 1
                while true {
                    guard i < n else { return false }
                    let byte = p[i]
                    if byte == UInt8(ascii: "\"") { break }
                    guard byte >= 0x20 && byte != UInt8(ascii: "\\") else { return false }
                    i += 1
                }
                i += 1
            } else if first == UInt8(ascii: "t") || first == UInt8(ascii: "f") {
                let word: StaticString = first == UInt8(ascii: "t") ? "true" : "false"
                let length = word.utf8CodeUnitCount
                guard slot < 0, i + length <= n, memcmp(p + i, word.utf8Start, length) == 0 else { return false }
                i += length
            } else {
                return false
            }
        }
    }

    /// The length of the hint's key if the key at `key` is the one the
    /// hint holds for this position, else 0: compared a word at a time,
    /// with its closing quote, whenever 17 bytes can be read without passing
    /// the line's end.
    @inline(__always)
    private func matchedHintLength(_ key: UnsafePointer<UInt8>, available: Int, position: Int) -> Int {
        guard position < Self.hintCount, available >= 17 else { return 0 }
        let hint = hints[position].key
        let length = hint.length
        guard length > 0, key[length] == UInt8(ascii: "\"") else { return 0 }
        let head = UnsafeRawPointer(key).loadUnaligned(as: UInt64.self)
        let tail = UnsafeRawPointer(key + 8).loadUnaligned(as: UInt64.self)
        let headMask: UInt64 = length >= 8 ? .max : (1 << UInt64(8 * length)) - 1
        let tailMask: UInt64 = length >= 16 ? .max : (length <= 8 ? 0 : (1 << UInt64(8 * (length - 8))) - 1)
        return head & headMask == hint.head && tail & tailMask == hint.tail ? length : 0
    }

    /// The slot of a key at a field position, or -1.
    private func slot(of key: KeyWords, at position: Int) -> Int {
        let slot = keyWords.firstIndex(of: key) ?? -1
        if position < Self.hintCount { hints[position] = Hint(key: key, slot: slot) }
        return slot
    }

    /// An address string's text from `start` to its closing quote: a dotted
    /// quad is read on the way (the same rules as `IPAddress(text:)`: no
    /// leading zeros, octets up to 255); anything else goes to
    /// `IPAddress(text:)`. Returns the address and the quote's index.
    @inline(__always)
    private static func scanAddress(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> (IPAddress?, end: Int)? {
        var i = start
        var value: UInt32 = 0
        var current: UInt32 = 0
        var digits = 0
        var octets = 0
        var isDottedQuad = true
        while true {
            guard i < n else { return nil }
            let byte = p[i]
            if byte == UInt8(ascii: "\"") { break }
            guard byte >= 0x20 && byte != UInt8(ascii: "\\") else { return nil }
            if byte &- UInt8(ascii: "0") < 10 {
                if digits > 0 && current == 0 { isDottedQuad = false }
                current = current &* 10 &+ UInt32(byte &- UInt8(ascii: "0"))
                digits += 1
                if current > 255 { isDottedQuad = false }
            } else if byte == UInt8(ascii: ".") {
                if digits == 0 || octets == 3 { isDottedQuad = false }
                value = value << 8 | (current & 0xFF)
                octets += 1
                current = 0
                digits = 0
            } else {
                isDottedQuad = false
            }
            i += 1
        }
        if isDottedQuad && digits > 0 && octets == 3 {
            return (IPAddress(ipv4: value << 8 | current), i)
        }
        return (IPAddress(text: UnsafeBufferPointer(start: p + start, count: i - start)), i)
    }
}
