/// Zeek's connection history letters, stored inline so recording one costs
/// no allocation (a flow table holds one per live connection).
///
/// Zeek lets the string grow without bound; here it holds at most
/// `capacity` letters and later ones are dropped. Only repeated control
/// packets at new sequence numbers, role flips and retransmission decades
/// repeat letters, so real connections stay far below the bound.
struct TCPHistory: Sendable {
    static let capacity = 48

    private var letters = SIMD64<UInt8>()
    private(set) var count = 0
    /// Which (letter kind, direction) pairs were recorded once already:
    /// Zeek's `hist_seen`, with the responder's bits 16 above the
    /// originator's.
    private var seen: UInt32 = 0

    mutating func add(_ letter: UInt8) {
        guard count < Self.capacity else { return }
        letters[count] = letter
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

    func letter(at index: Int) -> UInt8 { letters[index] }

    var string: String {
        String(unsafeUninitializedCapacity: count) { buffer in
            for index in 0..<count { buffer[index] = letters[index] }
            return count
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
