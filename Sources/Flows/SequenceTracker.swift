/// Counts retransmitted and out-of-order TCP segments of one direction from
/// their sequence numbers, without reassembly.
///
/// It follows the next expected sequence number (one past the highest
/// seen) and the most recent hole: the range skipped when a segment
/// arrived beyond it. A segment that occupies sequence space (payload, SYN
/// or FIN) and starts before the next expected number is out of order when
/// it falls into the hole (it was overtaken, not lost), and a
/// retransmission otherwise (its data was seen before). Keep-alive probes
/// (one octet below the next number) therefore count as retransmissions,
/// as they repeat an old octet.
struct SequenceTracker: Sendable {
    private var next: UInt32 = 0
    private var holeStart: UInt32 = 0
    private var holeEnd: UInt32 = 0
    private var started = false
    private(set) var retransmissions: UInt32 = 0
    private(set) var outOfOrder: UInt32 = 0

    /// One segment: its sequence number and the sequence space it takes.
    mutating func observe(sequence: UInt32, length: UInt32) {
        guard started else {
            started = true
            next = sequence &+ length
            return
        }
        guard length > 0 else { return }
        let end = sequence &+ length
        if sequenceDelta(sequence, next) >= 0 {
            if sequence != next {
                holeStart = next
                holeEnd = sequence
            }
            next = end
            return
        }
        if sequenceDelta(sequence, holeStart) >= 0 && sequenceDelta(sequence, holeEnd) < 0 {
            outOfOrder &+= 1
            if sequence == holeStart { holeStart = end }
            if sequenceDelta(holeStart, holeEnd) >= 0 { holeStart = 0; holeEnd = 0 }
        } else {
            retransmissions &+= 1
        }
        if sequenceDelta(end, next) > 0 { next = end }
    }
}
