import SluiceCore

/// The flowify stage: packets in, flow reports out, in event time.
///
/// Event time is the largest packet or tick time seen. As it moves, two
/// kinds of events fall due, handled in time order: flow deadlines (idle
/// timeouts, the linger after a TCP close, active timeouts) and report
/// boundaries (every `interval`, aligned to the epoch). At a boundary each
/// flow that had packets in the interval ending there gets an interim
/// report; a deadline ends a flow with a final report. A deadline that
/// coincides with a boundary is handled after it, so every report carries
/// only packets of the interval it names, and the records of one interval
/// all come before those of the next.
public final class Flowifier {
    /// What a run did, for the summary on stderr.
    public struct Counts: Sendable {
        /// Packets counted in flows.
        public var packets = 0
        /// Of those, packets older than event time, counted in their flow.
        public var reordered = 0
        public var flows = 0
        public var interimReports = 0
        public var finalReports = 0
        public var evicted = 0
    }

    public let options: FlowOptions
    @exclusivity(unchecked) public private(set) var counts = Counts()
    /// Epoch nanoseconds; `Int64.min` until the first packet or tick.
    @exclusivity(unchecked) public private(set) var eventTime: Int64 = .min

    private let table: FlowTable
    private let reports: FlowReportWriter
    @exclusivity(unchecked) private var fragmentHeaders = FragmentHeaders()
    @exclusivity(unchecked) private var intervalStart: Int64 = .min
    @exclusivity(unchecked) private var intervalEnd: Int64 = .min
    /// Flows with packets in the current interval, as (slot, flow id): the
    /// id tells a flow that ended and whose slot was reused.
    @exclusivity(unchecked) private var listed: [(slot: Int32, id: UInt64)] = []
    @exclusivity(unchecked) private var nextFlowID: UInt64 = 1
    /// No deadline falls before this: event time can move up to it without
    /// a look at the deadline lists. Deadlines only move later as flows
    /// are touched, so it stays a bound until a flow is added or changes
    /// class, which lower it.
    @exclusivity(unchecked) private var deadlineBound: Int64 = .max

    public init(options: FlowOptions, writer: NDJSONWriter) {
        self.options = options
        table = FlowTable(limit: options.maxFlows)
        reports = FlowReportWriter(writer: writer, communityIDSeed: options.communityIDSeed)
        // Interval bounds and deadlines carry the decimals of the durations
        // they are made of (an interval of 0.25 s needs two), whatever the
        // input's precision.
        reports.fractionDigits = options.durations.map(Self.decimalsNeeded).max() ?? 0
    }

    /// Decimals of the times in the reports; raise it to the most the input has.
    public var fractionDigits: Int {
        get { reports.fractionDigits }
        set { reports.fractionDigits = newValue }
    }

    // MARK: Input

    /// Counts one packet in its flow. Returns false, counting nothing, for a
    /// packet older than the current report interval whose flow is not in
    /// the table: it cannot be placed in a report any more.
    ///
    /// Times (here and in `advance`) must lie in
    /// `Timestamp.supportedEventTimes`, as the record readers ensure,
    /// so no deadline or difference of times overflows.
    public func add(_ packet: PacketObservation) throws(OutputError) -> Bool {
        if packet.time > eventTime { try advance(to: packet.time) }
        var packet = packet
        fragmentHeaders.complete(&packet)
        let (key, sourceIsA) = FlowKey.of(packet, ports: packet.ports)
        let hash = key.hash
        var found = table.find(key, hash: hash)
        if let slot = found, let reason = table.flows[Int(slot)].closeReason,
           packet.time >= table.flows[Int(slot)].last,
           let segment = packet.tcp, TCPFlags(segment.flags).syn, !TCPFlags(segment.flags).ack {
            // A new connection on the tuple of one that closed: port reuse.
            // (A SYN older than the closed flow's last packet is a late copy
            // of its own, and counts in it.)
            try end(slot, reason: reason, at: eventTime)
            found = nil
        }
        let slot: Int32
        if let found {
            slot = found
        } else {
            guard packet.time >= intervalStart else { return false }
            if table.isFull { try evictIdlest() }
            slot = start(key, hash: hash, sourceIsA: sourceIsA, packet: packet)
        }
        if packet.time < eventTime { counts.reordered += 1 }
        count(packet, in: slot, sourceIsA: sourceIsA)
        return true
    }

