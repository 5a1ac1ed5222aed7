/// The sequence of packet lengths and times (SPLT) of a flow's first
/// packets, as NFStream and Joy export it: length, direction and gap to the
/// previous packet of each of the first `capacity`.
///
/// Lengths above 65535 bytes (segmentation offload) are kept as 65535;
/// gaps are whole microseconds, up to about 71 minutes.
struct FirstPackets: Sendable {
    static let capacity = 10

    // Tuples rather than SIMD vectors: no alignment padding in the flow.
    private var lengths: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private var gaps: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// Bit i set: packet i went from the responder to the originator.
    private var responderBits: UInt16 = 0
    private(set) var count: UInt8 = 0

    mutating func add(length: UInt32, fromOriginator: Bool, gapNanoseconds: Int64) {
        guard count < Self.capacity else { return }
        let index = Int(count)
        withUnsafeMutableBytes(of: &lengths) {
            $0.storeBytes(of: UInt16(clamping: length), toByteOffset: 2 * index, as: UInt16.self)
        }
        withUnsafeMutableBytes(of: &gaps) {
            $0.storeBytes(of: UInt32(clamping: max(0, gapNanoseconds) / 1000), toByteOffset: 4 * index, as: UInt32.self)
        }
        if !fromOriginator { responderBits |= 1 << index }
        count += 1
    }

    /// Exchanges the roles of originator and responder in the directions.
    mutating func swapDirections() {
        responderBits ^= UInt16(1 << Int(count)) &- 1
    }

    func length(_ index: Int) -> UInt16 {
        withUnsafeBytes(of: lengths) { $0.load(fromByteOffset: 2 * index, as: UInt16.self) }
    }

    func gapMicroseconds(_ index: Int) -> UInt32 {
        withUnsafeBytes(of: gaps) { $0.load(fromByteOffset: 4 * index, as: UInt32.self) }
    }

    /// 0 from the originator, 1 from the responder (NFStream's convention).
    func direction(_ index: Int) -> Int { Int(responderBits >> index & 1) }
}
