import Testing
@testable import SluiceCore

/// Percentiles for windows that merge: the 1 % precision, the merge law,
/// and the compact encoding.
@Suite struct PercentileSketchTests {
    static func sketch(_ values: some Sequence<UInt64>) -> PercentileSketch {
        var sketch = PercentileSketch()
        for value in values { sketch.record(value) }
        return sketch
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
        for sketch in [sizes, PercentileSketch(), Self.sketch([0, 1, UInt64(1) << 40])] {
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
    }
}
