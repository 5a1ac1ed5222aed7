import CPcap
import SluiceCore

/// Reads pcapng (draft-ietf-opsawg-pcapng) itself rather than through
/// libpcap, because libpcap refuses a file whose interfaces have different
/// link types and never reports which interface a packet came from; both are
/// ordinary in pcapng. Each interface keeps its own link type, time
/// resolution, offset and compiled filter.
///
/// Blocks read: Section Header, Interface Description, Enhanced Packet,
/// Simple Packet and the obsolete Packet block; all others are skipped.
final class PcapngReader {
    private struct Interface {
        var linkType: LinkType
        var snaplen: Int
        /// Time units per second: 10^n or 2^n (if_tsresol).
        var resolutionIsPowerOfTwo = false
        var resolutionExponent = 6
        var offsetSeconds: Int64 = 0
        var filter: BPFProgram?

        var fractionDigits: Int { resolutionIsPowerOfTwo ? 9 : min(resolutionExponent, 9) }
    }

    private let stream: ByteStream
    private let name: String
    private let filterExpression: String?
    private let diagnostics: Diagnostics
    private var interfaces: [Interface] = []
    private var bigEndian = false
    private var lastTimestamp = Timestamp(nanoseconds: 0)
    private(set) var packetsRead = 0

    /// The largest block accepted; beyond this the file is taken as corrupt
    /// rather than trying to allocate what a broken length claims.
    static let maximumBlockLength = 64 << 20

    init(stream: ByteStream, name: String, filter: String?, diagnostics: Diagnostics) {
        self.stream = stream
        self.diagnostics = diagnostics
        self.name = name
        filterExpression = filter
    }

    var bytesConsumed: Int { stream.offset }

    /// Delivers each packet to `deliver` until the input ends or `deliver`
    /// returns false. Throws `.damaged` at the first corrupt block, after
    /// every packet before it was delivered.
    func run(_ deliver: (CapturedFrame) -> Bool) throws(CaptureError) {
        while true {
            let blockStart = stream.offset
            let header = try stream.peek(12)
            if header.count == 0 { return }
            guard header.count >= 8 else { throw damage("truncated block header", at: blockStart) }
            let type = read32(header, 0)
            if type == 0x0A0D0D0A {
                guard header.count >= 12 else { throw damage("truncated section header", at: blockStart) }
                switch header.loadUnaligned(fromByteOffset: 8, as: UInt32.self) {
                case 0x1A2B3C4D: bigEndian = false
                case 0x4D3C2B1A: bigEndian = true
                default: throw damage("bad byte-order magic in section header", at: blockStart)
                }
            } else if blockStart == 0 {
                throw damage("not a pcapng file", at: blockStart)
            }
            let length = Int(read32(header, 4))
            guard length >= 12, length % 4 == 0 else {
                throw damage("bad block length \(length)", at: blockStart)
            }
            guard length <= Self.maximumBlockLength else {
                throw damage("block length \(length) exceeds the limit of \(Self.maximumBlockLength)", at: blockStart)
            }
            guard let block = try stream.take(length) else {
                throw damage("truncated block (\(length) bytes claimed, \(stream.buffered) present)", at: blockStart)
            }
            guard read32(block, length - 4) == UInt32(length) else {
                throw damage("block length fields disagree", at: blockStart)
            }
            switch type {
            case 0x0A0D0D0A:
                interfaces.removeAll()
            case 0x00000001:
                try readInterface(block, at: blockStart)
            case 0x00000006, 0x00000002:
                // Enhanced and (obsolete) Packet blocks share the layout but
                // for the interface id: 32 bits, or 16 bits then 16 of drops.
                guard length >= 32 else { throw damage("packet block too short", at: blockStart) }
                let interfaceID = type == 6 ? Int(read32(block, 8)) : Int(read16(block, 8))
                let frame = try packet(block, interfaceID: interfaceID, high: read32(block, 12),
                                       low: read32(block, 16), capturedLength: Int(read32(block, 20)),
                                       wireLength: Int(read32(block, 24)), dataOffset: 28, at: blockStart)
                if let frame, !deliverFiltered(frame, deliver) { return }
            case 0x00000003:
                guard length >= 16 else { throw damage("simple packet block too short", at: blockStart) }
                guard let interface = interfaces.first else {
                    throw damage("simple packet block before any interface", at: blockStart)
                }
                let wireLength = Int(read32(block, 8))
                var captured = min(wireLength, length - 16)
                if interface.snaplen > 0 { captured = min(captured, interface.snaplen) }
                // A simple packet has no timestamp: it gets the previous packet's.
                let frame = CapturedFrame(
                    timestamp: lastTimestamp, wireLength: wireLength,
                    bytes: UnsafeRawBufferPointer(rebasing: block[12..<(12 + captured)]),
                    linkType: interface.linkType, interface: 0, fractionDigits: interface.fractionDigits)
                if !deliverFiltered(frame, deliver) { return }
            default:
                continue
            }
        }
    }

    private func deliverFiltered(_ frame: CapturedFrame, _ deliver: (CapturedFrame) -> Bool) -> Bool {
        packetsRead += 1
        if let filter = interfaces[frame.interface].filter, !filter.matches(frame) { return true }
        return deliver(frame)
    }

