import SluiceCore

/// What the flow table needs of one `packet` record (sluice-records(7)),
/// as plain integers. Times are epoch nanoseconds.
public struct PacketObservation: Sendable {
    public var time: Int64 = 0
    /// Frame length on the wire (`len`).
    public var wireLength: UInt32 = 0
    /// Transport payload (`payload_len`), 0 when the record has none.
    public var payloadLength: UInt32 = 0
    public var source = IPAddress(ipv4: 0)
    public var destination = IPAddress(ipv4: 0)
    public var protocolNumber: UInt8 = 0
    /// Ports of TCP, UDP, UDP-Lite and SCTP; absent on later fragments.
    public var ports: (source: UInt16, destination: UInt16)?
    /// TCP header fields, when the record has them.
    public var tcp: TCPSegment?
    public var ttl: UInt8?
    public var icmp: ICMPHeader?
    /// The outer and inner VLAN ids packed as `FlowKey` keeps them.
    public var vlans: UInt32 = 0
    /// IP fragment identification and offset, for fragments only.
    public var fragment: (identification: UInt32, offset: UInt32)?

    public init() {}

    public struct TCPSegment: Sendable {
        public var flags: UInt8
        public var sequence: UInt32
        public var acknowledgement: UInt32
        public var window: UInt16?

        public init(flags: UInt8, sequence: UInt32, acknowledgement: UInt32, window: UInt16?) {
            self.flags = flags
            self.sequence = sequence
            self.acknowledgement = acknowledgement
            self.window = window
        }
    }

    public struct ICMPHeader: Sendable {
        public var type: UInt8
        public var code: UInt8
        public var identifier: UInt16?

        public init(type: UInt8, code: UInt8, identifier: UInt16?) {
            self.type = type
            self.code = code
            self.identifier = identifier
        }
    }
}
