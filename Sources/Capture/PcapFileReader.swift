import CPcap
import SluiceCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads a classic pcap file through libpcap, which handles both byte
/// orders, micro- and nanosecond magic and the quirks of damaged files
/// exactly as tcpdump sees them. Timestamps are asked for in nanoseconds;
/// records keep the file's own precision.
final class PcapFileReader {
    private let handle: PcapHandle
    private let name: String
    let linkType: LinkType
    private let fractionDigits: Int
    private var filter: BPFProgram?
    // Unchecked exclusivity: per-packet counters of a single-threaded
    // reader, where the runtime check cost more than the increment.
    @exclusivity(unchecked) private(set) var packetsRead = 0
    /// Offset of the next record: 24-byte file header, then a record header
    /// and caplen bytes each. (If libpcap cut a caplen above the snaplen,
    /// the offsets of later damage are too low by what it cut.)
    @exclusivity(unchecked) private(set) var bytesConsumed = 24

    private let recordHeaderSize: Int

    /// Takes ownership of `file` (libpcap closes it) and of its `buffer`.
    init(file: UnsafeMutablePointer<FILE>, buffer: StdioBuffer, name: String, nanosecondFile: Bool, filter: String?,
         recordHeaderSize: Int = 16) throws(CaptureError) {
        self.recordHeaderSize = recordHeaderSize
        var errorBuffer = PcapErrorBuffer()
        guard let pointer = pcap_fopen_offline_with_tstamp_precision(
            file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer.bytes) else {
            fclose(file)
            throw .cannotOpen("\(name): \(errorBuffer.text)")
        }
        handle = PcapHandle(pointer, fileBuffer: buffer)
        self.name = name
        linkType = LinkType(pcap_datalink(pointer))
        fractionDigits = nanosecondFile ? 9 : 6
        // The filter runs here rather than inside libpcap so that packet
        // counts and byte offsets in error messages cover every record.
        if let filter {
            self.filter = try BPFProgram(expression: filter, linkType: linkType, snaplen: Int(pcap_snapshot(pointer)))
        }
    }

    func run(_ deliver: (CapturedFrame) -> Bool) throws(CaptureError) {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while true {
            let status = pcap_next_ex(handle.pointer, &header, &data)
            if status == 1, let header, let data {
                let captured = Int(header.pointee.caplen)
                packetsRead += 1
                bytesConsumed += recordHeaderSize + captured
                // The handle was opened with nanosecond precision.
                let frame = CapturedFrame(header: header, data: data, linkType: linkType,
                                          nanosecondTimestamps: true, fractionDigits: fractionDigits)
                if let filter, !filter.matches(frame) { continue }
                if !deliver(frame) { return }
            } else if status == PCAP_ERROR_BREAK {
                return
            } else if status == PCAP_ERROR {
                let reason = handle.lastError
                let kind = reason.hasPrefix("truncated") ? "truncated packet record" : "bad packet record"
                throw .damaged("\(name): \(kind) at byte \(bytesConsumed) (after packet \(packetsRead)): \(reason)")
            }
        }
    }
}
