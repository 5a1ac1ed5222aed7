#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A tool's input read on the calling thread and taken, in order, on a
/// second one (`BatchPipeline`), so that reading and parsing overlap the
/// work behind them.
///
/// A partial batch is handed over when it holds many bytes (the lines in
/// flight stay bounded), when every line is to go out at once (-l), or when
/// it has waited a fifth of a second, so a slow live stream still comes out
/// promptly. The first error `take` throws stops the worker and reading, as
/// a stop signal would, waking the reading thread from a blocking read; it
/// is handed back by `finish`.
public final class InputWorker<Item, Failure: Error> {
    private var pipeline: BatchPipeline<Item>!
    /// Made on the thread that reads input, which is the one to wake.
    private let readingThread = pthread_self()
    /// Written by the worker before it stops; read after `finish` waited.
    private var failure: Failure?
    private let handsOffEachLine: Bool
    private var bytesInBatch = 0
    private var lastHandOff = 0.0

    public init(batchSize: Int, depth: Int, handsOffEachLine: Bool, take: @escaping (Item) throws(Failure) -> Void) {
        self.handsOffEachLine = handsOffEachLine
        pipeline = BatchPipeline(batchSize: batchSize, depth: depth) { [unowned self] items in
            do throws(Failure) {
                for item in items { try take(item) }
                return true
            } catch {
                failure = error
                StopSignal.request(interrupting: readingThread)
                return false
            }
        }
    }

    /// Hands `item`, read from a line of `bytes`, to the worker; once the
    /// worker has stopped, asks the input loop to stop.
    public func hand(_ item: Item, bytes: Int) {
        if !pipeline.append(item) || (isDue(adding: bytes) && !pipeline.handOffPartial()) { StopSignal.request() }
    }

    /// Waits until the worker has taken everything; returns what stopped
    /// it, if anything did.
    public func finish() -> Failure? {
        _ = pipeline.finish()
        return failure
    }

    private func isDue(adding bytes: Int) -> Bool {
        bytesInBatch += bytes
        let now = monotonicNow()
        guard handsOffEachLine || bytesInBatch >= 4 << 20 || now - lastHandOff >= 0.2 else { return false }
        bytesInBatch = 0
        lastHandOff = now
        return true
    }
}
