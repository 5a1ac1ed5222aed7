/// A TCP connection as the capture point next to the client sees it:
/// handshake, one or more request/response exchanges, then a FIN close by
/// either side or, for about one in ten, a reset.
///
/// Timing follows a simple but believable model. Data goes in rounds of a
/// congestion window that starts at ten segments and doubles each round;
/// segments in a round are spaced by the bottleneck's serialisation time;
/// the receiver acknowledges every second segment. Because the capture
/// point is next to the client, whatever the client sends or acknowledges
/// appears a few microseconds after its trigger, while the server's
/// reactions appear a full round-trip later. Sequence and acknowledgement
/// numbers follow the bytes exactly, so analysers see no gaps.
final class TCPSession: Session {
    private(set) var nextTime: Int64
    private var ends: Endpoints
    private var random: SeededRandom
    private let service: Service
    private let roundTripNs: Int64
    /// How long the client's stack takes to react to a packet.
    private let clientDelayNs: Int64
    /// Time one full-sized segment takes on the bottleneck link.
    private let segmentGapNs: Int64
    private let mss: Int

    private var clientSequence: UInt32
    private var serverSequence: UInt32
    private var clientIPID: UInt16
    private var serverIPID: UInt16
    private var exchangesLeft: Int
    private var isFirstExchange = true
    private var pendingResponseBytes = 0

    private enum Phase {
        case syn, synAck, handshakeAck
        case segment, clientAck, serverAcks
        case finFirst, finSecond, finLastAck, reset
    }
    private var phase = Phase.syn

    // The transfer in progress.
    private var senderIsClient = false
    private var bytesLeft = 0
    private var congestionWindow = 0
    private var sentInRound = 0
    private var roundStart: Int64 = 0
    private var roundFirstAck: Int64 = -1
    private var roundSequenceStart: UInt32 = 0
    private var unackedSegments = 0
    private var lastSegmentTime: Int64 = 0
    private var serverAcksDue = 0
    private var serverAcksSent = 0

    // How the connection ends.
    private var closerIsClient = true

    private static let initialWindowSegments = 10
    private static let maximumWindowSegments = 512

    init(start: Int64, ends: Endpoints, service: Service, roundTripNs: Int64, random: SeededRandom) {
        self.nextTime = start
        self.ends = ends
        self.service = service
        self.roundTripNs = roundTripNs
        self.random = random
        clientDelayNs = Int64(self.random.logUniform(15_000, 300_000))
        // Bottleneck between 10 Mb/s and 1 Gb/s: 12 µs to 1.2 ms per 1514-byte frame.
        segmentGapNs = Int64(self.random.logUniform(12_000, 1_200_000))
        mss = ends.isIPv6 ? 1440 : 1460
        clientSequence = UInt32(truncatingIfNeeded: self.random.next())
        serverSequence = UInt32(truncatingIfNeeded: self.random.next())
        clientIPID = UInt16(truncatingIfNeeded: self.random.next())
        serverIPID = UInt16(truncatingIfNeeded: self.random.next())
        exchangesLeft = 1 + Int(self.random.exponential(mean: service.meanExchanges - 1))
    }

    func emit(into builder: PacketBuilder) -> Bool {
        let now = nextTime
        switch phase {
        case .syn:
            send(builder, fromClient: true, flags: .syn, acknowledgement: 0, window: 64240)
            clientSequence &+= 1
            phase = .synAck
            nextTime = now + roundTripNs

        case .synAck:
            send(builder, fromClient: false, flags: [.syn, .ack], acknowledgement: clientSequence, window: 65160)
            serverSequence &+= 1
            phase = .handshakeAck
            nextTime = now + clientDelayNs

        case .handshakeAck:
            send(builder, fromClient: true, flags: .ack)
            startExchange(at: now + (service.serverSpeaksFirst ? roundTripNs + 200_000 : clientDelayNs))

        case .segment:
            emitSegment(builder, now: now)

        case .clientAck:
            send(builder, fromClient: true, flags: .ack)
            unackedSegments = 0
            if roundFirstAck < 0 { roundFirstAck = now }
            if bytesLeft == 0 {
                transferDone(at: now)
            } else if sentInRound == congestionWindow {
                startRound(at: max(now, roundFirstAck + roundTripNs))
            } else {
                phase = .segment
                nextTime = max(now, lastSegmentTime + segmentGapNs)
            }

        case .serverAcks:
            // Acknowledges the first 2(i+1) segments of the round.
            let roundBytes = Int(clientSequence &- roundSequenceStart)
            let acked = min(2 * (serverAcksSent + 1) * mss, roundBytes)
            send(builder, fromClient: false, flags: .ack, acknowledgement: roundSequenceStart &+ UInt32(acked))
            serverAcksSent += 1
            if serverAcksSent < serverAcksDue {
                nextTime = max(now, roundStart + roundTripNs + Int64(2 * serverAcksSent + 1) * segmentGapNs)
            } else if bytesLeft == 0 {
                transferDone(at: now)
            } else {
                startRound(at: now + clientDelayNs)
            }

        case .finFirst:
            send(builder, fromClient: closerIsClient, flags: [.fin, .ack])
            if closerIsClient { clientSequence &+= 1 } else { serverSequence &+= 1 }
            phase = .finSecond
            nextTime = now + (closerIsClient ? roundTripNs : clientDelayNs)

        case .finSecond:
            send(builder, fromClient: !closerIsClient, flags: [.fin, .ack])
            if closerIsClient { serverSequence &+= 1 } else { clientSequence &+= 1 }
            phase = .finLastAck
            nextTime = now + (closerIsClient ? clientDelayNs : roundTripNs)

        case .finLastAck:
            send(builder, fromClient: closerIsClient, flags: .ack)
            return false

        case .reset:
            send(builder, fromClient: closerIsClient, flags: [.rst, .ack])
            return false
        }
        return true
    }

