/// A line that is not a JSON object, with the 1-based byte column where the
/// grammar broke and what was expected there.
///
/// The reason is a static string, so throwing one allocates nothing: a
/// stream of broken lines costs no more than a stream of good ones.
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based byte column; one past the last byte when the line ended early.
    public var column: Int
    @usableFromInline let reason: StaticString

    @inlinable
    init(column: Int, _ reason: StaticString) {
        self.column = column
        self.reason = reason
    }

    /// `expected ',' or '}'`, `invalid escape`, `unterminated string`, ...
    public var message: String { reason.description }

    /// What was expected (`',' or '}'`), for the errors of that form.
    public var expected: String? {
        let text = message
        guard text.hasPrefix("expected ") else { return nil }
        return String(text.dropFirst("expected ".count))
    }

    /// `line 1832, column 17: expected ',' or '}'`, for a diagnostic.
    public func message(line: Int) -> String {
        "line \(line), column \(column): \(message)"
    }

    public var description: String { "column \(column): \(message)" }

    public static func == (a: JSONSyntaxError, b: JSONSyntaxError) -> Bool {
        a.column == b.column && a.message == b.message
    }
}
