/// The exit statuses every Sluice tool uses, as documented in each man page.
public enum ExitStatus: Int32, Sendable {
    /// Everything read was processed and written.
    case ok = 0
    /// A runtime failure: unreadable input, a write error, bad records skipped.
    case failure = 1
    /// The command line was wrong; nothing was read.
    case usage = 2
}