    // MARK: Transfers

    private func emitSegment(_ builder: PacketBuilder, now: Int64) {
        let length = min(mss, bytesLeft)
        let isLast = length == bytesLeft
        send(builder, fromClient: senderIsClient, flags: isLast ? [.ack, .psh] : .ack, payloadBytes: length)
        if senderIsClient { clientSequence &+= UInt32(length) } else { serverSequence &+= UInt32(length) }
        bytesLeft -= length
        sentInRound += 1
        lastSegmentTime = now

        if !senderIsClient {
            // The client acknowledges every second segment, and the last.
            unackedSegments += 1
            if unackedSegments == 2 || isLast {
                phase = .clientAck
                nextTime = now + clientDelayNs
            } else if sentInRound == congestionWindow {
                startRound(at: max(now, roundFirstAck + roundTripNs))
            } else {
                nextTime = now + segmentGapNs
            }
            return
        }
        // The server's acknowledgements for this round arrive a round-trip
        // later, after the whole round; the last segment of a request gets
        // none of its own, since the response carries the acknowledgement.
        if sentInRound == congestionWindow || isLast {
            serverAcksDue = isLast ? (sentInRound - 1) / 2 : sentInRound / 2
            serverAcksSent = 0
            if serverAcksDue > 0 {
                phase = .serverAcks
                nextTime = max(now, roundStart + roundTripNs + segmentGapNs)
            } else {
                transferDone(at: now)
            }
        } else {
            nextTime = now + segmentGapNs
        }
    }

    private func startTransfer(fromClient: Bool, bytes: Int, at time: Int64) {
        senderIsClient = fromClient
        bytesLeft = bytes
        congestionWindow = Self.initialWindowSegments
        sentInRound = 0
        roundStart = time
        roundFirstAck = -1
        roundSequenceStart = fromClient ? clientSequence : serverSequence
        unackedSegments = 0
        phase = .segment
        nextTime = max(time, nextTime)
    }

    private func startRound(at time: Int64) {
        congestionWindow = min(congestionWindow * 2, Self.maximumWindowSegments)
        sentInRound = 0
        roundStart = time
        roundFirstAck = -1
        roundSequenceStart = senderIsClient ? clientSequence : serverSequence
        phase = .segment
        nextTime = max(time, nextTime)
    }

    private func transferDone(at time: Int64) {
        if senderIsClient {
            let processingNs = Int64(random.logUniform(50_000, 30_000_000))
            startTransfer(fromClient: false, bytes: max(1, pendingResponseBytes), at: time + roundTripNs + processingNs)
            return
        }
        exchangesLeft -= 1
        if exchangesLeft > 0 {
            let thinkNs = Int64(random.logUniform(service.thinkSeconds.low, service.thinkSeconds.high) * 1e9)
            startExchange(at: time + thinkNs)
        } else {
            startClose(at: time + Int64(random.logUniform(0.001, 5) * 1e9))
        }
    }

    private func startExchange(at time: Int64) {
        if isFirstExchange && service.serverSpeaksFirst {
            // The banner: a short line or two from the server.
            isFirstExchange = false
            exchangesLeft += 1
            startTransfer(fromClient: false, bytes: random.int(20...120), at: time)
            return
        }
        isFirstExchange = false
        pendingResponseBytes = service.responseBytes(&random)
        startTransfer(fromClient: true, bytes: max(1, service.requestBytes(&random)), at: time)
    }

    private func startClose(at time: Int64) {
        let roll = random.unit()
        if roll < 0.1 {
            // Resets come mostly from clients abandoning a connection.
            closerIsClient = random.chance(0.7)
            phase = .reset
        } else {
            closerIsClient = roll < 0.7
            phase = .finFirst
        }
        // A server-side close is seen when it arrives.
        nextTime = max(nextTime, closerIsClient ? time : time + roundTripNs / 2)
    }

    // MARK: Packets

    private func send(_ builder: PacketBuilder, fromClient: Bool, flags: PacketBuilder.TCPFlags,
                      acknowledgement: UInt32? = nil, window: UInt16? = nil, payloadBytes: Int = 0) {
        let ipID: UInt16
        if fromClient { ipID = clientIPID; clientIPID &+= 1 } else { ipID = serverIPID; serverIPID &+= 1 }
        let sequence = fromClient ? clientSequence : serverSequence
        let ack = acknowledgement ?? (fromClient ? serverSequence : clientSequence)
        builder.tcp(ends, fromClient: fromClient, ipID: ipID, sequence: sequence, acknowledgement: ack,
                    flags: flags, window: window ?? (fromClient ? 502 : 509), payloadBytes: payloadBytes,
                    mss: UInt16(mss))
    }
}
