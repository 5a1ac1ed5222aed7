/// cascade's window lengths, finest first, each an exact multiple of the
/// one below and aligned to the epoch: `5s,30s,180s` by default.
public struct Levels: Equatable, Sendable, CustomStringConvertible {
    /// Whole seconds, ascending; `seconds[0]` is the input windows' length.
    public let seconds: [Int64]

    public init(_ seconds: [Int64]) throws(LevelError) {
        guard let first = seconds.first, first > 0 else { throw LevelError("give at least one level, such as 5s,30s,180s") }
        for (below, level) in zip(seconds, seconds.dropFirst()) {
            guard level > below, level % below == 0 else {
                throw LevelError("\(Self.label(level)) after \(Self.label(below)): each level must be a larger multiple of the one before")
            }
        }
        guard seconds.last! <= 366 * 86_400 else { throw LevelError("levels are at most a year") }
        self.seconds = seconds
    }

    /// `5s,30s,180s`, `5s,1m,15m,1h`: numbers with a unit of s, m, h or d.
    public init(parsing text: String) throws(LevelError) {
        var seconds: [Int64] = []
        for word in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = Self.seconds(of: String(word)) else {
                throw LevelError("'\(word)' is not a length such as 5s, 30s, 15m or 1h")
            }
            seconds.append(value)
        }
        try self.init(seconds)
    }

    public var fine: Int64 { seconds[0] }
    public var description: String { seconds.map(Self.label).joined(separator: ",") }

    /// `30s`, `15m`, `90s`: the largest unit that divides the length.
    public static func label(_ seconds: Int64) -> String {
        if seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 && seconds >= 600 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// `30s`, `15m`, `1h`, `7d`, or plain seconds; nil if not a positive
    /// whole number of seconds.
    public static func seconds(of text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var digits = Substring(text)
        var unit: Int64 = 1
        if let last = digits.last, let scale = units[last] {
            unit = scale
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              let value = Int64(digits), value > 0, value <= Int64.max / unit / 1_000_000_000 else { return nil }
        return value * unit
    }
}

public struct LevelError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
