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

    static func double(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        bytes.count == 8 ? Double(bitPattern: bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) : nil
    }
}
