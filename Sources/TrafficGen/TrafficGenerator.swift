import SluiceCore

/// What to generate; the command line maps one-to-one onto this.
public struct TrafficOptions: Sendable {
    public var seed: UInt64 = 1
    /// Stop after this many packets (when `duration_ns` is nil).
    public var packets: Int? = 10_000
    /// Stop before the first packet at or after `start + duration_ns`.
    public var duration_ns: Int64? = nil
    /// Internal client hosts.
    public var hosts = 50
    /// 2026-01-01T00:00:00Z.
    public var start = Timestamp(seconds: 1_767_225_600)
    public var snapLength = 128
    public var sessionsPerSecond = 400.0
    public var ipv6Share = 0.1
    public var nanosecondTimestamps = false

    public init() {}
}

/// Counts of what was written, for tests and a summary.
public struct TrafficSummary: Sendable, Equatable {
    public var packets = 0
    public var sessionsStarted = 0
    public var firstTime: Timestamp? = nil
    public var lastTime: Timestamp? = nil
    /// SIGINT or SIGTERM ended the run before the limit.
    public var stoppedBySignal = false
}

/// Merges the packets of every live session into one time-ordered stream
/// and writes it as pcap.
///
/// Scenarios start sessions; sessions yield packets. A min-heap keyed by
/// each session's next packet time picks the next packet, so any number of
/// overlapping conversations come out interleaved exactly as a capture would
/// record them. Scenarios are few and kept in a plain list.
public final class TrafficGenerator {
    public let options: TrafficOptions
    private var scenarios: [Scenario]
    private var sessions: [Session?] = []
    private var freeSlots: [Int32] = []
    private var queue = EventQueue()
    private let builder = PacketBuilder()

    public init(options: TrafficOptions) {
        self.options = options
        var random = SeededRandom(seed: options.seed)
        let plan = AddressPlan(hostCount: options.hosts)
        scenarios = [
            BenignScenario(start: options.start.nanoseconds, sessionsPerSecond: options.sessionsPerSecond,
                           ipv6Share: options.ipv6Share, plan: plan, random: random.fork()),
        ]
    }

    /// Writes the file header and every packet, then flushes.
    @discardableResult
    public func run(writer: PcapWriter) throws(OutputError) -> TrafficSummary {
        var summary = TrafficSummary()
        let packetLimit = options.duration_ns == nil ? (options.packets ?? 0) : Int.max
        let endTime = options.duration_ns.map {
            let (end, overflow) = options.start.nanoseconds.addingReportingOverflow($0)
            return overflow ? Int64.max : end
        } ?? Int64.max
        try writer.writeFileHeader()
        while summary.packets < packetLimit {
            // SIGINT/SIGTERM: stop with a valid (shorter) file.
            if summary.packets & 0xFFFF == 0 && StopSignal.isPending {
                summary.stoppedBySignal = true
                break
            }
            // A scenario's start comes before a packet due at the same time,
            // so a session's first packet is never late.
            var scenarioIndex = -1
            var scenarioTime = Int64.max
            for index in scenarios.indices where scenarios[index].nextStartTime < scenarioTime {
                scenarioTime = scenarios[index].nextStartTime
                scenarioIndex = index
            }
            let packetTime = queue.isEmpty ? Int64.max : queue.first.time
            if scenarioIndex >= 0 && scenarioTime <= packetTime {
                if scenarioTime >= endTime { break }
                let session = scenarios[scenarioIndex].startSession()
                summary.sessionsStarted += 1
                queue.push(time: session.nextTime, slot: store(session))
                continue
            }
            if packetTime >= endTime { break }
            let slot = Int(queue.first.slot)
            let session = sessions[slot].unsafelyUnwrapped
            let more = session.emit(into: builder)
            let time = Timestamp(nanoseconds: packetTime)
            try writer.append(builder, at: time)
            if summary.firstTime == nil { summary.firstTime = time }
            summary.lastTime = time
            summary.packets += 1
            if more {
                queue.rescheduleFirst(time: session.nextTime)
            } else {
                queue.removeFirst()
                sessions[slot] = nil
                freeSlots.append(Int32(slot))
            }
        }
        try writer.flush()
        return summary
    }

    private func store(_ session: Session) -> Int32 {
        if let slot = freeSlots.popLast() {
            sessions[Int(slot)] = session
            return slot
        }
        sessions.append(session)
        return Int32(sessions.count - 1)
    }
}
