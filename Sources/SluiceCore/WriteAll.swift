#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes all `count` bytes to `fileDescriptor`, retrying after EINTR and
/// short writes, and waiting (not spinning) when a descriptor inherited in
/// nonblocking mode is full. EPIPE (the reader went away) becomes
/// `.closed`, any other failure `.failed(errno:)`.
public func writeAll(_ fileDescriptor: Int32, _ bytes: UnsafeRawPointer, count: Int) throws(OutputError) {
    var offset = 0
    while offset < count {
        let written = write(fileDescriptor, bytes + offset, count - offset)
        if written < 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN {
                var waitFor = pollfd(fd: fileDescriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&waitFor, 1, -1)
                continue
            }
            throw code == EPIPE ? .closed : .failed(errno: code)
        }
        offset += written
    }
}
