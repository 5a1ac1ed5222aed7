import Testing
@testable import Flows

/// Plays a TCP conversation into a TCPConnectionState with realistic
/// sequence numbers: each side sends from its own next sequence number and
/// acknowledges everything the other side sent so far.
private struct Wire {
    static let FIN: UInt8 = 1, SYN: UInt8 = 2, RST: UInt8 = 4, PSH: UInt8 = 8, ACK: UInt8 = 16

    var state: TCPConnectionState
    var originatorNext: UInt32 = 1_000_000
    var responderNext: UInt32 = 3_000_000_000
    /// What each side acknowledges: only sequence space it has seen.
    var originatorSawResponder = false
    var responderSawOriginator = false

    init(flippedAtCreation: Bool = false) {
        state = flippedAtCreation ? TCPConnectionState(rolesFlippedAtCreation: true) : TCPConnectionState()
    }

    /// A segment from the originator; `resend` reuses the previous sequence
    /// number (a retransmission of the last `length` bytes).
    mutating func o(_ flags: UInt8, _ length: Int = 0, resend: Bool = false) {
        send(fromOriginator: true, flags, length, resend: resend)
    }

    mutating func r(_ flags: UInt8, _ length: Int = 0, resend: Bool = false) {
        send(fromOriginator: false, flags, length, resend: resend)
    }

    private mutating func send(fromOriginator: Bool, _ flags: UInt8, _ length: Int, resend: Bool) {
        var sequence = fromOriginator ? originatorNext : responderNext
        var used = UInt32(length)
        if flags & Self.SYN != 0 { used += 1 }
        if flags & Self.FIN != 0 { used += 1 }
        if flags & Self.RST != 0 { used = 0 }
        if resend { sequence &-= used }
        let acknowledgement: UInt32 = flags & Self.ACK == 0 ? 0
            : (fromOriginator ? responderNext : originatorNext)
        state.observe(fromOriginator: fromOriginator, flags: flags, payloadLength: length,
                      sequence: sequence, acknowledgement: acknowledgement)
        if !resend {
            if fromOriginator { originatorNext &+= used } else { responderNext &+= used }
        }
    }

    var summary: String { "\(state.connState.rawValue) \(state.history)" }
}

private let FIN = Wire.FIN, SYN = Wire.SYN, RST = Wire.RST, PSH = Wire.PSH, ACK = Wire.ACK

@Suite struct TCPConnectionStateTests {
    // MARK: Every conn_state value (rules of conn_state() in
    // scripts/base/protocols/conn/main.zeek, endpoint transitions of
    // TCPSessionAdapter::UpdateStateMachine)

    @Test func s0SYNOnly() {
        // os SYN_SENT, rs INACTIVE -> "S0".
        var w = Wire()
        w.o(SYN)
        #expect(w.summary == "S0 S")
        #expect(!w.state.isFinished)
    }

    @Test func s0RetransmittedSYNAtSameSequenceIsOneLetter() {
        // update_history: 'S' again only if the SYN's relative seq differs.
        var w = Wire()
        w.o(SYN)
        w.o(SYN, resend: true)
        #expect(w.summary == "S0 S")
    }

    @Test func rejSYNThenResponderRSTACK() {
        // rs RESET while os SYN_SENT -> "REJ"; Zeek logs rejected attempts
        // as "Sr" (also nmap's SYN scan and connect scan of a closed port).
        var w = Wire()
        w.o(SYN)
        w.r(RST | ACK)
        #expect(w.summary == "REJ Sr")
        #expect(w.state.isFinished)
    }

    @Test func sfNormalConnection() {
        // Both endpoints CLOSED -> "SF"; the letters follow update_history
        // (first S, h, A, D, a, d, F, f; the last ACK repeats 'A').
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.o(PSH | ACK, 10)
        w.r(ACK)
        w.r(PSH | ACK, 20)
        w.o(FIN | ACK)
        #expect(!w.state.isFinished)
        w.r(FIN | ACK)
        w.o(ACK)
        #expect(w.summary == "SF ShADadFf")
        #expect(w.state.isFinished)
        // TCP_Endpoint::Size: sequence span less the SYN and FIN octets.
        #expect(w.state.originatorPayloadBytes == 10)
        #expect(w.state.responderPayloadBytes == 20)
    }

