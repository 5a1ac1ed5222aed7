import SluiceCore

/// The bidirectional identity of a flow: protocol, the two endpoints in a
/// canonical order (so both directions find the same key), and the VLANs.
///
/// The "ports" depend on the protocol:
/// - TCP, UDP, UDP-Lite, SCTP: the transport ports, ordered with their
///   addresses. A later IP fragment, which has none, takes its datagram's
///   ports from `FragmentHeaders`; if the first fragment was not seen it
///   belongs to a port-less flow (`hasPorts` false).
/// - ICMP and ICMPv6: `portA` is the type, the same for both types of a
///   request/response pair (so an echo request and its reply are one flow),
///   and the code; `portB` the echo identifier. They are not reordered with
///   the addresses, and the addresses of a one-way type (an unreachable, a
///   redirect) are not reordered at all: each direction is its own flow.
/// - Anything else: addresses only.
struct FlowKey: Equatable {
    var addressAHigh: UInt64
    var addressALow: UInt64
    var addressBHigh: UInt64
    var addressBLow: UInt64
    /// Both VLAN ids, as `packVLANs` packs them; 0 for untagged frames.
    var vlans: UInt32
    var portA: UInt16
    var portB: UInt16
    var protocolNumber: UInt8
    var version: UInt8
    var hasPorts: Bool

    var addressA: IPAddress { Self.address(addressAHigh, addressALow, version) }
    var addressB: IPAddress { Self.address(addressBHigh, addressBLow, version) }

    /// A bit above the 12-bit id marks a tag as present, so VLAN 0 (priority
    /// tagged) differs from untagged.
    static func packVLANs(outer: UInt16, inner: UInt16?) -> UInt32 {
        let outerBits = UInt32(outer) | 0x1000
        guard let inner else { return outerBits }
        return outerBits | (UInt32(inner) | 0x1000) << 16
    }

    var outerVLAN: UInt16? { vlans & 0x1000 == 0 ? nil : UInt16(vlans & 0xFFF) }
    var innerVLAN: UInt16? { vlans & 0x1000_0000 == 0 ? nil : UInt16(vlans >> 16 & 0xFFF) }

    var hash: UInt64 {
        var h = addressAHigh &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ addressALow) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ addressBHigh) &* 0x94D0_49BB_1331_11EB
        h = (h ^ addressBLow) &* 0x9E37_79B9_7F4A_7C15
        let small = UInt64(portA) << 48 | UInt64(portB) << 32 | UInt64(vlans)
        h = (h ^ small ^ UInt64(protocolNumber) << 8 ^ (hasPorts ? 1 : 0)) &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 31)
    }

    private static func address(_ high: UInt64, _ low: UInt64, _ version: UInt8) -> IPAddress {
        version == 4 ? IPAddress(ipv4: UInt32(truncatingIfNeeded: low)) : IPAddress(ipv6High: high, low: low)
    }
}

extension FlowKey {
    /// The key of a packet, and whether its source is endpoint A.
    /// `ports` are the packet's transport ports (or those its fragment
    /// inherited); nil for a port-less packet.
    static func of(_ packet: PacketObservation, ports: (source: UInt16, destination: UInt16)?)
        -> (key: FlowKey, sourceIsA: Bool) {
        let source = packet.source
        let destination = packet.destination
        var key = FlowKey(
            addressAHigh: source.high, addressALow: source.low,
            addressBHigh: destination.high, addressBLow: destination.low,
            vlans: packet.vlans, portA: 0, portB: 0,
            protocolNumber: packet.protocolNumber,
            // Mixed versions cannot occur in one packet; 6 wins if they do.
            version: max(source.version, destination.version), hasPorts: false)

        if let icmp = packet.icmp, ICMPKind.isICMP(packet.protocolNumber) {
            let pairType = ICMPKind.pairType(of: icmp.type, protocolNumber: packet.protocolNumber)
            let code = pairType == nil ? icmp.code : 0
            key.portA = UInt16(pairType ?? icmp.type) << 8 | UInt16(code)
            key.portB = icmp.identifier ?? 0
            key.hasPorts = true
            // A message type without a counterpart is one-way, as in Zeek
            // and Community ID: each direction is a flow of its own.
            let sourceIsA = pairType == nil || (source.high, source.low) <= (destination.high, destination.low)
            if !sourceIsA { key.swapAddresses() }
            return (key, sourceIsA)
        }

        if let ports {
            key.portA = ports.source
            key.portB = ports.destination
            key.hasPorts = true
        }
        let sourceIsA = (source.high, source.low, key.portA) <= (destination.high, destination.low, key.portB)
        if !sourceIsA {
            key.swapAddresses()
            swap(&key.portA, &key.portB)
        }
        return (key, sourceIsA)
    }

    private mutating func swapAddresses() {
        swap(&addressAHigh, &addressBHigh)
        swap(&addressALow, &addressBLow)
    }
}

/// ICMP message kinds that matter for keying and orientation.
enum ICMPKind {
    static func isICMP(_ protocolNumber: UInt8) -> Bool {
        protocolNumber == CommunityID.icmpProtocolNumber || protocolNumber == CommunityID.icmpv6ProtocolNumber
    }

    /// For the request/response pairs Zeek and Community ID know, the lower
    /// of the pair's two types, so request and response key alike; nil for
    /// a type without a counterpart.
    static func pairType(of type: UInt8, protocolNumber: UInt8) -> UInt8? {
        let (_, counterpart, isOneWay) = CommunityID.icmpPortEquivalents(
            type: UInt16(type), code: 0, protocolNumber: protocolNumber)
        guard !isOneWay else { return nil }
        return min(type, UInt8(truncatingIfNeeded: counterpart))
    }

    /// Replies to a request from the other side (echo, timestamp,
    /// information, address mask): a flow first seen from one of them is
    /// oriented from the request's sender, the reply's destination.
    static func isReply(_ type: UInt8, protocolNumber: UInt8) -> Bool {
        protocolNumber == CommunityID.icmpv6ProtocolNumber
            ? type == 129
            : (type == 0 || type == 14 || type == 16 || type == 18)
    }

    /// The request type answered by a reply `isReply` accepts: its
    /// counterpart in Community ID's table.
    static func requestType(answeredBy type: UInt8, protocolNumber: UInt8) -> UInt8 {
        let (_, counterpart, _) = CommunityID.icmpPortEquivalents(
            type: UInt16(type), code: 0, protocolNumber: protocolNumber)
        return UInt8(truncatingIfNeeded: counterpart)
    }

    /// Echo requests and replies, the messages whose identifier sniff
    /// writes and the key holds.
    static func hasIdentifier(_ type: UInt8, protocolNumber: UInt8) -> Bool {
        protocolNumber == CommunityID.icmpv6ProtocolNumber ? (type == 128 || type == 129) : (type == 0 || type == 8)
    }
}
