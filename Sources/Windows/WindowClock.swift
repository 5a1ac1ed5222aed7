import SluiceCore

/// Fixed windows (tumbling or sliding) or session windows, behind one face
/// for the stages.
public enum WindowClock<Key: Hashable & Comparable, State> {
    case fixed(Windower<Key, State>)
    case sessions(SessionWindower<Key, State>)

    /// Session windows when `sessionGap` is given, else the assigner's.
    public init(assigner: WindowAssigner, sessionGap: Int64?, watermark: Watermark, maxEntries: Int,
                makeState: @escaping () -> State, merge: @escaping (inout State, State) -> Void,
                emit: @escaping Windower<Key, State>.Emit) {
        if let sessionGap {
            self = .sessions(SessionWindower(gap: sessionGap, watermark: watermark, maxEntries: maxEntries,
                                             makeState: makeState, merge: merge, emit: emit))
        } else {
            self = .fixed(Windower(assigner: assigner, watermark: watermark, maxEntries: maxEntries,
                                   makeState: makeState, emit: emit))
        }
    }

    @inline(__always)
    public func add(time: Int64, key: Key, update: (inout State) -> Void) throws(OutputError) -> WindowOutcome {
        switch self {
        case .fixed(let windower): try windower.add(time: time, key: key, update: update)
        case .sessions(let windower): try windower.add(time: time, key: key, update: update)
        }
    }

    public func advance(to time: Int64) throws(OutputError) {
        switch self {
        case .fixed(let windower): try windower.advance(to: time)
        case .sessions(let windower): try windower.advance(to: time)
        }
    }

    public func finish() throws(OutputError) {
        switch self {
        case .fixed(let windower): try windower.finish()
        case .sessions(let windower): try windower.finish()
        }
    }

    public var counts: WindowCounts {
        switch self {
        case .fixed(let windower): windower.counts
        case .sessions(let windower): windower.counts
        }
    }
}
