import SluiceCore
#if canImport(Glibc)
import Glibc
#endif

/// Buffered reads from a stdio stream in large chunks, with look-ahead, for
/// the capture formats Sluice parses itself (pcapng).
final class ByteStream {
    let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var start = 0
    private var end = 0
    /// Bytes consumed from the stream so far (the offset of the next byte).
    private(set) var offset: Int = 0
    private(set) var reachedEnd = false

    init(file: UnsafeMutablePointer<FILE>, bufferSize: Int = 1 << 20) {
        self.file = file
        capacity = bufferSize
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    var buffered: Int { end - start }

    /// Makes at least `count` bytes available unless the input ends first;
    /// returns how many are available.
    @discardableResult
    func fill(_ count: Int) throws(CaptureError) -> Int {
        if buffered >= count || reachedEnd { return buffered }
        if start + count > capacity {
            if count > capacity {
                var newCapacity = capacity
                while newCapacity < count { newCapacity *= 2 }
                let newBuffer = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
                newBuffer.copyMemory(from: buffer + start, byteCount: buffered)
                buffer.deallocate()
                buffer = newBuffer
                capacity = newCapacity
            } else {
                memmove(buffer, buffer + start, buffered)
            }
            end -= start
            start = 0
        }
        while buffered < count {
            // Ask for the missing bytes only: on a pipe, fread waits until it
            // has all it was asked for, and more would wait for input that
            // nobody needs yet (stdio still reads ahead into its own buffer).
            let got = fread(buffer + end, 1, count - buffered, file)
            end += got
            if ferror(file) != 0 {
                guard errno == EINTR else { throw .readFailed(String(cString: strerror(errno))) }
                // SIGINT/SIGTERM: stop reading; the caller sees the input
                // end and the stop flag.
                if StopSignal.isPending { reachedEnd = true; break }
                clearerr(file)
                continue
            }
            if got == 0 {
                reachedEnd = true
                break
            }
        }
        return buffered
    }

    /// The next `count` bytes without consuming them (fewer at the end of input).
    func peek(_ count: Int) throws(CaptureError) -> UnsafeRawBufferPointer {
        let available = try fill(count)
        return UnsafeRawBufferPointer(start: buffer + start, count: min(count, available))
    }

    /// Consumes and returns exactly `count` bytes, or nil (consuming nothing)
    /// if the input ends first. Valid until the next call.
    func take(_ count: Int) throws(CaptureError) -> UnsafeRawBufferPointer? {
        guard try fill(count) >= count else { return nil }
        let bytes = UnsafeRawBufferPointer(start: buffer + start, count: count)
        start += count
        offset += count
        return bytes
    }
}
