#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads newline-delimited lines from a file descriptor in large chunks:
/// read(2) into one reusable buffer, memchr for '\n', no allocation per line.
///
///     let reader = LineReader(fileDescriptor: 0)
///     while let line = try reader.nextLine() { ... }
///
/// Lines longer than the buffer make it grow (doubling), up to
/// `maxLineLength`, the bound that keeps one runaway line (a binary file
/// piped in by mistake) from taking all memory. A longer line is skipped
/// whole and reported once with `InputError.lineTooLong`; the next call
/// returns the line after it, so one bad line does not end the run.
public final class LineReader {
    public let fileDescriptor: Int32
    /// Longest line accepted, in bytes, not counting the newline.
    public let maxLineLength: Int
    /// 1-based number of the line last returned (or refused as too long).
    @exclusivity(unchecked) public private(set) var lineNumber = 0
    /// Bytes read from the file descriptor so far.
    @exclusivity(unchecked) public private(set) var bytesRead = 0

    // Unchecked exclusivity, as in JSONLineParser: no runtime access
    // checks on these per line; one thread, no inout use of them.
    @exclusivity(unchecked) private var buffer: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity: Int
    /// Unconsumed bytes are buffer[start..<end]; buffer[start..<scanned] is
    /// known to hold no newline.
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var scanned = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var atEndOfInput = false
    /// Dropping the rest of a line already reported as too long.
    @exclusivity(unchecked) private var discarding = false

    public init(fileDescriptor: Int32, bufferSize: Int = 1 << 20, maxLineLength: Int = 1 << 24) {
        precondition(bufferSize > 0 && maxLineLength > 0)
        self.fileDescriptor = fileDescriptor
        self.maxLineLength = maxLineLength
        capacity = bufferSize
        buffer = .allocate(capacity: bufferSize)
        enlargePipeBuffer(fileDescriptor)
    }

    deinit { buffer.deallocate() }

    /// The next line without its '\n' (and without a '\r' before it). The
    /// bytes stay valid until the next call. nil at the end of input; a last
    /// line without '\n' is still returned, an empty one is not (the input
    /// simply ended with a newline).
    ///
    /// When a blocking read is interrupted by a signal: if a stop signal is
    /// pending (`StopSignal.isPending`), returns nil, and the caller tells
    /// that apart from the end of input by asking `StopSignal.isPending`;
    /// otherwise the read is retried.
    public func nextLine() throws(InputError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            if scanned < end, let found = memchr(buffer + scanned, 0x0A, end - scanned) {
                let newline = found.assumingMemoryBound(to: UInt8.self) - buffer
                let lineStart = start
                start = newline + 1
                scanned = start
                if discarding {
                    discarding = false
                    continue
                }
                lineNumber += 1
                let length = newline - lineStart
                if length > maxLineLength {
                    throw .lineTooLong(line: lineNumber, limit: maxLineLength)
                }
                return line(from: lineStart, length: length)
            }
            scanned = end
            let pending = end - start
            if pending > maxLineLength && !discarding {
                // The line so far is already over the limit: report it now
                // and drop the rest of it as it arrives.
                lineNumber += 1
                discarding = true
                start = 0; scanned = 0; end = 0
                throw .lineTooLong(line: lineNumber, limit: maxLineLength)
            }
            if atEndOfInput {
                guard pending > 0 && !discarding else {
                    discarding = false
                    start = end
                    return nil
                }
                lineNumber += 1
                let lineStart = start
                start = end
                return line(from: lineStart, length: pending)
            }
            if discarding {
                start = 0; scanned = 0; end = 0
            } else if start > 0 {
                if pending > 0 { memmove(buffer, buffer + start, pending) }
                start = 0; scanned = pending; end = pending
            }
            if end == capacity { grow() }
            guard try fill() else { return nil }
        }
    }

    @inline(__always)
    private func line(from lineStart: Int, length: Int) -> UnsafeBufferPointer<UInt8> {
        var length = length
        if length > 0 && buffer[lineStart + length - 1] == 0x0D { length -= 1 }
        return UnsafeBufferPointer(start: buffer + lineStart, count: length)
    }

    /// Room for a line of `maxLineLength` bytes and its newline, at most.
    private func grow() {
        let newCapacity = min(capacity * 2, maxLineLength + 2)
        precondition(newCapacity > capacity)
        let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBuffer.update(from: buffer, count: end)
        buffer.deallocate()
        buffer = newBuffer
        capacity = newCapacity
    }

    /// One read(2) into the free end of the buffer. False when a stop
    /// signal interrupted it.
    private func fill() throws(InputError) -> Bool {
        while true {
            // A stop that arrived while the caller was busy would not
            // interrupt the next read, which may wait for a long time.
            if StopSignal.isPending { return false }
            let received = read(fileDescriptor, buffer + end, capacity - end)
            if received > 0 {
                end += received
                bytesRead += received
                return true
            }
            if received == 0 {
                atEndOfInput = true
                return true
            }
            let code = errno
            switch code {
            case EINTR:
                if StopSignal.isPending {
                    // Report "no line" for now; the caller sees the pending
                    // stop. Nothing is lost: buffered bytes stay buffered.
                    return false
                }
            case EAGAIN, EWOULDBLOCK:
                // A non-blocking descriptor (inherited that way): wait for data.
                var waiter = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&waiter, 1, -1)
            default:
                throw .readFailed(errno: code)
            }
        }
    }
}
