/// Zeek's connection history letters, stored inline so recording one costs
/// no allocation (a flow table holds one per live connection).
///
/// Zeek lets the string grow without bound; here it holds at most
/// `capacity` letters and later ones are dropped. Only repeated control
/// packets at new sequence numbers, role flips and retransmission decades
/// repeat letters, so real connections stay far below the bound.
struct TCPHistory: Sendable {
    static let capacity = 32

    /// 32 bytes of letters: a tuple, not a SIMD vector, for 8-byte alignment
    /// and no padding in the flow.
    private var letters: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private(set) var count = 0 as UInt8
    /// Which (letter kind, direction) pairs were recorded once already:
    /// Zeek's `hist_seen`, with the responder's bits 16 above the
    /// originator's.
    private var seen: UInt32 = 0

    mutating func add(_ letter: UInt8) {
        guard count < Self.capacity else { return }
        withUnsafeMutableBytes(of: &letters) { $0[Int(count)] = letter }
        count += 1
    }

    /// Zeek's CheckHistory: records the letter the first time the kind is
    /// seen and returns false; returns true if it was seen before.
    mutating func check(_ mask: UInt32, _ letter: UInt8) -> Bool {
        if seen & mask != 0 { return true }
        seen |= mask
        add(letter)
        return false
    }

    func letter(at index: Int) -> UInt8 {
        withUnsafeBytes(of: letters) { $0[index] }
    }

    var string: String {
        withUnsafeBytes(of: letters) { bytes in
            String(decoding: bytes.prefix(Int(count)), as: UTF8.self)
        }
    }
}

/// The kinds Zeek records once per direction (TCP_Endpoint::HistoryMasks),
/// for the originator; the responder's are shifted 16 bits up.
enum TCPHistoryMask {
    static let syn: UInt32 = 0x1
    static let fin: UInt32 = 0x2
    static let rst: UInt32 = 0x4
    static let finRST: UInt32 = 0x8
    static let data: UInt32 = 0x10
    static let ack: UInt32 = 0x20
    static let multiFlag: UInt32 = 0x40
}
