import Testing
@testable import SluiceCore

/// Percentiles for windows that merge: the 1 % precision, the merge law,
/// and the compact encoding.
@Suite struct PercentileSketchTests {
    static func sketch(_ values: some Sequence<UInt64>, digits: Int = 2) -> PercentileSketch {
        var sketch = PercentileSketch(significantDigits: digits)
        for value in values { sketch.record(value) }
        return sketch
    }

    /// Values over the whole range: every bucket edge up to 2^20, then
    /// random ones of every magnitude up to 2^62.
    static func spread() -> [UInt64] {
        var random = SplitMix64(seed: 19)
        return Array(0...(1 << 20)) + (0..<100_000).map { _ in random.next() >> (2 + random.next() % 62) }
    }

    // Expected: HdrHistogram's buckets nest, which coarser histograms
    // rely on: for every value, the coarser bucket of its finer bucket's top
    // is its own coarser bucket (2 to 1, 1 to 0 and 2 to 0 digits).
    @Test func bucketsNest() {
        var mismatches: [UInt64] = []
        for value in Self.spread() {
            let tops = (0...2).map { PercentileSketch.bucketTop(value, digits: $0) }
            if PercentileSketch.bucketTop(tops[2], digits: 1) != tops[1] || PercentileSketch.bucketTop(tops[1], digits: 0) != tops[0]
                || PercentileSketch.bucketTop(tops[2], digits: 0) != tops[0] || tops[2] < min(value, PercentileSketch.maximumValue) {
                mismatches.append(value)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    // Expected: a histogram reduced to fewer digits equals, bucket for
    // bucket, the one those digits build from the same values; one digit
    // keeps every value within 10 % (the values 1 to 100,000 again), none
    // within a factor of two.
    @Test func reducedEqualsBuiltWithFewerDigits() {
        let values = Self.spread()
        let full = Self.sketch(values)
        for digits in 0...1 {
            #expect(full.reduced(to: digits) == Self.sketch(values, digits: digits), "\(digits) digits")
        }
        #expect(full.reduced(to: 1).reduced(to: 0) == Self.sketch(values, digits: 0))
        let oneDigit = Self.sketch(1...100_000, digits: 1)
        for percentile in [1.0, 50, 95, 99] {
            let exact = percentile * 1000
            #expect(abs(Double(oneDigit.value(atPercentile: percentile)) - exact) <= 0.1 * exact, "p\(percentile)")
        }
        let noDigits = Self.sketch(1...100_000, digits: 0)
        #expect(noDigits.value(atPercentile: 50) >= 50_000 && noDigits.value(atPercentile: 50) < 100_000)
    }

    // Expected: histograms of different digits merge, in either order, at
    // the fewer: the histogram those digits build from the union.
    @Test func differentDigitsMergeAtTheFewer() {
        var random = SplitMix64(seed: 23)
        let values = (0..<20_000).map { _ in random.next() % 5_000_000 }
        let (first, second) = (Array(values[..<7_000]), Array(values[7_000...]))
        for (a, b) in [(2, 1), (1, 2), (2, 0), (0, 1)] {
            var merged = Self.sketch(first, digits: a)
            merged.merge(Self.sketch(second, digits: b))
            #expect(merged == Self.sketch(values, digits: min(a, b)), "\(a) and \(b) digits")
        }
    }

    // Expected: for the values 1 to 100,000 the p-th percentile is p x 1000;
    // the sketch answers within its stated 1 %.
    @Test(arguments: [1.0, 50, 95, 99, 100])
    func percentilesWithinOnePercent(percentile: Double) {
        let sketch = Self.sketch(1...100_000)
        let exact = percentile * 1000
        let value = Double(sketch.value(atPercentile: percentile))
        #expect(abs(value - exact) <= 0.01 * exact, "p\(percentile): \(value), exact \(exact)")
        #expect(sketch.count == 100_000)
    }

    // Expected: the merge of six overlapping parts' sketches equals, bit for
    // bit, the sketch of all their values (durations up to 10^10 µs).
    @Test func mergeOfPartsEqualsSketchOfUnion() {
        var random = SplitMix64(seed: 9)
        let values = (0..<60_000).map { _ in random.next() % 10_000_000_000 }
        var merged = PercentileSketch()
        for part in 0..<6 {
            merged.merge(Self.sketch(values[(part * 10_000)..<((part + 1) * 10_000)]))
        }
        #expect(merged == Self.sketch(values))
        #expect(merged.count == 60_000)
    }

    // Expected: sketches survive encoding and base64 unchanged, an empty one
    // too. 10,000 packet sizes spread evenly over 40 to 1500 bytes, a worst
    // case, fill 532 buckets (one per value below 256, then 2, 4 and 8
    // values wide) at two bytes each: under 1100 bytes. Real sizes cluster
    // into tens of buckets.
    @Test func encodingRoundTrips() {
        var random = SplitMix64(seed: 3)
        let sizes = Self.sketch((0..<10_000).map { _ in 40 + random.next() % 1461 })
        for sketch in [sizes, PercentileSketch(), Self.sketch([0, 1, UInt64(1) << 40]), sizes.reduced(to: 1), sizes.reduced(to: 0),
                       PercentileSketch(significantDigits: 0)] {
            #expect(PercentileSketch(encoded: sketch.encoded) == sketch)
            #expect(PercentileSketch(base64: sketch.base64) == sketch)
        }
        #expect(sizes.encoded.count < 1100, "\(sizes.encoded.count) bytes")
    }

    // Expected: malformed forms are refused: truncated, trailing bytes, a
    // zero count, a value that is not the top of its bucket.
    @Test func malformedEncodingsAreRefused() {
        let bytes = Self.sketch([100, 200, 300]).encoded
        #expect(PercentileSketch(encoded: Array(bytes.dropLast())) == nil)
        #expect(PercentileSketch(encoded: bytes + [0]) == nil)
        #expect(PercentileSketch(encoded: [1, 2, 1, 5, 0]) == nil)
        // 1000 is inside the bucket 1000...1007 at two significant digits, not its top.
        #expect(PercentileSketch(encoded: [1, 2, 1, 0xE8, 0x07, 1]) == nil)
        #expect(PercentileSketch(encoded: [2] + bytes.dropFirst()) == nil)
        // Three digits are not a form sketches take; 100 is the top of no
        // bucket with one digit (100...103 is: 103).
        #expect(PercentileSketch(encoded: [1, 3, 1, 100, 1]) == nil)
        #expect(PercentileSketch(encoded: [1, 1, 1, 100, 1]) == nil)
        #expect(PercentileSketch(encoded: [1, 1, 1, 103, 1])?.buckets.first?.top == 103)
    }
}
