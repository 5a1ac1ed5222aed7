import CPcap
import SluiceCore

/// A compiled BPF filter for one link type, applied by Sluice itself to
/// frames that do not come through a libpcap handle (pcapng interfaces).
final class BPFProgram {
    private var program = bpf_program()

    /// Compiles `expression` as tcpdump would for a capture of `linkType`.
    init(expression: String, linkType: LinkType, snaplen: Int) throws(CaptureError) {
        guard let dead = pcap_open_dead(linkType.rawValue, Int32(snaplen > 0 ? snaplen : 262_144)) else {
            throw .badFilter("cannot compile a filter for link type \(linkType)")
        }
        defer { pcap_close(dead) }
        if pcap_compile(dead, &program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            throw .badFilter("filter for link type \(linkType): \(String(cString: pcap_geterr(dead)))")
        }
    }

    deinit { pcap_freecode(&program) }

    func matches(_ frame: CapturedFrame) -> Bool {
        var header = pcap_pkthdr()
        header.caplen = bpf_u_int32(frame.bytes.count)
        header.len = bpf_u_int32(clamping: frame.wireLength)
        guard let base = frame.bytes.baseAddress else { return false }
        return pcap_offline_filter(&program, &header, base.assumingMemoryBound(to: UInt8.self)) != 0
    }
}
