import SluiceCore
import Testing

/// Timestamp(decimalText:): expected nanoseconds worked out by hand from
/// the decimal text (seconds * 10^9 + fraction digits padded to nine).
@Suite struct TimestampTextTests {
    @Test(arguments: [
        ("0", Int64(0)),
        ("1767225600", 1_767_225_600_000_000_000),
        ("1767225600.123456", 1_767_225_600_123_456_000),
        ("1767225600.123456789", 1_767_225_600_123_456_789),
        ("1767225600.1234567899", 1_767_225_600_123_456_789), // digits past nanoseconds truncated
        ("-1.5", -1_500_000_000),
        ("-0.000000001", -1),
        ("1.7e9", 1_700_000_000_000_000_000),
        ("1e-9", 1),
        ("9223372036.854775807", Int64.max),
        ("-9223372036.854775808", Int64.min),
    ])
    func parses(text: String, nanoseconds: Int64) {
        #expect(Timestamp(decimalText: text)?.nanoseconds == nanoseconds)
    }

    @Test(arguments: ["", "-", "1.", ".5", "abc", "1.5x", "1e", "9223372036.854775808", "-9223372036.854775809",
                      "99999999999", "1e10", "\"1\""])
    func refuses(text: String) {
        #expect(Timestamp(decimalText: text) == nil)
    }

    @Test func wholeSecondsRoundDown() {
        #expect(Timestamp(nanoseconds: -1).wholeSeconds == -1)
        #expect(Timestamp(nanoseconds: 1_999_999_999).wholeSeconds == 1)
        #expect(floorDivide(-10, 5) == -2)
        #expect(floorDivide(-11, 5) == -3)
    }
}
