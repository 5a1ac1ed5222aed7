/// Zeek's conn.log `conn_state`: a summary of how a connection began and
/// ended, with Zeek's spellings as raw values.
public enum ConnState: String, Sendable, CaseIterable {
    /// Connection attempt seen, no reply.
    case s0 = "S0"
    /// Established, not terminated.
    case s1 = "S1"
    /// Normal establishment and termination.
    case sf = "SF"
    /// Connection attempt rejected.
    case rej = "REJ"
    /// Established, close attempt by the originator only.
    case s2 = "S2"
    /// Established, close attempt by the responder only.
    case s3 = "S3"
    /// Established, originator aborted (sent a RST).
    case rsto = "RSTO"
    /// Responder sent a RST.
    case rstr = "RSTR"
    /// Originator sent a SYN then a RST; no SYN-ACK seen.
    case rstos0 = "RSTOS0"
    /// Responder sent a SYN-ACK then a RST; no SYN seen.
    case rstrh = "RSTRH"
    /// Originator sent a SYN then a FIN; no SYN-ACK seen ("half" open).
    case sh = "SH"
    /// Responder sent a SYN-ACK then a FIN; no SYN seen.
    case shr = "SHR"
    /// No SYN seen, only midstream traffic.
    case oth = "OTH"
}

extension ConnState {
    /// Zeek's `conn_state` function (scripts/base/protocols/conn/main.zeek)
    /// for TCP, over the two endpoints as Zeek orients them.
    static func tcp(
        originator: TCPEndpoint, responder: TCPEndpoint, history: TCPHistory
    ) -> ConnState {
        let os = originator.state
        let rs = responder.state
        let originatorInactive = os == .inactive || os == .partial
        let responderInactive = rs == .inactive || rs == .partial

        if rs == .reset {
            if os == .synSent || os == .synAckSent
                || (os == .reset
                    && originator.payloadBytes(peerState: rs) == 0
                    && responder.payloadBytes(peerState: os) == 0) {
                return .rej
            }
            return originatorInactive ? .rstrh : .rstr
        }
        if os == .reset {
            if responderInactive {
                return matchesSYNThenRST(history) ? .rstos0 : .oth
            }
            return .rsto
        }
        if rs == .closed && os == .closed { return .sf }
        if os == .closed { return responderInactive ? .sh : .s2 }
        if rs == .closed { return originatorInactive ? .shr : .s3 }
        if os == .synSent && rs == .inactive { return .s0 }
        if os == .established && rs == .established { return .s1 }
        return .oth
    }

    /// Zeek's whole-string match of the history against
    /// `/\^?S[^HAFGIQ]*R.*/`: an originator SYN, then an originator RST with
    /// no originator SYN-ACK, ACK, FIN, gap, FIN+RST or multi-flag packet
    /// between them.
    private static func matchesSYNThenRST(_ history: TCPHistory) -> Bool {
        var index = 0
        if index < Int(history.count) && history.letter(at: index) == UInt8(ascii: "^") { index += 1 }
        guard index < Int(history.count) && history.letter(at: index) == UInt8(ascii: "S") else { return false }
        index += 1
        while index < Int(history.count) {
            switch history.letter(at: index) {
            case UInt8(ascii: "R"):
                return true
            case UInt8(ascii: "H"), UInt8(ascii: "A"), UInt8(ascii: "F"),
                 UInt8(ascii: "G"), UInt8(ascii: "I"), UInt8(ascii: "Q"):
                return false
            default:
                index += 1
            }
        }
        return false
    }
}
