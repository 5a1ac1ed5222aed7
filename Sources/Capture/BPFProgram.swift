import CPcap
import SluiceCore

/// A compiled BPF filter. Frames read by Sluice itself (pcapng interfaces,
/// classic pcap, so that counts and offsets cover every record) are
/// matched with `matches`; a live handle gets it installed in the kernel.
final class BPFProgram {
    private var program = bpf_program()

    /// Compiles `expression` as tcpdump would for a capture of `linkType`.
    init(expression: String, linkType: LinkType, snaplen: Int) throws(CaptureError) {
        // An interface block may claim any snaplen; libpcap wants a sane one.
        let usableSnaplen = (1...262_144).contains(snaplen) ? snaplen : 262_144
        guard let pointer = pcap_open_dead(linkType.libpcapValue, Int32(usableSnaplen)) else {
            throw .badFilter("cannot compile a filter for link type \(linkType)")
        }
        let dead = PcapHandle(pointer)
        if pcap_compile(dead.pointer, &program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            throw .badFilter("filter for link type \(linkType): \(dead.lastError)")
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

    /// Installs the program on a live handle, so the kernel drops what it rejects.
    func install(on handle: PcapHandle) throws(CaptureError) {
        if pcap_setfilter(handle.pointer, &program) != 0 {
            throw .badFilter("filter: \(handle.lastError)")
        }
    }
}
