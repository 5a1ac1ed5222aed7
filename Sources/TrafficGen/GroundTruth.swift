import SluiceCore

/// What each attack really was and when its packets were on the wire:
/// the labels a detector's alerts are scored against, as a TSV file beside
/// the pcap.
///
/// One row per attack that wrote at least one packet, in the order the
/// attacks were given; `scenario` is that 1-based position, so a row keeps
/// its number when an earlier attack wrote nothing. `start` and `end` are
/// the times of the scenario's first and last packet exactly as the pcap
/// stores them (truncated to its microseconds or nanoseconds).
public enum GroundTruth {
    public static let header = "scenario\tkind\ttechnique\tattacker\tvictim\tdest_port\tstart\tend\n"

    /// One row of the TSV, fields as text.
    public struct Row: Sendable, Equatable {
        public var scenario: Int
        public var kind: String
        public var technique: String
        public var attacker: String
        public var victim: String
        public var destinationPort: String
        public var start: String
        public var end: String

        public var line: String {
            [String(scenario), kind, technique, attacker, victim, destinationPort, start, end].joined(separator: "\t") + "\n"
        }
    }

    /// The rows for the attacks as run (`TrafficGenerator.attacks`) and
    /// what they wrote.
    public static func rows(attacks: [AttackSpec], activity: [AttackActivity], nanosecondTimestamps: Bool) -> [Row] {
        var rows: [Row] = []
        for (index, spec) in attacks.enumerated() {
            let written = activity[index]
            guard written.packets > 0 else { continue }
            rows.append(Row(scenario: index + 1, kind: spec.kind.family, technique: spec.kind.rawValue,
                            attacker: attackerText(spec), victim: victimText(spec),
                            destinationPort: destinationPortText(spec),
                            start: timeText(written.first_ns, nanoseconds: nanosecondTimestamps),
                            end: timeText(written.last_ns, nanoseconds: nanosecondTimestamps)))
        }
        return rows
    }

    public static func tsv(_ rows: [Row]) -> String {
        header + rows.map(\.line).joined()
    }

    /// Writes the TSV to a descriptor; failures surface as `OutputError`
    /// like the pcap's.
    public static func write(_ rows: [Row], to fileDescriptor: Int32) throws(OutputError) {
        let bytes = Array(tsv(rows).utf8)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        defer { buffer.deallocate() }
        for index in bytes.indices { buffer[index] = bytes[index] }
        try writeAll(fileDescriptor, buffer, count: bytes.count)
    }

    static func attackerText(_ spec: AttackSpec) -> String {
        if let attacker = spec.attacker { return IPAddress(ipv4: attacker).description }
        return spec.kind == .dnsAmplification ? "reflectors" : "spoofed"
    }

    static func victimText(_ spec: AttackSpec) -> String {
        let address = IPAddress(ipv4: spec.victim).description
        return spec.kind.sweepsNetwork ? "\(address)/\(spec.victimPrefixLength)" : address
    }

    /// The port when the attack aims at one, `-` when its ports vary.
    static func destinationPortText(_ spec: AttackSpec) -> String {
        guard spec.kind.takesPort, let port = spec.port else { return "-" }
        return String(port)
    }

    /// Epoch seconds with the pcap's 6 (or 9) decimals, truncated as the
    /// pcap record is.
    static func timeText(_ nanoseconds: Int64, nanoseconds isNano: Bool) -> String {
        let seconds = nanoseconds / 1_000_000_000
        let fraction = nanoseconds % 1_000_000_000
        let digits = isNano ? String(fraction) : String(fraction / 1000)
        let width = isNano ? 9 : 6
        return "\(seconds)." + String(repeating: "0", count: width - digits.count) + digits
    }

    /// Where the ground truth goes when only the pcap's name is given: the
    /// same name with its extension replaced by `.truth.tsv`
    /// (`capture.pcap` → `capture.truth.tsv`; a name without an extension
    /// gets it appended). Only the last path component's extension counts,
    /// and a leading dot does not start one.
    public static func path(besidePcap pcapPath: String) -> String {
        let slash = pcapPath.lastIndex(of: "/")
        let nameStart = slash.map { pcapPath.index(after: $0) } ?? pcapPath.startIndex
        let name = pcapPath[nameStart...]
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            return String(pcapPath[..<dot]) + ".truth.tsv"
        }
        return pcapPath + ".truth.tsv"
    }
}

/// What one attack wrote: its packet count and the times of its first and
/// last packet (epoch nanoseconds, as generated, before the pcap's
/// truncation).
public struct AttackActivity: Sendable, Equatable {
    public var packets = 0
    public var first_ns: Int64 = 0
    public var last_ns: Int64 = 0
    public init() {}
}
