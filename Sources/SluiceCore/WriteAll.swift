#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes all `count` bytes to `fileDescriptor`, retrying after EINTR and
/// short writes. EPIPE (the reader went away) becomes `.closed`, any other
/// failure `.failed(errno:)`.
public func writeAll(_ fileDescriptor: Int32, _ bytes: UnsafeRawPointer, count: Int) throws(OutputError) {
    var offset = 0
    while offset < count {
        let written = write(fileDescriptor, bytes + offset, count - offset)
        if written < 0 {
            let code = errno
            if code == EINTR || code == EAGAIN { continue }
            throw code == EPIPE ? .closed : .failed(errno: code)
        }
        offset += written
    }
}
