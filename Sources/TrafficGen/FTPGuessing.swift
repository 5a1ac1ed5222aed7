/// One FTP connection of a password-guessing run against vsftpd: the
/// handshake, the 220 banner, then USER and PASS three times, each
/// answered 331 and, after vsftpd's one-second delay_failed_login (during
/// which the victim's delayed ACK shows), 530 Login incorrect. After the
/// third failure (max_login_fails) vsftpd hangs up with FIN. Every payload
/// is the real protocol text, so dissectors read the commands and codes.
final class FTPGuessing: Session {
    private(set) var nextTime: Int64
    private var connection: TCPConversation
    private var random: SeededRandom
    private let roundTripNs: Int64
    private var guess: Int
    private var attemptsLeft = FTPGuessing.attempts
    private var step = 0

    static let attempts = 3

    init(start: Int64, ends: Endpoints, roundTripNs: Int64, firstGuess: Int, random: SeededRandom) {
        var random = random
        nextTime = start
        connection = TCPConversation(ends: ends, random: &random)
        self.random = random
        self.roundTripNs = roundTripNs
        guess = firstGuess
    }

    func emit(into builder: PacketBuilder) -> Bool {
        let now = nextTime
        var after: Int64
        switch step {
        case 0:
            connection.send(builder, fromAttacker: true, flags: .syn)
            after = AttackEnds.victimDelayNs(&random)
        case 1:
            connection.send(builder, fromAttacker: false, flags: [.syn, .ack])
            after = roundTripNs
        case 2:
            connection.send(builder, fromAttacker: true, flags: .ack)
            // vsftpd forks a session process before it greets.
            after = Int64(random.logUniform(500_000, 2_000_000))
        case 3:
            connection.send(builder, fromAttacker: false, flags: [.psh, .ack], bytes: Self.banner)
            after = roundTripNs
        case 4:
            let user = Credentials.user(guess)
            connection.send(builder, fromAttacker: true, flags: [.psh, .ack]) { payload in
                let offset = append(Self.userCommand, to: payload, at: 0)
                return append(Self.lineEnd, to: payload, at: append(user, to: payload, at: offset))
            }
            after = Int64(random.logUniform(100_000, 300_000))
        case 5:
            connection.send(builder, fromAttacker: false, flags: [.psh, .ack], bytes: Self.passwordPlease)
            after = roundTripNs
        case 6:
            let password = Credentials.password(guess)
            guess += 1
            attemptsLeft -= 1
            connection.send(builder, fromAttacker: true, flags: [.psh, .ack]) { payload in
                let offset = append(Self.passCommand, to: payload, at: 0)
                return append(Self.lineEnd, to: payload, at: append(password, to: payload, at: offset))
            }
            after = Self.delayedAckNs
        case 7:
            connection.send(builder, fromAttacker: false, flags: .ack)
            after = Self.failedLoginDelayNs - Self.delayedAckNs + Int64(random.logUniform(100_000, 1_000_000))
        case 8:
            connection.send(builder, fromAttacker: false, flags: [.psh, .ack], bytes: Self.loginIncorrect)
            if attemptsLeft > 0 {
                step = 4
                nextTime = now + roundTripNs
                return true
            }
            after = Int64(random.logUniform(50_000, 200_000))
        case 9:
            connection.send(builder, fromAttacker: false, flags: [.fin, .ack])
            after = roundTripNs
        case 10:
            connection.send(builder, fromAttacker: true, flags: [.fin, .ack])
            after = AttackEnds.victimDelayNs(&random)
        default:
            connection.send(builder, fromAttacker: false, flags: .ack)
            return false
        }
        step += 1
        nextTime = now + after
        return true
    }

    /// Linux's shortest delayed-ACK time.
    static let delayedAckNs: Int64 = 40_000_000
    /// vsftpd's delay_failed_login default.
    static let failedLoginDelayNs: Int64 = 1_000_000_000

    static let banner: [UInt8] = Array("220 (vsFTPd 3.0.3)\r\n".utf8)
    static let userCommand: [UInt8] = Array("USER ".utf8)
    static let passCommand: [UInt8] = Array("PASS ".utf8)
    static let lineEnd: [UInt8] = Array("\r\n".utf8)
    static let passwordPlease: [UInt8] = Array("331 Please specify the password.\r\n".utf8)
    static let loginIncorrect: [UInt8] = Array("530 Login incorrect.\r\n".utf8)
}
