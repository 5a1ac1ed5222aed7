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
    public var description: String { OutputCursor.scaledDecimalText(nanoseconds, scale: 9) }

    public var defaultValueDescription: String { description }
}
