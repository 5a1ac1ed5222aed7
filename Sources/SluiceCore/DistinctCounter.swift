#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A count of distinct values that merges without error of its own:
/// exact while small (the sorted set of the values' 64-bit hashes), a
/// HyperLogLog sketch beyond `exactLimit` (2^precision 6-bit registers).
///
/// Merging is register-wise maximum (or set union while both are exact),
/// and a set turns into registers exactly as if its values had been added
/// to them, so merging the counters of six 5 s windows gives, bit for bit,
/// the counter the 30 s window would have built from the values directly.
///
/// Values enter as `StableHash` hashes, so counters built in different
/// processes agree. The estimate is Ertl's improved raw estimator ("New
/// cardinality estimation algorithms for HyperLogLog sketches", 2017),
/// which needs no bias tables and holds its accuracy, about 1.04/sqrt(m),
/// from the smallest counts to the largest.
public struct DistinctCounter: Equatable, Sendable {
    public static let exactLimit = 64
    public static let precisions = 4...16

    public let precision: Int
    /// While exact: the distinct hashes, sorted. Empty once registers are used.
    public internal(set) var hashes: [UInt64] = []
    /// 2^precision registers once the set outgrew `exactLimit`; empty before.
    public internal(set) var registers: [UInt8] = []

    public init(precision: Int = 12) {
        precondition(Self.precisions.contains(precision), "DistinctCounter: precision \(precision) outside 4...16")
        self.precision = precision
    }

    public var isExact: Bool { registers.isEmpty }

    /// Nothing was inserted.
    public var isEmpty: Bool { registers.isEmpty && hashes.isEmpty }

    /// Adds a value by its `StableHash`.
    public mutating func insert(hash: UInt64) {
        guard isExact else { return update(hash) }
        var low = 0
        var high = hashes.count
        while low < high {
            let middle = (low + high) / 2
            if hashes[middle] < hash { low = middle + 1 } else { high = middle }
        }
        if low < hashes.count && hashes[low] == hash { return }
        hashes.insert(hash, at: low)
        if hashes.count > Self.exactLimit { densify() }
    }

    /// Adds everything `other` counted. Counters of different precisions
    /// (a record may carry any from 4 to 16) merge at the smaller one, as if
    /// both had counted at it (`reduced(to:)`).
    public mutating func merge(_ other: DistinctCounter) {
        guard precision == other.precision else {
            let (mine, theirs) = atCommonResolution(with: other)
            self = mine
            return merge(theirs)
        }
        if isExact && other.isExact {
            mergeExact(other.hashes)
            return
        }
        if isExact { densify() }
        if other.isExact {
            for hash in other.hashes { update(hash) }
        } else {
            for index in registers.indices where other.registers[index] > registers[index] {
                registers[index] = other.registers[index]
            }
        }
    }

    /// Both exact: the union of the two sorted sets, merged in place from
    /// the back once the number of new hashes is known, and, past
    /// `exactLimit`, registers from the union, which is where inserting
    /// the hashes one by one ends too (as it does for a few).
    private mutating func mergeExact(_ others: [UInt64]) {
        guard !others.isEmpty else { return }
        guard !hashes.isEmpty else {
            hashes = others
            if hashes.count > Self.exactLimit { densify() }
            return
        }
        // A few (a window's peers into a horizon's): inserted in place.
        if others.count <= 4 {
            for hash in others { insert(hash: hash) }
            return
        }
        // Horizons see the same peers window after window: most merges
        // add nothing, and then nothing is written.
        let added = hashes.withUnsafeBufferPointer { Self.countNew(others, in: $0) }
        guard added > 0 else { return }
        let oldCount = hashes.count
        hashes.append(contentsOf: repeatElement(0, count: added))
        hashes.withUnsafeMutableBufferPointer { union in
            others.withUnsafeBufferPointer { others in
                var (mine, theirs, write) = (oldCount - 1, others.count - 1, union.count - 1)
                while theirs >= 0 && write > mine {
                    let theirHash = others[theirs]
                    if mine >= 0 && union[mine] >= theirHash {
                        if union[mine] == theirHash { theirs -= 1 }
                        union[write] = union[mine]
                        mine -= 1
                    } else {
                        union[write] = theirHash
                        theirs -= 1
                    }
                    write -= 1
                }
            }
        }
        if hashes.count > Self.exactLimit { densify() }
    }

    /// How many of the sorted `others` are not in the sorted `hashes`.
    private static func countNew(_ others: [UInt64], in hashes: UnsafeBufferPointer<UInt64>) -> Int {
        others.withUnsafeBufferPointer { others in
            var (mine, theirs, added) = (0, 0, 0)
            while theirs < others.count {
                if mine == hashes.count { return added + others.count - theirs }
                let (a, b) = (hashes[mine], others[theirs])
                if a < b {
                    mine += 1
                } else {
                    if a > b { added += 1 } else { mine += 1 }
                    theirs += 1
                }
            }
            return added
        }
    }

