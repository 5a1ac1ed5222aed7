/// SplitMix64 (Steele, Lea and Flood): a tiny, fast, seeded generator with
/// a fixed algorithm, so the same seed gives the same numbers on every
/// machine and Swift release. Benchmarks, randomised tests (which print the
/// seed of a failure) and the traffic generator's seeding use it; the
/// standard library's generator is neither seeded nor stable.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
