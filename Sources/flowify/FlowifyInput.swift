import Flows
import SluiceCore
import Synchronization

/// Reads NDJSON inputs line by line into the flowifier: packet records are
/// counted in flows, ticks move event time, everything else is written
/// through in order. Bad lines are reported with their file and line, and
/// counted.
///
/// Reading and decoding run on the calling thread; unless every record is
/// to be flushed at once (`-l`, live pipelines), the flow table and the
/// output run on a second thread, fed in order through a `BatchPipeline`
/// of `Event`s, so the two halves use two cores.
final class FlowifyInput {
    /// One input line's effect, in input order.
    ///
    /// Trivially copyable: the place and copied lines travel as unmanaged
    /// references (`Carried`), which the flow thread takes exactly once.
    /// With a String or an array in a case, every event was copied into the
    /// ring and destroyed after use through outlined value witnesses: about
    /// 8 % of flowify's time on the bench records.
    enum Event {
        /// The following lines come from this input (`"name: "`, or "" for stdin).
        case input(place: Unmanaged<Carried<String>>)
        case packet(PacketObservation, line: Int, fractionDigits: Int)
        /// A tick: event time moves on, then the line passes through.
        case tick(Int64, line: Unmanaged<Carried<[UInt8]>>, fractionDigits: Int)
        /// A record flowify does not use, written through untouched.
        case passThrough(Unmanaged<Carried<[UInt8]>>)
    }

    /// A value handed to the flow thread inside an `Event`.
    final class Carried<Value> {
        let value: Value
        init(_ value: Value) { self.value = value }

        /// Retained once for the event; the flow thread's
        /// `takeRetainedValue()` releases it.
        static func retained(_ value: Value) -> Unmanaged<Carried> { .passRetained(Carried(value)) }
    }

    let flowifier: Flowifier
    private let writer: NDJSONWriter
    private let diagnostics: Diagnostics
    /// Reports come from both threads.
    private let reportLock = Mutex(())
    private let showsProgress: Bool
    private let parser = JSONLineParser(keys: PacketRecordFields.keys)
    private let decoder = PacketLineDecoder()
    private let values = PacketFieldValues()
    private var pipeline: BatchPipeline<Event>?
    /// The output error that stopped the worker; read after it finished.
    private var workerError: OutputError?
    /// Bytes of copied lines handed to the flow thread since the last early
    /// hand-over: a batch is passed on at `batchBytes`, so long pass-through
    /// lines cannot pile up in the pipeline's ring.
    @exclusivity(unchecked) private var copiedBytes = 0
    private static let batchBytes = 4 << 20
    /// The input the flow thread's events come from, for its messages.
    @exclusivity(unchecked) private var flowPlace = ""
    /// Packet records without IP addresses: they belong to no flow.
    @exclusivity(unchecked) private var packetsWithoutIP = 0
    @exclusivity(unchecked) private var recordsPassed = 0

    init(flowifier: Flowifier, writer: NDJSONWriter, diagnostics: Diagnostics, showsProgress: Bool, usesFlowThread: Bool) {
        self.flowifier = flowifier
        self.writer = writer
        self.diagnostics = diagnostics
        self.showsProgress = showsProgress
        assert(_isPOD(Event.self), "flowify: Event must stay trivially copyable")
        if usesFlowThread {
            // A deep ring (32 batches of 4096 events, about 13 MB): at each
            // report boundary the flow thread writes an interim report for
            // every active flow, and meanwhile the reading thread, and sniff
            // behind it, can keep going instead of waiting. sniff | flowify |
            // window5s on the bench capture: 2.49-2.93 s with 4 batches,
            // 2.31-2.73 s with 32 (5 interleaved runs each, session 19).
            // Batches stay small, so a hand-over waits for no more packets
            // than before.
            pipeline = BatchPipeline(batchSize: 4096, depth: 32) { [unowned self] events in
                do throws(OutputError) {
                    for event in events { try self.apply(event) }
                    return true
                } catch {
                    self.workerError = error
                    return false
                }
            }
        }
    }

    /// Reads one input to its end (or until a stop signal). A file that
    /// cannot be opened or read is reported and counted; output errors are
    /// thrown.
    func read(_ name: String) throws(OutputError) {
        let pipeline = self.pipeline?.producer
        try deliver(.input(place: Carried.retained(NDJSONInput.place(of: name))), to: pipeline)
        try NDJSONInput.read(name, tool: "flowify", showsProgress: showsProgress, report: report) { line, place, lineNumber throws(OutputError) in
            try handle(line, place: place, lineNumber: lineNumber, to: pipeline)
        }
    }

    /// Ends the input: the flow thread drains, every open flow gets its
    /// final report, and the output is flushed.
    func finish() throws(OutputError) {
        if let error = endFlowThread() { throw error }
        try flowifier.finish()
        try writer.flush()
    }

    // MARK: Reading thread

