/// The state of one side of a TCP connection, as Zeek's `EndpointState`
/// (src/analyzer/protocol/tcp/TCP_Endpoint.h), which `conn_state` reads.
enum TCPEndpointState: UInt8, Sendable {
    /// Nothing seen from this side yet (or only a lone ACK of a SYN).
    case inactive
    /// SYN seen, no SYN-ACK yet.
    case synSent
    /// A SYN-ACK seen from this side without an earlier SYN from it.
    case synAckSent
    /// Data seen without a SYN: a connection picked up midstream.
    case partial
    /// SYN-ACK seen (implicitly for the side that sent the SYN).
    case established
    /// FIN seen.
    case closed
    /// RST seen.
    case reset
}

/// One side of a TCP connection: its state and the sequence bookkeeping
/// Zeek keeps per endpoint (TCP_Endpoint), reduced to what `conn_state`,
/// `history` and the payload byte counts depend on.
///
/// Sequence numbers are kept as Zeek keeps them: a 64-bit signed start so an
/// initial sequence number near 0 can underflow, the last and acknowledged
/// 32-bit numbers, and how often each has wrapped.
struct TCPEndpoint: Sendable {
    var state = TCPEndpointState.inactive
    var previousState = TCPEndpointState.inactive

    var startSequence: Int64 = 0
    /// One past the last sequence number this side sent.
    var lastSequence: UInt32 = 0
    /// The highest acknowledgement the peer sent for this side's data.
    var acknowledgedSequence: UInt32 = 0
    var sequenceWraps: UInt32 = 0
    var acknowledgementWraps: UInt32 = 0

    var finCount: UInt32 = 0

    /// Relative sequence numbers of the last SYN, FIN and RST, so a repeat
    /// at the same place is not recorded again in the history.
    /// Zeek keeps them in 64 bits; the low 32 tell positions apart unless
    /// they lie a multiple of 4 GiB apart, and save a flow 24 bytes.
    var lastSYNRelative: UInt32 = 0
    var lastFINRelative: UInt32 = 0
    var lastRSTRelative: UInt32 = 0

    /// Retransmissions so far and the count at which the next 'T' is
    /// written (1, 10, 100, ...): Zeek's ScaledHistoryEntry.
    var retransmissionCount: UInt32 = 0
    var retransmissionThreshold: UInt32 = 1

    /// Zeek's SetState: `previousState` only moves on a real change, which
    /// the FIN-after-RST rule relies on.
    mutating func setState(_ newState: TCPEndpointState) {
        guard newState != state else { return }
        previousState = state
        state = newState
    }

    var startSequence32: UInt32 { UInt32(truncatingIfNeeded: startSequence) }

    mutating func initialise(start: UInt32, last: UInt32) {
        startSequence = Int64(start)
        acknowledgedSequence = start
        lastSequence = last
    }

    mutating func updateLastSequence(_ sequence: UInt32) {
        if sequence < lastSequence { sequenceWraps &+= 1 }
        lastSequence = sequence
    }

    mutating func updateAcknowledgedSequence(_ sequence: UInt32) {
        if sequence < acknowledgedSequence { acknowledgementWraps &+= 1 }
        acknowledgedSequence = sequence
    }

    /// True if none of this side's data was acknowledged (the SYN's one
    /// octet aside).
    var noDataAcknowledged: Bool {
        let ack = UInt64(acknowledgementWraps) << 32 + UInt64(acknowledgedSequence)
        let start = UInt64(bitPattern: startSequence)
        return ack == start || ack == start &+ 1
    }

    /// Payload bytes sent, from sequence numbers (Zeek's TCP_Endpoint::Size,
    /// which conn.log reports as orig_bytes / resp_bytes): the furthest of
    /// the last sequence sent and the last acknowledged, less the start and
    /// the SYN and FIN octets.
    func payloadBytes(peerState: TCPEndpointState) -> UInt64 {
        // A half-open connection found and aborted: its sequence numbers
        // say nothing about data, which could not have been sent.
        if previousState == .synSent && state == .reset && peerState == .inactive && !noDataAcknowledged {
            return 0
        }
        let last = UInt64(sequenceWraps) << 32 + UInt64(lastSequence)
        let acknowledged = UInt64(acknowledgementWraps) << 32 + UInt64(acknowledgedSequence)
        var size = max(last, acknowledged) &- UInt64(bitPattern: startSequence)
        if size != 0 { size -= 1 }
        if finCount > 0 && size != 0 { size -= 1 }
        return size
    }
}

/// Signed distance between two 32-bit sequence numbers (RFC 1982 style).
@inline(__always)
func sequenceDelta(_ a: UInt32, _ b: UInt32) -> Int32 {
    Int32(bitPattern: a &- b)
}
