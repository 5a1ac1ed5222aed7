import SluiceCore

/// The sniff stage: decodes each frame a source delivers and writes its
/// record, counting what it sees. Sources call `handle`, which returns
/// false when the capture should stop (count reached, output gone).
public final class Sniffer {
    public struct Options {
        /// Also write `frame` records for frames without IP (ARP, LLDP, ...).
        public var emitsNonIPFrames = false
        /// Stop after this many packets (-c).
        public var packetLimit: Int?
        public init() {}
    }

    /// Counts for the summary on stderr.
    public struct Counts {
        public var packets = 0
        public var bytes = 0
        public var ipPackets = 0
        public var nonIPFrames = 0
        public var decodeErrors: [DecodeError: Int] = [:]
        public var unsupportedLinkTypes: [LinkType: Int] = [:]
    }

    public private(set) var counts = Counts()
    /// The output error that stopped the capture, if any.
    public private(set) var outputError: OutputError?

    private let writer: NDJSONWriter
    private let options: Options
    private let diagnostics: Diagnostics
    private var decoder = PacketDecoder()

    public init(writer: NDJSONWriter, options: Options, diagnostics: Diagnostics) {
        self.writer = writer
        self.options = options
        self.diagnostics = diagnostics
    }

    /// Decodes and writes one frame; false means stop.
    public func handle(_ frame: CapturedFrame) -> Bool {
        decoder.decode(linkType: frame.linkType, bytes: frame.bytes, wireLength: frame.wireLength)
        let packet = decoder.packet
        counts.packets += 1
        counts.bytes += frame.wireLength
        if let error = packet.decodeError {
            counts.decodeErrors[error, default: 0] += 1
            if error == .unsupportedLinkType {
                let seen = counts.unsupportedLinkTypes[frame.linkType, default: 0]
                if seen == 0 {
                    diagnostics.warn("link type \(frame.linkType) is not decoded; its packets get decode_error \"unsupported_link_type\"")
                }
                counts.unsupportedLinkTypes[frame.linkType] = seen + 1
            }
        }
        do {
            if packet.isIP {
                counts.ipPackets += 1
                try writer.writePacket(packet, of: frame)
            } else if packet.decodeError != nil {
                try writer.writePacket(packet, of: frame)
            } else {
                counts.nonIPFrames += 1
                if options.emitsNonIPFrames { try writer.writePacket(packet, of: frame) }
            }
        } catch {
            outputError = error
            return false
        }
        if let limit = options.packetLimit, counts.packets >= limit { return false }
        return true
    }

    /// Writes a tick record (live capture, idle link); false means stop.
    public func tick(_ timestamp: Timestamp) -> Bool {
        do {
            try writer.writeTick(timestamp)
            try writer.flush()
            return true
        } catch {
            outputError = error
            return false
        }
    }

    /// `N packets (I IP, F non-IP), B bytes` and decode errors by kind.
    public func summary() -> String {
        var text = "\(counts.packets) packets (\(counts.ipPackets) IP, \(counts.nonIPFrames) non-IP), \(counts.bytes) bytes"
        let errors = DecodeError.allCases.compactMap { kind in
            counts.decodeErrors[kind].map { "\(kind.rawValue) \($0)" }
        }
        if !errors.isEmpty {
            text += "; decode errors: " + errors.joined(separator: ", ")
        }
        return text
    }
}