    /// Moves event time forward to `time` (a tick, or a packet's time),
    /// writing the reports that fall due on the way.
    public func advance(to time: Int64) throws(OutputError) {
        guard time > eventTime else { return }
        if eventTime == .min {
            eventTime = time
            intervalStart = Self.align(time, options.interval)
            intervalEnd = intervalStart.saturatingAdding(options.interval)
            return
        }
        if time < deadlineBound && time < intervalEnd {
            eventTime = time
            return
        }
        while true {
            let next = nextDeadline()
            if let next, next.time < intervalEnd, next.time <= time {
                try expire(next.slot, reason: next.reason, at: next.time)
                continue
            }
            if intervalEnd <= time {
                try closeInterval(before: min(time, next?.time ?? time))
                continue
            }
            break
        }
        deadlineBound = nextDeadline()?.time ?? .max
        eventTime = time
    }

    /// Lowers the deadline bound for a flow due at `time`.
    @inline(__always)
    private func noteDeadline(_ time: Int64) {
        if time < deadlineBound { deadlineBound = time }
    }

    /// Ends every flow (end of input or a stop signal), in the order they
    /// started. A flow in its linger after a FIN exchange or a RST keeps
    /// that reason.
    public func finish() throws(OutputError) {
        var slot = table.startList.head
        while slot >= 0 {
            let next = table.nextStarted(after: slot)
            try end(slot, reason: table.flows[Int(slot)].closeReason ?? .eof, at: eventTime)
            slot = next
        }
    }

    // MARK: Flows

    private func start(_ key: FlowKey, hash: UInt64, sourceIsA: Bool, packet: PacketObservation) -> Int32 {
        // Who is the originator: the receiver of a SYN-ACK or of an ICMP
        // reply seen first (the request was missed), else the sender.
        var flipped = false
        var icmpType: UInt8 = 0
        let idleClass: IdleClass
        if let segment = packet.tcp, key.protocolNumber == CommunityID.tcpProtocolNumber {
            let flags = TCPFlags(segment.flags)
            flipped = flags.syn && flags.ack
            idleClass = .tcpAttempt
        } else if key.protocolNumber == CommunityID.tcpProtocolNumber {
            idleClass = .tcpAttempt
        } else if ICMPKind.isICMP(key.protocolNumber) {
            if let icmp = packet.icmp {
                flipped = ICMPKind.isReply(icmp.type, protocolNumber: key.protocolNumber)
                icmpType = flipped
                    ? ICMPKind.requestType(answeredBy: icmp.type, protocolNumber: key.protocolNumber)
                    : icmp.type
            }
            idleClass = .icmp
        } else if key.protocolNumber == CommunityID.udpProtocolNumber {
            idleClass = .udp
        } else {
            idleClass = .other
        }
        let flow = Flow(
            key: key, id: nextFlowID, originatorIsA: sourceIsA != flipped, icmpType: icmpType,
            idleClass: idleClass, closeReason: nil, activity: eventTime, started: eventTime,
            tcp: TCPConnectionState(rolesFlippedAtCreation: flipped))
        nextFlowID += 1
        counts.flows += 1
        noteDeadline(eventTime.saturatingAdding(min(options.idleTimeout(idleClass), options.activeTimeout)))
        return table.insert(flow, hash: hash)
    }

