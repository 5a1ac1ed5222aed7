import Crypto
import SluiceCore

/// Community ID v1 of a flow (https://github.com/corelight/community-id-spec),
/// so flow records join with Zeek and Suricata logs.
///
/// The ID is `"1:"` followed by the base64 of a SHA-1 over
/// `seed . lower address . higher address . protocol . 0 . lower port . higher port`
/// (all in network byte order), where "lower" is the endpoint whose
/// (address bytes, port) sorts first, so both directions of a flow get the
/// same ID. Ports take part only for TCP, UDP, SCTP, ICMP and ICMPv6.
///
/// ICMP and ICMPv6 carry no ports; as in Zeek (whose conn.log puts the type
/// in `orig_p` and the code in `resp_p`) and the reference implementation
/// pycommunityid, the message type and code stand in for them. For
/// request/response types the "ports" become (type, counterpart type), so
/// a request and its reply share an ID; every other type is one-way:
/// (type, code), and the endpoints are hashed as given, never reordered.
public enum CommunityID {
    public static let icmpProtocolNumber: UInt8 = 1
    public static let tcpProtocolNumber: UInt8 = 6
    public static let udpProtocolNumber: UInt8 = 17
    public static let icmpv6ProtocolNumber: UInt8 = 58
    public static let sctpProtocolNumber: UInt8 = 132

