import Dispatch
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
    private var pending = PendingStores()
    /// The end of the next step to write, epoch seconds; nil before input.
    private var nextStepEnd: Int64?
    /// The latest window end seen (what the end of input completes).
    private var latestEnd = Int64.min
    public private(set) var stepsWritten = 0
    public private(set) var recordsWritten = 0
    /// Windows whose step was already written (late, or revisions): kept
    /// for the steps to come.
    public private(set) var lateWindows = 0

    /// Where each part of a step's hosts is written, by whichever thread
    /// takes the part: `output` for the first, collecting ones for the rest
    /// (one alone with one thread).
    private let outputs: [FeatureOutput]

    /// Parts of a step per thread: smaller parts than one per thread, so
    /// that a thread that gets less of the processors (the reading thread
    /// runs beside them) takes fewer parts instead of holding the step up.
    static let partsPerThread = 4

    /// `threads` write the vectors of a step's hosts side by side, each a
    /// contiguous part of them, so the output is the same bytes whatever
    /// their number.
    public init(step: Int64 = 5, maxDelay: Int64, maxKeys: Int, output: FeatureOutput, threads: Int = 1) {
        self.step = step
        self.maxDelay = maxDelay
        self.maxKeys = maxKeys
        self.output = output
        let parts = output.flushesEachRecord || threads <= 1 ? 1 : threads * Self.partsPerThread
        outputs = [output] + (1..<parts).map { _ in output.collectingPart() }
    }

    public static let horizon: Int64 = 600

    /// Adds the 5 s window of `key` starting at `start` (epoch seconds,
    /// aligned to the step), stored into the host's history when the next
    /// step is written; it replaces a window already held for that start
    /// (a revision). A window whose step was already written counts in the
    /// steps to come (`lateWindows`). Returns false when it is refused:
    /// older than the ten minutes held, or no room for another host.
    public func add(key: Key, start: Int64, window: HostHistory.Window) throws(OutputError) -> Bool {
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
            held = hosts.add(key, identity: output.identity(of: key), step: step)
        }
        pending.add(slot: held, start: start, window: window)
        if pending.count >= PendingStores.most { pending.storeAll(into: &hosts.histories) }
        if nextStepEnd == nil { nextStepEnd = start + step }
        assert(start < nextStepEnd!, "a window waits for a step that ends after its start")
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

    /// Fewest hosts worth a thread of their own: below this a part is
    /// over before a thread would have started.
    static let hostsPerPart = 256
    /// Most hosts a part writes at once: a step of many hosts is written
    /// in rounds, so a part's records in memory stay a few megabytes.
    static let mostHostsPerPart = 4096

    private func writeStep(ending end: Int64) throws(OutputError) {
        let ordered = hosts.ordered
        let identities = hosts.identities
        var written = 0
        var silent: [Int] = []
        var first = 0
        // Kept when a part fails: stored again at the next step, each
        // replaces itself.
        if !pending.isEmpty { pending.link(slotCount: hosts.histories.count) }
        while first < ordered.count {
            let round = ordered[first..<min(first + outputs.count * Self.mostHostsPerPart, ordered.count)]
            first = round.endIndex
            let partCount = min(outputs.count, max(round.count / Self.hostsPerPart, 1))
            var parts = [StepPart](repeating: StepPart(), count: partCount)
            identities.withUnsafeBufferPointer { identities in
                hosts.histories.withUnsafeMutableBufferPointer { histories in
                    parts.withUnsafeMutableBufferPointer { parts in
                        let job = StepJob(hosts: round, identities: identities, histories: histories, pending: pending, parts: parts,
                                          outputs: outputs, stepEnd: end, step: step)
                        if partCount == 1 { job.write(part: 0) } else { DispatchQueue.concurrentPerform(iterations: partCount) { job.write(part: $0) } }
                    }
                }
            }
            for (index, part) in parts.enumerated() {
                if let error = part.error { throw error }
                if index > 0 { try output.append(outputs[index]) }
                written += part.written
                silent += part.silent
            }
        }
        pending.removeAll()
        hosts.remove(silent)
        recordsWritten += written
        if written > 0 { stepsWritten += 1 }
    }

    /// What writing one part of a step's hosts did.
    private struct StepPart {
        var written = 0
        /// Slots of hosts with nothing left in their ten minutes.
        var silent: [Int] = []
        var error: OutputError?
    }

    /// One round of a step's writing, shared by the threads that write its
    /// parts: part N writes the Nth contiguous share of the hosts to `outputs[N]`
    /// and its outcome to `parts[N]`, and touches only those hosts'
    /// histories, so no two parts write the same memory (all read the
    /// windows pending, each its own hosts').
    private struct StepJob: @unchecked Sendable {
        let hosts: ArraySlice<HostTable.Entry>
        let identities: UnsafeBufferPointer<UInt8>
        let histories: UnsafeMutableBufferPointer<HostHistory>
        let pending: PendingStores
        let parts: UnsafeMutableBufferPointer<StepPart>
        let outputs: [FeatureOutput]
        let stepEnd: Int64
        let step: Int64

        func write(part index: Int) {
            let first = hosts.startIndex + hosts.count * index / parts.count
            let end = hosts.startIndex + hosts.count * (index + 1) / parts.count
            var part = StepPart()
            let output = outputs[index]
            // One buffer for every vector of the part.
            let values = UnsafeMutableBufferPointer<Double>.allocate(capacity: FeatureVector.names.count)
            defer { values.deallocate() }
            do throws(OutputError) {
                for host in first..<end {
                    let slot = hosts[host].slot
                    pending.store(slot: slot, into: &histories[slot])
                    histories[slot].forget(before: stepEnd - Featurizer.horizon)
                    guard !histories[slot].isEmpty else {
                        part.silent.append(slot)
                        continue
                    }
                    let context = FeatureVector.write(&histories[slot], stepEnd: stepEnd, step: step, into: values)
                    try output.write(identity: UnsafeBufferPointer(rebasing: identities[hosts[host].identity]), stepStart: stepEnd - step,
                                     stepEnd: stepEnd, values: UnsafeBufferPointer(values), context: context)
                    part.written += 1
                }
            } catch {
                part.error = error
            }
            parts[index] = part
        }
    }

    public var keysHeld: Int { hosts.count }
}
