/// Decoding of JSON string escapes into UTF-8.
///
/// The parser has already checked every escape, so decoding cannot fail:
/// it only has to turn `\n`, `\"`, `\u00e9`, surrogate pairs and so on into
/// bytes. A `\uXXXX` that is half of a surrogate pair without its other half
/// (which JSON's grammar allows but Unicode cannot encode) becomes U+FFFD.
enum JSONStringDecoding {
    /// Decodes the text between a string's quotes into `output`, which must
    /// have room for `count` bytes: decoding never makes text longer (an
    /// escape of 2, 6 or 12 bytes gives at most 1, 3 or 4). Returns the
    /// number of bytes written.
    static func decode(_ input: UnsafePointer<UInt8>, count: Int, into output: UnsafeMutablePointer<UInt8>) -> Int {
        var read = 0
        var written = 0
        while read < count {
            let byte = input[read]
            if byte != UInt8(ascii: "\\") {
                output[written] = byte
                written += 1
                read += 1
                continue
            }
            let escape = input[read + 1]
            read += 2
            switch escape {
            case UInt8(ascii: "b"): output[written] = 0x08
            case UInt8(ascii: "f"): output[written] = 0x0C
            case UInt8(ascii: "n"): output[written] = 0x0A
            case UInt8(ascii: "r"): output[written] = 0x0D
            case UInt8(ascii: "t"): output[written] = 0x09
            case UInt8(ascii: "u"):
                var scalar = hexValue(input + read)
                read += 4
                if scalar & 0xFC00 == 0xD800 {
                    // A high surrogate: a pair only if a low one follows.
                    if read + 6 <= count, input[read] == UInt8(ascii: "\\"), input[read + 1] == UInt8(ascii: "u") {
                        let low = hexValue(input + read + 2)
                        if low & 0xFC00 == 0xDC00 {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            read += 6
                        } else {
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar & 0xFC00 == 0xDC00 {
                    scalar = 0xFFFD
                }
                written += encodeUTF8(scalar, into: output + written)
                continue
            default:
                // '"', '\\' and '/' stand for themselves.
                output[written] = escape
            }
            written += 1
        }
        return written
    }

    /// The value of four hex digits (already checked to be hex).
    @inline(__always)
    static func hexValue(_ digits: UnsafePointer<UInt8>) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<4 {
            let byte = digits[index]
            let nibble = byte <= UInt8(ascii: "9") ? byte &- 48 : (byte | 0x20) &- 87
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    @inline(__always)
    static func isHexDigit(_ byte: UInt8) -> Bool {
        byte &- 48 < 10 || (byte | 0x20) &- 97 < 6
    }

    /// Writes `scalar` (not a surrogate) as 1 to 4 UTF-8 bytes.
    @inline(__always)
    static func encodeUTF8(_ scalar: UInt32, into output: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            output[0] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            output[0] = UInt8(0xC0 | scalar >> 6)
            output[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            output[0] = UInt8(0xE0 | scalar >> 12)
            output[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            output[0] = UInt8(0xF0 | scalar >> 18)
            output[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            output[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }
}
