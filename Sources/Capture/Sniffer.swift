import SluiceCore

/// The sniff stage: decodes each frame a source delivers and writes its
/// record, counting what it sees. Sources call `handle`, which returns
/// false when the capture should stop (count reached, output gone).
///
/// When a file is read, formatting the records costs as much as reading
/// and decoding the packets, so by default the records are formatted and
/// written on a second thread (`BatchPipeline`), in order. Live capture with `-l` writes
/// each record at once on the capture thread instead.
public final class Sniffer {
    public struct Options {
        /// Also write `frame` records for frames without IP (ARP, LLDP, ...).
        public var emitsNonIPFrames = false
        /// Stop after this many packets (-c).
        public var packetLimit: Int?
        /// Format and write records on a second thread.
        public var usesWriterThread = true
        public init() {}
    }

    /// Counts for the summary on stderr.
    public struct Counts {
        public var packets = 0
        public var bytes = 0
        public var ipPackets = 0
        public var nonIPFrames = 0
        /// Frames whose link layer could not be read far enough to tell.
        public var undecodable = 0
        public var decodeErrors: [DecodeError: Int] = [:]
        public var unsupportedLinkTypes: [LinkType: Int] = [:]
    }

    // Unchecked exclusivity: these are touched by the capture thread only,
    // and the runtime check on every access cost more than the counting.
    @exclusivity(unchecked) public private(set) var counts = Counts()
    @exclusivity(unchecked) private var decoder = PacketDecoder()
    /// The output error that stopped the capture; written by whichever
    /// thread writes, read after `finish()`.
    private var outputError: OutputError?

    private let writer: NDJSONWriter
    private let options: Options
    private let diagnostics: Diagnostics
    @exclusivity(unchecked) private var pipeline: BatchPipeline<DecodedPacket>?
    /// `pipeline`'s producing side, appended to per packet (nil with it).
    @exclusivity(unchecked) private var handOff: BatchPipeline<DecodedPacket>.Producer?

    public init(writer: NDJSONWriter, options: Options, diagnostics: Diagnostics) {
        self.writer = writer
        self.options = options
        self.diagnostics = diagnostics
        if options.usesWriterThread {
            pipeline = BatchPipeline { [writer, unowned self] packets in
                self.writing { () throws(OutputError) in
                    for packet in packets { try writer.writePacket(packet) }
                }
            }
            handOff = pipeline?.producer
        }
    }

    /// Decodes and writes one frame; false means stop.
    public func handle(_ frame: CapturedFrame) -> Bool {
        decoder.decode(frame)
        counts.packets += 1
        counts.bytes += frame.wireLength
        // decoder.packet is read in place: a copy of it costs ~200 bytes.
        let decodeError = decoder.packet.decodeError
        if let decodeError { countDecodeError(decodeError, linkType: frame.linkType) }
        var keepGoing = true
        if decoder.packet.isIP {
            counts.ipPackets += 1
            keepGoing = emit()
        } else if decodeError != nil {
            counts.undecodable += 1
            keepGoing = emit()
        } else {
            counts.nonIPFrames += 1
            if options.emitsNonIPFrames { keepGoing = emit() }
        }
        if let limit = options.packetLimit, counts.packets >= limit { return false }
        return keepGoing
    }

    /// Writes (or hands over) the packet just decoded.
    private func emit() -> Bool {
        if let handOff { return handOff.append(decoder.packet) }
        return writing { () throws(OutputError) in try writer.writePacket(decoder.packet) }
    }

    /// Runs `write`; an output error is kept for `finish()` and means stop.
    private func writing(_ write: () throws(OutputError) -> Void) -> Bool {
        do {
            try write()
            return true
        } catch {
            outputError = error
            return false
        }
    }

    private func countDecodeError(_ error: DecodeError, linkType: LinkType) {
        counts.decodeErrors[error, default: 0] += 1
        guard error == .unsupportedLinkType else { return }
        let seen = counts.unsupportedLinkTypes[linkType, default: 0]
        if seen == 0 {
            diagnostics.warn("link type \(linkType) is not decoded; its packets get decode_error \"unsupported_link_type\"")
        }
        counts.unsupportedLinkTypes[linkType] = seen + 1
    }

    /// Writes a tick record (live capture, idle link) and flushes; false
    /// means stop. Only without the writer thread, which live capture does
    /// not use.
    public func tick(_ timestamp: Timestamp) -> Bool {
        precondition(pipeline == nil, "ticks are written by the capture thread")
        return writing { () throws(OutputError) in
            try writer.writeTick(timestamp)
            try writer.flush()
        }
    }

    /// Waits for the writer thread and flushes the output. Throws the
    /// output error that stopped the capture, if any.
    public func finish() throws(OutputError) {
        if let pipeline {
            _ = pipeline.finish()
            handOff = nil
            self.pipeline = nil
        }
        if let outputError { throw outputError }
        try writer.flush()
    }

    /// `N packets (I IP, F non-IP), B bytes` (with `, U undecodable` when
    /// some frames could not be told apart) and decode errors by kind.
    public func summary() -> String {
        let undecodable = counts.undecodable > 0 ? ", \(counts.undecodable) undecodable" : ""
        var text = "\(counts.packets) packets (\(counts.ipPackets) IP, \(counts.nonIPFrames) non-IP\(undecodable)), \(counts.bytes) bytes"
        let errors = DecodeError.allCases.compactMap { kind in
            counts.decodeErrors[kind].map { "\(kind.rawValue) \($0)" }
        }
        if !errors.isEmpty {
            text += "; decode errors: " + errors.joined(separator: ", ")
        }
        return text
    }
}
