/// Linux's per-destination limit on ICMP errors (`net.ipv4.icmp_ratelimit`,
/// 1000 ms, with the inet_peer token bucket's burst of 6): a victim answers
/// the first six probes to closed UDP ports at once, then one a second.
/// That is why UDP scans of Linux hosts are slow, and why most probes of
/// a fast UDP scan or flood go unanswered.
///
/// Tokens are nanoseconds of credit: each error costs one interval, credit
/// accrues with time and is capped at six intervals. A new peer starts
/// with full credit, as the kernel's does (its last-use time is set a
/// minute in the past).
struct ICMPRateLimit {
    static let intervalNs: Int64 = 1_000_000_000
    static let burst: Int64 = 6

    private var credit_ns = Self.burst * Self.intervalNs
    private var last_ns: Int64 = Int64.min

    /// Whether an error may be sent at `now`; spends the credit if so.
    mutating func allows(at now: Int64) -> Bool {
        if last_ns != Int64.min {
            credit_ns = min(credit_ns + (now - last_ns), Self.burst * Self.intervalNs)
        }
        last_ns = now
        guard credit_ns >= Self.intervalNs else { return false }
        credit_ns -= Self.intervalNs
        return true
    }
}
