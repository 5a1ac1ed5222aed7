import SluiceCore

#if canImport(Glibc)
import Glibc
#endif

/// A capture file (or standard input) opened for reading: classic pcap goes
/// through libpcap, pcapng through `PcapngReader`. The format is told by the
/// first four bytes, read through stdio and pushed back with `ungetc`, so
/// that a pipe works as well as a file.
public final class CaptureFile {
    private enum Reader {
        case pcap(PcapFileReader)
        /// The file and its buffer: closed by `deinit`, then freed.
        case pcapng(PcapngReader, UnsafeMutablePointer<FILE>, StdioBuffer)
    }

    private let reader: Reader
    public let name: String
    /// Size of a regular file, for progress; nil for pipes.
    public let totalBytes: Int?

    /// Opens `path` ("-" is standard input) and compiles `filter` for it.
    public init(path: String, filter: String?, diagnostics: Diagnostics) throws(CaptureError) {
        name = path == "-" ? "stdin" : path
        guard let file = path == "-" ? fdopen(0, "rb") : fopen(path, "rb") else {
            throw .cannotOpen("\(path): \(String(cString: strerror(errno)))")
        }
        // stdio's default 4 KiB buffer would cost a read(2) every few dozen
        // packets, and its per-call locking an atomic operation on each of
        // the two freads libpcap makes per packet; one thread reads here.
        let buffer = StdioBuffer(for: file)
        disableStdioLocking(file)
        var status = stat()
        if fstat(fileno(file), &status) == 0, (status.st_mode & S_IFMT) == S_IFREG {
            totalBytes = Int(status.st_size)
        } else {
            totalBytes = nil
        }
        var magic: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let got = withUnsafeMutableBytes(of: &magic) { fread($0.baseAddress, 1, 4, file) }
        guard got == 4 else {
            fclose(file)
            throw got == 0 ? .damaged("\(name): empty file") : .damaged("\(name): truncated file header")
        }
        // glibc takes back bytes still in its buffer by moving the read pointer.
        for byte in [magic.3, magic.2, magic.1, magic.0] { ungetc(Int32(byte), file) }

        switch magic {
        case (0x0A, 0x0D, 0x0D, 0x0A):
            reader = .pcapng(PcapngReader(stream: ByteStream(file: file), name: name, filter: filter, diagnostics: diagnostics),
                             file, buffer)
        case (0xD4, 0xC3, 0xB2, 0xA1), (0xA1, 0xB2, 0xC3, 0xD4):
            reader = .pcap(try PcapFileReader(file: file, buffer: buffer, name: name, nanosecondFile: false, filter: filter))
        case (0x34, 0xCD, 0xB2, 0xA1), (0xA1, 0xB2, 0xCD, 0x34):
            // Alexey Kuznetzov's modified format: 8 more bytes a record header.
            reader = .pcap(try PcapFileReader(file: file, buffer: buffer, name: name, nanosecondFile: false, filter: filter,
                                              recordHeaderSize: 24))
        case (0x4D, 0x3C, 0xB2, 0xA1), (0xA1, 0xB2, 0x3C, 0x4D):
            reader = .pcap(try PcapFileReader(file: file, buffer: buffer, name: name, nanosecondFile: true, filter: filter))
        default:
            fclose(file)
            throw .damaged("\(name): not a pcap or pcapng file (magic \(hex(magic)))")
        }
    }

    deinit {
        if case .pcapng(_, let file, _) = reader { fclose(file) }
    }

    /// Delivers frames until the file ends or `deliver` returns false.
    /// SIGINT or SIGTERM ends the reading cleanly, even when the signal
    /// interrupted a read (which the readers see as a read error).
    public func run(_ deliver: (CapturedFrame) -> Bool) throws(CaptureError) {
        do {
            switch reader {
            case .pcap(let pcap): try pcap.run(deliver)
            case .pcapng(let pcapng, _, _): try pcapng.run(deliver)
            }
        } catch {
            if StopSignal.isPending { return }
            throw error
        }
    }

    /// Bytes of the file read so far, for progress.
    public var bytesConsumed: Int {
        switch reader {
        case .pcap(let pcap): return pcap.bytesConsumed
        case .pcapng(let pcapng, _, _): return pcapng.bytesConsumed
        }
    }
}

/// glibc's `__fsetlocking(file, FSETLOCKING_BYCALLER)`, which Swift's Glibc
/// module does not export (it lives in <stdio_ext.h>); looked up at run
/// time, and skipped where the C library has no such function.
private func disableStdioLocking(_ file: UnsafeMutablePointer<FILE>) {
    typealias SetLocking = @convention(c) (UnsafeMutablePointer<FILE>?, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__fsetlocking") else { return }
    let setLocking = unsafeBitCast(symbol, to: SetLocking.self)
    let byCaller: Int32 = 2  // FSETLOCKING_BYCALLER
    _ = setLocking(file, byCaller)
}

private func hex(_ magic: (UInt8, UInt8, UInt8, UInt8)) -> String {
    [magic.0, magic.1, magic.2, magic.3].map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined()
}
