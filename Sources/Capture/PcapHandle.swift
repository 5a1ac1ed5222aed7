import CPcap

/// Owns a libpcap handle and closes it exactly once, however the object
/// holding it is torn down (a throwing initialiser included).
final class PcapHandle {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { pcap_close(pointer) }

    /// libpcap's message for the last error on this handle.
    var lastError: String { String(cString: pcap_geterr(pointer)) }
}