    /// This counter at a smaller precision `target`: the counter that
    /// precision builds from the same hashes. A set keeps its hashes; a
    /// register folds into the one its top `target` index bits name, and
    /// the index bits it drops lead its rank: their leading zeros plus one
    /// if any is set, else their number plus the rank it had (HyperLogLog
    /// folds exactly).
    public func reduced(to target: Int) -> DistinctCounter {
        precondition(Self.precisions.contains(target) && target <= precision, "DistinctCounter: cannot reduce precision \(precision) to \(target)")
        guard target < precision else { return self }
        var result = DistinctCounter(precision: target)
        guard !isExact else {
            result.hashes = hashes
            return result
        }
        let dropped = precision - target
        var folded = [UInt8](repeating: 0, count: 1 << target)
        for (index, rank) in registers.enumerated() where rank > 0 {
            let low = index & ((1 << dropped) - 1)
            let foldedRank = low != 0 ? UInt8(dropped - (Int.bitWidth - low.leadingZeroBitCount) + 1) : UInt8(dropped) + rank
            folded[index >> dropped] = max(folded[index >> dropped], foldedRank)
        }
        result.registers = folded
        return result
    }

    /// This counter one step smaller, for a record that must fit
    /// (`WindowRecordSize`): a set turns into registers, as more values
    /// would turn it, and registers fold to one precision less; nil when
    /// empty or at the smallest precision. Each step is a counter that
    /// values could have built, so it merges as any other.
    public func shrunk() -> DistinctCounter? {
        if isExact {
            guard !hashes.isEmpty else { return nil }
            var result = self
            result.densify()
            return result
        }
        guard precision > Self.precisions.lowerBound else { return nil }
        return reduced(to: precision - 1)
    }

    /// The number of distinct values: exact while `isExact`, else estimated.
    public var estimate: Double {
        isExact ? Double(hashes.count) : Self.estimate(registers, precision: precision)
    }

    // MARK: Registers

    private var registerCount: Int { 1 << precision }

    mutating func densify() {
        registers = [UInt8](repeating: 0, count: registerCount)
        for hash in hashes { update(hash) }
        hashes = []
    }

    /// The top `precision` bits choose the register; it keeps the largest
    /// rank (leading zeros of the remaining bits, plus one) seen.
    @inline(__always)
    private mutating func update(_ hash: UInt64) {
        let (index, rank) = Self.register(of: hash, precision: precision)
        if rank > registers[index] { registers[index] = rank }
    }

    /// The register `hash` goes to and the rank it brings.
    @inline(__always)
    static func register(of hash: UInt64, precision: Int) -> (index: Int, rank: UInt8) {
        // A guard bit below the remaining bits bounds the rank at 65 - precision.
        let rest = hash << UInt64(precision) | (1 << UInt64(precision - 1))
        return (Int(hash >> UInt64(64 - precision)), UInt8(rest.leadingZeroBitCount + 1))
    }

    /// Ertl's improved raw estimator over the histogram of register values.
    static func estimate(_ registers: [UInt8], precision: Int) -> Double {
        estimate(histogram: histogram(registers, precision: precision), precision: precision)
    }

    /// How many of `registers` hold each value, 0 to 65 - precision.
    static func histogram(_ registers: [UInt8], precision: Int) -> [Int32] {
        var histogram = [Int32](repeating: 0, count: 66 - precision)
        for value in registers { histogram[Int(value)] += 1 }
        return histogram
    }

    /// The estimate from `histogram[k]`, the number of registers of value
    /// k (0 to 65 - precision).
    static func estimate(histogram: [Int32], precision: Int) -> Double {
        let q = 64 - precision
        let m = Double(1 << precision)
        var z = m * tau(1 - Double(histogram[q + 1]) / m)
        for k in stride(from: q, through: 1, by: -1) {
            z = 0.5 * (z + Double(histogram[k]))
        }
        z += m * sigma(Double(histogram[0]) / m)
        return m * m / z / (2 * M_LN2)
    }

    private static func sigma(_ value: Double) -> Double {
        if value == 1 { return .infinity }
        var x = value
        var y = 1.0
        var z = x
        while true {
            x *= x
            let previous = z
            z += x * y
            y += y
            if z == previous { return z }
        }
    }

    private static func tau(_ value: Double) -> Double {
        if value == 0 || value == 1 { return 0 }
        var x = value
        var y = 1.0
        var z = 1 - x
        while true {
            x = x.squareRoot()
            let previous = z
            y *= 0.5
            z -= (1 - x) * (1 - x) * y
            if z == previous { return z / 3 }
        }
    }
}

extension DistinctCounter: Coarsenable {
    var resolution: Int { precision }
}
