import SluiceCore
import Testing
@testable import Windows

@Suite struct AggregateTests {
    // Expected: the example spec parses into its eight terms, and
    // reads the fields bytes, len and dport once each.
    @Test func specParses() throws {
        let spec = try AggregateSpec(parsing: "count() sum(bytes) avg(len) min(len) max(len) stddev(len) p99(len) distinct(dport)")
        #expect(spec.terms.map(\.function) == [.count, .sum, .average, .minimum, .maximum, .standardDeviation, .percentile(99), .distinct])
        #expect(spec.fields == ["bytes", "len", "dport"])
        #expect(try AggregateSpec(parsing: "p99.9(rtt)").terms == [.init(function: .percentile(99.9), field: "rtt")])
    }

    // Expected: each malformed term is refused with a message naming it.
    @Test(arguments: ["", "sum", "sum()", "count(x)", "median(x)", "p0(x)", "p101(x)", "sum(a b)"])
    func badSpecsAreRefused(text: String) {
        #expect(throws: AggregateSpec.SpecError.self) { try AggregateSpec(parsing: text) }
    }

    // Expected: merging six parts' aggregates gives the whole's exactly for
    // count, sum (integers), minimum, maximum, percentiles and distinct
    // values, and the moments within rounding.
    @Test func mergeOfPartsEqualsWhole() {
        var random = SplitMix64(seed: 11)
        let values = (0..<6000).map { _ in Double(random.next() % 5000) }
        func aggregate(_ part: ArraySlice<Double>) -> FieldAggregate {
            var aggregate = FieldAggregate(percentiles: true, distinct: true)
            for value in part {
                aggregate.add(number: value)
                var text = String(Int(value))
                text.withUTF8 { aggregate.add(text: UnsafeRawBufferPointer($0)) }
            }
            return aggregate
        }
        let whole = aggregate(values[...])
        var merged = FieldAggregate(percentiles: true, distinct: true)
        for part in 0..<6 { merged.merge(aggregate(values[(part * 1000)..<((part + 1) * 1000)])) }
        #expect(merged.count == whole.count && merged.sum == whole.sum)
        #expect(merged.minimum == whole.minimum && merged.maximum == whole.maximum)
        #expect(merged.percentiles == whole.percentiles && merged.distinct == whole.distinct)
        #expect(abs(merged.moments.variance - whole.moments.variance) / whole.moments.variance < 1e-9)
    }
}
