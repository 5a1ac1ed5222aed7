import SluiceCore

/// COPY's binary format: a header, then per row the number of fields and
/// each field as a 32-bit length (-1 for NULL) and its bytes, big-endian,
/// then a trailer. The server reads numbers without parsing text, and any
/// text, however hostile, is stored as its bytes.
public enum CopyBinary {
    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
    static let trailer: [UInt8] = [0xFF, 0xFF]
    /// timestamptz counts microseconds from 2000-01-01 00:00:00 UTC.
    static let postgresEpochSeconds: Int64 = 946_684_800

    static func beginRow(fields: Int, into data: inout [UInt8]) {
        appendBigEndian(UInt16(fields), to: &data)
    }

    public static func int8(_ value: Int64, into data: inout [UInt8]) {
        appendBigEndian(UInt32(8), to: &data)
        appendBigEndian(UInt64(bitPattern: value), to: &data)
    }

    static func int4(_ value: Int32, into data: inout [UInt8]) {
        appendBigEndian(UInt32(4), to: &data)
        appendBigEndian(UInt32(bitPattern: value), to: &data)
    }

    public static func float8(_ value: Double, into data: inout [UInt8]) {
        appendBigEndian(UInt32(8), to: &data)
        appendBigEndian(value.bitPattern, to: &data)
    }

    static func timestamp(seconds: Int64, into data: inout [UInt8]) {
        int8((seconds - postgresEpochSeconds) * 1_000_000, into: &data)
    }

    public static func text(_ bytes: UnsafeBufferPointer<UInt8>, into data: inout [UInt8]) {
        appendBigEndian(UInt32(bytes.count), to: &data)
        data.append(contentsOf: bytes)
    }

    public static func text(_ value: String, into data: inout [UInt8]) {
        var copy = value
        copy.withUTF8 { text($0, into: &data) }
    }

    public static func null(into data: inout [UInt8]) {
        appendBigEndian(UInt32.max, to: &data)
    }

    private static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to data: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) }
    }

    // MARK: Reading binary results

    static func int64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        switch bytes.count {
        case 8: Int64(bitPattern: bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        case 4: Int64(Int32(bitPattern: bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
        default: nil
        }
    }

    /// `count` fields as COPY rows hold them (a 32-bit length, -1 for
    /// NULL, then the bytes) from the start of `bytes`; nil when they do
    /// not fit.
    static func fields(_ bytes: UnsafeBufferPointer<UInt8>, count: Int) -> [UnsafeBufferPointer<UInt8>?]? {
        var fields: [UnsafeBufferPointer<UInt8>?] = []
        fields.reserveCapacity(count)
        var offset = 0
        for _ in 0..<count {
            guard offset + 4 <= bytes.count else { return nil }
            let length = Int32(bitPattern: bytes[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            offset += 4
            if length < 0 {
                fields.append(nil)
                continue
            }
            guard offset + Int(length) <= bytes.count else { return nil }
            fields.append(UnsafeBufferPointer(rebasing: bytes[offset..<(offset + Int(length))]))
            offset += Int(length)
        }
        return fields
    }

    /// A timestamptz, as whole epoch seconds (floored).
    static func timestampSeconds(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        int64(bytes).map { floorDivide($0, 1_000_000) + postgresEpochSeconds }
    }

    static func double(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        bytes.count == 8 ? Double(bitPattern: bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) : nil
    }
}
