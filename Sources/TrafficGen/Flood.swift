/// Floods: a steady stream of packets at the victim, thousands a second,
/// as hping3 and `ping -f` send them. One session carries the whole flood,
/// so a flood costs no allocation per packet.
///
/// - syn_flood (hping3 -S --flood --rand-source -p 80): SYNs from random
///   public-looking sources and ports, no options, hping3's window of 64.
///   All come from one machine, so they share one TTL, a mark spoofing
///   leaves. The victim answers none: its backlog is full and SYN cookies
///   are off, the state the flood aims for.
/// - udp_flood (hping3 --udp --flood): datagrams of 0 to 64 bytes of 'X'
///   from one source and random source ports to one port. A closed port
///   answers ICMP port unreachable within Linux's rate limit (six, then
///   one a second); an open one (53, 123, 161) answers nothing.
/// - icmp_flood (ping -f): echo requests with ping's 56-byte payload. Linux
///   does not rate-limit echo replies (they are outside icmp_ratemask), so
///   the victim answers every one, tens of microseconds later; only if more
///   than `AnswerQueue.capacity` answers were due at once would it drop some.
final class FloodSession: Session {
    private enum Kind { case syn, udp, icmp }

    private(set) var nextTime: Int64
    private let kind: Kind
    /// nil: a new random source for every packet.
    private let attacker: UInt32?
    private var ends: Endpoints
    private var nextSendTime: Int64
    private let endTime: Int64
    private let meanGapNs: Double
    private var random: SeededRandom
    private var attackerIPID: UInt16
    private var victimIPID: UInt16
    private let identifier: UInt16
    private var sequence: UInt16 = 0
    private let victimPortIsOpen: Bool
    private var icmpLimit = ICMPRateLimit()
    private var answers = AnswerQueue()

    /// hping3's default TCP window.
    static let hpingWindow: UInt16 = 64
    static let udpFill = UInt8(ascii: "X")

    init(spec: AttackSpec, start: Int64, random: SeededRandom) {
        self.random = random
        switch spec.kind {
        case .synFlood: kind = .syn
        case .udpFlood: kind = .udp
        default: kind = .icmp
        }
        attacker = spec.attacker
        let path = AttackerPath(attacker: spec.attacker ?? AttackKind.externalAttacker, random: &self.random)
        let port = kind == .icmp ? 0 : spec.port ?? 80
        ends = AttackEnds.endpoints(attacker: spec.attacker ?? 0, attackerTTL: path.ttl, attackerPort: 0,
                                    victim: spec.victim, victimPort: port)
        victimPortIsOpen = VictimNetwork.openUDPPorts.contains(port)
        attackerIPID = UInt16(truncatingIfNeeded: self.random.next())
        victimIPID = UInt16(truncatingIfNeeded: self.random.next())
        identifier = UInt16(truncatingIfNeeded: self.random.next())
        nextTime = start
        nextSendTime = start
        endTime = start + spec.duration_ns
        meanGapNs = 1e9 / spec.rate
    }

    func emit(into builder: PacketBuilder) -> Bool {
        if let due = answers.firstTime, due < nextSendTime {
            sendAnswer(builder)
            answers.removeFirst()
        } else {
            sendFloodPacket(builder, at: nextSendTime)
            let next = nextSendTime + AttackEnds.jitteredGapNs(meanNs: meanGapNs, &random)
            nextSendTime = next < endTime ? next : Int64.max
        }
        nextTime = min(nextSendTime, answers.firstTime ?? Int64.max)
        return nextTime != Int64.max
    }

