import SluiceCore

/// One SSH connection of a password-guessing run: hydra's libssh client
/// against OpenSSH, as far as a capture can see it.
///
/// In the clear: the handshake, both version banners, both KEXINITs (real
/// name-lists, so the negotiated algorithms are curve25519-sha256,
/// ssh-ed25519 and chacha20-poly1305), the curve25519 exchange and the
/// NEWKEYS messages, some 2.5 KB in all. Then encrypted packets of the
/// sizes chacha20-poly1305 gives them: the service request and accept (with
/// OpenSSH's EXT_INFO), a "none" authentication and its failure, and one to
/// three password attempts, each failing after sshd's half-second-or-so
/// failure delay (during which the victim's delayed ACK shows). The server
/// then closes with FIN. Times follow the capture point next to the
/// victim: the victim reacts within a millisecond, the attacker a round
/// trip later.
final class SSHGuessing: Session {
    private(set) var nextTime: Int64
    private var connection: TCPConversation
    private var random: SeededRandom
    private let roundTripNs: Int64
    private let user: [UInt8]
    private let victim: UInt32
    private var guess: Int
    private var attemptsLeft: Int
    private var step = 0

    init(start: Int64, ends: Endpoints, roundTripNs: Int64, firstGuess: Int, attempts: Int, random: SeededRandom) {
        var random = random
        nextTime = start
        connection = TCPConversation(ends: ends, random: &random)
        self.random = random
        self.roundTripNs = roundTripNs
        user = Credentials.user(firstGuess)
        victim = ends.serverIPv4
        guess = firstGuess
        attemptsLeft = attempts
    }

    func emit(into builder: PacketBuilder) -> Bool {
        let now = nextTime
        var after: Int64
        switch step {
        case 0:
            connection.send(builder, fromAttacker: true, flags: .syn)
            after = victimDelay()
        case 1:
            connection.send(builder, fromAttacker: false, flags: [.syn, .ack])
            after = roundTripNs
        case 2:
            connection.send(builder, fromAttacker: true, flags: .ack)
            after = Int64(random.logUniform(10_000, 50_000))
        case 3:
            connection.send(builder, fromAttacker: true, flags: [.psh, .ack], bytes: Self.clientBanner)
            // sshd forks and execs its session process before it speaks.
            after = Int64(random.logUniform(1_000_000, 4_000_000))
        case 4:
            connection.send(builder, fromAttacker: false, flags: [.psh, .ack], bytes: Self.serverBanner)
            after = Int64(random.logUniform(200_000, 600_000))
        case 5:
            sendKexInit(builder, fromAttacker: false, template: Self.serverKexInit)
            after = roundTripNs
        case 6:
            sendKexInit(builder, fromAttacker: true, template: Self.clientKexInit)
            after = Int64(random.logUniform(20_000, 100_000))
        case 7:
            connection.send(builder, fromAttacker: true, flags: [.psh, .ack]) { payload in
                // KEX_ECDH_INIT (30) with the client's 32-byte curve25519 key.
                let length = Self.cleartextPacket(payload, payloadBytes: 1 + 4 + 32)
                payload[5] = 30
                store32(payload + 6, 32)
                self.writeRandom(payload + 10, count: 32)
                return length
            }
            // Curve25519, an ed25519 signature and key derivation.
            after = Int64(random.logUniform(1_000_000, 3_000_000))
        case 8:
            connection.send(builder, fromAttacker: false, flags: [.psh, .ack]) { payload in
                self.writeECDHReply(payload)
            }
            after = roundTripNs
        case 9:
            // NEWKEYS in the clear, then the first encrypted packet: the
            // ssh-userauth service request.
            connection.send(builder, fromAttacker: true, flags: [.psh, .ack],
                            tailBytes: Self.encryptedBytes(payload: 17)) { payload in
                Self.writeNewKeys(payload)
            }
            after = Int64(random.logUniform(200_000, 500_000))
        case 10:
            // EXT_INFO (server-sig-algs and friends), then SERVICE_ACCEPT.
            connection.send(builder, fromAttacker: false, flags: [.psh, .ack],
                            tailBytes: Self.encryptedBytes(payload: 268) + Self.encryptedBytes(payload: 17))
            after = roundTripNs
        case 11:
            // USERAUTH_REQUEST with method "none": which methods are there?
            connection.send(builder, fromAttacker: true, flags: [.psh, .ack],
                            tailBytes: Self.encryptedBytes(payload: 31 + user.count))
            after = Int64(random.logUniform(200_000, 500_000))
        case 12:
            connection.send(builder, fromAttacker: false, flags: [.psh, .ack], tailBytes: Self.failureBytes)
            after = roundTripNs
        case 13:
            // USERAUTH_REQUEST, method "password".
            let password = Credentials.password(guess)
            guess += 1
            attemptsLeft -= 1
            connection.send(builder, fromAttacker: true, flags: [.psh, .ack],
                            tailBytes: Self.encryptedBytes(payload: 40 + user.count + password.count))
            after = Self.delayedAckNs
        case 14:
            connection.send(builder, fromAttacker: false, flags: .ack)
            after = Int64(random.logUniform(0.45e9, 0.95e9)) - Self.delayedAckNs
        case 15:
            connection.send(builder, fromAttacker: false, flags: [.psh, .ack], tailBytes: Self.failureBytes)
            if attemptsLeft > 0 {
                step = 13
                nextTime = now + roundTripNs
                return true
            }
            after = Int64(random.logUniform(100_000, 300_000))
        case 16:
            connection.send(builder, fromAttacker: false, flags: [.fin, .ack])
            after = roundTripNs
        case 17:
            connection.send(builder, fromAttacker: true, flags: [.fin, .ack])
            after = victimDelay()
        default:
            connection.send(builder, fromAttacker: false, flags: .ack)
            return false
        }
        step += 1
        nextTime = now + after
        return true
    }

