import SluiceCore

/// A block of addresses in CIDR notation (`224.0.0.0/4`, `ff00::/8`), or
/// one address; for the hosts a rule leaves alone.
public struct AddressRange: Equatable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    /// Reads `a.b.c.d/n`, `x::y/n` or a bare address (all its bits).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        let bits = address.version == 4 ? 32 : 128
        var length = bits
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value) else { return nil }
            length = value
        }
        network = Self.masked(address, length)
        prefixLength = length
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.version == network.version && Self.masked(address, prefixLength) == network
    }

    public var description: String { "\(network)/\(prefixLength)" }

    /// The address with all but its first `length` bits cleared. IPv4
    /// addresses keep their 32 bits in `low`.
    private static func masked(_ address: IPAddress, _ length: Int) -> IPAddress {
        var result = address
        if address.version == 4 {
            let mask: UInt64 = length == 0 ? 0 : (UInt64(UInt32.max) << (32 - length)) & 0xFFFF_FFFF
            result.low = address.low & mask
        } else {
            let highMask: UInt64 = length >= 64 ? .max : length == 0 ? 0 : .max << (64 - length)
            let lowMask: UInt64 = length <= 64 ? 0 : length == 128 ? .max : .max << (128 - length)
            result.high = address.high & highMask
            result.low = address.low & lowMask
        }
        return result
    }
}
