/// Online password guessing against SSH or FTP, as hydra does it: new TCP
/// connections from one attacker at a steady rate (2.5/s against SSH,
/// hydra -t 4 style; 2/s against FTP), each trying a few passwords and
/// ended by the server. Connections last one to a few seconds, so several
/// overlap. Each is its own session (`SSHGuessing`, `FTPGuessing`); the
/// scenario walks the user and password lists across them as hydra does.
final class PasswordGuessingScenario: Scenario {
    private(set) var nextStartTime: Int64
    private let isSSH: Bool
    private let endTime: Int64
    private let meanGapNs: Double
    private var random: SeededRandom
    private let attacker: UInt32
    private let victim: UInt32
    private let port: UInt16
    private let path: AttackerPath
    private let ports: EphemeralPorts
    private var nextGuess = 0

    init(spec: AttackSpec, start: Int64, random: SeededRandom, ports: EphemeralPorts) {
        self.ports = ports
        self.random = random
        isSSH = spec.kind == .sshBruteforce
        attacker = spec.attacker ?? AttackKind.externalAttacker
        victim = spec.victim
        port = spec.port ?? (isSSH ? 22 : 21)
        path = AttackerPath(attacker: attacker, random: &self.random)
        endTime = start + spec.duration_ns
        meanGapNs = 1e9 / spec.rate
        nextStartTime = start
    }

    func startSession() -> Session {
        let start = nextStartTime
        var sessionRandom = random.fork()
        let ends = AttackEnds.endpoints(attacker: attacker, attackerTTL: path.ttl,
                                        attackerPort: ports.allocate(for: attacker),
                                        victim: victim, victimPort: port)
        let firstGuess = nextGuess
        let session: Session
        if isSSH {
            // One to three passwords a connection, then the server gives up on it.
            let attempts = sessionRandom.int(1...3)
            nextGuess += attempts
            session = SSHGuessing(start: start, ends: ends, roundTripNs: path.roundTripNs, firstGuess: firstGuess,
                                  attempts: attempts, random: sessionRandom)
        } else {
            // vsftpd's max_login_fails: three, then it hangs up.
            nextGuess += FTPGuessing.attempts
            session = FTPGuessing(start: start, ends: ends, roundTripNs: path.roundTripNs, firstGuess: firstGuess,
                                  random: sessionRandom)
        }
        let next = start + AttackEnds.jitteredGapNs(meanNs: meanGapNs, &random)
        nextStartTime = next < endTime ? next : Int64.max
        return session
    }
}

/// The word lists: a few usual account names and the most common
/// passwords of public breach lists. Guess k is user k / passwords.count
/// with password k % passwords.count, hydra's default loop.
enum Credentials {
    static let users: [[UInt8]] = ["root", "admin", "user", "test", "ubuntu", "oracle", "ftpuser", "guest"]
        .map { Array($0.utf8) }
    static let passwords: [[UInt8]] = [
        "123456", "password", "12345678", "qwerty", "123456789", "12345", "1234", "111111", "1234567", "dragon",
        "123123", "baseball", "abc123", "football", "monkey", "letmein", "696969", "shadow", "master", "666666",
        "qwertyuiop", "123321", "mustang", "1234567890", "michael", "654321", "superman", "1qaz2wsx", "7777777",
        "121212", "000000", "qazwsx", "123qwe", "killer", "trustno1", "jordan", "jennifer", "zxcvbnm", "asdfgh",
        "hunter", "buster", "soccer", "harley", "batman", "andrew", "tigger", "sunshine", "iloveyou", "charlie",
        "admin", "root", "toor", "changeme", "welcome", "passw0rd", "P@ssw0rd", "default", "secret", "login",
    ].map { Array($0.utf8) }

    static func user(_ guess: Int) -> [UInt8] { users[(guess / passwords.count) % users.count] }
    static func password(_ guess: Int) -> [UInt8] { passwords[guess % passwords.count] }
}
