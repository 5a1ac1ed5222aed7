/// A registered field that is absent or of the wrong type.
public enum FieldError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(key: String)
    /// `expected` names the type wanted: `integer`, `number`, `string`, ...
    case wrongType(key: String, expected: String)

    /// `missing field "ts"`, `expected integer for "len"`.
    public var message: String {
        switch self {
        case .missing(let key): return "missing field \"\(key)\""
        case .wrongType(let key, let expected): return "expected \(expected) for \"\(key)\""
        }
    }

    public var description: String { message }
}
