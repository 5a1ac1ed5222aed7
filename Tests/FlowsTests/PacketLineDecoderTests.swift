import SluiceCore
import Testing
@testable import Flows

/// The fast path for sniff's packet lines against the general JSON parser:
/// whatever the fast path accepts, the general path must accept and read
/// identically (ARCHITECTURE.md: nothing good dropped, nothing read
/// differently depending on how a line happens to be written).
@Suite struct PacketLineDecoderTests {
    /// Lines of the shapes sniff writes (copied from its output on the
    /// shared captures): TCP over IPv4, UDP over IPv6 with a VLAN, an ICMP
    /// echo, a later fragment, a partly decoded packet, a frame without IP.
    static let templates = [
        #"{"type":"packet","ts":1324071333.493287,"len":78,"caplen":78,"src":"192.168.1.79","dst":"131.159.21.1","proto":6,"ttl":64,"ip_len":64,"sport":51880,"dport":22,"tcp_flags":2,"tcp_seq":2755953355,"tcp_ack":0,"tcp_win":65535,"payload_len":0}"#,
        #"{"type":"packet","ts":1500000000.123456789,"len":110,"caplen":110,"vlan":77,"vlan_inner":5,"src":"2001:db8::1","dst":"fe80::a:b","proto":17,"ttl":255,"ip_len":96,"sport":5353,"dport":53,"payload_len":48}"#,
        #"{"type":"packet","ts":1231042114.960241,"len":98,"caplen":98,"src":"10.0.0.1","dst":"10.0.0.2","proto":1,"ttl":64,"ip_len":84,"icmp_type":8,"icmp_code":0,"icmp_id":4660,"payload_len":56}"#,
        #"{"type":"packet","ts":17,"len":1514,"caplen":1514,"src":"10.0.0.1","dst":"10.0.0.2","proto":17,"ttl":64,"ip_len":1500,"frag_id":4242,"frag_offset":1480,"frag_more":true,"payload_len":1480}"#,
        #"{"type":"packet","ts":1324071333.5,"len":60,"caplen":34,"src":"10.0.0.1","dst":"10.0.0.2","proto":6,"ttl":64,"ip_len":40,"decode_error":"truncated_tcp_header"}"#,
        #"{"type":"packet","ts":1324071333.500000,"len":60,"caplen":60,"decode_error":"unsupported_link_type"}"#,
    ]

    /// What one reader made of a line, comparable.
    struct Reading: Equatable {
        var present: UInt32
        var integers: [Int64]
        var time: Int64
        var source: IPAddress?
        var destination: IPAddress?
        var fractionDigits: Int

        init(_ values: PacketFieldValues) {
            present = values.present
            integers = PacketRecordFields.integerSlots.map { values.has($0) ? values.integer($0) : -1 }
            time = values.has(PacketRecordFields.ts) ? values.time : 0
            source = values.has(PacketRecordFields.src) ? values.source : nil
            destination = values.has(PacketRecordFields.dst) ? values.destination : nil
            fractionDigits = values.fractionDigits
        }
    }

    static func general(_ line: [UInt8]) -> Reading? {
        let parser = JSONLineParser(keys: PacketRecordFields.keys)
        let values = PacketFieldValues()
        return line.withUnsafeBufferPointer { bytes -> Reading? in
            guard (try? parser.parse(bytes)) != nil,
                  let type = try? parser.string(PacketRecordFields.type), type == "packet",
                  (try? PacketRecordFields.read(from: parser, into: values)) != nil else { return nil }
            return Reading(values)
        }
    }

    static func fast(_ line: [UInt8], _ decoder: PacketLineDecoder) -> Reading? {
        let values = PacketFieldValues()
        return line.withUnsafeBufferPointer { decoder.decode($0, into: values) ? Reading(values) : nil }
    }

    // Expected: sniff's own lines take the fast path, and it reads them as
    // the general parser does, to the nanosecond and the last bit.
    @Test(arguments: templates)
    func sniffLinesTakeTheFastPath(line: String) throws {
        let decoder = PacketLineDecoder()
        let bytes = Array(line.utf8)
        let fast = try #require(Self.fast(bytes, decoder), "fast path declined \(line)")
        #expect(fast == Self.general(bytes))
        // Second time through, with the key hints of the first.
        #expect(Self.fast(bytes, decoder) == fast)
    }

    // Expected: over 60,000 random corruptions of those lines (a byte
    // replaced by one that matters to JSON, deleted, or a span repeated),
    // every line the fast path accepts is accepted by the general parser
    // with the same reading. Seeded: a failure prints its seed and line.
    @Test(arguments: [1, 2, 3])
    func corruptedLinesNeverReadDifferently(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let decoder = PacketLineDecoder()
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \tnulltruefalse\#u{01}é"#.utf8) + [0xC3, 0xFF]
        var accepted = 0
        for index in 0..<20_000 {
            var line = Array(Self.templates[Int(random.next() % UInt64(Self.templates.count))].utf8)
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let position = Int(random.next() % UInt64(line.count))
                switch random.next() % 3 {
                case 0: line[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: line.remove(at: position)
                default:
                    let end = min(line.count, position + 1 + Int(random.next() % 12))
                    line.insert(contentsOf: line[position..<end], at: position)
                }
            }
            guard let fast = Self.fast(line, decoder) else { continue }
            accepted += 1
            let general = Self.general(line)
            #expect(general == fast, "seed \(seed) case \(index): \(String(decoding: line, as: UTF8.self))")
            if general != fast { return }
        }
        // The corruptions must leave some lines valid, or nothing was compared.
        #expect(accepted > 1000, "only \(accepted) corrupted lines were accepted")
    }
}
