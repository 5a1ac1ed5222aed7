/// Exact conversion between `Timestamp` and the decimal epoch seconds that
/// records carry (`"ts":1700000000.123456789`).
extension Timestamp {
    /// The most whole seconds whose nanoseconds fit in Int64 (either sign).
    @inlinable public static var maxWholeSeconds: Int64 { 9_223_372_036 }

    /// Parses a JSON number of epoch seconds. Plain decimals are parsed
    /// exactly; digits beyond nanoseconds are truncated. Exponent forms
    /// (`1.7e9`), which a foreign script may write, go through `Double` and
    /// are rounded to the nearest nanosecond. Returns nil for text that is not a
    /// JSON number or lies outside Int64 nanoseconds (years 1677 to 2262).
    public init?(decimalText text: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = text.count
        guard count > 0 else { return nil }
        let negative = text[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var seconds: Int64 = 0
        var integerDigits = 0
        while index < count, text[index] &- 48 < 10 {
            let (product, overflow1) = seconds.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = product.addingReportingOverflow(Int64(text[index] &- 48))
            if overflow1 || overflow2 || sum > Self.maxWholeSeconds { return nil }
            seconds = sum
            integerDigits += 1
            index += 1
        }
        guard integerDigits > 0 else { return nil }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if index < count, text[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < count, text[index] &- 48 < 10 {
                if fractionDigits < 9 {
                    fraction = fraction * 10 + Int64(text[index] &- 48)
                    fractionDigits += 1
                }
                index += 1
            }
            if index == start { return nil }
        }
        if index < count {
            // An exponent, or trailing garbage: let Double decide.
            guard text[index] | 0x20 == UInt8(ascii: "e"),
                  let value = Double(String(decoding: text, as: UTF8.self)),
                  value.isFinite, abs(value) < 9.2e9 else { return nil }
            self.init(nanoseconds: Int64((value * 1e9).rounded()))
            return
        }
        while fractionDigits < 9 { fraction *= 10; fractionDigits += 1 }
        // Exact to the ends of Int64 (-9223372036.854775808 is the minimum).
        let magnitude = UInt64(seconds) * UInt64(Self.nanosecondsPerSecond) + UInt64(fraction)
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            self.init(nanoseconds: Int64(truncatingIfNeeded: 0 &- magnitude))
        } else {
            guard magnitude <= UInt64(Int64.max) else { return nil }
            self.init(nanoseconds: Int64(magnitude))
        }
    }

    /// Parses decimal epoch seconds from a Swift string (command-line options).
    public init?(decimalText text: String) {
        var copy = text
        guard let value = copy.withUTF8({ Timestamp(decimalText: $0) }) else { return nil }
        self = value
    }
}
