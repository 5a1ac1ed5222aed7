/// One conversation that yields its packets one at a time, in its own time
/// order: a TCP connection, a DNS exchange, a run of pings, and later an
/// attack (a scan, a flood). The generator interleaves many of them by the
/// time of each one's next packet.
///
/// Sessions are classes because each lives in the generator's table from
/// its first packet to its last; allocation is per session, never per packet.
public protocol Session: AnyObject {
    /// When the next packet is due, in nanoseconds since the epoch. It never
    /// goes backwards.
    var nextTime: Int64 { get }

    /// Builds the packet due at `nextTime` and schedules the next one.
    /// Returns false when that was the session's last packet.
    func emit(into builder: PacketBuilder) -> Bool
}

/// A source of sessions over time: the benign background, and later each
/// labelled attack. A scenario produces no packets itself; it starts
/// sessions, which the generator then merges.
public protocol Scenario: AnyObject {
    /// When the next session starts, in nanoseconds since the epoch, or
    /// `Int64.max` when the scenario will start no more.
    var nextStartTime: Int64 { get }

    /// Creates the session due at `nextStartTime` and draws the next start.
    func startSession() -> Session
}
