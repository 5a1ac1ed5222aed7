/// What a TCP service's conversations look like: which port, how often it
/// is used, where its servers are, and how many bytes go each way.
///
/// Sizes are Pareto-distributed (heavy-tailed) with a cap: most responses
/// are a few kilobytes, a few are megabytes, which is what gives the
/// background a realistic mean of some fifty packets per flow while keeping
/// single sessions from dominating a run.
public struct Service: Sendable {
    public var port: UInt16
    /// Relative frequency among TCP sessions.
    public var weight: Int
    /// Share of sessions that go to an internal (10.1.x.x) server.
    public var internalShare: Double
    /// The server sends a banner before the client says anything (SSH, SMTP).
    public var serverSpeaksFirst: Bool
    /// Mean number of request/response exchanges per connection (≥ 1).
    public var meanExchanges: Double
    public var requestMinimumBytes: Double
    public var requestAlpha: Double
    public var responseMinimumBytes: Double
    public var responseAlpha: Double
    public var maximumBytes: Int
    /// Client think time between exchanges, drawn log-uniformly, in seconds.
    public var thinkSeconds: (low: Double, high: Double)

    /// The benign mix: web (mostly external), mail, SSH and MySQL (mostly
    /// internal).
    public static let benignMix: [Service] = [
        Service(port: 443, weight: 58, internalShare: 0.1, serverSpeaksFirst: false, meanExchanges: 1.6,
                requestMinimumBytes: 300, requestAlpha: 2.5, responseMinimumBytes: 14_000, responseAlpha: 1.3,
                maximumBytes: 4_000_000, thinkSeconds: (0.005, 2)),
        Service(port: 80, weight: 16, internalShare: 0.15, serverSpeaksFirst: false, meanExchanges: 1.4,
                requestMinimumBytes: 250, requestAlpha: 2.5, responseMinimumBytes: 11_000, responseAlpha: 1.3,
                maximumBytes: 4_000_000, thinkSeconds: (0.005, 2)),
        Service(port: 22, weight: 6, internalShare: 0.7, serverSpeaksFirst: true, meanExchanges: 12,
                requestMinimumBytes: 36, requestAlpha: 1.8, responseMinimumBytes: 60, responseAlpha: 1.2,
                maximumBytes: 1_000_000, thinkSeconds: (0.05, 3)),
        Service(port: 25, weight: 4, internalShare: 0.8, serverSpeaksFirst: true, meanExchanges: 4,
                requestMinimumBytes: 30, requestAlpha: 1.1, responseMinimumBytes: 30, responseAlpha: 3,
                maximumBytes: 2_000_000, thinkSeconds: (0.001, 0.05)),
        Service(port: 993, weight: 8, internalShare: 0.6, serverSpeaksFirst: false, meanExchanges: 3,
                requestMinimumBytes: 60, requestAlpha: 2, responseMinimumBytes: 2_000, responseAlpha: 1.2,
                maximumBytes: 2_000_000, thinkSeconds: (0.01, 1)),
        Service(port: 3306, weight: 8, internalShare: 1, serverSpeaksFirst: false, meanExchanges: 6,
                requestMinimumBytes: 60, requestAlpha: 2, responseMinimumBytes: 300, responseAlpha: 1.3,
                maximumBytes: 1_000_000, thinkSeconds: (0.0005, 0.2)),
    ]

    func requestBytes(_ random: inout SeededRandom) -> Int {
        min(maximumBytes, Int(random.pareto(minimum: requestMinimumBytes, alpha: requestAlpha)))
    }

    func responseBytes(_ random: inout SeededRandom) -> Int {
        min(maximumBytes, Int(random.pareto(minimum: responseMinimumBytes, alpha: responseAlpha)))
    }
}
