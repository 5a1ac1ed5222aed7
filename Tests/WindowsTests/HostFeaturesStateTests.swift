import Foundation
import SluiceCore
import Testing
@testable import Windows

/// A host window's state read back from its own record: what cascade
/// relies on to merge stored windows.
@Suite struct HostFeaturesStateTests {
    /// The record fields `write(to:)` gives, as text, through a file.
    static func recordText(_ features: HostFeatures) throws -> String {
        let path = NSTemporaryDirectory() + "/sluice-state-\(UUID().uuidString)"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { unlink(path) }
        let writer = NDJSONWriter(fileDescriptor: descriptor)
        writer.beginRecord(type: "window")
        features.write(to: writer)
        try writer.endRecord()
        try writer.flush()
        close(descriptor)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    static func decode(_ text: String) throws -> HostFeatures {
        let parser = JSONLineParser(keys: FieldKeys(HostFeatures.stateNames))
        var line = Array(text.utf8)
        if line.last == UInt8(ascii: "\n") { line.removeLast() }
        try line.withUnsafeBufferPointer { try parser.parse($0) }
        return try HostFeatures(state: RecordStateSource(parser: parser, firstSlot: 0))
    }

    // Expected: for a host with 5,000 flows (HyperLogLog registers, both
    // quantities measured) and for one with a single unanswered flow (no
    // durations), writing the state, reading it back and writing again
    // gives the same record to the byte, and the read-back state merges as
    // the original does (the same record after merging with a third).
    @Test(arguments: [5_000, 1])
    func stateSurvivesItsRecord(flows: Int) throws {
        var features = HostFeatures()
        var other = HostFeatures()
        for index in 0..<flows {
            let report = HostFeaturesTests.report(
                time: Int64(index), source: IPAddress(ipv4: 0x0A00_0001), destination: IPAddress(ipv4: 0x2000_0000 &+ UInt32(index)),
                sourcePort: Int32(40_000 + index % 20_000), destinationPort: Int32(index % 1024),
                final: flows > 1 && index % 2 == 0, duration: Double(index * 37))
            features.add(report, view: .originator)
            if index % 3 == 0 { other.add(report, view: .responder) }
        }
        let text = try Self.recordText(features)
        let decoded = try Self.decode(text)
        #expect(try Self.recordText(decoded) == text)
        #expect(decoded.counterValues == features.counterValues)
        #expect(decoded.peers == features.peers && decoded.packetSize.percentiles == features.packetSize.percentiles)
        var merged = features
        merged.merge(other)
        var mergedDecoded = decoded
        mergedDecoded.merge(try Self.decode(try Self.recordText(other)))
        #expect(try Self.recordText(mergedDecoded) == Self.recordText(merged))
    }

    // Expected: the counter table names the record's counters in the order
    // the record writes them (the store's columns follow it).
    @Test func counterTableFollowsTheRecord() throws {
        let text = try Self.recordText(HostFeatures())
        let names = text.split(separator: ",").compactMap { field -> String? in
            let parts = field.split(separator: ":", maxSplits: 1)
            return parts.count == 2 ? String(parts[0].filter { $0 != "\"" && $0 != "{" }) : nil
        }
        let counters = HostFeatures.counters.map(\.name)
        #expect(Array(names.drop { $0 != counters[0] }.prefix(counters.count)) == counters)
    }
}
