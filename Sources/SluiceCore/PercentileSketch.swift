import Histogram

/// Percentiles that merge: the buckets of an HdrHistogram of non-negative
/// integers with two significant digits (hdrhistogram-swift's bucket
/// arithmetic), so every value is kept within 1 % and histograms of several
/// windows add up bucket by bucket to the histogram of their union.
///
/// A record that must stay small may carry one with fewer digits (one:
/// within 10 %; none: within a factor of two), made by `reduced(to:)`.
/// HdrHistogram's buckets nest (each bucket of fewer digits is a run of
/// buckets of more), so a reduced histogram is the one those digits build
/// from the same values, and histograms of different digits merge at the
/// fewer, exactly.
///
/// Only the non-empty buckets are held, as a sorted list of (bucket top,
/// count): a window's packet sizes fill tens of buckets, and a dense
/// HdrHistogram of the same range would take kilobytes per window and key.
///
/// The compact binary form, carried in records as base64:
///
///     0x01, significant digits (0, 1 or 2), n (varint), then n pairs of
///     (value less the previous pair's value: varint, count: varint)
///
/// one pair per non-empty bucket in ascending order, the value being the
/// highest the bucket holds. Varints are LEB128: 7 bits a byte, low bits
/// first.
public struct PercentileSketch: Sendable, Equatable {
    static let format: UInt8 = 1
    /// What a new sketch records at.
    public static let significantDigits = 2
    /// The largest value kept; larger ones count as this.
    public static let maximumValue = UInt64(1) << 62

    /// Bucket arithmetic only, by significant digits; never recorded into.
    /// (Three constants, not an array: reading a histogram out of an array
    /// would copy it, arrays and all, for every value recorded.)
    private static let twoDigits = shape(.two)
    private static let oneDigit = shape(.one)
    private static let noDigits = shape(.zero)

    private static func shape(_ digits: SignificantDigits) -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: maximumValue, numberOfSignificantValueDigits: digits)
    }

    /// Non-empty buckets by ascending top value.
    public private(set) var buckets: [(top: UInt64, count: UInt64)] = []
    public private(set) var count: UInt64 = 0
    /// 0, 1 or 2.
    public private(set) var digits = PercentileSketch.significantDigits

    public init() {}

    /// An empty histogram that records at `digits` (0, 1 or 2) significant digits.
    public init(significantDigits digits: Int) {
        precondition((0...Self.significantDigits).contains(digits), "PercentileSketch: \(digits) significant digits")
        self.digits = digits
    }

    /// The highest value of the bucket `value` falls into.
    @inline(__always)
    public static func bucketTop(_ value: UInt64, digits: Int = significantDigits) -> UInt64 {
        let value = min(value, maximumValue)
        switch digits {
        case 2: return twoDigits.highestEquivalentForValue(value)
        case 1: return oneDigit.highestEquivalentForValue(value)
        default: return noDigits.highestEquivalentForValue(value)
        }
    }

    public mutating func record(_ value: UInt64, count: UInt64 = 1) {
        guard count > 0 else { return }
        add(top: Self.bucketTop(value, digits: digits), count: count)
    }

    /// Histograms of different digits merge at the fewer (`reduced(to:)`).
    public mutating func merge(_ other: PercentileSketch) {
        guard digits == other.digits else {
            let (mine, theirs) = atCommonResolution(with: other)
            self = mine
            return merge(theirs)
        }
        if buckets.isEmpty { self = other; return }
        for bucket in other.buckets { add(top: bucket.top, count: bucket.count) }
    }

    /// This histogram with `target` significant digits (at most its own):
    /// each bucket goes whole into the coarser bucket holding its top.
    public func reduced(to target: Int) -> PercentileSketch {
        precondition((0...digits).contains(target), "PercentileSketch: cannot reduce \(digits) digits to \(target)")
        guard target < digits else { return self }
        var result = PercentileSketch(significantDigits: target)
        // Ascending tops map to ascending coarser tops, which `add` appends
        // or adds to the last bucket.
        for bucket in buckets { result.add(top: Self.bucketTop(bucket.top, digits: target), count: bucket.count) }
        return result
    }

    /// (Counts saturate, as `RecordCount` says.)
    private mutating func add(top: UInt64, count added: UInt64) {
        count.add(saturating: added)
        // Values mostly arrive in a few buckets: look at the last first.
        if let last = buckets.last, last.top <= top {
            if last.top == top { buckets[buckets.count - 1].count.add(saturating: added) } else { buckets.append((top, added)) }
            return
        }
        var low = 0
        var high = buckets.count
        while low < high {
            let middle = (low + high) / 2
            if buckets[middle].top < top { low = middle + 1 } else { high = middle }
        }
        if low < buckets.count && buckets[low].top == top {
            buckets[low].count.add(saturating: added)
        } else {
            buckets.insert((top, added), at: low)
        }
    }

    /// The value at or below which `percentile` percent of the values lie,
    /// within the histogram's 1 % (HdrHistogram's rule: the top of the
    /// bucket where the running count first reaches the percentile's share,
    /// rounded up); 0 when empty.
    public func value(atPercentile percentile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let share = min(max(percentile.nextDown, 0), 100) * Double(count) / 100
        let wanted = max(1, UInt64(share.rounded(.up)))
        var running: UInt64 = 0
        for bucket in buckets {
            running.add(saturating: bucket.count)
            if running >= wanted { return bucket.top }
        }
        return buckets[buckets.count - 1].top
    }

    public static func == (a: PercentileSketch, b: PercentileSketch) -> Bool {
        a.digits == b.digits && a.count == b.count && a.buckets.elementsEqual(b.buckets) { $0.top == $1.top && $0.count == $1.count }
    }

    // MARK: Encoding

    public var encoded: [UInt8] {
        var bytes: [UInt8] = [Self.format, UInt8(digits)]
        bytes.reserveCapacity(4 + 3 * buckets.count)
        Self.appendVarint(UInt64(buckets.count), to: &bytes)
        var previous: UInt64 = 0
        for bucket in buckets {
            Self.appendVarint(bucket.top - previous, to: &bytes)
            Self.appendVarint(bucket.count, to: &bytes)
            previous = bucket.top
        }
        return bytes
    }

    /// Reads the binary form; nil for anything malformed or not in the
    /// form `encoded` writes (values must be ascending bucket tops, counts
    /// positive, nothing left over).
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count >= 3, bytes[0] == Self.format, bytes[1] <= UInt8(Self.significantDigits) else { return nil }
        digits = Int(bytes[1])
        var position = 2
        guard let pairs = Self.readVarint(bytes, &position), pairs <= UInt64(bytes.count) else { return nil }
        var value: UInt64 = 0
        for index in 0..<Int(pairs) {
            guard let delta = Self.readVarint(bytes, &position), let count = Self.readVarint(bytes, &position),
                  count > 0, index == 0 || delta > 0 else { return nil }
            let (next, overflow) = value.addingReportingOverflow(delta)
            guard !overflow, next <= Self.bucketTop(Self.maximumValue, digits: digits),
                  Self.bucketTop(next, digits: digits) == next else { return nil }
            let (total, countOverflow) = self.count.addingReportingOverflow(count)
            guard !countOverflow else { return nil }
            value = next
            buckets.append((next, count))
            self.count = total
        }
        guard position == bytes.count else { return nil }
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

extension PercentileSketch: Coarsenable {
    var resolution: Int { digits }
}
