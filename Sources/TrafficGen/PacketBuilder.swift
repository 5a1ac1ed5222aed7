/// Writes one frame at a time (Ethernet, IPv4 or IPv6, then TCP, UDP, ICMP
/// or ICMPv6) into a buffer that is reused for every packet, so the hot path
/// never allocates.
///
/// A frame has two parts: the bytes actually written (headers and any
/// payload that carries meaning, such as a DNS message) and a tail of one
/// repeated fill byte that only counts towards the lengths. Bulk TCP data is
/// such a tail: it is never stored beyond the snap length anyway, and the
/// checksum of n equal bytes has a closed form, so checksums stay correct
/// for the whole would-be packet without materialising it.
///
/// Transport payloads are written between `begin…` and `finish…` calls:
/// `begin` returns where the payload goes, `finish` fills in the lengths and
/// checksums once the payload length is known.
public final class PacketBuilder {
    /// Frame bytes written so far.
    public let bytes: UnsafeMutablePointer<UInt8>
    /// How many of `bytes` are meaningful.
    public internal(set) var writtenBytes = 0
    /// Fill bytes that follow `writtenBytes` on the wire but are not stored.
    public internal(set) var tailBytes = 0
    /// Length of the frame on the wire.
    public var frameBytes: Int { writtenBytes + tailBytes }

    /// The byte bulk payload is made of. Not zero: protocol dissectors read
    /// the stored prefix of each segment, and a run of zeros parses as
    /// MySQL packets of length 0, which Wireshark calls malformed; 0xAA
    /// reads as opaque data (TLS, SSH) or an unfinished fragment everywhere.
    public static let fillByte: UInt8 = 0xAA

    /// Room for the largest materialised frame: headers plus a DNS answer or
    /// ping payload. Bulk data lives in the tail, not here.
    public static let capacity = 2048

    static let ethernetHeaderBytes = 14
    static let ipv4HeaderBytes = 20
    static let ipv6HeaderBytes = 40

    // Where the current frame's pieces start, for `finish…`.
    var ends = Endpoints(isIPv6: false, clientMAC: 0, serverMAC: 0, clientPort: 0, serverPort: 0, clientTTL: 0, serverTTL: 0)
    var fromClient = true
    var ipOffset = 0
    var transportOffset = 0

    public init() {
        bytes = .allocate(capacity: Self.capacity)
        bytes.initialize(repeating: 0, count: Self.capacity)
    }

    deinit { bytes.deallocate() }

    // MARK: TCP