    private func readInterface(_ block: UnsafeRawBufferPointer, at blockStart: Int) throws(CaptureError) {
        guard block.count >= 20 else { throw damage("interface block too short", at: blockStart) }
        var interface = Interface(linkType: LinkType(Int32(read16(block, 8))), snaplen: Int(read32(block, 12)))
        var position = 16
        let optionsEnd = block.count - 4
        while position + 4 <= optionsEnd {
            let code = read16(block, position)
            let length = Int(read16(block, position + 2))
            let value = position + 4
            if code == 0 { break }
            guard value + length <= optionsEnd else { break }
            if code == 9, length >= 1 {
                let resolution = block[value]
                interface.resolutionIsPowerOfTwo = resolution & 0x80 != 0
                interface.resolutionExponent = Int(resolution & 0x7F)
            } else if code == 14, length >= 8 {
                let high = UInt64(read32(block, bigEndian ? value : value + 4))
                let low = UInt64(read32(block, bigEndian ? value + 4 : value))
                let offsetSeconds = Int64(bitPattern: high << 32 | low)
                // Beyond ±9e9 s (±285 years) no timestamp stays representable.
                guard offsetSeconds.magnitude < 9_000_000_000 else {
                    throw damage("interface \(interfaces.count): time offset \(offsetSeconds) s out of range", at: blockStart)
                }
                interface.offsetSeconds = offsetSeconds
            }
            position = value + ((length + 3) & ~3)
        }
        if let filterExpression {
            do {
                interface.filter = try BPFProgram(expression: filterExpression, linkType: interface.linkType,
                                                  snaplen: interface.snaplen)
            } catch .badFilter(let message) where packetsRead > 0 {
                // Packets were read already: not a usage error but a file
                // the filter cannot apply to, from here on.
                throw damage("interface \(interfaces.count): \(message)", at: blockStart)
            }
        }
        interfaces.append(interface)
    }

    private func packet(_ block: UnsafeRawBufferPointer, interfaceID: Int, high: UInt32, low: UInt32,
                        capturedLength: Int, wireLength: Int, dataOffset: Int,
                        at blockStart: Int) throws(CaptureError) -> CapturedFrame? {
        guard interfaceID < interfaces.count else {
            throw damage("packet for undefined interface \(interfaceID)", at: blockStart)
        }
        guard dataOffset + capturedLength <= block.count - 4 else {
            throw damage("captured length \(capturedLength) exceeds its block", at: blockStart)
        }
        let interface = interfaces[interfaceID]
        guard let timestamp = Self.timestamp(ticks: UInt64(high) << 32 | UInt64(low), of: interface) else {
            // The file is intact, only this packet's time is unusable: report
            // it, count it, and read on.
            packetsRead += 1
            diagnostics.report("timestamp_out_of_range",
                               "\(name): packet \(packetsRead) at byte \(blockStart): timestamp outside the years 1677 to 2262; packet skipped")
            return nil
        }
        lastTimestamp = timestamp
        return CapturedFrame(
            timestamp: timestamp, wireLength: wireLength,
            bytes: UnsafeRawBufferPointer(rebasing: block[dataOffset..<(dataOffset + capturedLength)]),
            linkType: interface.linkType, interface: interfaceID, fractionDigits: interface.fractionDigits)
    }

    /// Converts interface ticks to nanoseconds, or nil if that overflows Int64.
    private static func timestamp(ticks: UInt64, of interface: Interface) -> Timestamp? {
        var nanoseconds: UInt64
        if interface.resolutionIsPowerOfTwo {
            let shift = UInt64(min(interface.resolutionExponent, 63))
            let seconds = ticks >> shift
            let fraction = ticks & ((1 << shift) - 1)
            let (high, low) = fraction.multipliedFullWidth(by: 1_000_000_000)
            let fractionNanos = shift == 0 ? 0 : (high << (64 - shift)) | (low >> shift)
            let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            guard !overflow else { return nil }
            let (sum, carried) = whole.addingReportingOverflow(fractionNanos)
            guard !carried else { return nil }
            nanoseconds = sum
        } else if interface.resolutionExponent <= 9 {
            let (scaled, overflow) = ticks.multipliedReportingOverflow(by: powersOfTenNanos[9 - interface.resolutionExponent])
            guard !overflow else { return nil }
            nanoseconds = scaled
        } else {
            var divisor: UInt64 = 1
            for _ in 0..<min(interface.resolutionExponent - 9, 19) { divisor *= 10 }
            nanoseconds = ticks / divisor
        }
        guard nanoseconds <= UInt64(Int64.max) else { return nil }
        // readInterface has bounded the offset, so the product cannot overflow.
        let (total, overflow) = Int64(nanoseconds).addingReportingOverflow(interface.offsetSeconds * 1_000_000_000)
        guard !overflow else { return nil }
        return Timestamp(nanoseconds: total)
    }

    private func read16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        return bigEndian ? UInt16(bigEndian: raw) : UInt16(littleEndian: raw)
    }

    private func read32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
    }

    private func damage(_ what: String, at offset: Int) -> CaptureError {
        .damaged("\(name): \(what) at byte \(offset) (after packet \(packetsRead))")
    }
}

private let powersOfTenNanos: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]
