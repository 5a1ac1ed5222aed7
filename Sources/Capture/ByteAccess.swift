/// Big-endian reads from packet bytes. Callers check bounds first; these
/// only spare the noise of unaligned loads and byte swaps.
extension UnsafeRawBufferPointer {
    @inlinable
    func u8(_ offset: Int) -> UInt8 { self[offset] }

    @inlinable
    func u16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable
    func u32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable
    func u16LittleEndian(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable
    func u32LittleEndian(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