    /// TCP flag bits.
    public struct TCPFlags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let fin = TCPFlags(rawValue: 0x01)
        public static let syn = TCPFlags(rawValue: 0x02)
        public static let rst = TCPFlags(rawValue: 0x04)
        public static let psh = TCPFlags(rawValue: 0x08)
        public static let ack = TCPFlags(rawValue: 0x10)
        public static let urg = TCPFlags(rawValue: 0x20)
    }

    /// The options a TCP header carries, which fix its length.
    public enum TCPOptions: Sendable {
        /// None: a 20-byte header (data segments; hping3's SYNs).
        case none
        /// MSS alone: what nmap's raw SYN probes carry, and all a Linux
        /// SYN-ACK answers to them with.
        case mss
        /// MSS, NOP, NOP, SACK permitted, NOP, window scale 7: a Linux SYN
        /// or SYN-ACK.
        case linuxSYN

        var bytes: Int {
            switch self {
            case .none: 0
            case .mss: 4
            case .linuxSYN: 12
            }
        }
    }

    /// A TCP segment whose payload is `payloadBytes` fill bytes (bulk data
    /// that is cut by the snap length anyway). SYNs carry the options a Linux
    /// stack sends (MSS, SACK permitted, window scale) unless `options` says
    /// otherwise, so analysers see a believable handshake.
    public func tcp(_ ends: Endpoints, fromClient: Bool, ipID: UInt16, sequence: UInt32, acknowledgement: UInt32,
                    flags: TCPFlags, window: UInt16, payloadBytes: Int, mss: UInt16 = 1460,
                    options: TCPOptions? = nil, dontFragment: Bool = true) {
        _ = beginTCP(ends, fromClient: fromClient, ipID: ipID, sequence: sequence, acknowledgement: acknowledgement,
                     flags: flags, window: window, mss: mss, options: options, dontFragment: dontFragment)
        finishTCP(payloadBytes: 0, tailBytes: payloadBytes)
    }

    /// Starts a TCP segment whose payload carries meaning (a banner, a
    /// command); write it at the returned address and call `finishTCP`.
    /// `options` defaults to `.linuxSYN` for a SYN and `.none` otherwise.
    public func beginTCP(_ ends: Endpoints, fromClient: Bool, ipID: UInt16, sequence: UInt32, acknowledgement: UInt32,
                         flags: TCPFlags, window: UInt16, mss: UInt16 = 1460,
                         options: TCPOptions? = nil, dontFragment: Bool = true) -> UnsafeMutablePointer<UInt8> {
        let options = options ?? (flags.contains(.syn) ? .linuxSYN : .none)
        let headerBytes = 20 + options.bytes
        let payload = beginTransport(ends, fromClient: fromClient, ipID: ipID, protocolNumber: 6,
                                     dontFragment: dontFragment, headerBytes: headerBytes)
        let header = payload - headerBytes
        let (sourcePort, destinationPort) = fromClient ? (ends.clientPort, ends.serverPort) : (ends.serverPort, ends.clientPort)
        store16(header, sourcePort)
        store16(header + 2, destinationPort)
        store32(header + 4, sequence)
        store32(header + 8, acknowledgement)
        header[12] = UInt8(headerBytes / 4) << 4
        switch options {
        case .none:
            break
        case .mss:
            header[20] = 2; header[21] = 4; store16(header + 22, mss)
        case .linuxSYN:
            // MSS, NOP, NOP, SACK permitted, NOP, window scale 7.
            header[20] = 2; header[21] = 4; store16(header + 22, mss)
            header[24] = 1; header[25] = 1; header[26] = 4; header[27] = 2
            header[28] = 1; header[29] = 3; header[30] = 3; header[31] = 7
        }
        header[13] = flags.rawValue
        store16(header + 14, window)
        store16(header + 16, 0)
        // Urgent pointer: 0 even with URG set, as nmap's Xmas probes send it.
        store16(header + 18, 0)
        return payload
    }

    /// Ends the segment begun by `beginTCP`: `payloadBytes` written bytes,
    /// then `tailBytes` fill bytes that only count towards the lengths.
    public func finishTCP(payloadBytes: Int, tailBytes: Int = 0) {
        finishTransport(payloadBytes: payloadBytes, tailBytes: tailBytes, checksumOffset: 16)
    }

    // MARK: UDP

    /// Starts a UDP datagram; write the payload at the returned address and
    /// call `finishUDP`.
    /// Don't-fragment defaults to set for the client's datagrams (a Linux
    /// resolver's queries) and clear for the server's.
    public func beginUDP(_ ends: Endpoints, fromClient: Bool, ipID: UInt16,
                         dontFragment: Bool? = nil) -> UnsafeMutablePointer<UInt8> {
        let payload = beginTransport(ends, fromClient: fromClient, ipID: ipID, protocolNumber: 17,
                                     dontFragment: dontFragment ?? fromClient, headerBytes: 8)
        let header = payload - 8
        store16(header, fromClient ? ends.clientPort : ends.serverPort)
        store16(header + 2, fromClient ? ends.serverPort : ends.clientPort)
        store16(header + 6, 0)
        return payload
    }

    public func finishUDP(payloadBytes: Int) {
        store16(bytes + transportOffset + 4, UInt16(8 + payloadBytes))
        finishTransport(payloadBytes: payloadBytes, tailBytes: 0, checksumOffset: 6)
    }

    // MARK: ICMP

    /// Starts an echo request or reply (ICMP for IPv4, ICMPv6 for IPv6);
    /// write the payload at the returned address and call `finishICMP`.
    public func beginEcho(_ ends: Endpoints, fromClient: Bool, ipID: UInt16, isReply: Bool,
                          identifier: UInt16, sequence: UInt16) -> UnsafeMutablePointer<UInt8> {
        let payload = beginTransport(ends, fromClient: fromClient, ipID: ipID,
                                     protocolNumber: ends.isIPv6 ? 58 : 1, dontFragment: true, headerBytes: 8)
        let header = payload - 8
        if ends.isIPv6 {
            header[0] = isReply ? 129 : 128
        } else {
            header[0] = isReply ? 0 : 8
        }
        header[1] = 0
        store16(header + 2, 0)
        store16(header + 4, identifier)
        store16(header + 6, sequence)
        return payload
    }

    public func finishICMP(payloadBytes: Int) {
        finishTransport(payloadBytes: payloadBytes, tailBytes: 0, checksumOffset: 2)
    }

    // MARK: Link and network layers

    /// Writes Ethernet and IP headers and returns where the transport
    /// payload starts (after `headerBytes` of transport header).
    func beginTransport(_ ends: Endpoints, fromClient: Bool, ipID: UInt16, protocolNumber: UInt8,
                        dontFragment: Bool, headerBytes: Int) -> UnsafeMutablePointer<UInt8> {
        self.ends = ends
        self.fromClient = fromClient
        let (sourceMAC, destinationMAC) = fromClient ? (ends.clientMAC, ends.serverMAC) : (ends.serverMAC, ends.clientMAC)
        store48(bytes, destinationMAC)
        store48(bytes + 6, sourceMAC)
        ipOffset = Self.ethernetHeaderBytes
        let ip = bytes + ipOffset
        let ttl = fromClient ? ends.clientTTL : ends.serverTTL
        if ends.isIPv6 {
            store16(bytes + 12, 0x86DD)
            // Version 6, traffic class 0, a flow label fixed per conversation
            // (as Linux derives it from the flow hash).
            let label = UInt32(ends.clientPort ^ ends.serverPort &* 31) & 0xFFFFF
            store32(ip, 6 << 28 | label)
            ip[6] = protocolNumber
            ip[7] = ttl
            let (source, destination) = fromClient ? (ends.clientIPv6, ends.serverIPv6) : (ends.serverIPv6, ends.clientIPv6)
            store64(ip + 8, source.high); store64(ip + 16, source.low)
            store64(ip + 24, destination.high); store64(ip + 32, destination.low)
            transportOffset = ipOffset + Self.ipv6HeaderBytes
        } else {
            store16(bytes + 12, 0x0800)
            ip[0] = 0x45
            ip[1] = 0
            store16(ip + 4, ipID)
            store16(ip + 6, dontFragment ? 0x4000 : 0)
            ip[8] = ttl
            ip[9] = protocolNumber
            store32(ip + 12, fromClient ? ends.clientIPv4 : ends.serverIPv4)
            store32(ip + 16, fromClient ? ends.serverIPv4 : ends.clientIPv4)
            transportOffset = ipOffset + Self.ipv4HeaderBytes
        }
        return bytes + transportOffset + headerBytes
    }

    /// Fills in IP lengths, the IPv4 header checksum and the transport
    /// checksum over pseudo-header, transport header and payload.
    func finishTransport(payloadBytes: Int, tailBytes: Int, checksumOffset: Int) {
        let headerEnd = bytes + transportOffset
        let transportBytes: Int
        // The transport header length is what lies between its start and the
        // payload, which `begin…` placed; recover it from the protocol.
        let protocolNumber = ends.isIPv6 ? bytes[ipOffset + 6] : bytes[ipOffset + 9]
        let transportHeaderBytes: Int
        switch protocolNumber {
        case 6: transportHeaderBytes = Int(headerEnd[12] >> 4) * 4
        default: transportHeaderBytes = 8
        }
        transportBytes = transportHeaderBytes + payloadBytes + tailBytes
        writtenBytes = transportOffset + transportHeaderBytes + payloadBytes
        self.tailBytes = tailBytes

        let ip = bytes + ipOffset
        var sum = InternetChecksum()
        if ends.isIPv6 {
            store16(ip + 4, UInt16(transportBytes))
            sum.add(UnsafePointer(ip + 8), count: 32)
        } else {
            store16(ip + 2, UInt16(20 + transportBytes))
            store16(ip + 10, 0)
            var header = InternetChecksum()
            header.add(UnsafePointer(ip), count: 20)
            store16(ip + 10, header.value)
            sum.add(UnsafePointer(ip + 12), count: 8)
        }
        // ICMP for IPv4 has no pseudo-header; ICMPv6, TCP and UDP do.
        if protocolNumber == 1 {
            sum = InternetChecksum()
        } else {
            sum.add(UInt32(transportBytes))
            sum.add(UInt16(protocolNumber))
        }
        store16(headerEnd + checksumOffset, 0)
        sum.add(UnsafePointer(headerEnd), count: transportHeaderBytes + payloadBytes)
        // Only TCP has a tail. After an odd number of written bytes its first
        // byte completes the last word; the rest is tail / 2 equal words.
        var tail = tailBytes
        if (transportHeaderBytes + payloadBytes) & 1 != 0 && tail > 0 {
            sum.add(UInt16(Self.fillByte))
            tail -= 1
        }
        sum.add(UInt64(tail / 2) &* (UInt64(Self.fillByte) &* 0x101))
        if tail & 1 != 0 { sum.add(UInt16(Self.fillByte) << 8) }
        var checksum = sum.value
        // UDP reserves 0 for "no checksum"; a computed 0 is sent as all ones.
        if checksum == 0 && protocolNumber == 17 { checksum = 0xFFFF }
        store16(headerEnd + checksumOffset, checksum)
    }
}

// MARK: Big-endian stores

@inline(__always) func store16(_ pointer: UnsafeMutablePointer<UInt8>, _ value: UInt16) {
    pointer[0] = UInt8(truncatingIfNeeded: value >> 8)
    pointer[1] = UInt8(truncatingIfNeeded: value)
}

@inline(__always) func store32(_ pointer: UnsafeMutablePointer<UInt8>, _ value: UInt32) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value.bigEndian, as: UInt32.self)
}

@inline(__always) func store64(_ pointer: UnsafeMutablePointer<UInt8>, _ value: UInt64) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value.bigEndian, as: UInt64.self)
}

@inline(__always) func store48(_ pointer: UnsafeMutablePointer<UInt8>, _ value: UInt64) {
    store16(pointer, UInt16(truncatingIfNeeded: value >> 32))
    store32(pointer + 2, UInt32(truncatingIfNeeded: value))
}
