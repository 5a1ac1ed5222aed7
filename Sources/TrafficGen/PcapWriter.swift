#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceCore

/// Writes the classic pcap format ourselves rather than through libpcap:
/// only `sniff` may link libpcap, and the format is a 24-byte header plus a
/// 16-byte header per record.
///
/// Always little-endian with link type Ethernet. Records are gathered in a
/// large buffer and handed to the descriptor in chunks, not a system call
/// per packet. Write failures surface as `OutputError` from SluiceCore, so
/// the tool reports them (or ends quietly on EPIPE) like every other tool.
public final class PcapWriter {
    public let fileDescriptor: Int32
    /// Record timestamps carry nanoseconds (magic a1b23c4d) instead of
    /// microseconds (magic a1b2c3d4).
    public let nanosecondTimestamps: Bool
    /// Bytes stored per record at most; the wire length is kept in full.
    public let snapLength: Int
    /// Records written so far.
    public private(set) var recordCount = 0

    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    private let capacity: Int
    private let flushThreshold: Int

    public static let defaultBufferBytes = 1 << 20

    public init(fileDescriptor: Int32, snapLength: Int = 128, nanosecondTimestamps: Bool = false,
                bufferBytes: Int = PcapWriter.defaultBufferBytes) {
        self.fileDescriptor = fileDescriptor
        self.snapLength = snapLength
        self.nanosecondTimestamps = nanosecondTimestamps
        flushThreshold = bufferBytes
        // A record never exceeds 16 bytes of header plus the snap length
        // (itself at most 65535), so this slack makes an overflow impossible.
        capacity = bufferBytes + 16 + 65536
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Appends the 24-byte global header.
    public func writeFileHeader() throws(OutputError) {
        let header = UnsafeMutableRawPointer(buffer + count)
        header.storeBytes(of: (nanosecondTimestamps ? UInt32(0xA1B2_3C4D) : 0xA1B2_C3D4).littleEndian, as: UInt32.self)
        header.storeBytes(of: UInt16(2).littleEndian, toByteOffset: 4, as: UInt16.self)
        header.storeBytes(of: UInt16(4).littleEndian, toByteOffset: 6, as: UInt16.self)
        header.storeBytes(of: Int32(0).littleEndian, toByteOffset: 8, as: Int32.self)
        header.storeBytes(of: UInt32(0).littleEndian, toByteOffset: 12, as: UInt32.self)
        header.storeBytes(of: UInt32(snapLength).littleEndian, toByteOffset: 16, as: UInt32.self)
        header.storeBytes(of: UInt32(1).littleEndian, toByteOffset: 20, as: UInt32.self)
        count += 24
        if count >= flushThreshold { try flush() }
    }

    /// Appends the frame in `builder`, stamped `time`, cut to the snap length.
    @inline(__always)
    public func append(_ builder: PacketBuilder, at time: Timestamp) throws(OutputError) {
        let wireBytes = builder.frameBytes
        let storedBytes = min(wireBytes, snapLength)
        let nanoseconds = time.nanoseconds
        let seconds = nanoseconds / Timestamp.nanosecondsPerSecond
        let fraction = nanoseconds - seconds * Timestamp.nanosecondsPerSecond
        let record = UnsafeMutableRawPointer(buffer + count)
        record.storeBytes(of: UInt32(truncatingIfNeeded: seconds).littleEndian, as: UInt32.self)
        record.storeBytes(of: UInt32(truncatingIfNeeded: nanosecondTimestamps ? fraction : fraction / 1000).littleEndian,
                          toByteOffset: 4, as: UInt32.self)
        record.storeBytes(of: UInt32(truncatingIfNeeded: storedBytes).littleEndian, toByteOffset: 8, as: UInt32.self)
        record.storeBytes(of: UInt32(truncatingIfNeeded: wireBytes).littleEndian, toByteOffset: 12, as: UInt32.self)
        let data = buffer + count + 16
        let written = min(builder.writtenBytes, storedBytes)
        data.update(from: builder.bytes, count: written)
        if storedBytes > written { (data + written).update(repeating: PacketBuilder.fillByte, count: storedBytes - written) }
        count += 16 + storedBytes
        recordCount += 1
        if count >= flushThreshold { try flush() }
    }

    /// Hands everything buffered to the descriptor.
    public func flush() throws(OutputError) {
        defer { count = 0 }
        try writeAll(fileDescriptor, buffer, count: count)
    }
}
