/// A scenario of a single session that carries the whole attack (a flood,
/// a reflection), started at the attack's start.
final class OneSessionScenario: Scenario {
    private(set) var nextStartTime: Int64
    private var makeSession: (() -> Session)?

    init(start: Int64, makeSession: @escaping () -> Session) {
        nextStartTime = start
        self.makeSession = makeSession
    }

    func startSession() -> Session {
        nextStartTime = Int64.max
        let session = makeSession!()
        makeSession = nil
        return session
    }
}
