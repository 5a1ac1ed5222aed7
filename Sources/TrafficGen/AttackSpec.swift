import SluiceCore

/// One `--attack` argument, parsed: `KIND` or `KIND:key=value,...` with the
/// keys `start`, `duration`, `rate`, `attacker`, `victim` and `port`, every
/// key optional and defaulted by the kind (see `AttackKind`).
///
/// Parsing lives here rather than in the executable so the messages can be
/// tested in-process; each names the spec and what is wrong with it.
public struct AttackSpec: Sendable, Equatable {
    /// The spec as given, for messages.
    public var text: String
    public var kind: AttackKind
    /// When the attack starts, after the capture's start.
    public var start_ns: Int64
    /// How long it goes on: no probe, flood packet or new connection after
    /// `start + duration` (answers and closes of what was sent still follow).
    public var duration_ns: Int64
    /// In the kind's unit (`AttackKind.rateUnit`).
    public var rate: Double
    /// nil for spoofed sources (syn_flood) and for reflectors
    /// (dns_amplification).
    public var attacker: UInt32?
    /// The victim's address, or the network a sweep probes.
    public var victim: UInt32
    /// 32 for one host; 16 to 30 for the network of a sweep.
    public var victimPrefixLength: Int
    /// The victim's port, where the kind aims at one; nil where it does not
    /// apply, and for a UDP flood whose port is to be drawn.
    public var port: UInt16?

    /// Ten seconds in: the background is under way, and a capture's first
    /// 5 s windows show what normal looks like.
    public static let defaultStart_ns: Int64 = 10_000_000_000

    /// Bounds that keep times inside pcap's range and runs finite.
    public static let maximumSeconds: Int64 = 31_536_000
    public static let maximumRate = 10_000_000.0

    public init(kind: AttackKind) {
        text = kind.rawValue
        self.kind = kind
        start_ns = Self.defaultStart_ns
        duration_ns = kind.defaultDuration_ns
        rate = kind.defaultRate
        attacker = kind.defaultAttacker
        (victim, victimPrefixLength) = kind.defaultVictim
        port = kind.defaultPort
    }

    /// Parses `KIND` or `KIND:key=value,key=value`.
    public init(parsing text: String) throws(AttackSpecError) {
        func fail(_ problem: String) -> AttackSpecError { AttackSpecError(spec: text, problem: problem) }
        let kindText: Substring
        let settings: Substring?
        if let colon = text.firstIndex(of: ":") {
            kindText = text[..<colon]
            settings = text[text.index(after: colon)...]
        } else {
            kindText = text[...]
            settings = nil
        }
        guard let kind = AttackKind(rawValue: String(kindText)) else {
            throw fail("unknown kind '\(kindText)' (kinds: \(AttackKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.init(kind: kind)
        self.text = text
        guard let settings else { return }
        var seen: Set<Substring> = []
        for setting in settings.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw fail("expected key=value, found '\(setting)'")
            }
            let key = setting[..<equals]
            let value = String(setting[setting.index(after: equals)...])
            guard seen.insert(key).inserted else { throw fail("\(key) given twice") }
            switch key {
            case "start":
                guard let seconds = Self.seconds(value), seconds >= 0 else {
                    throw fail("start: not a number of seconds from 0 to \(Self.maximumSeconds): '\(value)'")
                }
                start_ns = seconds
            case "duration":
                guard let seconds = Self.seconds(value), seconds > 0 else {
                    throw fail("duration: not a number of seconds above 0 and at most \(Self.maximumSeconds): '\(value)'")
                }
                duration_ns = seconds
            case "rate":
                guard let rate = Double(value), rate > 0, rate <= Self.maximumRate else {
                    throw fail("rate: not a number above 0 and at most 10000000 (\(kind.rateUnit)): '\(value)'")
                }
                self.rate = rate
            case "attacker":
                guard kind.takesAttacker else {
                    throw fail("attacker does not apply: the packets come from some 200 reflectors")
                }
                if kind == .synFlood && value == "spoofed" {
                    attacker = nil
                } else if let address = parseIPv4(value) {
                    attacker = address
                } else {
                    throw fail("attacker: not an IPv4 address\(kind == .synFlood ? " or 'spoofed'" : ""): '\(value)'")
                }
            case "victim":
                if kind.sweepsNetwork {
                    guard let (network, length) = parseIPv4Network(value) else {
                        throw fail("victim: not a network such as 10.1.0.0/24 (prefix 16 to 30, host bits zero): '\(value)'")
                    }
                    victim = network
                    victimPrefixLength = length
                } else {
                    guard let address = parseIPv4(value) else { throw fail("victim: not an IPv4 address: '\(value)'") }
                    victim = address
                }
            case "port":
                guard kind.takesPort else {
                    throw fail("port does not apply to \(kind.rawValue)")
                }
                guard let number = UInt16(value), number > 0 else {
                    throw fail("port: not a port number from 1 to 65535: '\(value)'")
                }
                port = number
            default:
                throw fail("unknown key '\(key)' (keys: start, duration, rate, attacker, victim, port)")
            }
        }
        if let attacker, attacker == victim, !kind.sweepsNetwork {
            throw fail("attacker and victim are the same address")
        }
    }

