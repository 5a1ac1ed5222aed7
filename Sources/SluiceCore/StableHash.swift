/// A 64-bit hash of bytes that is the same on every machine, process and
/// Swift release, unlike the standard library's per-process seeded
/// `Hasher`: sketches built by different processes (window5s today,
/// cascade tomorrow, on other sensors) must agree register for register.
///
/// Words of 8 bytes are folded in with a multiply and rotate, the length
/// and the last partial word too, and SplitMix64's finaliser spreads every
/// input bit over the result, so the top bits (a HyperLogLog's register
/// index) and the run of leading zeros after them are uniform.
public enum StableHash {
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var h = seed ^ 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15
        var offset = 0
        while offset + 8 <= bytes.count {
            h = fold(h, bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for index in offset..<bytes.count { tail |= UInt64(bytes[index]) << (8 * (index - offset)) }
            h = fold(h, tail ^ 0x8000_0000_0000_0000)
        }
        return finalize(h)
    }

    /// The hash of one integer (a port, an address word), without bytes.
    @inlinable
    public static func hash(_ value: UInt64, seed: UInt64 = 0) -> UInt64 {
        finalize(fold(seed ^ 0x13198A2E03707344, value))
    }

    public static func hash(_ text: String, seed: UInt64 = 0) -> UInt64 {
        var copy = text
        return copy.withUTF8 { hash(UnsafeRawBufferPointer($0), seed: seed) }
    }

    @inlinable @inline(__always)
    static func fold(_ h: UInt64, _ word: UInt64) -> UInt64 {
        let mixed = (word &* 0x87C3_7B91_1142_53D5)
        let rotated = (mixed << 31) | (mixed >> 33)
        return ((h ^ (rotated &* 0x4CF5_AD43_2745_937F)) << 27 | (h ^ (rotated &* 0x4CF5_AD43_2745_937F)) >> 37) &* 5 &+ 0x52DC_E729
    }

    @inlinable @inline(__always)
    static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
