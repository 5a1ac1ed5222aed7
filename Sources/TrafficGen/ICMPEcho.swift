/// A run of pings from a client: echo requests one second apart with one
/// identifier and rising sequence numbers, each answered a round-trip later
/// (ICMP for IPv4, ICMPv6 for IPv6).
///
/// The 56-byte payload is what Linux `ping` sends: the send time as a
/// 16-byte timeval, then the bytes 0x10, 0x11, …; the reply echoes it.
final class ICMPEcho: Session {
    private(set) var nextTime: Int64
    private let ends: Endpoints
    private let identifier: UInt16
    private let roundTripNs: Int64
    private let count: Int
    private var sequence: UInt16 = 1
    private var awaitingReply = false
    private var requestTime: Int64 = 0
    private var clientIPID: UInt16
    private var serverIPID: UInt16

    static let payloadBytes = 56

    /// Writes Linux ping's payload for a request sent at `time` (epoch
    /// nanoseconds): the time as a struct timeval in the sender's
    /// (little-endian) byte order, then the bytes 0x10, 0x11, ….
    static func writePayload(_ payload: UnsafeMutablePointer<UInt8>, sentAt time: Int64) {
        let raw = UnsafeMutableRawPointer(payload)
        raw.storeBytes(of: UInt64(time / 1_000_000_000).littleEndian, as: UInt64.self)
        raw.storeBytes(of: UInt64((time % 1_000_000_000) / 1000).littleEndian, toByteOffset: 8, as: UInt64.self)
        for index in 16..<payloadBytes { payload[index] = UInt8(index) }
    }

    init(start: Int64, ends: Endpoints, roundTripNs: Int64, random: SeededRandom) {
        var random = random
        self.nextTime = start
        self.ends = ends
        self.roundTripNs = roundTripNs
        identifier = UInt16(truncatingIfNeeded: random.next())
        clientIPID = UInt16(truncatingIfNeeded: random.next())
        serverIPID = UInt16(truncatingIfNeeded: random.next())
        count = random.chance(0.5) ? random.int(1...4) : random.int(4...10)
    }

    func emit(into builder: PacketBuilder) -> Bool {
        let isReply = awaitingReply
        if !isReply { requestTime = nextTime }
        let ipID: UInt16
        if isReply { ipID = serverIPID; serverIPID &+= 1 } else { ipID = clientIPID; clientIPID &+= 1 }
        let payload = builder.beginEcho(ends, fromClient: !isReply, ipID: ipID, isReply: isReply,
                                        identifier: identifier, sequence: sequence)
        Self.writePayload(payload, sentAt: requestTime)
        builder.finishICMP(payloadBytes: Self.payloadBytes)

        if isReply {
            awaitingReply = false
            if Int(sequence) >= count { return false }
            sequence &+= 1
            nextTime = requestTime + 1_000_000_000
        } else {
            awaitingReply = true
            nextTime += roundTripNs
        }
        return true
    }
}
