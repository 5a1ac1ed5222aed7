import SluiceCore

/// The featurize stage: host windows in, one feature vector per host (and
/// view, and sensor) and 5 s step out. A step is written once the
/// watermark passes its end: a window with a later start has arrived (the
/// windows of one start come together), or a tick less the delay. Hosts
/// silent for ten minutes are forgotten; until then their silent steps are
/// written, with zeros.
public final class Featurizer {
    public typealias Key = FeatureKey

    public let step: Int64
    private let maxDelay: Int64
    private let maxKeys: Int
    private let output: FeatureOutput
    private var hosts = HostTable()
    /// The end of the next step to write, epoch seconds; nil before input.
    private var nextStepEnd: Int64?
    /// The latest window end seen (what the end of input completes).
    private var latestEnd = Int64.min
    public private(set) var stepsWritten = 0
    public private(set) var recordsWritten = 0
    /// Windows whose step was already written (late, or revisions): kept
    /// for the steps to come.
    public private(set) var lateWindows = 0

    public init(step: Int64 = 5, maxDelay: Int64, maxKeys: Int, output: FeatureOutput) {
        self.step = step
        self.maxDelay = maxDelay
        self.maxKeys = maxKeys
        self.output = output
    }

    public static let horizon: Int64 = 600

    /// Adds the 5 s window of `key` starting at `start` (epoch seconds,
    /// aligned to the step); a window already held (a revision) is
    /// replaced. A window whose step was already written counts in the
    /// steps to come (`lateWindows`). Returns false when it is refused:
    /// older than the ten minutes held, or no room for another host.
    public func add(key: Key, start: Int64, slot: FeatureSlot, sketches: HostHistory.Sketches) throws(OutputError) -> Bool {
        try advance(toSeconds: start)
        if let next = nextStepEnd, start + step < next {
            guard start >= next - Self.horizon else { return false }
            lateWindows += 1
        }
        let held: Int
        if let slot = hosts.slot(of: key) {
            held = slot
        } else {
            guard hosts.count < maxKeys else { return false }
            held = hosts.add(key, step: step)
        }
        hosts.histories[held].store(slot, sketches, start: start)
        if nextStepEnd == nil { nextStepEnd = start + step }
        latestEnd = max(latestEnd, start + step)
        return true
    }

    /// A tick: event time has reached `time` (nanoseconds). Before any
    /// window it fixes where steps start, so that older windows are late.
    public func tick(_ time: Int64) throws(OutputError) {
        let seconds = floorDivide(time.saturatingAdding(-maxDelay), 1_000_000_000)
        if nextStepEnd == nil { nextStepEnd = floorDivide(seconds, step) * step + step }
        try advance(toSeconds: seconds)
    }

    /// End of input: every step up to the latest window's end.
    public func finish() throws(OutputError) {
        if latestEnd != .min { try writeSteps(through: latestEnd) }
        try output.finish()
    }

    /// Writes every step that ends at or before `seconds`.
    private func advance(toSeconds seconds: Int64) throws(OutputError) {
        try writeSteps(through: floorDivide(seconds, step) * step)
    }

    private func writeSteps(through last: Int64) throws(OutputError) {
        guard var end = nextStepEnd else { return }
        while end <= last {
            if hosts.isEmpty {
                // Nothing to write until new windows come: skip the silence.
                end = max(end, last - last % step)
                if end > last { break }
            }
            try writeStep(ending: end)
            end += step
        }
        nextStepEnd = end
    }

    private func writeStep(ending end: Int64) throws(OutputError) {
        var silent: [Int] = []
        let written = recordsWritten
        for (key, slot) in hosts.ordered {
            hosts.histories[slot].forget(before: end - Self.horizon)
            guard !hosts.histories[slot].isEmpty else {
                silent.append(slot)
                continue
            }
            let (values, context) = FeatureVector.valuesAndContext(&hosts.histories[slot], stepEnd: end, step: step)
            try output.write(key: key, stepStart: end - step, stepEnd: end, values: values, context: context)
            recordsWritten += 1
        }
        hosts.remove(silent)
        if recordsWritten > written { stepsWritten += 1 }
    }

    public var keysHeld: Int { hosts.count }
}
