import SluiceCore
import Testing
@testable import Windows

/// A host window record stays within 3 KB (`WindowRecordSize`): small
/// records are written once and untouched; a busy server's is written again
/// with smaller sketches until it fits, losing as little accuracy as it can.
@Suite struct WindowRecordSizeTests {
    /// The record's length with its newline, and the features it carries
    /// when they are not the ones given.
    static func write(_ features: HostFeatures, limit: Int = WindowRecordSize.maximum) -> (length: Int, carried: HostFeatures?) {
        let writer = NDJSONWriter(fileDescriptor: -1)
        let carried = withUnsafePointer(to: features) { features in
            WindowRecordSize.write(features, to: writer, limit: limit) { features in
                writer.beginRecord(type: "window")
                writer.field("host", string: "10.1.0.53")
                features.pointee.write(to: writer)
            }
        }
        return (writer.position + 2, carried)
    }

    /// `count` flows to one server, each from its own peer and source port,
    /// with durations spread over six orders of magnitude.
    static func busyServer(flows count: Int) -> HostFeatures {
        var features = HostFeatures()
        var random = SplitMix64(seed: 5)
        for index in 0..<count {
            let report = HostFeaturesTests.report(
                time: Int64(index), source: IPAddress(ipv4: 0x0A00_0000 &+ UInt32(index)), destination: IPAddress(ipv4: 0x0A01_0035),
                sourcePort: Int32(1024 + index), destinationPort: 53, final: true, duration: Double(random.next() % 5_000_000))
            features.add(report, view: .responder)
        }
        return features
    }

    // Expected: a host with 40 flows (its counters still exact sets) makes
    // a record under the bound, written once, as it was.
    @Test func smallRecordsAreUntouched() {
        let features = Self.busyServer(flows: 40)
        let (length, carried) = Self.write(features)
        #expect(length < WindowRecordSize.maximum)
        #expect(carried == nil)
    }

    // Expected: 5,000 flows from as many peers and source ports make a
    // record of over 7 KB (two distinct counters of 2 KB, a duration
    // histogram of hundreds of buckets). Written within 3072 bytes, the
    // record carries both counters folded to a lower precision and each
    // still estimates 5,000 within 3 standard errors of its precision
    // (1.04 / sqrt(2^p)); the destination port counter (one port, an exact
    // set) would save a few bytes only and is kept. A histogram loses a
    // digit only once every counter worth shrinking is at precision 8
    // (6.5 %, against one digit's 10 %).
    @Test func busyServerRecordFitsWithCoarserSketches() throws {
        let features = Self.busyServer(flows: 5_000)
        let unbounded = Self.write(features, limit: .max)
        #expect(unbounded.length > 7_000, "\(unbounded.length) bytes")
        let (length, carried) = Self.write(features)
        #expect(length <= WindowRecordSize.maximum)
        let fitted = try #require(carried)
        for counter in [fitted.peers, fitted.sourcePorts] {
            #expect(counter.precision < 12)
            let error = 1.04 / Double(1 << counter.precision).squareRoot()
            #expect(abs(counter.estimate - 5_000) <= 3 * error * 5_000, "precision \(counter.precision): \(counter.estimate)")
        }
        #expect(fitted.destinationPorts.isExact && fitted.destinationPorts.hashes == features.destinationPorts.hashes)
        for histogram in [fitted.packetSize.percentiles, fitted.duration.percentiles] where (histogram?.digits ?? 2) < 2 {
            #expect(fitted.peers.precision <= 8 && fitted.sourcePorts.precision <= 8)
        }
        // Exact parts are untouched; merging with a full-precision window
        // happens at the fitted (coarser) precision.
        #expect(fitted.flows == features.flows && fitted.bytesIn == features.bytesIn)
        var merged = fitted
        merged.merge(features)
        #expect(merged.peers.precision == fitted.peers.precision)
        #expect(merged.peers == fitted.peers)
    }
}
