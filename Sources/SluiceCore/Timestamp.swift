/// An instant in event time: nanoseconds since the Unix epoch, UTC.
///
/// Integer nanoseconds rather than `Double` seconds, because a double has
/// only ~16 significant digits: at today's epoch (1.7e9 s) it cannot hold
/// nanoseconds exactly, and window boundaries must never wobble.
/// Int64 nanoseconds reach the year 2262.
public struct Timestamp: Hashable, Comparable, Sendable {
    public var nanoseconds: Int64

    public static let nanosecondsPerSecond: Int64 = 1_000_000_000

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        self.nanoseconds = seconds &* Self.nanosecondsPerSecond &+ nanoseconds
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Seconds as a double, for arithmetic where nanosecond exactness does not matter.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Whole seconds, rounded towards negative infinity.
    public var wholeSeconds: Int64 { floorDivide(nanoseconds, Self.nanosecondsPerSecond) }

    /// Event times the stages accept, epoch nanoseconds: years 1824 to 2116
    /// (±2^62 ns), so that no difference of two times, deadline or window
    /// end computed from them overflows. sniff writes nothing outside them
    /// (pcap times end in 2106).
    public static let supportedEventTimes: ClosedRange<Int64> = (-(1 << 62) + 1)...((1 << 62) - 1)

    /// `nanoseconds` if it is a supported event time, else the error that
    /// names the field `key`.
    public static func checkedEventTime(_ nanoseconds: Int64, key: String) throws(FieldError) -> Int64 {
        guard supportedEventTimes.contains(nanoseconds) else {
            throw .wrongType(key: key, expected: "a time between the years 1824 and 2116")
        }
        return nanoseconds
    }

    /// The current wall-clock time (only for live capture; everything else uses event time).
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: Int64(spec.tv_nsec))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Division rounding towards negative infinity, which window alignment needs
/// for instants before the epoch.
@inlinable
public func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
