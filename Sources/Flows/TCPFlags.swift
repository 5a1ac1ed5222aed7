/// The control bits of a TCP flags byte that the state machine reads.
struct TCPFlags: Sendable {
    let syn: Bool
    let fin: Bool
    let rst: Bool
    let ack: Bool

    init(_ byte: UInt8) {
        fin = byte & 0x01 != 0
        syn = byte & 0x02 != 0
        rst = byte & 0x04 != 0
        ack = byte & 0x10 != 0
    }
}
