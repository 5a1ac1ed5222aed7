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
    /// it is not exactly base64 (as `decode`).
    public static func decode(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        guard text.count % 4 == 0, output.count >= text.count / 4 * 3 else { return nil }
        var written = 0
        var group: UInt32 = 0
        var filled = 0
        var padding = 0
        for byte in text {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte + 4)
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): value = 0; padding += 1
            default: return nil
            }
            // Padding only at the very end, at most two.
            if byte != UInt8(ascii: "=") && padding > 0 { return nil }
            group = group << 6 | value
            filled += 1
            if filled == 4 {
                output[written] = UInt8(group >> 16 & 0xFF)
                output[written + 1] = UInt8(group >> 8 & 0xFF)
                output[written + 2] = UInt8(group & 0xFF)
                written += 3
                group = 0
                filled = 0
            }
        }
        guard padding <= 2 else { return nil }
        return written - padding
    }

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
