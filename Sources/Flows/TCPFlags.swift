/// The bits of a TCP flags byte (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32,
/// ECE 64, CWR 128).
struct TCPFlags: Sendable {
    let byte: UInt8

    init(_ byte: UInt8) { self.byte = byte }

    var fin: Bool { byte & 0x01 != 0 }
    var syn: Bool { byte & 0x02 != 0 }
    var rst: Bool { byte & 0x04 != 0 }
    var psh: Bool { byte & 0x08 != 0 }
    var ack: Bool { byte & 0x10 != 0 }
    var urg: Bool { byte & 0x20 != 0 }
    var ece: Bool { byte & 0x40 != 0 }
    var cwr: Bool { byte & 0x80 != 0 }
}
