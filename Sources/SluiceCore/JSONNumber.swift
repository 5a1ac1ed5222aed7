#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Conversions of JSON number text (already checked against the grammar)
/// to Int64 and Double, for the cases the parser's own fast path does not
/// cover: fractions, exponents and integers of 19 digits or more.
@usableFromInline
enum JSONNumber {
    /// The value as an Int64 if it is a whole number in range, else nil.
    ///
    /// Whole numbers written with a fraction or an exponent (`60.0`, `1e3`,
    /// `1.5e1`) are accepted: a foreign script's float formatting should not
    /// make a port number unreadable. The check is exact (decimal digits
    /// times a power of ten), never through Double, so `1.0000000000000001`
    /// is refused and `9223372036854775807.0` is accepted.
    static func exactInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        let count = text.count
        let negative = text[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        // value = mantissa * 10^(pendingZeros - fractionDigits + exponent)
        var mantissa: UInt64 = 0
        var pendingZeros = 0
        var fractionDigits = 0
        var inFraction = false
        while index < count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                inFraction = true
            } else if byte &- 48 < 10 {
                if inFraction { fractionDigits += 1 }
                let digit = UInt64(byte &- 48)
                if digit == 0 {
                    if mantissa != 0 { pendingZeros += 1 }
                } else {
                    while pendingZeros > 0 {
                        guard let shifted = timesTen(mantissa) else { return nil }
                        mantissa = shifted
                        pendingZeros -= 1
                    }
                    guard let shifted = timesTen(mantissa) else { return nil }
                    let (sum, overflow) = shifted.addingReportingOverflow(digit)
                    if overflow { return nil }
                    mantissa = sum
                }
            } else {
                break // 'e' or 'E'
            }
            index += 1
        }
        var exponent = 0
        if index < count {
            index += 1
            var exponentNegative = false
            if text[index] == UInt8(ascii: "-") { exponentNegative = true; index += 1 }
            else if text[index] == UInt8(ascii: "+") { index += 1 }
            while index < count {
                // Beyond a few hundred the answer is settled; stop growing.
                if exponent < 100_000 { exponent = exponent * 10 + Int(text[index] &- 48) }
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        if mantissa == 0 { return 0 }
        var scale = pendingZeros - fractionDigits + exponent
        if scale < 0 { return nil }
        while scale > 0 {
            guard let shifted = timesTen(mantissa) else { return nil }
            mantissa = shifted
            scale -= 1
        }
        if negative {
            if mantissa > UInt64(Int64.max) + 1 { return nil }
            return Int64(truncatingIfNeeded: 0 &- mantissa)
        }
        if mantissa > UInt64(Int64.max) { return nil }
        return Int64(mantissa)
    }

    @inline(__always)
    private static func timesTen(_ value: UInt64) -> UInt64? {
        let (product, overflow) = value.multipliedReportingOverflow(by: 10)
        return overflow ? nil : product
    }

    /// The nearest Double. Up to 19 significant digits with a small
    /// exponent go the exact fast way (Clinger: both the digits and the
    /// power of ten are exact doubles, so one multiply or divide rounds
    /// correctly); anything else goes through strtod, which rounds
    /// correctly too.
    @usableFromInline
    static func double(_ text: UnsafeBufferPointer<UInt8>) -> Double {
        var index = 0
        let count = text.count
        let negative = text[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var inFraction = false
        var fast = true
        while index < count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                inFraction = true
            } else if byte &- 48 < 10 {
                if mantissa != 0 || byte != 48 { digits += 1 }
                if digits > 19 { fast = false; break }
                mantissa = mantissa &* 10 &+ UInt64(byte &- 48)
                if inFraction { fractionDigits += 1 }
            } else {
                break
            }
            index += 1
        }
        var exponent = 0
        if fast && index < count {
            index += 1
            var exponentNegative = false
            if text[index] == UInt8(ascii: "-") { exponentNegative = true; index += 1 }
            else if text[index] == UInt8(ascii: "+") { index += 1 }
            while index < count {
                if exponent < 100_000 { exponent = exponent * 10 + Int(text[index] &- 48) }
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        let scale = exponent - fractionDigits
        if fast && mantissa <= 1 << 53 && scale >= -22 && scale <= 22 {
            var value = Double(mantissa)
            if scale < 0 { value /= exactPowersOfTen[-scale] } else { value *= exactPowersOfTen[scale] }
            return negative ? -value : value
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { copy in
            for position in 0..<count { copy[position] = CChar(bitPattern: text[position]) }
            copy[count] = 0
            return strtod(copy.baseAddress!, nil)
        }
    }

    /// 10^0 ... 10^22, all exactly representable as doubles.
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
}
