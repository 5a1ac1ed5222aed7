/// A sweep of a network: one probe to every host address, in a shuffled
/// order, at a steady rate. A horizontal scan sends nmap's SYN probe to one
/// port (nmap -sS -p22 10.1.0.0/24); a ping sweep an ICMP echo request
/// (nmap -sn -PE). At the default 100 hosts/s a /24 takes 2.5 s.
///
/// Which hosts answer is `VictimNetwork`'s: the victims and some 9 % of the
/// other addresses are up. An up host answers the ping; to the SYN it
/// answers SYN-ACK where the port listens (and the scanner's kernel
/// resets), RST-ACK where it does not. Everything else stays silent.
final class NetworkSweepScenario: Scenario {
    private(set) var nextStartTime: Int64
    private let isPing: Bool
    private let endTime: Int64
    private let meanGapNs: Double
    private var random: SeededRandom
    private var hosts: [UInt32]
    private var nextHost = 0
    private let attacker: UInt32
    private let port: UInt16
    private let path: AttackerPath
    private let rawSourcePort: UInt16

    init(spec: AttackSpec, start: Int64, random: SeededRandom) {
        self.random = random
        isPing = spec.kind == .pingSweep
        attacker = spec.attacker ?? AttackKind.externalAttacker
        port = spec.port ?? 22
        path = AttackerPath(attacker: attacker, random: &self.random)
        rawSourcePort = UInt16(self.random.int(1024...65535))
        // Every address but the network's own and its broadcast address.
        let size = UInt32(1) << UInt32(32 - spec.victimPrefixLength)
        hosts = (1..<(size - 1)).map { spec.victim | $0 }.filter { $0 != spec.attacker }
        self.random.shuffle(&hosts)
        endTime = start + spec.duration_ns
        meanGapNs = 1e9 / spec.rate
        nextStartTime = start
    }

    func startSession() -> Session {
        let start = nextStartTime
        let host = hosts[nextHost]
        nextHost += 1
        var probeRandom = random.fork()
        let isUp = VictimNetwork.presence(of: host) == .up
        let delayNs = AttackEnds.victimDelayNs(&probeRandom)
        let gap = AttackEnds.jitteredGapNs(meanNs: meanGapNs, &random)
        nextStartTime = nextHost < hosts.count && start + gap < endTime ? start + gap : Int64.max
        if isPing {
            let ends = AttackEnds.endpoints(attacker: attacker, attackerTTL: path.ttl, attackerPort: 0,
                                            victim: host, victimPort: 0)
            return EchoProbe(start: start, ends: ends, isAnswered: isUp, victimDelayNs: delayNs, random: probeRandom)
        }
        let ends = AttackEnds.endpoints(attacker: attacker, attackerTTL: path.ttl, attackerPort: rawSourcePort,
                                        victim: host, victimPort: port)
        let answer: PortProbe.Answer = !isUp ? .silent : VictimNetwork.isOpenTCP(port, on: host) ? .open : .closed
        return PortProbe(start: start, ends: ends, technique: .syn, answer: answer, victimDelayNs: delayNs,
                         roundTripNs: path.roundTripNs, random: probeRandom)
    }
}

/// One ping of a sweep: nmap's echo request (random identifier and
/// sequence, no data) and, from a host that is up, the reply.
final class EchoProbe: Session {
    private(set) var nextTime: Int64
    private let ends: Endpoints
    private let isAnswered: Bool
    private let victimDelayNs: Int64
    private let identifier: UInt16
    private let sequence: UInt16
    private let attackerIPID: UInt16
    private let victimIPID: UInt16
    private var requested = false

    init(start: Int64, ends: Endpoints, isAnswered: Bool, victimDelayNs: Int64, random: SeededRandom) {
        var random = random
        nextTime = start
        self.ends = ends
        self.isAnswered = isAnswered
        self.victimDelayNs = victimDelayNs
        identifier = UInt16(truncatingIfNeeded: random.next())
        sequence = UInt16(truncatingIfNeeded: random.next())
        attackerIPID = UInt16(truncatingIfNeeded: random.next())
        victimIPID = UInt16(truncatingIfNeeded: random.next())
    }

    func emit(into builder: PacketBuilder) -> Bool {
        let isReply = requested
        _ = builder.beginEcho(ends, fromClient: !isReply, ipID: isReply ? victimIPID : attackerIPID, isReply: isReply,
                              identifier: identifier, sequence: sequence)
        builder.finishICMP(payloadBytes: 0)
        requested = true
        nextTime += victimDelayNs
        return !isReply && isAnswered
    }
}
