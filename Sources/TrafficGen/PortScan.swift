/// A vertical port scan: one attacker probes about a thousand ports of one
/// victim (nmap -sS, -sT, -sF, -sN, -sX, -sU).
///
/// The ports are 1 to 1024 and a handful of well-known higher ones
/// (databases, remote desktops, proxies), in a shuffled order as nmap
/// probes them; at the default 500 ports/s the scan takes about 2 s, so a
/// detector's first 5 s window holds all of it. Probes go out at a steady
/// jittered rate until every port is done or the attack's duration is up.
/// Each probe is its own short session (`PortProbe`).
final class PortScanScenario: Scenario {
    private(set) var nextStartTime: Int64
    private let technique: PortProbe.Technique
    private let endTime: Int64
    private let meanGapNs: Double
    private var random: SeededRandom
    private var targetPorts: [UInt16]
    private var nextPort = 0
    private let attacker: UInt32
    private let victim: UInt32
    private let path: AttackerPath
    private let sourcePorts: EphemeralPorts
    /// nmap's raw probes share one random source port for the whole scan.
    private let rawSourcePort: UInt16
    private var icmpLimit = ICMPRateLimit()

    /// The well-known ports above 1024 that nmap's top thousand include.
    static let highPorts: [UInt16] = [1080, 1433, 1521, 1723, 2049, 2375, 3306, 3389, 5060, 5432,
                                      5900, 6379, 8000, 8080, 8443, 8888, 9200, 27017]
    static let scannedPorts: [UInt16] = Array(1...1024) + highPorts

    init(spec: AttackSpec, start: Int64, random: SeededRandom, ports: EphemeralPorts) {
        sourcePorts = ports
        self.random = random
        switch spec.kind {
        case .connectScan: technique = .connect
        case .finScan: technique = .fin
        case .nullScan: technique = .null
        case .xmasScan: technique = .xmas
        case .udpScan: technique = .udp
        default: technique = .syn
        }
        attacker = spec.attacker ?? AttackKind.externalAttacker
        victim = spec.victim
        path = AttackerPath(attacker: attacker, random: &self.random)
        rawSourcePort = UInt16(self.random.int(1024...65535))
        targetPorts = Self.scannedPorts
        self.random.shuffle(&targetPorts)
        endTime = start + spec.duration_ns
        meanGapNs = 1e9 / spec.rate
        nextStartTime = start
    }

    func startSession() -> Session {
        let start = nextStartTime
        let port = targetPorts[nextPort]
        nextPort += 1
        var probeRandom = random.fork()
        let sourcePort = technique == .connect ? sourcePorts.allocate(for: attacker) : rawSourcePort
        let ends = AttackEnds.endpoints(attacker: attacker, attackerTTL: path.ttl, attackerPort: sourcePort,
                                        victim: victim, victimPort: port)
        let delayNs = AttackEnds.victimDelayNs(&probeRandom)
        let answer: PortProbe.Answer
        if technique == .udp {
            let isOpen = VictimNetwork.openUDPPorts.contains(port)
            answer = !isOpen && icmpLimit.allows(at: start + delayNs) ? .closed : .silent
        } else {
            answer = VictimNetwork.isOpenTCP(port, on: victim) ? .open : .closed
        }
        let gap = AttackEnds.jitteredGapNs(meanNs: meanGapNs, &random)
        nextStartTime = nextPort < targetPorts.count && start + gap < endTime ? start + gap : Int64.max
        return PortProbe(start: start, ends: ends, technique: technique, answer: answer, victimDelayNs: delayNs,
                         roundTripNs: path.roundTripNs, random: probeRandom)
    }
}
