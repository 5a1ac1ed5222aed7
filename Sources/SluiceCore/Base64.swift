/// Standard padded base64 (RFC 4648 section 4), for binary values in JSON
/// strings: sketches in window records, digests in Community IDs.
public enum Base64 {
    private static let alphabet: StaticString =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    static var alphabetBytes: UnsafePointer<UInt8> { alphabet.utf8Start }

    /// Characters of the base64 text of `count` bytes.
    public static func encodedCount(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// The base64 text of `bytes`, appended to `output`.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: encodedCount(bytes.count)))
        output.withUnsafeMutableBufferPointer { buffer in
            var cursor = OutputCursor(position: buffer.baseAddress! + start)
            cursor.base64(bytes)
        }
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        bytes.withUnsafeBytes { encode($0, into: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of padded base64 text, or nil if it is not exactly that
    /// (wrong length, a character outside the alphabet, misplaced padding).
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        // Contiguous text (every caller's) takes the concrete version: a
        // generic loop across modules pays a witness call per byte.
        if let decoded = text.withContiguousStorageIfAvailable({ decode(bytes: $0) }) { return decoded }
        return Array(text).withUnsafeBufferPointer { decode(bytes: $0) }
    }

    private static func decode(bytes text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: text.count / 4 * 3) { buffer, count in
            guard let decoded = decode(text, into: buffer) else {
                failed = true
                return
            }
            count = decoded
        }
        return failed ? nil : output
    }

    /// Decodes padded base64 `text` into `output` (room for
    /// `text.count / 4 * 3` bytes) and returns the bytes written; nil if
    /// it is not exactly base64 (as `decode`). Four characters at a time,
    /// through a table.
    public static func decode(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        guard text.count % 4 == 0, output.count >= text.count / 4 * 3 else { return nil }
        let groups = text.count / 4
        return decodingTable.withUnsafeBufferPointer { table -> Int? in
            var written = 0
            for group in 0..<groups {
                let at = group * 4
                let a = table[Int(text[at])], b = table[Int(text[at + 1])]
                let c = table[Int(text[at + 2])], d = table[Int(text[at + 3])]
                if (a | b | c | d) & 0xC0 != 0 {
                    // Padding, only at the very end and at most two: "xx==" or "xxx=".
                    guard group == groups - 1, (a | b) & 0xC0 == 0, d == padding, c == padding || c & 0xC0 == 0 else { return nil }
                    output[written] = a << 2 | b >> 4
                    guard c != padding else { return written + 1 }
                    output[written + 1] = (b & 0x0F) << 4 | c >> 2
                    return written + 2
                }
                output[written] = a << 2 | b >> 4
                output[written + 1] = (b & 0x0F) << 4 | c >> 2
                output[written + 2] = (c & 0x03) << 6 | d
                written += 3
            }
            return written
        }
    }

    /// Each byte's 6-bit value; `padding` for "=", 0x80 for bytes outside
    /// the alphabet.
    private static let decodingTable: [UInt8] = {
        var table = [UInt8](repeating: 0x80, count: 256)
        for value in 0..<64 { table[Int(alphabetBytes[value])] = UInt8(value) }
        table[Int(UInt8(ascii: "="))] = padding
        return table
    }()

    private static let padding: UInt8 = 0x40

    public static func decode(_ text: String) -> [UInt8]? { decode(Array(text.utf8)) }
}

extension OutputCursor {
    /// The base64 text of `bytes` (`Base64.encodedCount` bytes of room).
    public mutating func base64(_ bytes: UnsafeRawBufferPointer) {
        let table = Base64.alphabetBytes
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            byte(table[Int(group >> 18 & 63)])
            byte(table[Int(group >> 12 & 63)])
            byte(remaining > 1 ? table[Int(group >> 6 & 63)] : UInt8(ascii: "="))
            byte(remaining > 2 ? table[Int(group & 63)] : UInt8(ascii: "="))
            index += 3
        }
    }
}

extension NDJSONWriter {
    /// `,"key":"<base64 of bytes>"`: sketches, written straight into the buffer.
    public func field(_ key: StaticString, base64 bytes: [UInt8]) {
        withCursor(reserving: key.utf8CodeUnitCount + Base64.encodedCount(bytes.count) + 6) { cursor in
            cursor.key(key)
            cursor.byte(UInt8(ascii: "\""))
            bytes.withUnsafeBytes { cursor.base64($0) }
            cursor.byte(UInt8(ascii: "\""))
        }
    }
}
