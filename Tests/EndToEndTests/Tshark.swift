import Foundation

/// The independent reader: tshark's field values for every frame of a
/// capture. Reassembly is off (`ip.defragment:FALSE`) so that each frame is
/// dissected on its own, as sniff does; name resolution is off (`-n`).
struct TsharkFrame: Sendable {
    static let fieldNames = [
        "frame.number", "frame.len", "frame.time_epoch", "frame.interface_id", "frame.protocols",
        "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "ip.proto", "ipv6.nxt",
        "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "tcp.flags",
        "ip.ttl", "ipv6.hlim", "ip.len", "ipv6.plen", "ip.id", "ip.frag_offset", "ip.flags.mf",
        "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
        "ieee8021ad.id", "vlan.id",
    ]

    /// Every occurrence of each field, outermost first (tshark lists the
    /// headers inside ICMP errors and tunnels after the outer ones).
    var values: [String: [String]]

    func all(_ name: String) -> [String] { values[name] ?? [] }
    func first(_ name: String) -> String? { values[name]?.first }

    /// Protocol layers, outermost first: `eth:ethertype:ip:tcp`.
    var layers: [String] { first("frame.protocols")?.split(separator: ":").map(String.init) ?? [] }
}

enum Tshark {
    static var path: String? { E2E.system("tshark") }

    static func frames(_ capture: String) throws -> [TsharkFrame] {
        guard let tshark = path else { throw OracleMissing(name: "tshark") }
        var arguments = ["-n", "-r", capture, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                         "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
        for name in TsharkFrame.fieldNames { arguments += ["-e", name] }
        let result = try run(tshark, arguments, timeout: 300)
        return result.lines.map { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            var values: [String: [String]] = [:]
            for (index, name) in TsharkFrame.fieldNames.enumerated() where index < columns.count && !columns[index].isEmpty {
                values[name] = columns[index].split(separator: ",").map(String.init)
            }
            return TsharkFrame(values: values)
        }
    }
}

struct OracleMissing: Error, CustomStringConvertible {
    var name: String
    var description: String { "\(name) is not installed (bin/install-deps installs it)" }
}

/// tshark and sniff outputs per capture, computed once and shared by the
/// tests that compare them (tshark takes seconds on the larger files).
actor OutputCache {
    static let shared = OutputCache()
    private var tshark: [String: Task<[TsharkFrame], Error>] = [:]
    private var sniff: [String: Task<ToolOutput, Error>] = [:]

    func tsharkFrames(_ relative: String) async throws -> [TsharkFrame] {
        if let task = tshark[relative] { return try await task.value }
        let task = Task.detached { try Tshark.frames(E2E.pcap(relative)) }
        tshark[relative] = task
        return try await task.value
    }

    /// `sniff --non-ip -r FILE`: one record per frame, in order.
    func sniffOutput(_ relative: String) async throws -> ToolOutput {
        if let task = sniff[relative] { return try await task.value }
        let task = Task.detached { try sniffFile(E2E.pcap(relative)) }
        sniff[relative] = task
        return try await task.value
    }
}
