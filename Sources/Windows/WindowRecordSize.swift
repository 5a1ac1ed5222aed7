import SluiceCore

/// A host window record stays within `maximum` bytes, newline included
/// (window5s's within `maximum` less `cascadeAllowance`, the room for the
/// `level` and `sensor` fields cascade adds to them on their way through):
/// when its sketches make it longer (a busy server's distinct counters
/// turned into registers, a histogram of thousands of different
/// durations), it is written again with one sketch a step smaller each
/// time (`HostFeatures.shrinkOneSketch`), until it fits or no sketch can
/// shrink.
///
/// Every step is a sketch that the same values could have built (a
/// distinct counter at a lower precision, a histogram with fewer digits),
/// so records merge as any others, at the coarser of the two; what is lost
/// is accuracy, and only for the hosts whose records would have been
/// large (sluice-records(7)).
public enum WindowRecordSize {
    public static let maximum = 3072
    /// `,"level":5,"sensor":"…"` for a sensor name of up to 40 bytes.
    public static let cascadeAllowance = 64

    /// Runs `write`, which writes a whole window record for `features`
    /// except its closing brace and newline, into `writer`; when the record
    /// is too long, rewinds and writes it again with smaller sketches.
    /// Returns the features written when they are not `features` (nil when
    /// the record fit as it was).
    public static func write(_ features: UnsafePointer<HostFeatures>, to writer: NDJSONWriter, limit: Int = maximum,
                             _ write: (UnsafePointer<HostFeatures>) -> Void) -> HostFeatures? {
        let start = writer.position
        write(features)
        guard writer.position - start + 2 > limit else { return nil }
        var fitted = features.pointee
        while fitted.shrinkOneSketch() {
            writer.rewind(to: start)
            withUnsafePointer(to: fitted) { write($0) }
            if writer.position - start + 2 <= limit { break }
        }
        return fitted
    }
}

extension HostFeatures {
    /// Takes the step among the five sketches' that leaves the smallest
    /// relative error (ties: the larger saving, then record order): distinct
    /// counters fold towards precision 8 (6.5 %) before a histogram goes
    /// from two digits to one (10 %), so a record's worst error grows as
    /// slowly as its size allows. Only steps that save `worthwhileSaving`
    /// bytes count (an exact set of one peer is not turned into registers
    /// for five bytes), unless none does: then the largest saving. False
    /// when no step saves anything.
    public mutating func shrinkOneSketch() -> Bool {
        struct Step {
            var error: Double
            var saving: Int
            var take: (inout HostFeatures) -> Void
        }
        func step(_ counter: DistinctCounter, _ path: WritableKeyPath<HostFeatures, DistinctCounter>) -> Step? {
            guard let smaller = counter.shrunk() else { return nil }
            return Step(error: 1.04 / Double(1 << smaller.precision).squareRoot(),
                        saving: counter.encoded.count - smaller.encoded.count) { $0[keyPath: path] = smaller }
        }
        func step(_ aggregate: FieldAggregate, _ path: WritableKeyPath<HostFeatures, FieldAggregate>) -> Step? {
            var smaller = aggregate
            guard smaller.coarsenPercentiles(), let before = aggregate.percentiles, let after = smaller.percentiles
            else { return nil }
            // Within 1 % with two digits, 10 % with one, a factor of two with none.
            let error = [1.0, 0.1, 0.01][after.digits]
            return Step(error: error, saving: before.encoded.count - after.encoded.count) { $0[keyPath: path] = smaller }
        }
        let steps = [step(peers, \.peers), step(destinationPorts, \.destinationPorts), step(sourcePorts, \.sourcePorts),
                     step(packetSize, \.packetSize), step(duration, \.duration)].compactMap { $0 }.filter { $0.saving > 0 }
        let worthwhile = steps.filter { $0.saving >= Self.worthwhileSaving }
        let best = worthwhile.isEmpty
            ? steps.max(by: { $0.saving < $1.saving })
            : worthwhile.min(by: { ($0.error, -$0.saving) < ($1.error, -$1.saving) })
        guard let best else { return false }
        best.take(&self)
        return true
    }

    static let worthwhileSaving = 16
}