    private func victimDelay() -> Int64 { AttackEnds.victimDelayNs(&random) }

    /// Linux's delayed-ACK timer, the shortest (40 ms).
    static let delayedAckNs: Int64 = 40_000_000

    /// USERAUTH_FAILURE (51) listing "publickey,password", not partial.
    static let failureBytes = encryptedBytes(payload: 1 + 4 + 18 + 1)

    /// The size on the wire of an SSH packet with chacha20-poly1305: the
    /// 4-byte encrypted length, then padding length, payload and at least 4
    /// bytes of padding up to a multiple of 8 (the length not counted, as
    /// with every AEAD cipher), then the 16-byte Poly1305 tag.
    static func encryptedBytes(payload: Int) -> Int {
        4 + (1 + payload + 4 + 7) / 8 * 8 + 16
    }

    /// Writes a binary packet's length and padding-length fields for a
    /// cleartext (pre-NEWKEYS) packet and zero padding; the caller writes
    /// `payloadBytes` from offset 5. Before keys, the whole packet with its
    /// length field is padded to a multiple of 8 with at least 4 bytes.
    static func cleartextPacket(_ packet: UnsafeMutablePointer<UInt8>, payloadBytes: Int) -> Int {
        var padding = 8 - (5 + payloadBytes) % 8
        if padding < 4 { padding += 8 }
        store32(packet, UInt32(1 + payloadBytes + padding))
        packet[4] = UInt8(padding)
        (packet + 5 + payloadBytes).update(repeating: 0, count: padding)
        return 5 + payloadBytes + padding
    }

    private static func writeNewKeys(_ packet: UnsafeMutablePointer<UInt8>) -> Int {
        let length = cleartextPacket(packet, payloadBytes: 1)
        packet[5] = 21
        return length
    }

    private func writeRandom(_ bytes: UnsafeMutablePointer<UInt8>, count: Int) {
        var index = 0
        while index < count {
            var bits = random.next()
            for _ in 0..<8 where index < count {
                bytes[index] = UInt8(truncatingIfNeeded: bits)
                bits >>= 8
                index += 1
            }
        }
    }

    /// A KEXINIT from its template with a fresh 16-byte cookie.
    private func sendKexInit(_ builder: PacketBuilder, fromAttacker: Bool, template: [UInt8]) {
        connection.send(builder, fromAttacker: fromAttacker, flags: [.psh, .ack]) { payload in
            let length = append(template, to: payload, at: 0)
            self.writeRandom(payload + 6, count: 16)
            return length
        }
    }

