/// Zeek's TCP connection tracking for one connection, fed segment by
/// segment: the endpoint state machine of Zeek's TCPSessionAdapter
/// (src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc), so flow records
/// carry the same `conn_state` and `history` as Zeek's conn.log.
///
/// Pure and allocation-free per segment. What it leaves out, because packet
/// records do not carry it or it needs stream reassembly: the 'c' (bad
/// checksum), 'g' (content gap), 'w' (zero window) and 'x' letters, weirds
/// and events, and timers (the flow table owns time).
///
/// Roles. The caller's originator is whoever the flow table chose; pass
/// `rolesFlippedAtCreation` when the table, like Zeek's port heuristic,
/// oriented the flow against its first packet, so the history starts with
/// '^' as Zeek's does. Zeek also swaps the roles by itself when a SYN
/// follows a SYN-ACK from the other side (a reordered handshake): then
/// `rolesReversed` turns true, `history` gets a '^', and `connState`,
/// `history` and the byte counts speak of the caller's responder as the
/// originator. Keep passing directions relative to the caller's original
/// orientation.
public struct TCPConnectionState: Sendable {
    /// The side the caller calls the originator, and the other one.
    private var callerOriginator = TCPEndpoint()
    private var callerResponder = TCPEndpoint()
    private var recorded = TCPHistory()
    /// True once a RST was seen from either side.
    public private(set) var sawRST = false

    /// True once Zeek swapped originator and responder after seeing the
    /// handshake the wrong way round.
    public private(set) var rolesReversed = false

    /// Zeek's rejection of absurd sequence jumps on SYN, RST and ACK 0.
    private static let tooLargeSequenceDelta: Int32 = 1_048_576

    public init() {}

    /// - Parameter rolesFlippedAtCreation: the flow table oriented the flow
    ///   against its first packet (Zeek's FlipRoles at connection creation),
    ///   which Zeek records as a leading '^'.
    public init(rolesFlippedAtCreation: Bool) {
        if rolesFlippedAtCreation { recorded.add(UInt8(ascii: "^")) }
    }

    public var connState: ConnState {
        ConnState.tcp(originator: zeekOriginator, responder: zeekResponder, history: recorded)
    }

    /// Zeek's history letters: upper case from the originator, lower case
    /// from the responder.
    public var history: String { recorded.string }

    /// True once both sides sent FIN, or a RST was seen: the flow table then
    /// ends the flow after a short linger.
    public var isFinished: Bool {
        sawRST || (callerOriginator.finCount > 0 && callerResponder.finCount > 0)
    }

    /// Payload bytes the originator sent, from sequence numbers (conn.log
    /// `orig_bytes`).
    public var originatorPayloadBytes: UInt64 {
        zeekOriginator.payloadBytes(peerState: zeekResponder.state)
    }

    /// Payload bytes the responder sent, from sequence numbers (conn.log
    /// `resp_bytes`).
    public var responderPayloadBytes: UInt64 {
        zeekResponder.payloadBytes(peerState: zeekOriginator.state)
    }

    private var zeekOriginator: TCPEndpoint { rolesReversed ? callerResponder : callerOriginator }
    private var zeekResponder: TCPEndpoint { rolesReversed ? callerOriginator : callerResponder }

    /// One TCP segment of the connection. `fromOriginator` is the direction
    /// relative to the flow's originator as the flow table oriented it.
    /// `flags` is the TCP flags byte (FIN 1, SYN 2, RST 4, ACK 16).
    public mutating func observe(
        fromOriginator: Bool, flags: UInt8, payloadLength: Int,
        sequence: UInt32, acknowledgement: UInt32
    ) {
        var endpoint = fromOriginator ? callerOriginator : callerResponder
        var peer = fromOriginator ? callerResponder : callerOriginator
        process(
            fromCallerOriginator: fromOriginator, endpoint: &endpoint, peer: &peer,
            flags: TCPFlags(flags), length: Int32(clamping: max(0, payloadLength)),
            sequence: sequence, acknowledgement: acknowledgement)
        if fromOriginator {
            callerOriginator = endpoint
            callerResponder = peer
        } else {
            callerResponder = endpoint
            callerOriginator = peer
        }
    }

