import SluiceCore

/// The alert stage: feature vectors in, alerts out (sluice-rules(5)).
///
/// A rule fires for a host when its condition has held for `steps`
/// consecutive 5 s steps of the host's vectors in the rule's view. Firings
/// of one rule for one (attacker, victim) pair form an episode, which
/// ends once the pair has been quiet (no firing) for `suppression`
/// seconds of event time: its first firing is an alert at once, later
/// ones are counted, and at most one more alert a period carries the
/// count (`repeats`); the episode's end is an `alert_end` record with the
/// totals. Time is the steps' (and ticks') event time, never the clock.
public final class AlertEngine {
    public let rules: [Rule]
    public let suppressionSeconds: Int64
    private let emit: (AlertEvent) throws(OutputError) -> Void

    /// Consecutive steps each rule has held for each host and view.
    private var streaks: [StreakKey: Streak] = [:]
    /// Streaks are forgotten once no step of theirs came for this long
    /// (a host gone quiet while its condition held), so that memory
    /// follows the hosts active now; generous, for sensors that lag.
    static let streakMemorySeconds: Int64 = 600
    private var streaksPrunedAt = Int64.min
    private var episodes: [EpisodeKey: Episode] = [:]
    /// The latest event time seen, epoch seconds.
    public private(set) var now = Int64.min
    public private(set) var alertsWritten = 0
    public private(set) var firingsSuppressed = 0
    public private(set) var episodesEnded = 0
    /// Alerts per rule, for the summary.
    public private(set) var alertsByRule: [String: Int] = [:]

    public init(rules: [Rule], suppressionSeconds: Int64, emit: @escaping (AlertEvent) throws(OutputError) -> Void) {
        self.rules = rules
        self.suppressionSeconds = suppressionSeconds
        self.emit = emit
    }

    struct StreakKey: Hashable {
        var rule: Int
        var sensor: String
        var host: String
    }

    struct Streak {
        var lastStepEnd: Int64
        var steps: Int
    }

    struct EpisodeKey: Hashable {
        var rule: Int
        var sensor: String
        var attacker: String?
        var victim: String?
    }

    struct Episode {
        var firstSeen: Int64
        var lastFired: Int64
        var lastAlerted: Int64
        var firings: Int
        var alerts: Int
        /// Firings since the last alert.
        var pending: Int
        var last: AlertEvent
    }

    /// One features record.
    public func add(_ record: FeatureRecord) throws(OutputError) {
        // Event time has reached the step's start: the steps before it were
        // all seen, so an episode whose last firing step ended S seconds
        // before it has been quiet for S seconds.
        try advance(to: record.windowStart)
        if record.windowStart >= streaksPrunedAt.saturatingAdding(Self.streakMemorySeconds) {
            let oldest = record.windowStart - Self.streakMemorySeconds
            streaks = streaks.filter { $0.value.lastStepEnd >= oldest }
            streaksPrunedAt = record.windowStart
        }
        let values = record.values
        try values.withUnsafeBufferPointer { buffer throws(OutputError) in
            let pointer = buffer.baseAddress!
            for (index, rule) in rules.enumerated() where rule.view == record.kind {
                let key = StreakKey(rule: index, sensor: record.sensor, host: record.host)
                guard rule.condition.holds(pointer), !rule.ignores(record.host) else {
                    streaks[key] = nil
                    continue
                }
                var streak = Streak(lastStepEnd: record.windowEnd, steps: 1)
                if let previous = streaks[key], previous.lastStepEnd == record.windowStart {
                    streak.steps = previous.steps + 1
                } else if let previous = streaks[key], previous.lastStepEnd == record.windowEnd {
                    streak.steps = previous.steps  // the same step again (a revision): no new step
                }
                streaks[key] = streak
                if streak.steps >= rule.steps { try fire(index, rule, record, steps: streak.steps) }
            }
        }
    }

    /// Event time has reached `seconds` (a tick, or the next step): ends
    /// the episodes quiet for the suppression period.
    public func advance(to seconds: Int64) throws(OutputError) {
        guard seconds > now else { return }
        now = seconds
        let ended = episodes.filter { $0.value.lastFired + suppressionSeconds <= seconds }
        guard !ended.isEmpty else { return }
        for (key, episode) in ended.sorted(by: { ($0.value.firstSeen, $0.value.last.ruleIndex) < ($1.value.firstSeen, $1.value.last.ruleIndex) }) {
            episodes[key] = nil
            try end(episode)
        }
    }

    /// End of input: every open episode ends.
    public func finish() throws(OutputError) {
        for episode in episodes.values.sorted(by: { ($0.firstSeen, $0.last.ruleIndex) < ($1.firstSeen, $1.last.ruleIndex) }) {
            try end(episode)
        }
        episodes = [:]
    }

    private func fire(_ index: Int, _ rule: Rule, _ record: FeatureRecord, steps: Int) throws(OutputError) {
        var event = AlertEvent(rule: rule, ruleIndex: index, record: record, steps: steps)
        let key = EpisodeKey(rule: index, sensor: record.sensor, attacker: event.attacker, victim: event.victim)
        let time = record.windowEnd
        guard var episode = episodes[key] else {
            event.firstSeen = record.windowStart
            episodes[key] = Episode(firstSeen: record.windowStart, lastFired: time, lastAlerted: time, firings: 1, alerts: 1,
                                    pending: 0, last: event)
            try write(event)
            return
        }
        episode.firings += 1
        // Out-of-order input (an older file after a newer one) must not
        // move the episode back in time.
        episode.lastFired = max(episode.lastFired, time)
        event.firstSeen = episode.firstSeen
        if time >= episode.lastAlerted + suppressionSeconds {
            event.repeats = episode.pending
            episode.pending = 0
            episode.alerts += 1
            episode.lastAlerted = time
            try write(event)
        } else {
            episode.pending += 1
            firingsSuppressed += 1
        }
        episode.last = event
        episodes[key] = episode
    }

    private func write(_ event: AlertEvent) throws(OutputError) {
        alertsWritten += 1
        alertsByRule[event.rule.name, default: 0] += 1
        try emit(event)
    }

    private func end(_ episode: Episode) throws(OutputError) {
        var event = episode.last
        event.isEnd = true
        event.firstSeen = episode.firstSeen
        event.lastSeen = episode.lastFired
        event.repeats = episode.pending
        event.firings = episode.firings
        event.alerts = episode.alerts
        episodesEnded += 1
        try emit(event)
    }
}