    private func count(_ packet: PacketObservation, in slot: Int32, sourceIsA: Bool) {
        let flow = table.flows + Int(slot)
        var fromOriginator = sourceIsA == flow.pointee.originatorIsA
        let previous = flow.pointee.packets == 0 ? packet.time : flow.pointee.last
        if flow.pointee.packets == 0 {
            flow.pointee.first = packet.time
            flow.pointee.last = packet.time
        } else {
            flow.pointee.first = min(flow.pointee.first, packet.time)
            flow.pointee.last = max(flow.pointee.last, packet.time)
        }
        flow.pointee.firstPackets.add(
            length: packet.wireLength, fromOriginator: fromOriginator, gapNanoseconds: packet.time - previous)

        if let segment = packet.tcp, flow.pointee.key.protocolNumber == CommunityID.tcpProtocolNumber {
            let flags = TCPFlags(segment.flags)
            flow.pointee.flags.add(segment.flags)
            let sequenceSpace = packet.payloadLength &+ (flags.syn ? 1 : 0) &+ (flags.fin ? 1 : 0)
            withDirection(flow, fromOriginator) { side in
                if side.initialWindow < 0, let window = segment.window { side.initialWindow = Int32(window) }
                side.sequence.observe(sequence: segment.sequence, length: flags.rst ? 0 : sequenceSpace)
            }
            let reversedBefore = flow.pointee.tcp.rolesReversed
            flow.pointee.tcp.observe(
                fromOriginator: fromOriginator != reversedBefore, flags: segment.flags,
                payloadLength: Int(packet.payloadLength),
                sequence: segment.sequence, acknowledgement: segment.acknowledgement)
            if flow.pointee.tcp.rolesReversed != reversedBefore {
                // Zeek swapped the roles (a handshake seen reversed): so do
                // the counters, so every field speaks of Zeek's originator.
                flow.pointee.originatorIsA.toggle()
                let formerOriginator = flow.pointee.originator
                flow.pointee.originator = flow.pointee.responder
                flow.pointee.responder = formerOriginator
                flow.pointee.firstPackets.swapDirections()
                fromOriginator.toggle()
            }
        }
        withDirection(flow, fromOriginator) { side in
            side.add(time: packet.time, wireLength: packet.wireLength,
                     payloadLength: packet.payloadLength, ttl: packet.ttl)
        }
        counts.packets += 1

        if flow.pointee.closeReason == nil {
            flow.pointee.activity = eventTime
            if flow.pointee.key.protocolNumber == CommunityID.tcpProtocolNumber && flow.pointee.tcp.isFinished {
                flow.pointee.closeReason = flow.pointee.tcp.sawRST ? .rst : .fin
                table.reclassify(slot, as: .closing)
                noteDeadline(eventTime.saturatingAdding(options.linger))
            } else if flow.pointee.idleClass == .tcpAttempt
                        && flow.pointee.originator.packets > 0 && flow.pointee.responder.packets > 0 {
                table.reclassify(slot, as: .tcpEstablished)
                noteDeadline(eventTime.saturatingAdding(options.tcpEstablishedTimeout))
            } else {
                table.touch(slot)
            }
        }
        if flow.pointee.listedInterval != intervalStart {
            flow.pointee.listedInterval = intervalStart
            listed.append((slot, flow.pointee.id))
            if listed.count > 2 * options.maxFlows + 1024 { dropEndedFromListed() }
        }
    }

    @inline(__always)
    private func withDirection(
        _ flow: UnsafeMutablePointer<Flow>, _ fromOriginator: Bool, _ body: (inout DirectionStatistics) -> Void
    ) {
        if fromOriginator { body(&flow.pointee.originator) } else { body(&flow.pointee.responder) }
    }

    /// The flow whose deadline comes first, when, and the reason it ends then.
    private func nextDeadline() -> (slot: Int32, time: Int64, reason: EndReason)? {
        var best: (slot: Int32, time: Int64, reason: EndReason)?
        for idleClass in IdleClass.allCases {
            let slot = table.idleLists[idleClass.rawValue].head
            guard slot >= 0 else { continue }
            // Fields through the pointer: a whole Flow is 664 bytes to copy.
            let flow = table.flows + Int(slot)
            let time = flow.pointee.activity.saturatingAdding(options.idleTimeout(idleClass))
            if best == nil || time < best!.time {
                best = (slot, time, flow.pointee.closeReason ?? .idle)
            }
        }
        let slot = table.startList.head
        if slot >= 0 {
            let time = table.flows[Int(slot)].started.saturatingAdding(options.activeTimeout)
            if best == nil || time < best!.time { best = (slot, time, .active) }
        }
        return best
    }

