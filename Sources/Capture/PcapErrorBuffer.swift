import CPcap

/// The buffer libpcap writes its error messages into.
struct PcapErrorBuffer {
    var bytes = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)

    var text: String {
        String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
