/// One probe of a port scan and whatever it draws from the victim: the
/// unit that vertical scans (many ports of one host) and horizontal scans
/// (one port of many hosts) are made of.
///
/// The probes are what nmap sends. Raw probes (SYN, FIN, NULL, Xmas, UDP)
/// come from one source port for the whole scan, without don't-fragment,
/// with window 1024 and, for SYN, the MSS option alone. A connect scan goes
/// through the attacker's kernel: a full Linux SYN from a fresh ephemeral
/// port, and after the handshake nmap's close with a reset.
///
/// The answers are what Linux gives (RFC 793 for the resets): an open port
/// answers SYN with SYN-ACK, which the SYN scanner's kernel (which knows no
/// such connection) resets; a closed port resets, with sequence 0 and the
/// probe's sequence plus its SYN or FIN as acknowledgement. FIN, NULL and
/// Xmas probes to an open port are dropped silently. A closed UDP port
/// answers ICMP port unreachable quoting the probe, when the rate limit
/// lets it.
final class PortProbe: Session {
    enum Technique { case syn, connect, fin, null, xmas, udp }

    enum Answer {
        /// TCP: SYN-ACK to a SYN; nothing to FIN, NULL, Xmas.
        case open
        /// TCP: RST-ACK. UDP: ICMP port unreachable.
        case closed
        /// No host, a filtered port, or an ICMP answer the limit withheld.
        case silent
    }

    private(set) var nextTime: Int64
    private var ends: Endpoints
    private let technique: Technique
    private let answer: Answer
    private let victimDelayNs: Int64
    private let roundTripNs: Int64
    private var random: SeededRandom
    private var step = 0
    private let probeSequence: UInt32
    private let victimSequence: UInt32
    private var attackerIPID: UInt16
    private var victimIPID: UInt16
    private var connection: TCPConversation?
    /// The UDP probe's IP and UDP headers, which the ICMP error quotes.
    private var quotedProbe: (UInt64, UInt64, UInt64, UInt32) = (0, 0, 0, 0)
    static let quotedUDPProbeBytes = 28

    /// nmap's raw probes advertise this window.
    static let rawProbeWindow: UInt16 = 1024

    init(start: Int64, ends: Endpoints, technique: Technique, answer: Answer, victimDelayNs: Int64,
         roundTripNs: Int64, random: SeededRandom) {
        nextTime = start
        self.ends = ends
        self.technique = technique
        self.answer = answer
        self.victimDelayNs = victimDelayNs
        self.roundTripNs = roundTripNs
        self.random = random
        probeSequence = UInt32(truncatingIfNeeded: self.random.next())
        victimSequence = UInt32(truncatingIfNeeded: self.random.next())
        attackerIPID = UInt16(truncatingIfNeeded: self.random.next())
        victimIPID = UInt16(truncatingIfNeeded: self.random.next())
        if technique == .connect { connection = TCPConversation(ends: ends, random: &self.random) }
    }

    func emit(into builder: PacketBuilder) -> Bool {
        defer { step += 1 }
        switch step {
        case 0:
            sendProbe(builder)
            let answered: Bool
            switch technique {
            case .syn, .connect: answered = answer != .silent
            case .fin, .null, .xmas, .udp: answered = answer == .closed
            }
            nextTime += victimDelayNs
            return answered
        case 1:
            if answer == .closed {
                sendRefusal(builder)
                return false
            }
            if technique == .connect {
                connection!.send(builder, fromAttacker: false, flags: [.syn, .ack])
            } else {
                builder.tcp(ends, fromClient: false, ipID: victimIPID, sequence: victimSequence,
                            acknowledgement: probeSequence &+ 1, flags: [.syn, .ack],
                            window: TCPConversation.synWindow, payloadBytes: 0, options: .mss)
            }
            nextTime += roundTripNs
            return true
        case 2:
            if technique == .connect {
                connection!.send(builder, fromAttacker: true, flags: .ack)
                // nmap closes the socket the moment connect() returns.
                nextTime += Int64(random.logUniform(20_000, 100_000))
                return true
            }
            // The SYN scanner's kernel resets a SYN-ACK it never asked for.
            builder.tcp(ends, fromClient: true, ipID: 0, sequence: probeSequence &+ 1, acknowledgement: 0,
                        flags: .rst, window: 0, payloadBytes: 0)
            return false
        default:
            connection!.send(builder, fromAttacker: true, flags: [.rst, .ack])
            return false
        }
    }

    private func sendProbe(_ builder: PacketBuilder) {
        let flags: PacketBuilder.TCPFlags
        switch technique {
        case .connect:
            connection!.send(builder, fromAttacker: true, flags: .syn)
            return
        case .udp:
            // nmap sends most UDP probes empty.
            _ = builder.beginUDP(ends, fromClient: true, ipID: attackerIPID, dontFragment: false)
            builder.finishUDP(payloadBytes: 0)
            withUnsafeMutableBytes(of: &quotedProbe) {
                builder.copyIPv4Start(into: $0.baseAddress!, count: Self.quotedUDPProbeBytes)
            }
            return
        case .syn: flags = .syn
        case .fin: flags = .fin
        case .null: flags = []
        case .xmas: flags = [.fin, .psh, .urg]
        }
        builder.tcp(ends, fromClient: true, ipID: attackerIPID, sequence: probeSequence, acknowledgement: 0,
                    flags: flags, window: Self.rawProbeWindow, payloadBytes: 0,
                    options: technique == .syn ? .mss : PacketBuilder.TCPOptions.none, dontFragment: false)
    }

    /// A closed port's answer.
    private func sendRefusal(_ builder: PacketBuilder) {
        switch technique {
        case .udp:
            withUnsafeBytes(of: &quotedProbe) { quoted in
                builder.icmpError(ends, fromClient: false, ipID: victimIPID, type: 3, code: 3,
                                  quoting: UnsafeRawBufferPointer(rebasing: quoted[0..<Self.quotedUDPProbeBytes]))
            }
        case .connect:
            // The handshake never started on the victim's side: sequence 0.
            let probe = connection!.attackerSequence
            builder.tcp(ends, fromClient: false, ipID: victimIPID, sequence: 0, acknowledgement: probe,
                        flags: [.rst, .ack], window: 0, payloadBytes: 0)
        case .syn, .fin, .xmas:
            builder.tcp(ends, fromClient: false, ipID: victimIPID, sequence: 0, acknowledgement: probeSequence &+ 1,
                        flags: [.rst, .ack], window: 0, payloadBytes: 0)
        case .null:
            builder.tcp(ends, fromClient: false, ipID: victimIPID, sequence: 0, acknowledgement: probeSequence,
                        flags: [.rst, .ack], window: 0, payloadBytes: 0)
        }
    }
}
