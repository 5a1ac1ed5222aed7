#if canImport(Glibc)
import Glibc
#endif

/// A progress line on stderr (`sniff: 42% 1234567 packets 2.1 M/s`),
/// redrawn in place at most twice a second, and only when stderr is a
/// terminal: a log file or a pipe never gets one. SLUICE_PROGRESS_INTERVAL
/// (seconds) changes the pace, so a test on a fast machine still sees a line.
public final class ProgressMeter {
    private let tool: String
    private let unit: String
    private let totalBytes: Int?
    private let startTime: Double
    private var lastDraw: Double
    private var drawn = false
    private let interval: Double
    public let isActive: Bool

    public init(tool: String, unit: String, totalBytes: Int?, enabled: Bool = true) {
        self.tool = tool
        self.unit = unit
        self.totalBytes = totalBytes
        isActive = enabled && isatty(2) != 0
        startTime = monotonicNow()
        lastDraw = startTime
        interval = getenv("SLUICE_PROGRESS_INTERVAL").flatMap { Double(String(cString: $0)) } ?? 0.5
    }

    /// Call every few thousand records; draws when the interval has passed.
    public func update(records: Int, bytes: Int) {
        guard isActive else { return }
        let now = monotonicNow()
        guard now - lastDraw >= interval else { return }
        lastDraw = now
        var line = "\r\(tool): "
        if let totalBytes, totalBytes > 0 {
            line += "\(min(100, bytes * 100 / totalBytes))% "
        }
        let rate = Double(records) / max(now - startTime, 1e-9)
        line += "\(records) \(unit), \(formatRate(rate)) \(unit)/s\u{1B}[K"
        writeStandardError(line)
        drawn = true
    }

    /// Erases the progress line before the summary is printed.
    public func finish() {
        if drawn { writeStandardError("\r\u{1B}[K") }
        drawn = false
    }

    private func formatRate(_ rate: Double) -> String {
        if rate >= 1e6 { return "\(Double(Int(rate / 1e5)) / 10) M" }
        if rate >= 1e3 { return "\(Double(Int(rate / 1e2)) / 10) k" }
        return "\(Int(rate))"
    }
}
