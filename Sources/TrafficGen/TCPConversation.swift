/// The bookkeeping of a TCP connection that an attack scripts step by step
/// (a connect scan's handshake, a password guess, a slowloris socket):
/// each side's sequence number and IP identifier, so that every segment
/// acknowledges exactly what the other side has sent and analysers see no
/// gaps.
///
/// Acknowledging everything sent so far is right as long as the script
/// respects causality: a victim's packet comes after the attacker's it
/// answers (the victim is next to the capture point), and an attacker's a
/// round trip after the victim's it reacts to. The scripts keep to that.
struct TCPConversation {
    var ends: Endpoints
    private(set) var attackerSequence: UInt32
    private(set) var victimSequence: UInt32
    private var attackerIPID: UInt16
    private var victimIPID: UInt16

    /// Receive windows as Linux advertises them: 64240 in a SYN, 65160 in a
    /// SYN-ACK, and scaled windows of some 64 KB after.
    static let synWindow: UInt16 = 64240
    static let synAckWindow: UInt16 = 65160
    static let attackerWindow: UInt16 = 502
    static let victimWindow: UInt16 = 509

    init(ends: Endpoints, random: inout SeededRandom) {
        self.ends = ends
        attackerSequence = UInt32(truncatingIfNeeded: random.next())
        victimSequence = UInt32(truncatingIfNeeded: random.next())
        attackerIPID = UInt16(truncatingIfNeeded: random.next())
        victimIPID = UInt16(truncatingIfNeeded: random.next())
    }

    /// Sends one segment with no payload but `tailBytes` of fill (encrypted
    /// data whose content does not matter).
    mutating func send(_ builder: PacketBuilder, fromAttacker: Bool, flags: PacketBuilder.TCPFlags,
                       tailBytes: Int = 0) {
        send(builder, fromAttacker: fromAttacker, flags: flags, tailBytes: tailBytes) { _ in 0 }
    }

    /// Sends `bytes` (a banner, a command) as the segment's payload.
    mutating func send(_ builder: PacketBuilder, fromAttacker: Bool, flags: PacketBuilder.TCPFlags, bytes: [UInt8]) {
        send(builder, fromAttacker: fromAttacker, flags: flags) { payload in append(bytes, to: payload, at: 0) }
    }

    /// Sends a segment whose payload `write` puts at the given address,
    /// returning its length; `tailBytes` of fill follow it. SYN and FIN
    /// count one sequence number each, as TCP has it.
    mutating func send(_ builder: PacketBuilder, fromAttacker: Bool, flags: PacketBuilder.TCPFlags,
                       tailBytes: Int = 0, write: (UnsafeMutablePointer<UInt8>) -> Int) {
        let ipID: UInt16
        if fromAttacker { ipID = attackerIPID; attackerIPID &+= 1 } else { ipID = victimIPID; victimIPID &+= 1 }
        let isSYN = flags.contains(.syn)
        let window: UInt16
        if isSYN {
            window = flags.contains(.ack) ? Self.synAckWindow : Self.synWindow
        } else if flags.contains(.rst) {
            window = 0
        } else {
            window = fromAttacker ? Self.attackerWindow : Self.victimWindow
        }
        let sequence = fromAttacker ? attackerSequence : victimSequence
        let acknowledgement = flags.contains(.ack) ? (fromAttacker ? victimSequence : attackerSequence) : 0
        let payload = builder.beginTCP(ends, fromClient: fromAttacker, ipID: ipID, sequence: sequence,
                                       acknowledgement: acknowledgement, flags: flags, window: window)
        let payloadBytes = write(payload)
        builder.finishTCP(payloadBytes: payloadBytes, tailBytes: tailBytes)
        let advance = UInt32(payloadBytes + tailBytes) &+ (isSYN ? 1 : 0) &+ (flags.contains(.fin) ? 1 : 0)
        if fromAttacker { attackerSequence &+= advance } else { victimSequence &+= advance }
    }
}

/// Copies `bytes` to `pointer + offset` and returns the offset after them:
/// for payloads assembled from a few pieces without building a String.
@inline(__always)
func append(_ bytes: [UInt8], to pointer: UnsafeMutablePointer<UInt8>, at offset: Int) -> Int {
    bytes.withUnsafeBufferPointer { source in
        if let base = source.baseAddress { (pointer + offset).update(from: base, count: source.count) }
    }
    return offset + bytes.count
}

/// Writes `value` in decimal at `pointer + offset`; returns the offset after.
@inline(__always)
func appendDecimal(_ value: Int, to pointer: UnsafeMutablePointer<UInt8>, at offset: Int) -> Int {
    var digits = 1
    var rest = value / 10
    while rest > 0 { digits += 1; rest /= 10 }
    var remaining = value
    for index in stride(from: digits - 1, through: 0, by: -1) {
        pointer[offset + index] = UInt8(48 + remaining % 10)
        remaining /= 10
    }
    return offset + digits
}
