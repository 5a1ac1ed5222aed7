/// When a reader feeding a `BatchPipeline` line by line should hand over a
/// partial batch: when it holds many bytes (so the copied lines in flight
/// stay bounded), when every line is to go out at once (-l), or when it has
/// waited a fifth of a second, so a slow live stream still comes out
/// promptly.
public struct HandOffPacing {
    private let eachLine: Bool
    private var bytesInBatch = 0
    private var lastHandOff = 0.0

    public init(eachLine: Bool) {
        self.eachLine = eachLine
    }

    /// Counts a line of `bytes` into the batch; true when the batch is due.
    public mutating func isDue(adding bytes: Int) -> Bool {
        bytesInBatch += bytes
        let now = monotonicNow()
        guard eachLine || bytesInBatch >= 4 << 20 || now - lastHandOff >= 0.2 else { return false }
        bytesInBatch = 0
        lastHandOff = now
        return true
    }
}
