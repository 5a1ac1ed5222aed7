import SluiceCore

/// Slowloris (the slowloris.py of the original write-up): hold all of a
/// web server's workers busy with requests that never end.
///
/// The attacker opens 150 connections to port 80 (Apache's default
/// MaxRequestWorkers is 150) at 50 a second, so all are open within 3 s.
/// Each sends the start of a GET request without the blank line that would
/// end its headers, then every 15 s (plus up to 0.1 s, so the connections
/// drift apart) one more header line, "X-a: NNNN". The server only
/// acknowledges: it waits for the rest of the headers and never answers.
/// When the attack's duration is up the attacker's process ends and the
/// kernel closes every socket with FIN within a few milliseconds; the
/// server, finding the request cut short, closes too.
final class SlowlorisScenario: Scenario {
    private(set) var nextStartTime: Int64
    private let endTime: Int64
    private let meanGapNs: Double
    private var random: SeededRandom
    private let attacker: UInt32
    private let victim: UInt32
    private let port: UInt16
    private let path: AttackerPath
    private let ports: EphemeralPorts
    private let hostHeader: [UInt8]
    private var opened = 0

    static let connections = 150

    init(spec: AttackSpec, start: Int64, random: SeededRandom, ports: EphemeralPorts) {
        self.ports = ports
        self.random = random
        attacker = spec.attacker ?? AttackKind.externalAttacker
        victim = spec.victim
        port = spec.port ?? 80
        path = AttackerPath(attacker: attacker, random: &self.random)
        hostHeader = Array("Host: \(IPAddress(ipv4: spec.victim))\r\n".utf8)
        endTime = start + spec.duration_ns
        meanGapNs = 1e9 / spec.rate
        nextStartTime = start
    }

    func startSession() -> Session {
        let start = nextStartTime
        opened += 1
        let sessionRandom = random.fork()
        let ends = AttackEnds.endpoints(attacker: attacker, attackerTTL: path.ttl,
                                        attackerPort: ports.allocate(for: attacker),
                                        victim: victim, victimPort: port)
        let next = start + AttackEnds.jitteredGapNs(meanNs: meanGapNs, &random)
        nextStartTime = opened < Self.connections && next < endTime ? next : Int64.max
        return SlowlorisConnection(start: start, end: endTime, ends: ends, roundTripNs: path.roundTripNs,
                                   hostHeader: hostHeader, random: sessionRandom)
    }
}

/// One of slowloris's connections, from handshake to the close at the end.
final class SlowlorisConnection: Session {
    private(set) var nextTime: Int64
    private let endTime: Int64
    private var connection: TCPConversation
    private var random: SeededRandom
    private let roundTripNs: Int64
    private let hostHeader: [UInt8]
    private var lastHeaderTime: Int64 = 0
    private var step = 0

    static let keepAliveNs: Int64 = 15_000_000_000
    static let keepAliveJitterNs = 100_000_000

    init(start: Int64, end: Int64, ends: Endpoints, roundTripNs: Int64, hostHeader: [UInt8], random: SeededRandom) {
        var random = random
        nextTime = start
        endTime = end
        connection = TCPConversation(ends: ends, random: &random)
        self.random = random
        self.roundTripNs = roundTripNs
        self.hostHeader = hostHeader
    }

    func emit(into builder: PacketBuilder) -> Bool {
        let now = nextTime
        switch step {
        case 0:
            connection.send(builder, fromAttacker: true, flags: .syn)
            step = 1
            nextTime = now + AttackEnds.victimDelayNs(&random)
        case 1:
            connection.send(builder, fromAttacker: false, flags: [.syn, .ack])
            step = 2
            nextTime = now + roundTripNs
        case 2:
            connection.send(builder, fromAttacker: true, flags: .ack)
            step = 3
            nextTime = now + Int64(random.logUniform(10_000, 50_000))
        case 3:
            let number = random.int(0...2000)
            let agent = Self.userAgents[random.below(Self.userAgents.count)]
            connection.send(builder, fromAttacker: true, flags: [.psh, .ack]) { payload in
                var offset = append(Self.requestStart, to: payload, at: 0)
                offset = appendDecimal(number, to: payload, at: offset)
                offset = append(Self.requestVersion, to: payload, at: offset)
                offset = append(hostHeader, to: payload, at: offset)
                offset = append(agent, to: payload, at: offset)
                return append(Self.acceptLanguage, to: payload, at: offset)
            }
            lastHeaderTime = now
            step = 4
            nextTime = now + AttackEnds.victimDelayNs(&random)
        case 4:
            // The server acknowledges and waits for the rest.
            connection.send(builder, fromAttacker: false, flags: .ack)
            let keepAlive = lastHeaderTime + Self.keepAliveNs + Int64(random.below(Self.keepAliveJitterNs))
            if keepAlive < endTime {
                step = 5
                nextTime = keepAlive
            } else {
                step = 6
                nextTime = max(now + 1, endTime + Int64(random.below(5_000_000)))
            }
        case 5:
            let number = random.int(1...5000)
            connection.send(builder, fromAttacker: true, flags: [.psh, .ack]) { payload in
                let offset = appendDecimal(number, to: payload, at: append(Self.keepAliveStart, to: payload, at: 0))
                return append(Self.lineEnd, to: payload, at: offset)
            }
            lastHeaderTime = now
            step = 4
            nextTime = now + AttackEnds.victimDelayNs(&random)
        case 6:
            connection.send(builder, fromAttacker: true, flags: [.fin, .ack])
            step = 7
            nextTime = now + AttackEnds.victimDelayNs(&random)
        case 7:
            connection.send(builder, fromAttacker: false, flags: [.fin, .ack])
            step = 8
            nextTime = now + roundTripNs
        default:
            connection.send(builder, fromAttacker: true, flags: .ack)
            return false
        }
        return true
    }

    static let requestStart: [UInt8] = Array("GET /?".utf8)
    static let requestVersion: [UInt8] = Array(" HTTP/1.1\r\n".utf8)
    static let acceptLanguage: [UInt8] = Array("Accept-language: en-US,en,q=0.5\r\n".utf8)
    static let keepAliveStart: [UInt8] = Array("X-a: ".utf8)
    static let lineEnd: [UInt8] = Array("\r\n".utf8)
    static let userAgents: [[UInt8]] = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    ].map { Array("User-Agent: \($0)\r\n".utf8) }
}
