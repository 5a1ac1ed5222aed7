import CPcap

/// Owns a libpcap handle and closes it exactly once, however the object
/// holding it is torn down (a throwing initialiser included).
final class PcapHandle {
    let pointer: OpaquePointer
    /// The buffer of the file a savefile handle reads: freed after
    /// `pcap_close` has closed the file (stored properties go after
    /// `deinit`'s body).
    private let fileBuffer: StdioBuffer?

    init(_ pointer: OpaquePointer, fileBuffer: StdioBuffer? = nil) {
        self.pointer = pointer
        self.fileBuffer = fileBuffer
    }

    deinit { pcap_close(pointer) }

    /// libpcap's message for the last error on this handle.
    var lastError: String { String(cString: pcap_geterr(pointer)) }
}
