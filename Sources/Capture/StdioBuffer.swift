#if canImport(Glibc)
import Glibc
#endif

/// A stdio stream's read buffer of our own size. glibc ignores setvbuf's
/// size when it is left to allocate the buffer, and then reads a file in
/// st_blksize pieces (4 KiB: 141,000 read(2) calls for the bench's
/// 578 MB capture, against 600 with this). The buffer must outlive the
/// stream: its owner closes the stream before letting it go.
final class StdioBuffer {
    private let bytes: UnsafeMutablePointer<CChar>

    init(for file: UnsafeMutablePointer<FILE>, size: Int = 1 << 20) {
        bytes = .allocate(capacity: size)
        setvbuf(file, bytes, _IOFBF, size)
    }

    deinit { bytes.deallocate() }
}