    /// The Community ID v1 string of one flow.
    ///
    /// For TCP (6), UDP (17) and SCTP (132) the ports are used as given. For
    /// ICMP (1) and ICMPv6 (58) pass the message type as `sourcePort` and the
    /// code as `destinationPort` (the Zeek convention); the type mapping and
    /// one-way rule are applied here. For any other protocol the ports are
    /// ignored and only the addresses and protocol are hashed.
    ///
    /// `seed` must match the `community_id_seed` of the Zeek or Suricata
    /// sensors the records are joined with (0 there by default).
    public static func v1(
        source: IPAddress, destination: IPAddress, protocolNumber: UInt8,
        sourcePort: UInt16, destinationPort: UInt16, seed: UInt16 = 0
    ) -> String {
        var port1 = sourcePort
        var port2 = destinationPort
        var isOneWay = false
        let hasPorts: Bool
        switch protocolNumber {
        case tcpProtocolNumber, udpProtocolNumber, sctpProtocolNumber:
            hasPorts = true
        case icmpProtocolNumber, icmpv6ProtocolNumber:
            hasPorts = true
            (port1, port2, isOneWay) = icmpPortEquivalents(
                type: sourcePort, code: destinationPort, protocolNumber: protocolNumber)
        default:
            hasPorts = false
        }

        // pycommunityid's FlowTuple.is_ordered: one-way tuples keep their
        // direction; otherwise the smaller address (as bytes) goes first,
        // and for equal addresses the smaller port.
        let ordered = isOneWay
            || addressBytesPrecede(source, destination)
            || (hasPorts && sameAddress(source, destination) && port1 < port2)

        let first = ordered ? source : destination
        let second = ordered ? destination : source
        let firstPort = ordered ? port1 : port2
        let secondPort = ordered ? port2 : port1

        // At most 2 + 16 + 16 + 1 + 1 + 2 + 2 = 40 bytes; built on the stack.
        var hasher = Insecure.SHA1()
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer in
            var count = 0
            func put16(_ value: UInt16) {
                buffer[count] = UInt8(truncatingIfNeeded: value >> 8)
                buffer[count + 1] = UInt8(truncatingIfNeeded: value)
                count += 2
            }
            func put(_ address: IPAddress) {
                for index in 0..<byteCount(address) {
                    buffer[count] = byte(address, index)
                    count += 1
                }
            }
            put16(seed)
            put(first)
            put(second)
            buffer[count] = protocolNumber
            buffer[count + 1] = 0
            count += 2
            if hasPorts {
                put16(firstPort)
                put16(secondPort)
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<count]))
        }
        let digest = hasher.finalize()
        return digest.withUnsafeBytes { render(digest: $0) }
    }

    /// The Community ID v1 string of an ICMP exchange: protocol 1 for IPv4
    /// sources, 58 (ICMPv6) for IPv6.
    public static func icmp(
        source: IPAddress, destination: IPAddress, type: UInt8, code: UInt8, seed: UInt16 = 0
    ) -> String {
        v1(source: source, destination: destination,
           protocolNumber: source.version == 6 ? icmpv6ProtocolNumber : icmpProtocolNumber,
           sourcePort: UInt16(type), destinationPort: UInt16(code), seed: seed)
    }

    /// The port-like pair Zeek and pycommunityid (icmp.py, icmp6.py) derive
    /// from an ICMP message: (type, counterpart type) for the request/response
    /// types below, otherwise (type, code) and one-way.
    public static func icmpPortEquivalents(
        type: UInt16, code: UInt16, protocolNumber: UInt8
    ) -> (sourcePort: UInt16, destinationPort: UInt16, isOneWay: Bool) {
        let counterpart = protocolNumber == icmpv6ProtocolNumber
            ? icmpv6Counterpart(type) : icmpv4Counterpart(type)
        if let counterpart {
            return (type, counterpart, false)
        }
        return (type, code, true)
    }

    /// pycommunityid icmp.py TYPE_MAPPER (from Zeek's ICMP analyzer).
    private static func icmpv4Counterpart(_ type: UInt16) -> UInt16? {
        switch type {
        case 8: 0    // echo request -> echo reply
        case 0: 8    // echo reply -> echo request
        case 13: 14  // timestamp -> timestamp reply
        case 14: 13
        case 15: 16  // information request -> information reply
        case 16: 15
        case 10: 9   // router solicitation -> router advertisement
        case 9: 10
        case 17: 18  // address mask request -> address mask reply
        case 18: 17
        default: nil
        }
    }

    /// pycommunityid icmp6.py TYPE_MAPPER (from Zeek's ICMP analyzer).
    private static func icmpv6Counterpart(_ type: UInt16) -> UInt16? {
        switch type {
        case 128: 129  // echo request -> echo reply
        case 129: 128
        case 130: 131  // MLD listener query -> report
        case 131: 130
        case 133: 134  // router solicitation -> advertisement
        case 134: 133
        case 135: 136  // neighbor solicitation -> advertisement
        case 136: 135
        case 139: 140  // node information ("who are you") query -> reply
        case 140: 139
        case 144: 145  // home agent address discovery request -> reply
        case 145: 144
        default: nil
        }
    }

    // MARK: Address bytes

    private static func byteCount(_ address: IPAddress) -> Int {
        address.version == 4 ? 4 : 16
    }

    /// Byte `index` of `address.networkBytes`, without building the array.
    private static func byte(_ address: IPAddress, _ index: Int) -> UInt8 {
        if address.version == 4 {
            return UInt8(truncatingIfNeeded: address.ipv4 >> UInt32(24 - 8 * index))
        }
        let word = index < 8 ? address.high : address.low
        return UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (index % 8)))
    }

    private static func sameAddress(_ a: IPAddress, _ b: IPAddress) -> Bool {
        guard a.version == b.version else { return false }
        return a.version == 4 ? a.ipv4 == b.ipv4 : (a.high == b.high && a.low == b.low)
    }

    /// Lexicographic comparison of the network-order bytes, as the reference
    /// compares packed addresses (a shorter prefix sorts first).
    private static func addressBytesPrecede(_ a: IPAddress, _ b: IPAddress) -> Bool {
        if a.version == b.version {
            return a.version == 4 ? a.ipv4 < b.ipv4 : (a.high, a.low) < (b.high, b.low)
        }
        let countA = byteCount(a)
        let countB = byteCount(b)
        for index in 0..<min(countA, countB) {
            let x = byte(a, index)
            let y = byte(b, index)
            if x != y { return x < y }
        }
        return countA < countB
    }

    // MARK: Rendering

    /// "1:" and the padded standard base64 of the digest.
    private static func render(digest: UnsafeRawBufferPointer) -> String {
        var text: [UInt8] = [UInt8(ascii: "1"), UInt8(ascii: ":")]
        text.reserveCapacity(2 + (digest.count + 2) / 3 * 4)
        Base64.encode(digest, into: &text)
        return String(decoding: text, as: UTF8.self)
    }
}