    /// KEX_ECDH_REPLY (31): the server's ed25519 host key, its curve25519
    /// key and the signature over the exchange hash; then NEWKEYS (21).
    private func writeECDHReply(_ packet: UnsafeMutablePointer<UInt8>) -> Int {
        let payloadBytes = 1 + (4 + 51) + (4 + 32) + (4 + 83)
        let length = Self.cleartextPacket(packet, payloadBytes: payloadBytes)
        var offset = 5
        packet[offset] = 31
        offset += 1
        store32(packet + offset, 51)
        offset = Self.writeEd25519Blob(packet, at: offset + 4, dataBytes: 32, fill: { self.hostKey($0) })
        store32(packet + offset, 32)
        writeRandom(packet + offset + 4, count: 32)
        offset += 4 + 32
        store32(packet + offset, 83)
        offset = Self.writeEd25519Blob(packet, at: offset + 4, dataBytes: 64, fill: { self.writeRandom($0, count: 64) })
        precondition(offset == 5 + payloadBytes)
        return length + Self.writeNewKeys(packet + length)
    }

    /// string "ssh-ed25519", then string of `dataBytes` (a key or a
    /// signature); returns the offset after.
    private static func writeEd25519Blob(_ packet: UnsafeMutablePointer<UInt8>, at start: Int, dataBytes: Int,
                                         fill: (UnsafeMutablePointer<UInt8>) -> Void) -> Int {
        store32(packet + start, UInt32(ed25519Name.count))
        var offset = append(ed25519Name, to: packet, at: start + 4)
        store32(packet + offset, UInt32(dataBytes))
        fill(packet + offset + 4)
        offset += 4 + dataBytes
        return offset
    }

    /// The server's host key: fixed per server, as a host key is.
    private func hostKey(_ key: UnsafeMutablePointer<UInt8>) {
        var mix = SplitMix64(seed: UInt64(victim))
        for word in 0..<4 { store64(key + 8 * word, mix.next()) }
    }

    static let ed25519Name: [UInt8] = Array("ssh-ed25519".utf8)
    static let clientBanner: [UInt8] = Array("SSH-2.0-libssh_0.10.6\r\n".utf8)
    static let serverBanner: [UInt8] = Array("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n".utf8)

    /// libssh 0.10's KEXINIT.
    static let clientKexInit = kexInit(
        kex: "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
            + "diffie-hellman-group18-sha512,diffie-hellman-group16-sha512,diffie-hellman-group-exchange-sha256,"
            + "diffie-hellman-group14-sha256,ext-info-c",
        hostKeys: "ssh-ed25519,ecdsa-sha2-nistp521,ecdsa-sha2-nistp384,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
        ciphers: "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr",
        macs: "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512",
        compression: "none")

    /// OpenSSH 9.2's KEXINIT.
    static let serverKexInit = kexInit(
        kex: "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
            + "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
            + "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com",
        hostKeys: "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
        ciphers: "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
        macs: "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
            + "hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
        compression: "none,zlib@openssh.com")

    /// A whole KEXINIT binary packet (RFC 4253 section 7.1) with a zero
    /// cookie: the same lists both ways, no languages, no guessed packet.
    static func kexInit(kex: String, hostKeys: String, ciphers: String, macs: String, compression: String) -> [UInt8] {
        var payload: [UInt8] = [20] + Array(repeating: 0, count: 16)
        for list in [kex, hostKeys, ciphers, ciphers, macs, macs, compression, compression, "", ""] {
            let bytes = Array(list.utf8)
            payload += withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { Array($0) } + bytes
        }
        payload += [0, 0, 0, 0, 0]
        var packet = [UInt8](repeating: 0, count: 5 + payload.count + 12)
        let length = packet.withUnsafeMutableBufferPointer { buffer in
            let length = cleartextPacket(buffer.baseAddress!, payloadBytes: payload.count)
            for (index, byte) in payload.enumerated() { buffer[5 + index] = byte }
            return length
        }
        return Array(packet[0..<length])
    }
}