    // MARK: Zeek's TCPSessionAdapter::Process

    private mutating func process(
        fromCallerOriginator: Bool, endpoint: inout TCPEndpoint, peer: inout TCPEndpoint,
        flags: TCPFlags, length: Int32, sequence: UInt32, acknowledgement: UInt32
    ) {
        // Zeek's is_orig: the packet's direction in Zeek's current roles.
        let isOriginator = fromCallerOriginator != rolesReversed

        // Sequence space the segment takes: SYN and FIN one octet each; a
        // RST's data is not part of the stream.
        // Wrapping: a hostile payload_len near Int32.max must not trap, and
        // the result is used as a 32-bit sequence offset anyway.
        var segmentLength = length
        if flags.syn { segmentLength &+= 1 }
        if flags.fin { segmentLength &+= 1 }
        if flags.rst { segmentLength &-= length }
        let onePastSegment = sequence &+ UInt32(bitPattern: segmentLength)

        initialiseEndpoint(&endpoint, flags: flags, sequence: sequence, onePastSegment: onePastSegment)

        let relativeSequence = Self.relativeSequence(
            sequence, of: endpoint, last: endpoint.lastSequence, wraps: endpoint.sequenceWraps
        ).value
        recordHistory(flags: flags, endpoint: &endpoint, isOriginator: isOriginator,
                      relativeSequence: relativeSequence, length: length)

        if flags.fin { endpoint.finCount &+= 1 }
        if flags.rst { sawRST = true }

        if flags.ack {
            if peer.state == .inactive {
                // Number the peer as though its SYN had been seen, from
                // what this side acknowledges.
                peer.initialise(start: acknowledgement &- 1, last: acknowledgement &- 1)
            } else {
                let underflow = Self.relativeSequence(
                    acknowledgement, of: peer, last: peer.acknowledgedSequence,
                    wraps: peer.acknowledgementWraps
                ).underflow
                // Acknowledgements in RSTs are not trusted.
                if !underflow && !flags.rst {
                    let delta = sequenceDelta(acknowledgement, peer.acknowledgedSequence)
                    if acknowledgement == 0 && delta > Self.tooLargeSequenceDelta {
                        // More likely a broken ACK than a wrap landing on 0.
                    } else if delta > 0 {
                        peer.updateAcknowledgedSequence(acknowledgement)
                    }
                }
            }
        }

        updateLastSequence(
            &endpoint, onePastSegment, flags: flags, length: length, isOriginator: isOriginator)

        switch endpoint.state {
        case .inactive:
            updateInactive(endpoint: &endpoint, peer: &peer, isOriginator: isOriginator,
                           flags: flags, length: length, sequence: sequence)
        case .synSent, .synAckSent:
            if flags.fin { endpoint.setState(.closed) }
            if flags.rst { endpoint.setState(.reset) }
        case .established, .partial:
            updateEstablished(endpoint: &endpoint, peer: &peer, flags: flags)
        case .closed:
            // After a FIN exchange a RST changes nothing; otherwise it resets.
            if flags.rst && peer.state != .closed { endpoint.setState(.reset) }
        case .reset:
            break
        }
    }

    /// Zeek's init_endpoint: where this side's sequence numbering starts.
    private func initialiseEndpoint(
        _ endpoint: inout TCPEndpoint, flags: TCPFlags, sequence: UInt32, onePastSegment: UInt32
    ) {
        switch endpoint.state {
        case .inactive:
            if flags.syn {
                endpoint.initialise(start: sequence, last: onePastSegment)
            } else {
                // Midstream: number as though a SYN came just before, and
                // do not let this first segment count as a retransmission.
                endpoint.initialise(start: sequence &- 1, last: sequence)
            }
        case .synSent, .synAckSent:
            if flags.syn && sequence != endpoint.startSequence32 {
                endpoint.initialise(start: sequence, last: onePastSegment)
            }
        case .established, .partial:
            // A SYN inside a connection: guess this one really sets it up.
            if flags.syn { endpoint.initialise(start: sequence, last: onePastSegment) }
        case .reset:
            // A RST may have numbered this side; a later SYN from it means
            // the RST may have been injected, so trust the SYN.
            if flags.syn && endpoint.previousState == .inactive {
                endpoint.initialise(start: sequence, last: onePastSegment)
            }
        case .closed:
            break
        }
    }

