#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The JSON type of a field's value.
public enum JSONValueKind: UInt8, Sendable {
    case string, number, bool, null, object, array
}

/// One field of the parsed line: offsets into the line's bytes, plus what
/// the scan learned for free on the way (escapes, an integer's value).
@usableFromInline
struct ParsedField {
    /// The key's text between its quotes.
    @usableFromInline var keyStart: Int32
    @usableFromInline var keyEnd: Int32
    /// The value's exact JSON text (a string with its quotes).
    @usableFromInline var valueStart: Int32
    @usableFromInline var valueEnd: Int32
    @usableFromInline var kind: JSONValueKind
    @usableFromInline var flags: UInt8
    /// Where `stringBytes` decoded an escaped string value to, in scratch (-1: not yet).
    @usableFromInline var decodedStart: Int32
    @usableFromInline var decodedCount: Int32
    /// The value of a number flagged `exactInteger`.
    @usableFromInline var integer: Int64

    @usableFromInline static let keyEscaped: UInt8 = 1
    @usableFromInline static let valueEscaped: UInt8 = 2
    /// A number without fraction or exponent and of at most 18 digits, whose
    /// value is in `integer`.
    @usableFromInline static let exactInteger: UInt8 = 4
}

/// Parses one NDJSON line, a JSON object, into a reusable flat table of
/// fields over the line's bytes. Nothing is copied or allocated per line:
/// fields are offsets, registered keys are matched to their slots during
/// the scan, and integers are converted on the way.
///
///     let parser = JSONLineParser(keys: FieldKeys(["ts", "len"]))
///     try parser.parse(line)
///     let ts = try parser.requireTimestamp(0)
///
/// The grammar is RFC 8259, strictly, for everything a foreign script may
/// send; nested objects and arrays are checked and kept as raw text.
///
/// Decisions worth knowing:
/// - An empty or all-whitespace line is an error (`expected '{'`); callers
///   that want to skip such lines silently, as jq does, test
///   `JSONLineParser.isBlank(line)` first.
/// - A key given twice: both fields are kept in order (`fieldCount`,
///   `key(at:)`), and slot lookup sees the last one, as most JSON readers do.
/// - Bytes inside strings are not checked to be UTF-8; `string(_:)` repairs
///   invalid sequences to U+FFFD, `stringBytes(_:)` hands them on as they are.
/// - Nesting deeper than `maxDepth` (the record itself counts as one level)
///   is an error, not a stack overflow: nested values are scanned with an
///   explicit stack.
/// - After a syntax error the parser holds no fields.
public final class JSONLineParser {
    public let keys: FieldKeys
    /// `keys.count`, kept here so the slot check in every typed read is a
    /// field load rather than a call into FieldKeys.
    @usableFromInline let slotCount: Int
    /// Deepest nesting accepted, the record object included.
    public static let maxDepth = 512

