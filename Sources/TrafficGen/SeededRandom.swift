import SluiceCore

/// The generator's only source of randomness: xoshiro256** seeded through
/// SplitMix64.
///
/// Not `SystemRandomNumberGenerator` and not the standard library's
/// `random(in:using:)` helpers: the file must be byte-identical for the same
/// `--seed` across Swift releases, so the algorithm and every derived draw
/// (bounded integers, uniform doubles) are spelled out here. Only `exp` and
/// `log` come from the C library, whose results glibc keeps correctly rounded
/// in practice; another libm could in principle differ in a last bit.
public struct SeededRandom: Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// Expands one 64-bit seed into the 256-bit state with SplitMix64, as the
    /// xoshiro authors recommend: nearby seeds give unrelated streams.
    public init(seed: UInt64) {
        var mix = SplitMix64(seed: seed)
        s0 = mix.next(); s1 = mix.next(); s2 = mix.next(); s3 = mix.next()
    }

    /// A child stream for one session, so that what one session draws never
    /// shifts the draws of another (a later scenario can be added without
    /// changing the background traffic that precedes it).
    @inlinable
    public mutating func fork() -> SeededRandom {
        SeededRandom(seed: next())
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in `0..<bound` by Lemire's multiply-shift; the tiny bias for
    /// bounds far below 2^64 does not matter for traffic shapes.
    @inlinable
    public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in `range`.
    @inlinable
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in [0, 1) with 53 bits.
    @inlinable
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// True with probability `p`.
    @inlinable
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Exponential with the given mean: gaps between independent arrivals.
    @inlinable
    public mutating func exponential(mean: Double) -> Double {
        -mean * log1mUnit()
    }

    /// Pareto with minimum `minimum` and shape `alpha`: heavy-tailed sizes,
    /// so a few sessions carry most bytes, as on real links.
    @inlinable
    public mutating func pareto(minimum: Double, alpha: Double) -> Double {
        minimum * exp(-log1mUnit() / alpha)
    }

    /// Uniform in [low, high) on a log scale: delays that span decades.
    @inlinable
    public mutating func logUniform(_ low: Double, _ high: Double) -> Double {
        low * exp(unit() * log(high / low))
    }

    /// Shuffles in place by Fisher-Yates with this generator's own bounded
    /// draws, so the order is the same on every platform and release.
    public mutating func shuffle<Element>(_ elements: inout [Element]) {
        var index = elements.count - 1
        while index > 0 {
            elements.swapAt(index, below(index + 1))
            index -= 1
        }
    }

    /// log(1 - u) for uniform u, never log(0).
    @inlinable
    mutating func log1mUnit() -> Double {
        log(1 - unit())
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
