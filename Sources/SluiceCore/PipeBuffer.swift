#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Asks Linux for a 1 MiB buffer on `fileDescriptor` if it is a pipe
/// (F_SETPIPE_SZ), and does nothing otherwise or elsewhere.
///
/// Between two busy stages the default 64 KiB fills in a fraction of a
/// millisecond, and each full or empty pipe puts one side to sleep; a larger
/// buffer lets both run on their cores at once. An unprivileged process is
/// held to /proc/sys/fs/pipe-max-size (1 MiB by default); a refusal is
/// harmless.
public func enlargePipeBuffer(_ fileDescriptor: Int32) {
#if os(Linux)
    var status = stat()
    guard fstat(fileDescriptor, &status) == 0, status.st_mode & S_IFMT == S_IFIFO else { return }
    let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ, hidden behind _GNU_SOURCE
    _ = fcntl(fileDescriptor, setPipeSize, Int32(1 << 20))
#endif
}
