#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why reading input failed or a line was refused.
public enum InputError: Error, Equatable, Sendable {
    /// read(2) failed with errno; the input cannot be read further.
    case readFailed(errno: Int32)
    /// Line `line` is longer than `limit` bytes. The reader has already
    /// skipped it (up to and including its newline), so the caller can report
    /// it and go on calling `nextLine()`.
    case lineTooLong(line: Int, limit: Int)

    /// For the user, after `tool: ` (the caller adds a file name if it has one).
    public var message: String {
        switch self {
        case .readFailed(let code):
            return "read error: \(String(cString: strerror(code)))"
        case .lineTooLong(let line, let limit):
            return "line \(line): longer than \(limit) bytes, skipped"
        }
    }
}