    @Test func s1Established() {
        // os and rs ESTABLISHED -> "S1".
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.o(PSH | ACK, 5)
        w.r(PSH | ACK, 5)
        #expect(w.summary == "S1 ShADd")
    }

    @Test func s2OriginatorCloseOnly() {
        // os CLOSED, rs not inactive -> "S2".
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.o(FIN | ACK)
        #expect(w.summary == "S2 ShAF")
        #expect(!w.state.isFinished)
    }

    @Test func s3ResponderCloseOnly() {
        // rs CLOSED, os not inactive -> "S3".
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.r(FIN | ACK)
        #expect(w.summary == "S3 ShAf")
    }

    @Test func rstoOriginatorAborts() {
        // os RESET, rs established -> "RSTO".
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.o(PSH | ACK, 10)
        w.o(RST | ACK)
        #expect(w.summary == "RSTO ShADR")
        #expect(w.state.isFinished)
    }

    @Test func rstrResponderAborts() {
        // rs RESET, os neither SYN_SENT nor inactive -> "RSTR".
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.r(PSH | ACK, 10)
        w.r(RST | ACK)
        #expect(w.summary == "RSTR ShAdr")
    }

    @Test func rstos0SYNThenOriginatorRST() {
        // Baseline scripts.base.protocols.conn.conn_state-RST-behavior:
        // syn-then-rst.pcap -> "SR, RSTOS0".
        var w = Wire()
        w.o(SYN)
        w.o(RST)
        #expect(w.summary == "RSTOS0 SR")
    }

    @Test func rstrhSYNACKThenRSTFromResponder() {
        // rs RESET, os inactive -> "RSTRH": the responder's SYN-ACK (the
        // flow table oriented the flow against it; Zeek's FlipRoles writes
        // '^') and then its RST.
        var w = Wire(flippedAtCreation: true)
        w.r(SYN | ACK)
        w.r(RST)
        #expect(w.summary == "RSTRH ^hr")
    }

    @Test func shSYNThenFIN() {
        // os CLOSED, rs inactive -> "SH".
        var w = Wire()
        w.o(SYN)
        w.o(FIN)
        #expect(w.summary == "SH SF")
    }

    @Test func shrSYNACKThenFINFromResponder() {
        // rs CLOSED, os inactive -> "SHR".
        var w = Wire(flippedAtCreation: true)
        w.r(SYN | ACK)
        w.r(FIN | ACK)
        #expect(w.summary == "SHR ^hf")
    }

    @Test func othMidstream() {
        // Both endpoints PARTIAL -> none of the rules -> "OTH".
        var w = Wire()
        w.o(PSH | ACK, 100)
        w.r(ACK)
        w.r(PSH | ACK, 50)
        #expect(w.summary == "OTH Dad")
        #expect(!w.state.isFinished)
    }

    // MARK: conn_state-RST-behavior baseline
    // (testing/btest/Baseline/scripts.base.protocols.conn.conn_state-RST-behavior/out)

    @Test func baselineSingleRST() {
        // single-rst.pcap -> "R, OTH": history does not start with S.
        var w = Wire()
        w.o(RST)
        #expect(w.summary == "OTH R")
    }

    @Test func baselineSYNThenACKThenRST() {
        // syn-then-ack-then-rst.pcap -> "SaR, RSTOS0": the responder's bare
        // ACK of a SYN leaves it inactive (UpdateInactiveState).
        var w = Wire()
        w.o(SYN)
        w.r(ACK)
        w.o(RST)
        #expect(w.summary == "RSTOS0 SaR")
    }

    @Test func baselineSYNThenStuffThenRST() {
        // syn-then-stuff-then-rst.pcap -> "SaFR, OTH": the F excludes
        // RSTOS0 by the /\^?S[^HAFGIQ]*R.*/ rule.
        var w = Wire()
        w.o(SYN)
        w.r(ACK)
        w.o(FIN)
        w.o(RST)
        #expect(w.summary == "OTH SaFR")
    }

    // MARK: nmap patterns

    @Test func nmapSYNScanOpenPort() {
        // S, SA, then the scanner's RST: rs ESTABLISHED, os RESET -> "RSTO".
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(RST)
        #expect(w.summary == "RSTO ShR")
    }

    @Test func nmapConnectScanOpenPort() {
        // Full handshake, then the kernel's RST on close -> "RSTO".
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.o(RST | ACK)
        #expect(w.summary == "RSTO ShAR")
    }

