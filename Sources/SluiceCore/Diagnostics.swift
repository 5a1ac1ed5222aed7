#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Messages for the user on stderr, as `tool: message`, and counters of bad
/// input by kind, so that nothing skipped goes unreported.
///
/// Per-record complaints are capped (a million broken lines must not bury the
/// terminal); the counters keep counting and `summary()` reports them all.
public final class Diagnostics {
    public let tool: String
    /// How many messages of one kind are printed before the rest are only counted.
    public var messagesPerKind: Int
    public private(set) var counts: [String: Int] = [:]
    /// Kinds in the order they were first seen, for a stable summary.
    public private(set) var kinds: [String] = []

    public init(tool: String, messagesPerKind: Int = 20) {
        self.tool = tool
        self.messagesPerKind = messagesPerKind
    }

    /// Prints `tool: message` on stderr.
    public func say(_ message: String) {
        writeStandardError("\(tool): \(message)\n")
    }

    /// Prints `tool: warning: message` on stderr.
    public func warn(_ message: String) {
        say("warning: \(message)")
    }

    /// Counts one occurrence of `kind` and prints `message` for the first few.
    public func report(_ kind: String, _ message: @autoclosure () -> String) {
        let seen = count(kind)
        if seen <= messagesPerKind {
            say(message())
            if seen == messagesPerKind {
                say("further '\(kind)' messages suppressed; the total is in the summary")
            }
        }
    }

    /// Counts one occurrence of `kind` without a message; returns the new count.
    @discardableResult
    public func count(_ kind: String, by amount: Int = 1) -> Int {
        if let current = counts[kind] {
            counts[kind] = current + amount
            return current + amount
        }
        counts[kind] = amount
        kinds.append(kind)
        return amount
    }

    /// Adds what `other` counted, kind by kind in its order: a tool whose
    /// second thread reports into a `Diagnostics` of its own ends with one
    /// summary, in the same order every run.
    public func add(_ other: Diagnostics) {
        for kind in other.kinds { count(kind, by: other.counts[kind]!) }
    }

    /// True when anything was counted.
    public var sawProblems: Bool { !counts.isEmpty }

    /// `kind N` pairs in first-seen order, e.g. `bad_json 3, missing_field 1`.
    public func summary() -> String {
        kinds.map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
    }
}

/// Writes text to stderr unbuffered, so messages interleave correctly with
/// other processes in a pipeline.
public func writeStandardError(_ text: String) {
    var copy = text
    copy.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