    /// Zeek's get_relative_seq: `sequence` relative to the side's start,
    /// in 64 bits across wraps; `underflow` if it lies before the start.
    private static func relativeSequence(
        _ sequence: UInt32, of endpoint: TCPEndpoint, last: UInt32, wraps: UInt32
    ) -> (value: UInt64, underflow: Bool) {
        var wraps = wraps
        let delta = sequenceDelta(sequence, last)
        if delta < 0 {
            if wraps != 0 && sequence > last { wraps -= 1 }
        } else if delta > 0 {
            if sequence < last { wraps &+= 1 }
        }
        if wraps == 0 {
            let fromStart = sequenceDelta(sequence, endpoint.startSequence32)
            return (UInt64(bitPattern: Int64(fromStart)), fromStart < 0)
        }
        let full = UInt64(wraps) << 32 + UInt64(sequence)
        return (full &- UInt64(bitPattern: endpoint.startSequence), false)
    }

    /// Zeek's update_history: s h a d f r i q once per kind and direction,
    /// except that S/H, F and R are written again when they come at a new
    /// sequence number.
    private mutating func recordHistory(
        flags: TCPFlags, endpoint: inout TCPEndpoint, isOriginator: Bool,
        relativeSequence: UInt64, length: Int32
    ) {
        func check(_ mask: UInt32, _ letter: UInt8) -> Bool {
            recorded.check(isOriginator ? mask : mask << 16, Self.cased(letter, isOriginator))
        }
        func add(_ letter: UInt8) {
            recorded.add(Self.cased(letter, isOriginator))
        }

        let controlBits = (flags.syn ? 1 : 0) + (flags.fin ? 1 : 0) + (flags.rst ? 1 : 0)
        if controlBits > 1 {
            if flags.fin && flags.rst {
                _ = check(TCPHistoryMask.finRST, UInt8(ascii: "I"))
            } else {
                _ = check(TCPHistoryMask.multiFlag, UInt8(ascii: "Q"))
            }
        } else if controlBits == 1 {
            if flags.syn {
                let letter = flags.ack ? UInt8(ascii: "H") : UInt8(ascii: "S")
                if check(TCPHistoryMask.syn, letter) && UInt32(truncatingIfNeeded: relativeSequence) != endpoint.lastSYNRelative {
                    add(letter)
                }
                endpoint.lastSYNRelative = UInt32(truncatingIfNeeded: relativeSequence)
            }
            if flags.fin {
                // A FIN's place is after the segment's data.
                let place = relativeSequence &+ UInt64(length)
                if check(TCPHistoryMask.fin, UInt8(ascii: "F")) && UInt32(truncatingIfNeeded: place) != endpoint.lastFINRelative {
                    add(UInt8(ascii: "F"))
                }
                endpoint.lastFINRelative = UInt32(truncatingIfNeeded: place)
            }
            if flags.rst {
                if check(TCPHistoryMask.rst, UInt8(ascii: "R")) && UInt32(truncatingIfNeeded: relativeSequence) != endpoint.lastRSTRelative {
                    add(UInt8(ascii: "R"))
                }
                endpoint.lastRSTRelative = UInt32(truncatingIfNeeded: relativeSequence)
            }
        } else if length > 0 {
            _ = check(TCPHistoryMask.data, UInt8(ascii: "D"))
        } else if flags.ack {
            _ = check(TCPHistoryMask.ack, UInt8(ascii: "A"))
        }
    }

