import ArgumentParser
import SluiceCore

/// An option value in seconds (`5`, `0.25`, `1800`), read exactly to the
/// nanosecond as timestamps are, never through a binary fraction.
public struct Seconds: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public init?(argument: String) {
        guard let parsed = Timestamp(decimalText: argument), parsed.nanoseconds >= 0 else { return nil }
        nanoseconds = parsed.nanoseconds
    }

    /// Whole seconds without a fraction, else with as many decimals as needed.
    public var description: String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        guard fraction != 0 else { return "\(whole)" }
        var digits = 9
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let padded = String(repeating: "0", count: digits - String(fraction).count) + String(fraction)
        return "\(whole).\(padded)"
    }

    public var defaultValueDescription: String { description }
}
