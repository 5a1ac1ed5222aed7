#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

nonisolated(unsafe) private var pendingStopSignal: sig_atomic_t = 0
/// Set once by `install()`, before any second thread starts.
nonisolated(unsafe) private var handlerInstalled = false

/// SIGINT and SIGTERM ask a tool to flush what it holds and stop; they do not
/// kill it. SIGPIPE is ignored so that a closed downstream (`| head`) shows up
/// as EPIPE on write, which the tool turns into a quiet exit.
///
/// An ignored SIGINT stays ignored, as Unix filters have always done
/// (`if (signal(SIGINT, SIG_IGN) != SIG_IGN) ...`): a pipeline script runs
/// the stages after the capture with SIGINT ignored, so that ^C stops the
/// capture alone and every later stage drains its input and flushes.
///
/// The handler only sets a flag. It is installed without SA_RESTART, so a
/// blocking `read` or `poll` returns EINTR and the loop around it can look at
/// `StopSignal.isPending`.
public enum StopSignal {
    public static func install() {
        signal(SIGPIPE, SIG_IGN)
        // A parent may have blocked them (test runners do); a tool that
        // cannot hear SIGTERM cannot flush on it.
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &mask, nil)
        for number in [SIGINT, SIGTERM] {
            var current = sigaction()
            sigaction(number, nil, &current)
            #if canImport(Glibc)
            let ignored = unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 1
            #else
            let ignored = unsafeBitCast(current.__sigaction_u.__sa_handler, to: Int.self) == 1
            #endif
            if number == SIGINT && ignored { continue }
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { received in pendingStopSignal = sig_atomic_t(received) }
            #else
            action.__sigaction_u.__sa_handler = { received in pendingStopSignal = sig_atomic_t(received) }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(number, &action, nil)
        }
        handlerInstalled = true
    }

    /// True once SIGINT or SIGTERM has arrived.
    public static var isPending: Bool { pendingStopSignal != 0 }

    /// Stops the input loops as a signal would: a tool that cannot go on
    /// (its database is gone for good) stops reading.
    public static func request() { pendingStopSignal = SIGTERM }

    /// `request()` from a second thread, waking `thread` (the one reading
    /// input) from a blocking read with SIGTERM, whose handler only sets
    /// the flag: a tool whose output failed must not wait on a quiet input
    /// to notice. Without the handler installed it only sets the flag.
    public static func request(interrupting thread: pthread_t) {
        request()
        if handlerInstalled { pthread_kill(thread, SIGTERM) }
    }
}
