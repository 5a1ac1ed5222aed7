#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why output stopped.
public enum OutputError: Error, Equatable, Sendable {
    /// The reader went away (EPIPE): `tool | head` is done with us. Not an error
    /// for the user; the tool ends quietly with status 0.
    case closed
    /// A real write failure (full disk, I/O error), with errno.
    case failed(errno: Int32)

    public var message: String {
        switch self {
        case .closed: return "output closed"
        case .failed(let code): return "write error: \(String(cString: strerror(code)))"
        }
    }
}

/// Writes NDJSON records into a reusable byte buffer and hands it to the
/// file descriptor in large chunks, not a system call per line.
///
/// Records are built field by field, with keys as static strings:
///
///     writer.beginRecord(type: "packet")
///     writer.field("len", 60)
///     writer.field("src", string: "10.0.0.1")
///     try writer.endRecord()
///
/// This is the hot path of every tool, so it formats numbers itself and
/// never goes through Foundation or `String` interpolation.
public final class NDJSONWriter {
    public let fileDescriptor: Int32
    /// Flush after every record (`-l`), for live pipelines.
    public let flushesEachRecord: Bool
    /// Records written so far.
    @exclusivity(unchecked) public private(set) var recordCount = 0

    // Unchecked exclusivity: Swift otherwise guards every access to a class's
    // stored `var` with a runtime call (swift_beginAccess), which cost more
    // than the formatting itself. A writer is used by one thread and no
    // method hands these properties out inout, so accesses cannot overlap.
    @exclusivity(unchecked) @usableFromInline var buffer: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var count = 0
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    private let flushThreshold: Int
    /// Text of the whole seconds last written, for `OutputCursor.timestamp(_:fractionDigits:cache:)`.
    @exclusivity(unchecked) var secondsText = SecondsText()

    public init(fileDescriptor: Int32 = 1, bufferSize: Int = 1 << 17, flushesEachRecord: Bool = false) {
        self.fileDescriptor = fileDescriptor
        self.flushesEachRecord = flushesEachRecord
        capacity = bufferSize + 4096
        flushThreshold = bufferSize
        buffer = .allocate(capacity: capacity)
        enlargePipeBuffer(fileDescriptor)
    }

