import Foundation
import Testing

extension ToolOutput {
    var flows: [Record] { records.filter { $0.type == "flow" } }
    var finals: [Record] { flows.filter { $0["report"] == "final" } }
    var interims: [Record] { flows.filter { $0["report"] == "interim" } }
    /// sniff's packet records with IP addresses: those flowify counts.
    var ipPackets: [Record] { records.filter { $0.type == "packet" && $0["src"] != nil } }
}

extension [Record] {
    /// Packets both ways summed over flow reports' totals.
    var packetTotal: Int { reduce(0) { $0 + $1.int("orig_packets") + $1.int("resp_packets") } }
}

/// Runs flowify with `input` lines on stdin.
func flowify(lines input: [String], _ arguments: [String] = [], timeout: Double = 120) throws -> ToolOutput {
    let directory = E2E.scratchDirectory("flowify")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/input.ndjson"
    try writeLines(input, to: path)
    return ToolOutput(try run(E2E.flowify, arguments, stdinPath: path, timeout: timeout))
}

/// flowify over `sniff --non-ip -r` of a shared capture (frame records
/// included, which flowify passes through).
func flowifyCapture(_ relative: String, _ arguments: [String] = []) async throws -> (packets: ToolOutput, flows: ToolOutput) {
    let packets = try await OutputCache.shared.sniffOutput(relative)
    return (packets, try flowify(lines: packets.lines, arguments))
}

extension Record {
    /// An integer field, 0 when absent.
    func int(_ key: String) -> Int { Int(self[key] ?? "") ?? 0 }

    /// The whole seconds of a time field.
    func wholeSeconds(_ key: String) -> Int? {
        guard let text = self[key] else { return nil }
        return Int(text.split(separator: ".", maxSplits: 1)[0])
    }

    /// Packets, bytes and payload bytes of one direction, deltas or totals.
    func counters(_ side: String, delta: Bool) -> [Int] {
        let suffix = delta ? "_delta" : ""
        return [int("\(side)_packets\(suffix)"), int("\(side)_bytes\(suffix)"), int("\(side)_payload_bytes\(suffix)")]
    }
}

/// A transport conversation regardless of direction: endpoints in sorted
/// order as "address|port" text.
struct Conversation: Hashable, CustomStringConvertible {
    var proto: String
    var low: String
    var high: String

    /// The conversation and whether (source, sport) is its low endpoint.
    static func of(proto: String, source: String, sport: String, destination: String, dport: String)
        -> (Conversation, sourceIsLow: Bool) {
        let a = "\(source)|\(sport)"
        let b = "\(destination)|\(dport)"
        return a <= b ? (Conversation(proto: proto, low: a, high: b), true) : (Conversation(proto: proto, low: b, high: a), false)
    }

    var description: String { "\(proto) \(low) <-> \(high)" }
}

/// Frames and bytes each way of one conversation.
struct DirectionCounts: Equatable, CustomStringConvertible {
    var lowToHighFrames = 0
    var lowToHighBytes = 0
    var highToLowFrames = 0
    var highToLowBytes = 0

    var description: String { "low->high \(lowToHighFrames)/\(lowToHighBytes) B, high->low \(highToLowFrames)/\(highToLowBytes) B" }
}

/// Per conversation, what flowify's final reports say, summed over the
/// flows of the conversation (timeouts and port reuse split one into
/// several; a sum over them must still match).
func flowifyConversations(_ finals: [Record], protos: Set<String>) -> [Conversation: DirectionCounts] {
    var result: [Conversation: DirectionCounts] = [:]
    for flow in finals {
        guard let proto = flow["proto"], protos.contains(proto),
              let source = flow["src"], let destination = flow["dst"],
              let sport = flow["sport"], let dport = flow["dport"] else { continue }
        let (conversation, originatorIsLow) = Conversation.of(
            proto: proto, source: source, sport: sport, destination: destination, dport: dport)
        var counts = result[conversation] ?? DirectionCounts()
        let forward = (flow.int("orig_packets"), flow.int("orig_bytes"))
        let backward = (flow.int("resp_packets"), flow.int("resp_bytes"))
        let (lowToHigh, highToLow) = originatorIsLow ? (forward, backward) : (backward, forward)
        counts.lowToHighFrames += lowToHigh.0
        counts.lowToHighBytes += lowToHigh.1
        counts.highToLowFrames += highToLow.0
        counts.highToLowBytes += highToLow.1
        result[conversation] = counts
    }
    return result
}

extension TsharkFrame {
    /// The outermost transport of a frame that is plain IP over TCP or UDP:
    /// no ICMP error quoting a header, no tunnel, no later fragment.
    var plainTransport: (proto: String, source: String, sport: String, destination: String, dport: String)? {
        let layers = self.layers
        let ipLayers = layers.filter { $0 == "ip" || $0 == "ipv6" }.count
        guard ipLayers == 1, !layers.contains("icmp"), !layers.contains("icmpv6") else { return nil }
        guard let source = first("ip.src") ?? first("ipv6.src"),
              let destination = first("ip.dst") ?? first("ipv6.dst") else { return nil }
        if let sport = first("tcp.srcport"), let dport = first("tcp.dstport") {
            return ("6", source, sport, destination, dport)
        }
        if let sport = first("udp.srcport"), let dport = first("udp.dstport") {
            return ("17", source, sport, destination, dport)
        }
        return nil
    }
}
