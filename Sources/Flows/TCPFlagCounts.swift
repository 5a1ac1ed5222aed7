/// How many segments of a flow, both directions together, carried each TCP
/// flag. A SYN with ACK counts as `synAck`, not as `syn`.
struct TCPFlagCounts: Sendable {
    var syn: UInt32 = 0
    var synAck: UInt32 = 0
    var fin: UInt32 = 0
    var rst: UInt32 = 0
    var psh: UInt32 = 0
    var ack: UInt32 = 0
    var urg: UInt32 = 0
    var ece: UInt32 = 0
    var cwr: UInt32 = 0

    mutating func add(_ flags: UInt8) {
        let bits = TCPFlags(flags)
        if bits.syn {
            if bits.ack { synAck &+= 1 } else { syn &+= 1 }
        }
        if bits.fin { fin &+= 1 }
        if bits.rst { rst &+= 1 }
        if bits.psh { psh &+= 1 }
        if bits.ack { ack &+= 1 }
        if bits.urg { urg &+= 1 }
        if bits.ece { ece &+= 1 }
        if bits.cwr { cwr &+= 1 }
    }
}
