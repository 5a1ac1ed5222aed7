#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading the fields of the parsed line: by index, for pass-through of
/// everything, and typed by slot, for the registered keys a tool uses.
///
/// Typed access by slot: the plain forms (`int`, `string`, ...) return nil
/// when the key is absent or its value is JSON `null` (a foreign script's
/// way of saying "none"), and throw `FieldError.wrongType` only when a value
/// is there but of another type. The `require` forms throw
/// `FieldError.missing` for absent and null alike.
extension JSONLineParser {
    // MARK: By index

    /// The raw key text between its quotes (escapes left as written).
    public func key(at index: Int) -> UnsafeBufferPointer<UInt8> {
        let field = self.field(at: index)
        return UnsafeBufferPointer(start: base + Int(field.keyStart), count: Int(field.keyEnd - field.keyStart))
    }

    /// The key as text, escapes decoded.
    public func keyString(at index: Int) -> String {
        let field = self.field(at: index)
        let raw = key(at: index)
        guard field.flags & ParsedField.keyEscaped != 0 else { return String(decoding: raw, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: max(raw.count, 1)) { output in
            JSONStringDecoding.decode(raw.baseAddress!, count: raw.count, into: output.baseAddress!)
        }
    }

    /// The value's exact JSON text: strings with their quotes, objects and
    /// arrays whole, for passing a field through untouched.
    public func rawValue(at index: Int) -> UnsafeBufferPointer<UInt8> {
        let field = self.field(at: index)
        return UnsafeBufferPointer(start: base + Int(field.valueStart), count: Int(field.valueEnd - field.valueStart))
    }

    public func kind(at index: Int) -> JSONValueKind { field(at: index).kind }

    /// The kind of the registered key `slot`'s value, or nil when absent.
    public func kind(ofSlot slot: Int) -> JSONValueKind? {
        index(ofSlot: slot).map { kind(at: $0) }
    }

    /// The field index of the registered key `slot` in this line, or nil.
    @inlinable @inline(__always)
    public func index(ofSlot slot: Int) -> Int? {
        precondition(slot >= 0 && slot < slotCount, "JSONLineParser: no such slot")
        let index = slotFields[slot]
        return index < 0 ? nil : Int(index)
    }

    /// The field index of any key (decoded text), or nil: a linear scan,
    /// for keys not registered in `FieldKeys`. The last of duplicates wins.
    public func index(ofKey key: String) -> Int? {
        var wanted = key
        return wanted.withUTF8 { wantedBytes -> Int? in
            var index = fieldCount - 1
            while index >= 0 {
                let field = fields[index]
                let raw = self.key(at: index)
                if field.flags & ParsedField.keyEscaped == 0 {
                    if raw.count == wantedBytes.count
                        && (raw.count == 0 || memcmp(raw.baseAddress!, wantedBytes.baseAddress!, raw.count) == 0) {
                        return index
                    }
                } else if keyString(at: index).utf8.elementsEqual(wantedBytes) {
                    return index
                }
                index -= 1
            }
            return nil
        }
    }

    @inlinable @inline(__always)
    func field(at index: Int) -> ParsedField {
        precondition(index >= 0 && index < fieldCount, "JSONLineParser: field index out of range")
        return fields[index]
    }

    /// The field of `slot` if present and not null.
    @inlinable @inline(__always)
    func present(_ slot: Int) -> ParsedField? {
        guard let index = index(ofSlot: slot) else { return nil }
        let field = fields[index]
        return field.kind == .null ? nil : field
    }

    @inlinable @inline(__always)
    func valueBytes(_ field: ParsedField) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + Int(field.valueStart), count: Int(field.valueEnd - field.valueStart))
    }

    // MARK: Typed, by slot

    /// An integer. Whole numbers written with a fraction or exponent
    /// (`60.0`, `1e3`) are accepted, checked exactly; anything fractional
    /// or outside Int64 is the wrong type.
    @inlinable @inline(__always)
    public func int(_ slot: Int) throws(FieldError) -> Int64? {
        guard let field = present(slot) else { return nil }
        if field.flags & ParsedField.exactInteger != 0 { return field.integer }
        return try slowInt(field, slot)
    }

    @usableFromInline
    func slowInt(_ field: ParsedField, _ slot: Int) throws(FieldError) -> Int64 {
        guard field.kind == .number, let value = JSONNumber.exactInteger(valueBytes(field)) else {
            throw .wrongType(key: keys[slot], expected: "integer")
        }
        return value
    }

    /// A number as the nearest Double.
    @inlinable @inline(__always)
    public func double(_ slot: Int) throws(FieldError) -> Double? {
        guard let field = present(slot) else { return nil }
        if field.flags & ParsedField.exactInteger != 0 { return Double(field.integer) }
        guard field.kind == .number else { throw .wrongType(key: keys[slot], expected: "number") }
        return JSONNumber.double(valueBytes(field))
    }

    /// Epoch seconds, exactly as `Timestamp(decimalText:)` reads them.
    @inlinable @inline(__always)
    public func timestamp(_ slot: Int) throws(FieldError) -> Timestamp? {
        guard let field = present(slot) else { return nil }
        // Whole seconds, as most records write them, from the integer the
        // scan made: the same nanoseconds the text gives.
        if field.flags & ParsedField.exactInteger != 0, abs(field.integer) <= Timestamp.maxWholeSeconds {
            return Timestamp(nanoseconds: field.integer * 1_000_000_000)
        }
        guard field.kind == .number else { throw .wrongType(key: keys[slot], expected: "number") }
        guard let value = Timestamp(decimalText: valueBytes(field)) else {
            throw .wrongType(key: keys[slot], expected: "epoch seconds within years 1677 to 2262")
        }
        return value
    }

    /// A string's UTF-8 bytes with escapes decoded: the line's own bytes
    /// when it had no escapes, else a decoded copy in a scratch buffer. Both
    /// stay valid until the next `parse`.
    @inlinable @inline(__always)
    public func stringBytes(_ slot: Int) throws(FieldError) -> UnsafeBufferPointer<UInt8>? {
        guard let index = index(ofSlot: slot) else { return nil }
        let field = fields[index]
        if field.kind != .string {
            if field.kind == .null { return nil }
            throw .wrongType(key: keys[slot], expected: "string")
        }
        if field.flags & ParsedField.valueEscaped == 0 {
            return UnsafeBufferPointer(start: base + Int(field.valueStart) + 1, count: Int(field.valueEnd - field.valueStart) - 2)
        }
        return decodedString(index)
    }

    /// Decodes field `index`'s escaped string into scratch, once per parse.
    @usableFromInline
    func decodedString(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        var field = fields[index]
        if field.decodedStart < 0 {
            if scratchCapacity < lineCount {
                // Only reached before anything was decoded for this line
                // (decoding one line never needs more than its length), so
                // no pointer handed out is invalidated.
                scratch.deallocate()
                scratchCapacity = lineCount
                scratch = .allocate(capacity: lineCount)
            }
            let contentStart = base + Int(field.valueStart) + 1
            let contentCount = Int(field.valueEnd - field.valueStart) - 2
            let written = JSONStringDecoding.decode(contentStart, count: contentCount, into: scratch + scratchUsed)
            field.decodedStart = Int32(truncatingIfNeeded: scratchUsed)
            field.decodedCount = Int32(truncatingIfNeeded: written)
            scratchUsed += written
            fields[index] = field
        }
        return UnsafeBufferPointer(start: scratch + Int(field.decodedStart), count: Int(field.decodedCount))
    }

    /// A string, escapes decoded: `\uXXXX` and surrogate pairs to their
    /// characters, a lone surrogate to U+FFFD.
    @inlinable
    public func string(_ slot: Int) throws(FieldError) -> String? {
        guard let bytes = try stringBytes(slot) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inlinable @inline(__always)
    public func bool(_ slot: Int) throws(FieldError) -> Bool? {
        guard let field = present(slot) else { return nil }
        guard field.kind == .bool else { throw .wrongType(key: keys[slot], expected: "true or false") }
        return base[Int(field.valueStart)] == UInt8(ascii: "t")
    }

    // MARK: Required

    @inlinable @inline(__always)
    public func requireInt(_ slot: Int) throws(FieldError) -> Int64 {
        guard let value = try int(slot) else { throw .missing(key: keys[slot]) }
        return value
    }

    @inlinable @inline(__always)
    public func requireDouble(_ slot: Int) throws(FieldError) -> Double {
        guard let value = try double(slot) else { throw .missing(key: keys[slot]) }
        return value
    }

    @inlinable @inline(__always)
    public func requireTimestamp(_ slot: Int) throws(FieldError) -> Timestamp {
        guard let value = try timestamp(slot) else { throw .missing(key: keys[slot]) }
        return value
    }

    @inlinable
    /// An event time within `Timestamp.supportedEventTimes`, nanoseconds.
    public func requireEventTime(_ slot: Int) throws(FieldError) -> Int64 {
        try Timestamp.checkedEventTime(requireTimestamp(slot).nanoseconds, key: keys[slot])
    }

    /// True when the string field `slot` is exactly `text`.
    public func string(_ slot: Int, equals text: StaticString) -> Bool {
        (try? stringBytes(slot))??.equals(text) ?? false
    }

    public func requireString(_ slot: Int) throws(FieldError) -> String {
        guard let value = try string(slot) else { throw .missing(key: keys[slot]) }
        return value
    }

    @inlinable @inline(__always)
    public func requireStringBytes(_ slot: Int) throws(FieldError) -> UnsafeBufferPointer<UInt8> {
        guard let value = try stringBytes(slot) else { throw .missing(key: keys[slot]) }
        return value
    }

    @inlinable @inline(__always)
    public func requireBool(_ slot: Int) throws(FieldError) -> Bool {
        guard let value = try bool(slot) else { throw .missing(key: keys[slot]) }
        return value
    }
}
