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
    /// The benign background; off for captures of attacks alone.
    public var benign = true
    /// Attacks mixed into the background, in the order given.
    public var attacks: [AttackSpec] = []
    /// When `duration_ns` is nil and there are attacks: end this long after
    /// the last attack's last packet (every attack must have ended), and
    /// ignore `packets`. Without attacks, `packets` applies.
    public var attackTail_ns: Int64? = nil

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
    /// Per attack, in the order of `TrafficOptions.attacks`.
    public var attacks: [AttackActivity] = []
}

/// Merges the packets of every live session into one time-ordered stream
/// and writes it as pcap.
///
/// Scenarios start sessions; sessions yield packets. A min-heap keyed by
/// each session's next packet time picks the next packet, so any number of
/// overlapping conversations come out interleaved exactly as a capture would
/// record them. Scenarios are few and kept in a plain list. Every packet
/// of an attack's sessions is credited to that attack (count, first and
/// last time), which is what the ground truth reports.
public final class TrafficGenerator {
    public let options: TrafficOptions
    /// The attacks as run: the options' specs with what they leave to
    /// chance (a UDP flood's port) drawn. The ground truth is made from these.
    public let attacks: [AttackSpec]
    private var scenarios: [Scenario] = []
    /// Per scenario: the index of its attack, or -1 for the background.
    private var scenarioAttack: [Int32] = []
    private var sessions: [Session?] = []
    /// Per session slot: the index of its attack, or -1.
    private var slotAttack: [Int32] = []
    private var freeSlots: [Int32] = []
    private var queue = EventQueue()
    private let builder = PacketBuilder()
    /// The scenario that starts the next session, cached: scenarios change
    /// their next start only when they start a session.
    private var nextScenario = -1
    private var nextScenarioTime = Int64.max

    public init(options: TrafficOptions) {
        self.options = options
        var random = SeededRandom(seed: options.seed)
        let plan = AddressPlan(hostCount: options.hosts)
        // The background's stream is forked first whether or not it runs,
        // and each attack's after it in order: adding an attack, or turning
        // the background off, changes nothing else.
        let benignRandom = random.fork()
        if options.benign {
            scenarios.append(BenignScenario(start: options.start.nanoseconds, sessionsPerSecond: options.sessionsPerSecond,
                                            ipv6Share: options.ipv6Share, plan: plan, random: benignRandom))
            scenarioAttack.append(-1)
        }
        var resolved: [AttackSpec] = []
        let ports = EphemeralPorts(seed: options.seed)
        for (index, spec) in options.attacks.enumerated() {
            var attackRandom = random.fork()
            let attack = spec.resolved(&attackRandom)
            resolved.append(attack)
            scenarios.append(makeAttackScenario(attack, start: options.start.nanoseconds + attack.start_ns,
                                                random: attackRandom, ports: ports))
            scenarioAttack.append(Int32(index))
        }
        attacks = resolved
        findNextScenario()
    }

    private func findNextScenario() {
        nextScenario = -1
        nextScenarioTime = Int64.max
        for index in scenarios.indices where scenarios[index].nextStartTime < nextScenarioTime {
            nextScenarioTime = scenarios[index].nextStartTime
            nextScenario = index
        }
    }

    /// Writes the file header and every packet, then flushes.
    @discardableResult
    public func run(writer: PcapWriter) throws(OutputError) -> TrafficSummary {
        var summary = TrafficSummary()
        summary.attacks = Array(repeating: AttackActivity(), count: attacks.count)
        // The attack tail applies only when there are attacks to wait for.
        let waitsForAttacks = options.duration_ns == nil && options.attackTail_ns != nil && !attacks.isEmpty
        let packetLimit = options.duration_ns == nil && !waitsForAttacks ? (options.packets ?? 0) : Int.max
        var endTime = options.duration_ns.map {
            let (end, overflow) = options.start.nanoseconds.addingReportingOverflow($0)
            return overflow ? Int64.max : end
        } ?? Int64.max
        // For the attack tail: attack sessions alive, attack scenarios
        // that may still start one, and the last attack packet's time.
        var liveAttackSessions = 0
        var pendingAttackScenarios = scenarios.indices.filter {
            scenarioAttack[$0] >= 0 && scenarios[$0].nextStartTime != Int64.max
        }.count
        var lastAttackPacket = Int64.min
        func attacksEnded() {
            guard waitsForAttacks, liveAttackSessions == 0, pendingAttackScenarios == 0,
                  lastAttackPacket != Int64.min else { return }
            let (end, overflow) = lastAttackPacket.addingReportingOverflow(options.attackTail_ns!)
            endTime = min(endTime, overflow ? Int64.max : end)
        }
        try writer.writeFileHeader()
        while summary.packets < packetLimit {
            // SIGINT/SIGTERM: stop with a valid (shorter) file.
            if summary.packets & 0xFFFF == 0 && StopSignal.isPending {
                summary.stoppedBySignal = true
                break
            }
            // A scenario's start comes before a packet due at the same time,
            // so a session's first packet is never late.
            let packetTime = queue.isEmpty ? Int64.max : queue.first.time
            if nextScenario >= 0 && nextScenarioTime <= packetTime {
                if nextScenarioTime >= endTime { break }
                let scenario = scenarios[nextScenario]
                let attack = scenarioAttack[nextScenario]
                let session = scenario.startSession()
                summary.sessionsStarted += 1
                queue.push(time: session.nextTime, slot: store(session, attack: attack))
                if attack >= 0 {
                    liveAttackSessions += 1
                    if scenario.nextStartTime == Int64.max { pendingAttackScenarios -= 1 }
                }
                findNextScenario()
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
            let attack = Int(slotAttack[slot])
            if attack >= 0 {
                if summary.attacks[attack].packets == 0 { summary.attacks[attack].first_ns = packetTime }
                summary.attacks[attack].last_ns = packetTime
                summary.attacks[attack].packets += 1
                lastAttackPacket = packetTime
            }
            if more {
                queue.rescheduleFirst(time: session.nextTime)
            } else {
                queue.removeFirst()
                sessions[slot] = nil
                freeSlots.append(Int32(slot))
                if attack >= 0 {
                    liveAttackSessions -= 1
                    attacksEnded()
                }
            }
        }
        try writer.flush()
        return summary
    }

    private func store(_ session: Session, attack: Int32) -> Int32 {
        if let slot = freeSlots.popLast() {
            sessions[Int(slot)] = session
            slotAttack[Int(slot)] = attack
            return slot
        }
        sessions.append(session)
        slotAttack.append(attack)
        return Int32(sessions.count - 1)
    }
}
