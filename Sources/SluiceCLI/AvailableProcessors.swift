#if canImport(Glibc)
import Glibc

/// glibc's sched_getaffinity(2): its header declares it only under
/// _GNU_SOURCE, which Swift's Glibc module is not built with.
@_silgen_name("sched_getaffinity")
private func schedGetAffinity(_ pid: pid_t, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32
#endif

/// The processors this process may run on: its CPU affinity (taskset, a
/// container's cpuset), not every processor online; at least 1.
public func availableProcessors() -> Int {
    #if canImport(Glibc)
    var mask = [UInt64](repeating: 0, count: 16)  // 1024 processors, as cpu_set_t
    let status = mask.withUnsafeMutableBytes { schedGetAffinity(0, $0.count, $0.baseAddress!) }
    let count = mask.reduce(0) { $0 + $1.nonzeroBitCount }
    if status == 0 && count > 0 { return count }
    #endif
    return max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1)
}