    // Unchecked exclusivity on the mutable state below: Swift otherwise
    // guards every access to a class's stored `var` with a runtime call
    // (swift_beginAccess), which cost more than the parsing itself. A parser
    // is used by one thread and no method hands these properties out inout,
    // so accesses cannot overlap.
    @usableFromInline let table: KeySlotTable
    /// Field index per slot for the current line, -1 when absent.
    @usableFromInline let slotFields: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) @usableFromInline var fields: UnsafeMutablePointer<ParsedField>
    @exclusivity(unchecked) @usableFromInline var fieldCapacity = 16
    /// Per field position, the hash bucket its key matched on the last line.
    @exclusivity(unchecked) private var bucketHints: UnsafeMutablePointer<Int32>
    /// Fields of the current line.
    @exclusivity(unchecked) public private(set) var fieldCount = 0
    /// The current line.
    @exclusivity(unchecked) @usableFromInline var base: UnsafePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var lineCount = 0
    /// Decoded escaped string values, valid until the next parse.
    @exclusivity(unchecked) @usableFromInline var scratch: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var scratchCapacity = 256
    @exclusivity(unchecked) @usableFromInline var scratchUsed = 0
    /// Decoded escaped keys, only for the length of one lookup.
    @exclusivity(unchecked) private var keyScratch: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var keyScratchCapacity = 256
    /// Open containers while scanning a nested value: 1 object, 0 array.
    private let nesting: UnsafeMutablePointer<UInt8>

    public init(keys: FieldKeys) {
        self.keys = keys
        slotCount = keys.count
        table = KeySlotTable(keys)
        slotFields = .allocate(capacity: max(keys.count, 1))
        slotFields.initialize(repeating: -1, count: max(keys.count, 1))
        fields = .allocate(capacity: fieldCapacity)
        bucketHints = .allocate(capacity: fieldCapacity)
        bucketHints.initialize(repeating: -1, count: fieldCapacity)
        scratch = .allocate(capacity: scratchCapacity)
        base = UnsafePointer(scratch)
        keyScratch = .allocate(capacity: keyScratchCapacity)
        nesting = .allocate(capacity: Self.maxDepth)
    }

    deinit {
        slotFields.deallocate()
        fields.deallocate()
        bucketHints.deallocate()
        scratch.deallocate()
        keyScratch.deallocate()
        nesting.deallocate()
    }

    /// True for an empty line or one of only spaces, tabs, CRs and LFs.
    public static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in line where !isWhitespace(byte) { return false }
        return true
    }

    // MARK: Parsing

    /// Parses `line` as one JSON object, replacing the previous line's
    /// fields. The line's bytes must stay valid and unchanged while its
    /// fields are read.
    public func parse(_ line: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) {
        precondition(line.count < Int(Int32.max), "JSONLineParser: line longer than 2 GiB")
        for slot in 0..<table.count { slotFields[slot] = -1 }
        fieldCount = 0
        scratchUsed = 0
        guard let start = line.baseAddress else {
            base = UnsafePointer(scratch)
            lineCount = 0
            throw JSONSyntaxError(column: 1, "expected '{'")
        }
        base = start
        lineCount = line.count
        do {
            fieldCount = try parseObject(start, line.count)
        } catch {
            for slot in 0..<table.count { slotFields[slot] = -1 }
            throw error
        }
    }

    /// The top-level object; returns the number of fields.
    @inline(__always)
    private func parseObject(_ p: UnsafePointer<UInt8>, _ n: Int) throws(JSONSyntaxError) -> Int {
        var i = skipWhitespace(p, 0, n)
        guard i < n, p[i] == UInt8(ascii: "{") else { throw JSONSyntaxError(column: i + 1, "expected '{'") }
        i = skipWhitespace(p, i + 1, n)
        var count = 0
        if i < n && p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            var fields = self.fields
            var hints = bucketHints
            var capacity = fieldCapacity
            let table = self.table
            let slotFields = self.slotFields
            while true {
                guard i < n, p[i] == UInt8(ascii: "\"") else {
                    if count == 0 { throw JSONSyntaxError(column: i + 1, "expected string key or '}'") }
                    throw JSONSyntaxError(column: i + 1, "expected string key")
                }
                let keyStart = i + 1
                let (keyEnd, keyEscaped) = try scanString(p, keyStart, n)
                i = skipWhitespace(p, keyEnd + 1, n)
                guard i < n, p[i] == UInt8(ascii: ":") else { throw JSONSyntaxError(column: i + 1, "expected ':'") }
                i = skipWhitespace(p, i + 1, n)
                guard i < n else { throw JSONSyntaxError(column: i + 1, "expected value") }

                let valueStart = i
                var kind = JSONValueKind.string
                var flags: UInt8 = keyEscaped ? ParsedField.keyEscaped : 0
                var integer: Int64 = 0
                let first = p[i]
                if first == UInt8(ascii: "\"") {
                    let (end, escaped) = try scanString(p, i + 1, n)
                    i = end + 1
                    if escaped { flags |= ParsedField.valueEscaped }
                } else if first &- 48 < 10 || first == UInt8(ascii: "-") {
                    kind = .number
                    let (end, value, exact) = try scanNumber(p, i, n)
                    i = end
                    integer = value
                    if exact { flags |= ParsedField.exactInteger }
                } else {
                    (i, kind) = try scanOtherValue(p, i, n)
                }

                if count == capacity {
                    fields = growFields()
                    hints = bucketHints
                    capacity = fieldCapacity
                }
                fields[count] = ParsedField(
                    keyStart: Int32(truncatingIfNeeded: keyStart), keyEnd: Int32(truncatingIfNeeded: keyEnd),
                    valueStart: Int32(truncatingIfNeeded: valueStart), valueEnd: Int32(truncatingIfNeeded: i),
                    kind: kind, flags: flags, decodedStart: -1, decodedCount: 0, integer: integer)
                let slot = keyEscaped
                    ? slotOfEscapedKey(p + keyStart, keyEnd - keyStart)
                    : table.slot(of: p + keyStart, count: keyEnd - keyStart, hint: &hints[count])
                if slot >= 0 { slotFields[slot] = Int32(truncatingIfNeeded: count) }
                count += 1

                i = skipWhitespace(p, i, n)
                guard i < n else { throw JSONSyntaxError(column: i + 1, "expected ',' or '}'") }
                if p[i] == UInt8(ascii: ",") {
                    i = skipWhitespace(p, i + 1, n)
                    continue
                }
                guard p[i] == UInt8(ascii: "}") else { throw JSONSyntaxError(column: i + 1, "expected ',' or '}'") }
                i += 1
                break
            }
        }
        i = skipWhitespace(p, i, n)
        guard i == n else { throw JSONSyntaxError(column: i + 1, "expected end of line") }
        return count
    }

    private func growFields() -> UnsafeMutablePointer<ParsedField> {
        let newCapacity = fieldCapacity * 2
        let newFields = UnsafeMutablePointer<ParsedField>.allocate(capacity: newCapacity)
        newFields.moveInitialize(from: fields, count: fieldCapacity)
        fields.deallocate()
        fields = newFields
        let newHints = UnsafeMutablePointer<Int32>.allocate(capacity: newCapacity)
        newHints.moveInitialize(from: bucketHints, count: fieldCapacity)
        (newHints + fieldCapacity).initialize(repeating: -1, count: newCapacity - fieldCapacity)
        bucketHints.deallocate()
        bucketHints = newHints
        fieldCapacity = newCapacity
        return newFields
    }

    /// The slot of a key written with escapes (rare: decode, then look up).
    private func slotOfEscapedKey(_ key: UnsafePointer<UInt8>, _ length: Int) -> Int {
        if length > keyScratchCapacity {
            keyScratch.deallocate()
            keyScratchCapacity = length
            keyScratch = .allocate(capacity: length)
        }
        let decoded = JSONStringDecoding.decode(key, count: length, into: keyScratch)
        return table.slot(of: keyScratch, count: decoded)
    }

    // MARK: Tokens

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    @inline(__always)
    private func skipWhitespace(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        var i = start
        while i < n {
            let byte = p[i]
            if byte > 0x20 || !Self.isWhitespace(byte) { break }
            i += 1
        }
        return i
    }

    /// Scans a string's content from `start` (just after the opening quote).
    /// Returns the index of the closing quote and whether any escape occurred.
    @inline(__always)
    private func scanString(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(JSONSyntaxError) -> (Int, Bool) {
        var i = start
        // Eight bytes at a time while none is a quote, a backslash or a
        // control character (SWAR: a zero byte in x ^ pattern marks a match).
        while i + 8 <= n {
            let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            let low: UInt64 = 0x0101_0101_0101_0101
            let high: UInt64 = 0x8080_8080_8080_8080
            let quote = word ^ (low &* 0x22)
            let backslash = word ^ (low &* 0x5C)
            let special = ((quote &- low) & ~quote) | ((backslash &- low) & ~backslash) | ((word &- low &* 0x20) & ~word)
            let found = special & high
            if found != 0 {
                // The lowest flagged byte is exact (borrows only disturb
                // the bytes above it): usually the closing quote.
                i += found.trailingZeroBitCount >> 3
                if p[i] == UInt8(ascii: "\"") { return (i, false) }
                break
            }
            i += 8
        }
        var escaped = false
        while i < n {
            let byte = p[i]
            if byte == UInt8(ascii: "\"") { return (i, escaped) }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                guard i + 1 < n else { break }
                switch p[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= n,
                          JSONStringDecoding.isHexDigit(p[i + 2]), JSONStringDecoding.isHexDigit(p[i + 3]),
                          JSONStringDecoding.isHexDigit(p[i + 4]), JSONStringDecoding.isHexDigit(p[i + 5])
                    else { throw JSONSyntaxError(column: i + 1, "invalid escape") }
                    i += 6
                default:
                    throw JSONSyntaxError(column: i + 1, "invalid escape")
                }
                continue
            }
            if byte < 0x20 { throw JSONSyntaxError(column: i + 1, "control character in string") }
            i += 1
        }
        // The column of the opening quote: where the unfinished string began.
        throw JSONSyntaxError(column: start, "unterminated string")
    }

    /// Scans a number at `start`. Returns its end, its value when it is a
    /// plain integer of at most 18 digits (which cannot overflow), and
    /// whether it was one.
    @inline(__always)
    private func scanNumber(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(JSONSyntaxError) -> (Int, Int64, Bool) {
        var i = start
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < n else { throw JSONSyntaxError(column: i + 1, "invalid number") }
        var value: UInt64 = 0
        let digitsStart = i
        let first = p[i]
        if first == UInt8(ascii: "0") {
            i += 1
            if i < n && p[i] &- 48 < 10 { throw JSONSyntaxError(column: i + 1, "invalid number") }
        } else if first &- 49 < 9 {
            while i < n {
                let digit = p[i] &- 48
                if digit >= 10 { break }
                value = value &* 10 &+ UInt64(digit)
                i += 1
            }
        } else {
            throw JSONSyntaxError(column: i + 1, "invalid number")
        }
        var exact = i - digitsStart <= 18
        if i < n && p[i] == UInt8(ascii: ".") {
            exact = false
            i += 1
            guard i < n && p[i] &- 48 < 10 else { throw JSONSyntaxError(column: i + 1, "invalid number") }
            while i < n && p[i] &- 48 < 10 { i += 1 }
        }
        if i < n && p[i] | 0x20 == UInt8(ascii: "e") {
            exact = false
            i += 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < n && p[i] &- 48 < 10 else { throw JSONSyntaxError(column: i + 1, "invalid number") }
            while i < n && p[i] &- 48 < 10 { i += 1 }
        }
        let magnitude = Int64(truncatingIfNeeded: value)
        return (i, negative ? 0 &- magnitude : magnitude, exact)
    }

    /// `true`, `false` and `null` at `start`.
    @inline(__always)
    private func scanLiteral(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(JSONSyntaxError) -> (Int, JSONValueKind) {
        let first = p[start]
        let (text, kind): (StaticString, JSONValueKind) =
            first == UInt8(ascii: "t") ? ("true", .bool) : first == UInt8(ascii: "f") ? ("false", .bool) : ("null", .null)
        let length = text.utf8CodeUnitCount
        guard start + length <= n, memcmp(p + start, text.utf8Start, length) == 0 else {
            throw JSONSyntaxError(column: start + 1, "invalid literal")
        }
        return (start + length, kind)
    }

    /// A value that is not a string or a number: a literal, or a nested
    /// object or array kept as raw text.
    private func scanOtherValue(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(JSONSyntaxError) -> (Int, JSONValueKind) {
        switch p[start] {
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            return try scanLiteral(p, start, n)
        case UInt8(ascii: "{"):
            return (try scanNested(p, start, n), .object)
        case UInt8(ascii: "["):
            return (try scanNested(p, start, n), .array)
        default:
            throw JSONSyntaxError(column: start + 1, "expected value")
        }
    }

    /// Checks a nested object or array at `start` and returns its end. An
    /// explicit stack of open containers instead of recursion, so depth is
    /// bounded by `maxDepth` and not by the thread's stack.
    private func scanNested(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(JSONSyntaxError) -> Int {
        enum Expect { case open, value, next }
        let stack = nesting
        var depth = 0
        var i = start
        var expect = Expect.open
        while true {
            switch expect {
            case .open:
                // p[i] is '{' or '['; the record itself is one level.
                if depth + 1 >= Self.maxDepth { throw JSONSyntaxError(column: i + 1, "nesting too deep") }
                let isObject = p[i] == UInt8(ascii: "{")
                stack[depth] = isObject ? 1 : 0
                depth += 1
                i = skipWhitespace(p, i + 1, n)
                if i < n && p[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    depth -= 1
                    if depth == 0 { return i }
                    expect = .next
                } else if isObject {
                    guard i < n, p[i] == UInt8(ascii: "\"") else {
                        throw JSONSyntaxError(column: i + 1, "expected string key or '}'")
                    }
                    i = try scanMemberKey(p, i, n)
                    expect = .value
                } else {
                    expect = .value
                }
            case .value:
                guard i < n else { throw JSONSyntaxError(column: i + 1, "expected value") }
                let first = p[i]
                if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                    expect = .open
                    continue
                }
                if first == UInt8(ascii: "\"") {
                    i = try scanString(p, i + 1, n).0 + 1
                } else if first &- 48 < 10 || first == UInt8(ascii: "-") {
                    i = try scanNumber(p, i, n).0
                } else if first == UInt8(ascii: "t") || first == UInt8(ascii: "f") || first == UInt8(ascii: "n") {
                    i = try scanLiteral(p, i, n).0
                } else {
                    throw JSONSyntaxError(column: i + 1, "expected value")
                }
                expect = .next
            case .next:
                i = skipWhitespace(p, i, n)
                let isObject = stack[depth - 1] == 1
                guard i < n else {
                    throw JSONSyntaxError(column: i + 1, isObject ? "expected ',' or '}'" : "expected ',' or ']'")
                }
                let byte = p[i]
                if byte == UInt8(ascii: ",") {
                    i = skipWhitespace(p, i + 1, n)
                    if isObject {
                        guard i < n, p[i] == UInt8(ascii: "\"") else {
                            throw JSONSyntaxError(column: i + 1, "expected string key")
                        }
                        i = try scanMemberKey(p, i, n)
                    }
                    expect = .value
                } else if byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    depth -= 1
                    if depth == 0 { return i }
                } else {
                    throw JSONSyntaxError(column: i + 1, isObject ? "expected ',' or '}'" : "expected ',' or ']'")
                }
            }
        }
    }

    /// A key at `start` (its opening quote), the colon and the whitespace
    /// after it; returns where the value begins.
    private func scanMemberKey(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(JSONSyntaxError) -> Int {
        var i = try scanString(p, start + 1, n).0
        i = skipWhitespace(p, i + 1, n)
        guard i < n, p[i] == UInt8(ascii: ":") else { throw JSONSyntaxError(column: i + 1, "expected ':'") }
        return skipWhitespace(p, i + 1, n)
    }
}