    private func sendFloodPacket(_ builder: PacketBuilder, at now: Int64) {
        let ipID = attackerIPID
        attackerIPID &+= 1
        switch kind {
        case .syn:
            ends.clientIPv4 = attacker ?? AttackEnds.publicLookingAddress(&random)
            ends.clientPort = UInt16(random.int(1024...65535))
            builder.tcp(ends, fromClient: true, ipID: attacker == nil ? UInt16(truncatingIfNeeded: random.next()) : ipID,
                        sequence: UInt32(truncatingIfNeeded: random.next()), acknowledgement: 0, flags: .syn,
                        window: Self.hpingWindow, payloadBytes: 0, options: PacketBuilder.TCPOptions.none,
                        dontFragment: false)
        case .udp:
            ends.clientPort = UInt16(random.int(1024...65535))
            let payloadBytes = random.int(0...64)
            let payload = builder.beginUDP(ends, fromClient: true, ipID: ipID, dontFragment: false)
            payload.update(repeating: Self.udpFill, count: payloadBytes)
            builder.finishUDP(payloadBytes: payloadBytes)
            let answerTime = now + AttackEnds.victimDelayNs(&random)
            if !victimPortIsOpen && icmpLimit.allows(at: answerTime) {
                answers.append(time: answerTime, sentAt: now, sequence: 0, quoting: builder,
                               count: 28 + payloadBytes)
            }
        case .icmp:
            sequence &+= 1
            let payload = builder.beginEcho(ends, fromClient: true, ipID: ipID, isReply: false,
                                            identifier: identifier, sequence: sequence)
            ICMPEcho.writePayload(payload, sentAt: now)
            builder.finishICMP(payloadBytes: ICMPEcho.payloadBytes)
            answers.append(time: now + AttackEnds.victimDelayNs(&random), sentAt: now, sequence: sequence,
                           quoting: builder, count: 0)
        }
    }

    private func sendAnswer(_ builder: PacketBuilder) {
        let ipID = victimIPID
        victimIPID &+= 1
        switch kind {
        case .udp:
            answers.withFirstQuote { quote in
                builder.icmpError(ends, fromClient: false, ipID: ipID, type: 3, code: 3, quoting: quote)
            }
        default:
            let payload = builder.beginEcho(ends, fromClient: false, ipID: ipID, isReply: true,
                                            identifier: identifier, sequence: answers.firstSequence)
            ICMPEcho.writePayload(payload, sentAt: answers.firstSentAt)
            builder.finishICMP(payloadBytes: ICMPEcho.payloadBytes)
        }
    }
}

/// The victim's answers still to be sent, first due first: a ring of
/// fixed capacity allocated once, holding each answer's time, what it
/// answers, and for an ICMP error the bytes it quotes.
///
/// Times are kept non-decreasing (an answer is never due before the one
/// queued ahead of it), so the ring's head is always the earliest.
struct AnswerQueue {
    static let capacity = 1024
    /// Room for a quoted IP header, UDP header and 64 bytes of payload.
    static let quoteBytes = 96

    private var times: [Int64]
    private var sentAt: [Int64]
    private var sequences: [UInt16]
    private var quoteCounts: [Int]
    private var quotes: [UInt8]
    private var head = 0
    private var count = 0

    init() {
        times = Array(repeating: 0, count: Self.capacity)
        sentAt = times
        sequences = Array(repeating: 0, count: Self.capacity)
        quoteCounts = Array(repeating: 0, count: Self.capacity)
        quotes = Array(repeating: 0, count: Self.capacity * Self.quoteBytes)
    }

    var firstTime: Int64? { count == 0 ? nil : times[head] }
    var firstSentAt: Int64 { sentAt[head] }
    var firstSequence: UInt16 { sequences[head] }

    /// Queues an answer due at `time`, quoting the first `count` bytes from
    /// the IP header on of the frame in `builder`. A full queue drops it: a
    /// victim that far behind is overwhelmed.
    mutating func append(time: Int64, sentAt requestTime: Int64, sequence: UInt16, quoting builder: PacketBuilder,
                         count quoteCount: Int) {
        guard count < Self.capacity else { return }
        let slot = (head + count) % Self.capacity
        let previous = count == 0 ? Int64.min : times[(slot + Self.capacity - 1) % Self.capacity]
        times[slot] = max(time, previous)
        sentAt[slot] = requestTime
        sequences[slot] = sequence
        quoteCounts[slot] = quoteCount
        if quoteCount > 0 {
            quotes.withUnsafeMutableBytes {
                builder.copyIPv4Start(into: $0.baseAddress! + slot * Self.quoteBytes, count: quoteCount)
            }
        }
        count += 1
    }

    mutating func removeFirst() {
        head = (head + 1) % Self.capacity
        count -= 1
    }

    func withFirstQuote<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        quotes.withUnsafeBytes { all in
            body(UnsafeRawBufferPointer(rebasing: all[(head * Self.quoteBytes)..<(head * Self.quoteBytes + quoteCounts[head])]))
        }
    }
}
