import Dispatch
import Synchronization

/// Hands values from the calling thread to one worker thread in batches,
/// in order, so that two stages of a tool (say, decoding packets and
/// formatting their records) run on two cores.
///
/// A fixed ring of `depth` batches is reused: the producer fills one while
/// the worker drains another, and waits when all are full, so memory is
/// bounded by `depth * batchSize` values whatever the input length.
///
/// The batches live in raw memory rather than Swift arrays: two threads
/// touching one array of arrays could trigger a copy-on-write in the middle
/// of the other's access. Every slot is owned by exactly one side at a time,
/// and the semaphores order the hand-overs.
public final class BatchPipeline<Element>: @unchecked Sendable {
    @usableFromInline let batchSize: Int
    private let depth: Int
    @usableFromInline let storage: UnsafeMutablePointer<Element>
    @usableFromInline let counts: UnsafeMutablePointer<Int>
    /// Marks the last batch, written by the producer before it signals.
    private let finals: UnsafeMutablePointer<Bool>
    private let filled = DispatchSemaphore(value: 0)
    private let emptied: DispatchSemaphore
    private let done = DispatchSemaphore(value: 0)
    /// Touched by the producer only; unchecked because a runtime exclusivity
    /// check on every append cost more than the append.
    @exclusivity(unchecked) @usableFromInline var producerIndex = 0
    /// Set by the worker when `consume` fails; read by the producer, which
    /// may not have waited on anything the worker signalled since.
    private let workerStopped = Atomic<Bool>(false)
    private let consume: (UnsafeBufferPointer<Element>) -> Bool

    /// Starts the worker thread. `consume` is called on it with each batch,
    /// in order; it returns false to stop the pipeline (an output error).
    public init(batchSize: Int = 4096, depth: Int = 4, consume: @escaping (UnsafeBufferPointer<Element>) -> Bool) {
        precondition(batchSize > 0 && depth >= 2)
        self.batchSize = batchSize
        self.depth = depth
        self.consume = consume
        storage = .allocate(capacity: batchSize * depth)
        counts = .allocate(capacity: depth)
        counts.initialize(repeating: 0, count: depth)
        finals = .allocate(capacity: depth)
        finals.initialize(repeating: false, count: depth)
        emptied = DispatchSemaphore(value: depth - 1)
        startWorker()
    }

    /// The worker runs on a queue of its own, so it never waits behind
    /// other work; the queue's block keeps the pipeline alive until it ends.
    private func startWorker() {
        DispatchQueue(label: "sluice.batch-pipeline").async { self.workerLoop() }
    }

    deinit {
        for index in 0..<depth { (storage + index * batchSize).deinitialize(count: counts[index]) }
        storage.deallocate()
        counts.deallocate()
        finals.deallocate()
    }

    /// Adds a value; returns false once the worker has stopped.
    @inlinable
    public func append(_ element: Element) -> Bool {
        let index = producerIndex
        let count = counts[index]
        (storage + index * batchSize + count).initialize(to: element)
        counts[index] = count + 1
        if count + 1 == batchSize { return handOff() }
        return true
    }

    /// The producing side, for a producer that hands over millions of small
    /// values: it holds the pipeline unretained, so an append costs no
    /// atomic retain and release of the pipeline, which were a few percent
    /// of sniff's and flowify's reading threads. Valid while the pipeline is
    /// held elsewhere.
    public var producer: Producer { Producer(pipeline: .passUnretained(self)) }

    public struct Producer {
        @usableFromInline let pipeline: Unmanaged<BatchPipeline>

        @usableFromInline init(pipeline: Unmanaged<BatchPipeline>) { self.pipeline = pipeline }

        /// `BatchPipeline.append`.
        @inlinable public func append(_ element: Element) -> Bool {
            pipeline._withUnsafeGuaranteedRef { $0.append(element) }
        }

        /// `BatchPipeline.handOffPartial`.
        public func handOffPartial() -> Bool { pipeline._withUnsafeGuaranteedRef { $0.handOffPartial() } }
    }

    /// Hands over the batch filled so far, if any, without waiting for it to
    /// fill: for a producer whose values own large buffers (copied lines),
    /// so the bytes in flight stay bounded, not only their number. Returns
    /// false once the worker has stopped.
    public func handOffPartial() -> Bool {
        guard counts[producerIndex] > 0 else { return !workerStopped.load(ordering: .acquiring) }
        return handOff()
    }

    /// Hands over the partial batch and waits until the worker has consumed
    /// everything. Returns false if the worker stopped early.
    public func finish() -> Bool {
        finals[producerIndex] = true
        filled.signal()
        done.wait()
        return !workerStopped.load(ordering: .acquiring)
    }

    /// Passes the full batch to the worker and waits for a free one.
    @usableFromInline
    func handOff() -> Bool {
        filled.signal()
        emptied.wait()
        producerIndex = (producerIndex + 1) % depth
        return !workerStopped.load(ordering: .acquiring)
    }

    private func workerLoop() {
        var index = 0
        while true {
            filled.wait()
            let batch = storage + index * batchSize
            let count = counts[index]
            if !workerStopped.load(ordering: .relaxed), count > 0,
               !consume(UnsafeBufferPointer(start: batch, count: count)) {
                workerStopped.store(true, ordering: .releasing)
            }
            batch.deinitialize(count: count)
            counts[index] = 0
            if finals[index] { break }
            index = (index + 1) % depth
            emptied.signal()
        }
        done.signal()
    }
}