    @Test func nmapConnectScanClosedPort() {
        // Same packets as a SYN scan of a closed port -> "REJ".
        var w = Wire()
        w.o(SYN)
        w.r(RST | ACK)
        #expect(w.summary == "REJ Sr")
    }

    @Test func nmapFINScanNoReply() {
        // A lone FIN: os CLOSED, rs inactive -> "SH".
        var w = Wire()
        w.o(FIN)
        #expect(w.summary == "SH F")
    }

    @Test func nmapFINScanClosedPort() {
        // FIN, then the responder's RST: rs RESET, os CLOSED -> "RSTR".
        var w = Wire()
        w.o(FIN)
        w.r(RST | ACK)
        #expect(w.summary == "RSTR Fr")
        #expect(w.state.isFinished)
    }

    // MARK: Other history rules (update_history, update_last_seq,
    // ScaledHistoryEntry, FlipRoles in TCPSessionAdapter.cc / Conn.cc)

    @Test func retransmissionsAreLogarithmic() {
        // 'T' at the 1st, 10th and 100th retransmission (ScaledHistoryEntry
        // with base 10, documented for 't' in the history letters).
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.o(PSH | ACK, 10)
        w.o(PSH | ACK, 10, resend: true)
        #expect(w.state.history == "ShADT")
        for _ in 2...9 { w.o(PSH | ACK, 10, resend: true) }
        #expect(w.state.history == "ShADT")
        w.o(PSH | ACK, 10, resend: true)
        #expect(w.state.history == "ShADTT")
        for _ in 11...100 { w.o(PSH | ACK, 10, resend: true) }
        #expect(w.state.history == "ShADTTT")
        w.r(PSH | ACK, 10)
        w.r(PSH | ACK, 10, resend: true)
        #expect(w.summary == "S1 ShADTTTdt")
    }

    @Test func repeatedFINOnlyWhenItsPlaceMoves() {
        // 'F' again only if seq + len differs from the last FIN's.
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.o(FIN | ACK)
        w.o(FIN | ACK, resend: true)
        #expect(w.state.history == "ShAF")
    }

    @Test func finRSTIsInconsistent() {
        // FIN+RST -> 'I'; the RST resets the originator -> "RSTO".
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.o(FIN | RST | ACK)
        #expect(w.summary == "RSTO ShAI")
    }

    @Test func synFINIsMultiFlag() {
        // SYN+FIN -> 'Q'; SYN_SENT then CLOSED, responder inactive -> "SH".
        var w = Wire()
        w.o(SYN | FIN)
        #expect(w.summary == "SH Q")
    }

    @Test func finThenRSTThenPeerFINIsNormalClose() {
        // UpdateEstablishedState: a peer that sent FIN then RST goes back
        // to CLOSED when the other side FINs -> "SF".
        var w = Wire()
        w.o(SYN)
        w.r(SYN | ACK)
        w.o(ACK)
        w.o(FIN | ACK)
        w.o(RST)
        w.r(FIN | ACK)
        #expect(w.summary == "SF ShAFRf")
    }

    @Test func bothResetWithoutDataIsRejected() {
        // rs RESET, os RESET and both sizes 0 -> "REJ".
        var w = Wire()
        w.o(SYN)
        w.o(RST)
        w.r(RST | ACK)
        #expect(w.summary == "REJ SRr")
    }

    @Test func reversedHandshakeFlipsRoles() {
        // UpdateInactiveState: a SYN after the other side's SYN-ACK is a
        // SYN/SYN-ACK reversal; FlipRoles appends '^' and the SYN's sender
        // becomes the originator.
        var w = Wire()
        w.o(SYN | ACK)
        w.r(SYN)
        #expect(w.state.rolesReversed)
        #expect(w.summary == "S1 Hs^")
        w.r(ACK)  // now from Zeek's originator: upper case
        #expect(w.state.history == "Hs^A")
    }

    @Test func synACKFirstWithoutFlipThenRSTIsReject() {
        // Orienting by the first packet (no flip): the SYN-ACK's sender is
        // the originator in SYN_ACK_SENT; the peer's RST is a reject.
        var w = Wire()
        w.o(SYN | ACK)
        w.r(RST)
        #expect(w.summary == "REJ Hr")
    }
}
