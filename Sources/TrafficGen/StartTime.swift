import SluiceCore

/// Parses `--start`: decimal epoch seconds (`1767225600.5`) as records
/// carry them, or an ISO-8601 UTC instant (`2026-01-01T00:00:00Z`, with an
/// optional fraction) as people type them. Only `Z` is accepted as the zone:
/// every Sluice time is UTC, and an offset would invite off-by-hours runs.
public func parseStartTime(_ text: String) -> Timestamp? {
    if let value = Timestamp(decimalText: text) { return value }
    let bytes = Array(text.utf8)
    func number(_ range: Range<Int>) -> Int64? {
        guard range.upperBound <= bytes.count else { return nil }
        var value: Int64 = 0
        for index in range {
            let digit = bytes[index] &- 48
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        return value
    }
    func byte(_ index: Int) -> UInt8 { index < bytes.count ? bytes[index] : 0 }
    guard bytes.count >= 20,
          let year = number(0..<4), byte(4) == UInt8(ascii: "-"),
          let month = number(5..<7), byte(7) == UInt8(ascii: "-"),
          let day = number(8..<10), byte(10) | 0x20 == UInt8(ascii: "t"),
          let hour = number(11..<13), byte(13) == UInt8(ascii: ":"),
          let minute = number(14..<16), byte(16) == UInt8(ascii: ":"),
          let second = number(17..<19),
          (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
          hour < 24, minute < 60, second < 60
    else { return nil }
    var index = 19
    var fraction: Int64 = 0
    if byte(index) == UInt8(ascii: ".") {
        index += 1
        var digits = 0
        while byte(index) &- 48 < 10 {
            if digits < 9 { fraction = fraction * 10 + Int64(byte(index) &- 48); digits += 1 }
            index += 1
        }
        guard digits > 0 else { return nil }
        while digits < 9 { fraction *= 10; digits += 1 }
    }
    guard index == bytes.count - 1, byte(index) | 0x20 == UInt8(ascii: "z") else { return nil }
    let days = daysFromCivil(year: year, month: month, day: day)
    return Timestamp(seconds: days * 86_400 + hour * 3600 + minute * 60 + second, nanoseconds: fraction)
}

private func daysInMonth(year: Int64, month: Int64) -> Int64 {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard
/// Hinnant's `days_from_civil`), exact without any calendar library.
private func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
}