    private func expire(_ slot: Int32, reason: EndReason, at time: Int64) throws(OutputError) {
        guard reason == .active else { return try end(slot, reason: reason, at: time) }
        // The flow reports what it has and goes on as a new one, keeping its
        // key, orientation and TCP state. One that saw no packet for a whole
        // active timeout since it went on is over: it ends without a
        // report (it has nothing to report).
        let flow = table.flows + Int(slot)
        guard flow.pointee.packets > 0 else { return table.remove(slot) }
        try report(flow, .final(.active), at: time)
        flow.pointee.id = nextFlowID
        nextFlowID += 1
        counts.flows += 1
        flow.pointee.first = 0
        flow.pointee.last = 0
        flow.pointee.originator = DirectionStatistics()
        flow.pointee.responder = DirectionStatistics()
        flow.pointee.flags = TCPFlagCounts()
        flow.pointee.firstPackets = FirstPackets()
        flow.pointee.started = time
        // The new flow's packets of this interval need listing of their own.
        flow.pointee.listedInterval = .min
        table.restart(slot)
        noteDeadline(time.saturatingAdding(options.activeTimeout))
    }

    /// Writes the final report (unless the flow has no packets: one that
    /// went on after an active timeout and saw none since) and frees the slot.
    private func end(_ slot: Int32, reason: EndReason, at time: Int64) throws(OutputError) {
        let flow = table.flows + Int(slot)
        if flow.pointee.packets > 0 {
            try report(flow, .final(reason), at: time)
        }
        table.remove(slot)
    }

    private func evictIdlest() throws(OutputError) {
        var idlest: Int32 = -1
        for idleClass in IdleClass.allCases {
            let slot = table.idleLists[idleClass.rawValue].head
            if slot >= 0 && (idlest < 0 || (table.flows + Int(slot)).pointee.activity < (table.flows + Int(idlest)).pointee.activity) {
                idlest = slot
            }
        }
        counts.evicted += 1
        try end(idlest, reason: (table.flows + Int(idlest)).pointee.closeReason ?? .evicted, at: eventTime)
    }

    // MARK: Reports

    /// Interim reports for the interval ending now, then the next interval;
    /// with nothing listed, straight to the interval holding `upTo` (the
    /// new event time or the next deadline, whichever comes first).
    private func closeInterval(before upTo: Int64) throws(OutputError) {
        for (slot, id) in listed {
            let flow = table.flows + Int(slot)
            guard flow.pointee.id == id, flow.pointee.listedInterval == intervalStart else { continue }
            let time = flow.pointee.last >= intervalStart ? flow.pointee.last : intervalStart
            try report(flow, .interim, at: time)
        }
        listed.removeAll(keepingCapacity: true)
        intervalStart = intervalEnd
        if upTo >= intervalStart.saturatingAdding(options.interval) {
            intervalStart = Self.align(upTo, options.interval)
        }
        intervalEnd = intervalStart.saturatingAdding(options.interval)
    }

    /// Forgets listed flows that ended, so that churn (a flood of new
    /// flows, each evicted soon) cannot grow the list beyond the table.
    private func dropEndedFromListed() {
        listed.removeAll { table.flows[Int($0.slot)].id != $0.id }
    }

    private func report(_ flow: UnsafeMutablePointer<Flow>, _ kind: FlowReportWriter.Kind, at time: Int64) throws(OutputError) {
        if case .interim = kind { counts.interimReports += 1 } else { counts.finalReports += 1 }
        try reports.report(&flow.pointee, kind: kind, time: time, intervalStart: intervalStart, intervalEnd: intervalEnd)
    }

    /// Decimals that show `nanoseconds` as seconds exactly.
    static func decimalsNeeded(_ nanoseconds: Int64) -> Int {
        var digits = 9
        var rest = nanoseconds
        while digits > 0 && rest % 10 == 0 {
            rest /= 10
            digits -= 1
        }
        return digits
    }

    static func align(_ time: Int64, _ interval: Int64) -> Int64 {
        floorDivide(time, interval) * interval
    }
}