    /// Upper case for the originator, lower case for the responder.
    private static func cased(_ upper: UInt8, _ isOriginator: Bool) -> UInt8 {
        isOriginator ? upper : upper | 0x20
    }

    /// Zeek's update_last_seq, which also spots retransmitted payload ('t').
    private mutating func updateLastSequence(
        _ endpoint: inout TCPEndpoint, _ onePastSegment: UInt32, flags: TCPFlags,
        length: Int32, isOriginator: Bool
    ) {
        let delta = sequenceDelta(onePastSegment, endpoint.lastSequence)
        if (flags.syn || flags.rst)
            && (delta > Self.tooLargeSequenceDelta || delta < -Self.tooLargeSequenceDelta) {
            // An outlandish jump on a SYN or RST is not trusted.
        } else if flags.fin && endpoint.lastSequence == endpoint.startSequence32 &+ 1 {
            // Only the SYN and now the FIN seen: take the FIN's number even
            // if it looks like a step back (a connection over 2 GB).
            endpoint.updateLastSequence(onePastSegment)
        } else if endpoint.state == .reset {
            // Nothing after a RST is trusted.
        } else if delta > 0 {
            endpoint.updateLastSequence(onePastSegment)
        } else if length > 0 {
            recordRetransmission(&endpoint, isOriginator: isOriginator)
        }
    }

    /// Zeek's ScaledHistoryEntry for 't': written at the 1st, 10th, 100th,
    /// ... retransmission.
    private mutating func recordRetransmission(_ endpoint: inout TCPEndpoint, isOriginator: Bool) {
        endpoint.retransmissionCount &+= 1
        guard endpoint.retransmissionCount == endpoint.retransmissionThreshold else { return }
        recorded.add(Self.cased(UInt8(ascii: "T"), isOriginator))
        let (next, overflow) = endpoint.retransmissionThreshold.multipliedReportingOverflow(by: 10)
        if overflow {
            endpoint.retransmissionCount = 0
        } else {
            endpoint.retransmissionThreshold = next
        }
    }

    // MARK: Zeek's UpdateStateMachine

    /// Zeek's UpdateInactiveState: the first segment from this side.
    private mutating func updateInactive(
        endpoint: inout TCPEndpoint, peer: inout TCPEndpoint, isOriginator: Bool,
        flags: TCPFlags, length: Int32, sequence: UInt32
    ) {
        if flags.syn {
            if isOriginator {
                endpoint.setState(flags.ack ? .synAckSent : .synSent)
            } else {
                if !flags.ack && peer.state == .synAckSent && sequence == endpoint.startSequence32 {
                    // The originator's SYN-ACK came before this SYN: the
                    // handshake was seen reversed, so swap the roles.
                    rolesReversed.toggle()
                    recorded.add(UInt8(ascii: "^"))
                    peer.setState(.established)
                }
                if peer.state == .synSent { peer.setState(.established) }
                endpoint.setState(.established)
            }
        }
        if flags.fin { endpoint.setState(.closed) }
        if flags.rst { endpoint.setState(.reset) }

        if endpoint.state == .inactive {
            if !isOriginator && length == 0 && peer.state == .synSent {
                // Some stacks ACK a SYN before answering it: not yet a
                // partial connection.
            } else if flags.ack && peer.state == .established {
                // The SYN was missed but the SYN-ACK and this ACK were not.
                endpoint.setState(.established)
            } else {
                endpoint.setState(.partial)
            }
        }
    }

    /// Zeek's UpdateEstablishedState (also for partial connections).
    private func updateEstablished(endpoint: inout TCPEndpoint, peer: inout TCPEndpoint, flags: TCPFlags) {
        if flags.syn && endpoint.state == .partial && peer.state == .inactive && !flags.ack {
            endpoint.setState(.synSent)
        }
        if flags.fin && !flags.rst {
            endpoint.setState(.closed)
            if peer.state == .reset && peer.previousState == .closed {
                // The peer sent FIN then RST: that was a normal close.
                peer.setState(.closed)
            }
        }
        if flags.rst { endpoint.setState(.reset) }
    }
}
