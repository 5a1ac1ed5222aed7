extension PacketBuilder {
    /// An ICMPv4 error such as destination unreachable (type 3), quoting the
    /// start of the packet that caused it: its IP header and at least the
    /// first 8 bytes after it (RFC 792), which is how the sender matches the
    /// error to its socket. Linux quotes as much as fits in 576 bytes; the
    /// packets quoted here are short enough to quote whole.
    ///
    /// Errors go out without the don't-fragment bit, and the 4 bytes after
    /// the checksum are zero ("unused" for port unreachable).
    public func icmpError(_ ends: Endpoints, fromClient: Bool, ipID: UInt16, type: UInt8, code: UInt8,
                          quoting quoted: UnsafeRawBufferPointer) {
        precondition(ends.isIPv6 == false, "ICMPv4 errors only")
        let payload = beginTransport(ends, fromClient: fromClient, ipID: ipID, protocolNumber: 1,
                                     dontFragment: false, headerBytes: 8)
        let header = payload - 8
        header[0] = type
        header[1] = code
        store16(header + 2, 0)
        store32(header + 4, 0)
        UnsafeMutableRawPointer(payload).copyMemory(from: quoted.baseAddress!, byteCount: quoted.count)
        finishICMP(payloadBytes: quoted.count)
    }

    /// The IPv4 header and the transport bytes after it of the frame just
    /// built, `count` bytes in all: what an ICMP error about it quotes.
    public func copyIPv4Start(into destination: UnsafeMutableRawPointer, count: Int) {
        precondition(ipOffset + count <= writtenBytes)
        destination.copyMemory(from: bytes + ipOffset, byteCount: count)
    }
}