    /// Decimal seconds, exact to the nanosecond, within the bound.
    private static func seconds(_ text: String) -> Int64? {
        guard let value = Timestamp(decimalText: text),
              value.nanoseconds <= maximumSeconds * Timestamp.nanosecondsPerSecond else { return nil }
        return value.nanoseconds
    }
}

extension TrafficOptions {
    /// Parses `--attack` arguments and adds them, checked against the
    /// capture: set `start` and `duration_ns` first. An attack that starts
    /// at or after the end of a `--duration` capture would write nothing,
    /// and one that ran past 2106 would overflow pcap's 32-bit seconds
    /// (an hour is left for its last connections and the tail after it).
    public mutating func addAttacks(_ texts: [String]) throws(AttackSpecError) {
        for text in texts {
            let spec = try AttackSpec(parsing: text)
            if let duration_ns, spec.start_ns >= duration_ns {
                throw AttackSpecError(spec: text, problem: "starts at or after the end of the capture (--duration "
                    + OutputCursor.scaledDecimalText(duration_ns, scale: 9) + ")")
            }
            if start.wholeSeconds + (spec.start_ns + spec.duration_ns) / Timestamp.nanosecondsPerSecond + 3600
                >= Int64(UInt32.max) {
                throw AttackSpecError(spec: text, problem: "would run past 2106, where pcap's 32-bit seconds end")
            }
            attacks.append(spec)
        }
    }
}

/// A bad `--attack`: which spec, and what is wrong with it.
public struct AttackSpecError: Error, Equatable, CustomStringConvertible {
    public var spec: String
    public var problem: String
    public var description: String { "--attack '\(spec)': \(problem)" }
}

/// A dotted quad as inet_pton(3) reads it: four decimal parts 0 to 255,
/// no leading zeros (which some parsers read as octal).
public func parseIPv4(_ text: String) -> UInt32? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var address: UInt32 = 0
    for part in parts {
        guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
              part.count == 1 || part.first != "0", let value = UInt32(part), value <= 255 else { return nil }
        address = address << 8 | value
    }
    return address
}

/// `a.b.c.d/len` with a prefix of 16 to 30 bits and no host bits set.
public func parseIPv4Network(_ text: String) -> (network: UInt32, prefixLength: Int)? {
    guard let slash = text.firstIndex(of: "/"),
          let address = parseIPv4(String(text[..<slash])),
          let length = Int(text[text.index(after: slash)...]), (16...30).contains(length) else { return nil }
    let hostMask = UInt32.max >> UInt32(length)
    guard address & hostMask == 0 else { return nil }
    return (address, length)
}
