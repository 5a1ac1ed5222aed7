import Flows
import SluiceCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads NDJSON inputs line by line into the flowifier: packet records are
/// counted in flows, ticks move event time, everything else is written
/// through in order. Bad lines are reported with their file and line, and
/// counted.
final class FlowifyInput {
    let flowifier: Flowifier
    private let writer: NDJSONWriter
    private let diagnostics: Diagnostics
    private let showsProgress: Bool
    private let parser = JSONLineParser(keys: PacketRecordFields.keys)
    private let decoder = PacketLineDecoder()
    private let values = PacketFieldValues()
    /// Packet records without IP addresses: they belong to no flow.
    @exclusivity(unchecked) private var packetsWithoutIP = 0
    @exclusivity(unchecked) private var recordsPassed = 0

    init(flowifier: Flowifier, writer: NDJSONWriter, diagnostics: Diagnostics, showsProgress: Bool) {
        self.flowifier = flowifier
        self.writer = writer
        self.diagnostics = diagnostics
        self.showsProgress = showsProgress
    }

    /// Reads one input to its end (or until a stop signal). A file that
    /// cannot be opened or read is reported and counted; output errors are
    /// thrown.
    func read(_ name: String) throws(OutputError) {
        let descriptor: Int32 = name == "-" ? 0 : open(name, O_RDONLY)
        guard descriptor >= 0 else {
            diagnostics.report("unreadable_input", "\(name): \(String(cString: strerror(errno)))")
            return
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var status = stat()
        let size = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG ? Int(status.st_size) : nil
        let progress = ProgressMeter(tool: "flowify", unit: "records", totalBytes: size, enabled: showsProgress)
        defer { progress.finish() }

        let reader = LineReader(fileDescriptor: descriptor)
        let place = name == "-" ? "" : "\(name): "
        var sinceCheck = 0
        var records = 0
        while true {
            let line: UnsafeBufferPointer<UInt8>
            do {
                guard let next = try reader.nextLine() else { break }
                line = next
            } catch .lineTooLong {
                diagnostics.report("line_too_long", "\(place)line \(reader.lineNumber): longer than \(reader.maxLineLength) bytes")
                continue
            } catch {
                diagnostics.report("unreadable_input", "\(place)\(error.message)")
                break
            }
            records += 1
            sinceCheck += 1
            if sinceCheck == 8192 {
                sinceCheck = 0
                if StopSignal.isPending { break }
                progress.update(records: records, bytes: reader.bytesRead)
            }
            try handle(line, place: place, lineNumber: reader.lineNumber)
        }
    }

    private func handle(_ line: UnsafeBufferPointer<UInt8>, place: String, lineNumber: Int) throws(OutputError) {
        if decoder.decode(line, into: values) {
            return try count(place: place, lineNumber: lineNumber)
        }
        if JSONLineParser.isBlank(line) { return }
        do {
            try parser.parse(line)
        } catch {
            diagnostics.report("bad_json", "\(place)\(error.message(line: lineNumber))")
            return
        }
        let type = try? parser.stringBytes(PacketRecordFields.type)
        if let type, Self.equal(type, "packet") {
            do {
                try PacketRecordFields.read(from: parser, into: values)
            } catch {
                diagnostics.report("bad_packet", "\(place)line \(lineNumber): \(error.message)")
                return
            }
            return try count(place: place, lineNumber: lineNumber)
        }
        if let type, Self.equal(type, "tick") {
            let time: Timestamp
            do {
                time = try parser.requireTimestamp(PacketRecordFields.ts)
            } catch {
                diagnostics.report("bad_tick", "\(place)line \(lineNumber): \(error.message)")
                return
            }
            try flowifier.advance(to: time.nanoseconds)
        }
        recordsPassed += 1
        try writer.writeLine(line)
    }

    /// Counts the packet in `values` in its flow.
    private func count(place: String, lineNumber: Int) throws(OutputError) {
        let packet: PacketObservation?
        do {
            packet = try PacketRecordFields.observation(from: values)
        } catch {
            diagnostics.report("bad_packet", "\(place)line \(lineNumber): \(error.message)")
            return
        }
        guard let packet else {
            packetsWithoutIP += 1
            return
        }
        if values.fractionDigits > flowifier.fractionDigits { flowifier.fractionDigits = values.fractionDigits }
        let eventTime = flowifier.eventTime
        if try !flowifier.add(packet) {
            diagnostics.report("late_packet", "\(place)line \(lineNumber): packet time \(Timestamp(nanoseconds: packet.time).seconds) is before the report interval in progress (event time \(Timestamp(nanoseconds: eventTime).seconds)) and its flow has ended or never began; skipped")
        }
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

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount && memcmp(bytes.baseAddress!, text.utf8Start, bytes.count) == 0
    }
}
