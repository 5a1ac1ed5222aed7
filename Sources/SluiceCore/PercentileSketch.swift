import Histogram

/// Percentiles that merge: an HdrHistogram (hdrhistogram-swift) of
/// non-negative integers with two significant digits, so every value is
/// kept within 1 % and histograms of several windows add up bucket by
/// bucket to the histogram of their union.
///
/// The compact binary form, carried in records as base64:
///
///     0x01, significant digits (2), n (varint), then n pairs of
///     (value less the previous pair's value: varint, count: varint)
///
/// one pair per non-empty bucket in ascending order, the value being the
/// highest the bucket holds. Varints are LEB128: 7 bits a byte, low bits
/// first. A window's packet sizes or flow durations fill tens of buckets,
/// a few hundred bytes.
public struct PercentileSketch: Sendable, Equatable {
    static let format: UInt8 = 1
    public static let significantDigits = SignificantDigits.two

    public private(set) var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: PercentileSketch.significantDigits)

    public init() {}

    public mutating func record(_ value: UInt64) {
        _ = histogram.record(value)
    }

    public mutating func merge(_ other: PercentileSketch) {
        histogram.add(other.histogram)
    }

    public var count: UInt64 { histogram.totalCount }

    /// The value at or below which `percentile` percent of the values lie,
    /// within the histogram's 1 %.
    public func value(atPercentile percentile: Double) -> UInt64 {
        histogram.valueAtPercentile(percentile)
    }

    public static func == (a: PercentileSketch, b: PercentileSketch) -> Bool {
        a.encoded == b.encoded
    }

    // MARK: Encoding

    public var encoded: [UInt8] {
        var pairs: [(value: UInt64, count: UInt64)] = []
        for bucket in histogram.recordedValues() { pairs.append((bucket.value, UInt64(bucket.count))) }
        var bytes: [UInt8] = [Self.format, UInt8(Self.significantDigits.rawValue)]
        Self.appendVarint(UInt64(pairs.count), to: &bytes)
        var previous: UInt64 = 0
        for pair in pairs {
            Self.appendVarint(pair.value - previous, to: &bytes)
            Self.appendVarint(pair.count, to: &bytes)
            previous = pair.value
        }
        return bytes
    }

    /// Reads the binary form; nil for anything malformed or not in the
    /// form `encoded` writes (values must be ascending bucket tops, counts
    /// positive, nothing left over).
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count >= 3, bytes[0] == Self.format,
              bytes[1] == UInt8(Self.significantDigits.rawValue) else { return nil }
        var position = 2
        guard let pairs = Self.readVarint(bytes, &position), pairs <= UInt64(bytes.count) else { return nil }
        var value: UInt64 = 0
        for index in 0..<Int(pairs) {
            guard let delta = Self.readVarint(bytes, &position), let count = Self.readVarint(bytes, &position),
                  count > 0, index == 0 || delta > 0 else { return nil }
            let (next, overflow) = value.addingReportingOverflow(delta)
            guard !overflow, next <= UInt64.max / 2 else { return nil }
            value = next
            guard histogram.record(value, count: count) else { return nil }
        }
        guard position == bytes.count, encoded == bytes else { return nil }
    }

    public var base64: String { Base64.encode(encoded) }

    public init?(base64 text: String) {
        guard let bytes = Base64.decode(text) else { return nil }
        self.init(encoded: bytes)
    }

    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    static func readVarint(_ bytes: [UInt8], _ position: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            guard shift < 64, shift < 63 || byte <= 1 else { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}