    /// A writer that only collects: records pile up in memory until
    /// another writer takes them (`append(takingFrom:)`), for a part of the
    /// output formatted on another thread.
    public init(collectingCapacity: Int) {
        fileDescriptor = -1
        flushesEachRecord = false
        capacity = max(collectingCapacity, 4096)
        flushThreshold = .max
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Moves everything `other` collected to the end of this writer's
    /// output, with its record count, and empties `other`.
    /// (Much of it goes straight from `other`'s buffer to the file, not
    /// copied here first.)
    public func append(takingFrom other: NDJSONWriter) throws(OutputError) {
        recordCount += other.recordCount
        defer {
            other.count = 0
            other.recordCount = 0
        }
        if other.count < flushThreshold {
            appendBytes(UnsafeBufferPointer(start: other.buffer, count: other.count))
            if flushesEachRecord || count >= flushThreshold { try flush() }
        } else {
            try flush()
            try writeAll(fileDescriptor, other.buffer, count: other.count)
        }
    }

    // MARK: Records

    /// Starts a record: `{"type":"<type>"`.
    @inlinable
    public func beginRecord(type: StaticString) {
        reserve(type.utf8CodeUnitCount + 16)
        append("{\"type\":\"")
        append(type)
        appendByte(UInt8(ascii: "\""))
    }

    /// Ends a record with `}` and a newline, and writes the buffer out when it
    /// is full (or always, when flushing each record).
    @inlinable
    public func endRecord() throws(OutputError) {
        reserve(2)
        appendByte(UInt8(ascii: "}"))
        appendByte(UInt8(ascii: "\n"))
        try recordEnded()
    }

    /// Counts a record that is complete in the buffer (a caller that wrote
    /// the closing newline through a cursor calls it itself) and flushes
    /// when the buffer is full or every record is to be flushed.
    public func recordEnded() throws(OutputError) {
        recordCount += 1
        if flushesEachRecord || count >= flushThreshold { try flush() }
    }

    /// Appends a complete line of NDJSON (without its newline), as read from
    /// input, for records a tool passes through untouched.
    public func writeLine(_ line: UnsafeBufferPointer<UInt8>) throws(OutputError) {
        appendBytes(line)
        reserve(1)
        appendByte(UInt8(ascii: "\n"))
        try recordEnded()
    }

    /// Appends complete lines, each with its newline (records a tool held
    /// back until they were safe, and now releases).
    public func writeLines(_ lines: UnsafeBufferPointer<UInt8>) throws(OutputError) {
        appendBytes(lines)
        try recordEnded()
    }

    // MARK: Fields

    @inlinable
    public func field(_ key: StaticString, _ value: Int) {
        withCursor(reserving: key.utf8CodeUnitCount + 28) {
            $0.key(key)
            $0.integer(value)
        }
    }

    @inlinable
    public func field(_ key: StaticString, _ value: UInt64) {
        withCursor(reserving: key.utf8CodeUnitCount + 28) {
            $0.key(key)
            $0.unsigned(value)
        }
    }

    @inlinable
    public func field(_ key: StaticString, _ value: Bool) {
        beginField(key, room: 6)
        if value { append("true") } else { append("false") }
    }

    /// A double in the shortest form that reads back to the same value.
    /// JSON has no NaN or infinity; those are written as `null`.
    public func field(_ key: StaticString, _ value: Double) {
        beginField(key, room: 32)
        appendDouble(value)
    }

    /// A string value from the program's own text, written as it is: it
    /// must need no escaping (no quote, backslash or control character),
    /// which holds for the names and labels tools write.
    @inlinable
    public func field(_ key: StaticString, string value: StaticString) {
        beginField(key, room: value.utf8CodeUnitCount + 2)
        appendByte(UInt8(ascii: "\""))
        append(value)
        appendByte(UInt8(ascii: "\""))
    }

    /// A string value from bytes, escaped as JSON requires.
    public func field(_ key: StaticString, string bytes: UnsafeBufferPointer<UInt8>) {
        beginField(key, room: 2)
        appendQuoted(bytes)
    }

    public func field(_ key: StaticString, string value: String) {
        var copy = value
        copy.withUTF8 { field(key, string: $0) }
    }

    /// Epoch seconds with exactly `fractionDigits` decimals (6 for microsecond
    /// sources, 9 for nanosecond ones), so no precision is lost or invented.
    @inlinable
    public func field(_ key: StaticString, timestamp: Timestamp, fractionDigits: Int = 9) {
        withCursor(reserving: key.utf8CodeUnitCount + 36) {
            $0.key(key)
            $0.timestamp(timestamp, fractionDigits: fractionDigits)
        }
    }

    /// A field whose key and value are raw JSON text (for pass-through of
    /// fields a tool does not know): `key` is the text between the key's
    /// quotes as read (`JSONLineParser.key(at:)`, escapes and all) and
    /// `value` the value's JSON text (`rawValue(at:)`). Both are copied as
    /// they are; escaping the key again would corrupt a key like `a\"b`.
    public func rawField(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        reserve(key.count + value.count + 4)
        appendByte(UInt8(ascii: ","))
        appendByte(UInt8(ascii: "\""))
        appendBytes(key)
        appendByte(UInt8(ascii: "\""))
        appendByte(UInt8(ascii: ":"))
        appendBytes(value)
    }

    /// Writes `,"key":` and leaves room for a value of up to `room` bytes.
    @inlinable
    public func beginField(_ key: StaticString, room: Int) {
        withCursor(reserving: key.utf8CodeUnitCount + room + 4) { $0.key(key) }
    }

    // MARK: Value formatting

    @inlinable
    public func appendInteger(_ value: Int) {
        withCursor(reserving: 21) { $0.integer(value) }
    }

    public func appendDouble(_ value: Double) {
        withCursor(reserving: OutputCursor.numberRoom) { $0.number(value) }
    }

    /// Appends `"text"` with JSON escaping (`JSONQuoting`). Fast path:
    /// most text needs none.
    public func appendQuoted(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard JSONQuoting.needsNoEscape(bytes) else {
            var escaped: [UInt8] = []
            escaped.reserveCapacity(bytes.count + 8)
            JSONQuoting.appendQuoted(bytes, to: &escaped)
            escaped.withUnsafeBufferPointer { appendBytes($0) }
            return
        }
        reserve(bytes.count + 2)
        appendByte(UInt8(ascii: "\""))
        appendBytes(bytes)
        appendByte(UInt8(ascii: "\""))
    }

    // MARK: Buffer

    /// Bytes buffered: where the next byte goes. A record is whole in the
    /// buffer until `endRecord`, so a writer may note this before it and
    /// `rewind` to write the record again (`WindowRecordSize`).
    public var position: Int { count }

    /// Drops what was buffered from `position` on.
    public func rewind(to position: Int) {
        precondition((0...count).contains(position), "NDJSONWriter.rewind: \(position) is not buffered")
        count = position
    }

    @inline(__always) @inlinable
    public func reserve(_ bytes: Int) {
        if count + bytes > capacity { grow(to: count + bytes) }
    }

    @usableFromInline
    func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBuffer.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = newBuffer
        capacity = newCapacity
    }

    @inline(__always) @inlinable
    public func appendByte(_ byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    @inlinable
    public func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        if let base = bytes.baseAddress { (buffer + count).update(from: base, count: bytes.count) }
        count += bytes.count
    }

    /// Appends literal text; the caller has reserved room for it.
    @inlinable
    func append(_ text: StaticString) {
        let length = text.utf8CodeUnitCount
        (buffer + count).update(from: text.utf8Start, count: length)
        count += length
    }

    /// Hands everything buffered to the file descriptor.
    public func flush() throws(OutputError) {
        defer { count = 0 }
        try writeAll(fileDescriptor, buffer, count: count)
    }
}

/// How many decimal digits `value` has (1 for 0).
@inline(__always) @inlinable
func decimalDigitCount(_ value: UInt64) -> Int {
    var digits = 1
    var threshold: UInt64 = 10
    while value >= threshold {
        digits += 1
        if digits == 20 { break }
        threshold &*= 10
    }
    return digits
}

extension UInt64 {
    /// The magnitude of a negative Int64 given as its bit pattern (handles Int64.min).
    @inlinable var magnitudeOfNegative: UInt64 { ~self &+ 1 }
}



/// 10 to the `exponent` (0...19).
@inline(__always) @inlinable
func powerOfTen(_ exponent: Int) -> UInt64 {
    var result: UInt64 = 1
    for _ in 0..<exponent { result &*= 10 }
    return result
}

/// The lower-case hex digit for `nibble` (0...15).
@inline(__always) @inlinable
func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? 48 &+ nibble : 87 &+ nibble
}