    private func handle(_ line: UnsafeBufferPointer<UInt8>, place: String, lineNumber: Int,
                        to pipeline: BatchPipeline<Event>.Producer?) throws(OutputError) {
        if decoder.decode(line, into: values) {
            return try deliverPacket(place: place, lineNumber: lineNumber, to: pipeline)
        }
        if JSONLineParser.isBlank(line) { return }
        do {
            try parser.parse(line)
        } catch {
            report("bad_json", "\(place)\(error.message(line: lineNumber))")
            return
        }
        let type = try? parser.stringBytes(PacketRecordFields.type)
        if let type, type.equals("packet") {
            do {
                try PacketRecordFields.read(from: parser, into: values)
            } catch {
                report("bad_packet", "\(place)line \(lineNumber): \(error.message)")
                return
            }
            return try deliverPacket(place: place, lineNumber: lineNumber, to: pipeline)
        }
        if let type, type.equals("tick") {
            let time: Int64
            do {
                time = try parser.requireEventTime(PacketRecordFields.ts)
            } catch {
                report("bad_tick", "\(place)line \(lineNumber): \(error.message)")
                return
            }
            recordsPassed += 1
            try deliver(.tick(time, line: Carried.retained(Array(line)), fractionDigits: PacketRecordFields.fractionDigits(in: parser)), to: pipeline)
        } else {
            recordsPassed += 1
            try deliver(.passThrough(Carried.retained(Array(line))), to: pipeline)
        }
        copiedBytes += line.count
        if copiedBytes >= Self.batchBytes, let pipeline {
            copiedBytes = 0
            if !pipeline.handOffPartial() { try stopPipeline() }
        }
    }

    /// Sends on the packet in `values`, or reports why it cannot be counted.
    private func deliverPacket(place: String, lineNumber: Int, to pipeline: BatchPipeline<Event>.Producer?) throws(OutputError) {
        let packet: PacketObservation?
        do {
            packet = try PacketRecordFields.observation(from: values)
        } catch {
            report("bad_packet", "\(place)line \(lineNumber): \(error.message)")
            return
        }
        guard let packet else {
            packetsWithoutIP += 1
            return
        }
        try deliver(.packet(packet, line: lineNumber, fractionDigits: values.fractionDigits), to: pipeline)
    }

    private func deliver(_ event: Event, to pipeline: BatchPipeline<Event>.Producer?) throws(OutputError) {
        guard let pipeline else { return try apply(event) }
        if !pipeline.append(event) { try stopPipeline() }
    }

    /// The flow thread stopped on an output error: wait for it and throw
    /// the error.
    private func stopPipeline() throws(OutputError) {
        throw endFlowThread() ?? .closed
    }

    /// Lets the flow thread drain its events and end (if there is one);
    /// returns the output error that stopped it, if any.
    private func endFlowThread() -> OutputError? {
        guard let pipeline else { return nil }
        _ = pipeline.finish()
        self.pipeline = nil
        return workerError
    }

    // MARK: Flow thread

    private func apply(_ event: Event) throws(OutputError) {
        switch event {
        case .input(let place):
            flowPlace = place.takeRetainedValue().value
        case .packet(let packet, let lineNumber, let fractionDigits):
            raiseFractionDigits(to: fractionDigits)
            let eventTime = flowifier.eventTime
            if try !flowifier.add(packet) {
                report("late_packet", "\(flowPlace)line \(lineNumber): packet time \(Timestamp(nanoseconds: packet.time).seconds) is before the report interval in progress (event time \(Timestamp(nanoseconds: eventTime).seconds)) and its flow has ended or never began; skipped")
            }
        case .tick(let time, let line, let fractionDigits):
            // Event time may end flows at the tick's time: keep its decimals.
            raiseFractionDigits(to: fractionDigits)
            let line = line.takeRetainedValue().value
            try flowifier.advance(to: time)
            try write(line)
        case .passThrough(let line):
            try write(line.takeRetainedValue().value)
        }
    }

    private func raiseFractionDigits(to digits: Int) {
        if digits > flowifier.fractionDigits { flowifier.fractionDigits = digits }
    }

    private func write(_ line: [UInt8]) throws(OutputError) {
        var failure: OutputError?
        line.withUnsafeBufferPointer { bytes in
            do throws(OutputError) { try writer.writeLine(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    // MARK: Reporting

    private func report(_ kind: String, _ message: String) {
        reportLock.withLock { _ in diagnostics.report(kind, message) }
    }

    /// `flowify: 5000000 packets in 107412 flows (...)`.
    func summary() -> String {
        let counts = flowifier.counts
        var text = "\(counts.packets) packets in \(counts.flows) flows; \(counts.interimReports) interim and \(counts.finalReports) final reports"
        if counts.evicted > 0 { text += "; \(counts.evicted) flows evicted (table full)" }
        if counts.reordered > 0 { text += "; \(counts.reordered) packets out of time order, counted in their flows" }
        if packetsWithoutIP > 0 { text += "; \(packetsWithoutIP) packets without IP addresses, in no flow" }
        if recordsPassed > 0 { text += "; \(recordsPassed) other records passed through" }
        return text
    }
}
