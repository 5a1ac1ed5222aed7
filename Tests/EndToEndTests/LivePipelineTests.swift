import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The whole chain on a live interface: `pipelines/detect.sh -i lo`, sniff
/// through alert with cascade against the test cluster, while the test
/// itself makes traffic on loopback (bounded: 150 connection attempts and
/// 5 short connections, 127.0.0.0/8 only). Proves live capture, ticks
/// carrying event time through every stage (windows close and the alert
/// comes out while the capture is still open) and a clean stop on SIGINT
/// (every stage flushes what it holds; exit status 0).
///
/// Expected values: the scan's attacker, victim and kind are what the test
/// did (127.0.0.2 tried 150 closed ports of 127.0.0.1); the packet count is
/// tcpdump's, capturing the same interface with the same filter at the
/// same time (an independent reader of the same packets).
@Suite(.enabled(if: getuid() == 0, "live capture needs root"),
       .enabled(if: E2E.system("tcpdump") != nil, "tcpdump not installed"), .serialized)
struct LivePipelineTests {
    static let scanner = "127.0.0.2", client = "127.0.0.3", victim = "127.0.0.1"
    static let filter = "tcp and (host \(scanner) or host \(client))"

    @Test func loopbackScanIsAlertedWhileCapturingAndEverythingIsStoredOnInterrupt() throws {
        let directory = E2E.scratchDirectory("live-pipeline")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try TestCluster.database()
        let nullInput = open("/dev/null", O_RDONLY)
        defer { close(nullInput) }

        let listener = try Listener()
        defer { listener.close() }
        let tcpdump = try spawnWithDefaultSignals(try #require(E2E.system("tcpdump")),
                                                  ["-i", "lo", "-U", "-n", "-w", directory + "/oracle.pcap", Self.filter],
                                                  stdin: nullInput, stdoutPath: directory + "/tcpdump.out",
                                                  stderrPath: directory + "/tcpdump.err")
        let alertsPath = directory + "/alerts.ndjson", errPath = directory + "/detect.err"
        let detect = try spawnWithDefaultSignals("/usr/bin/env", [
            "SLUICE_BIN=\(E2E.binDirectory)", "/bin/sh", PipelineScriptTests.pipelines + "/detect.sh",
            "-i", "lo", "-d", database, "-s", "live", "-o", alertsPath, Self.filter,
        ], stdin: nullInput, stdoutPath: directory + "/detect.out", stderrPath: errPath)
        var stopped = false
        defer {
            if !stopped { kill(detect, SIGKILL); _ = waitForExit(detect, timeout: 5) }
            kill(tcpdump, SIGTERM)
            if waitForExit(tcpdump, timeout: 5) == nil { kill(tcpdump, SIGKILL); _ = waitForExit(tcpdump, timeout: 5) }
        }
        // Both captures open: each says so on stderr.
        let opened = Date().addingTimeInterval(30)
        while Date() < opened && ![errPath, directory + "/tcpdump.err"].allSatisfy({
            ((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "").contains("listening on lo")
        }) { usleep(100_000) }
        sleep(1)

        // A vertical scan: one attempt at each of 150 closed ports, each
        // refused at once by a reset; then five ordinary connections.
        let closedPorts = (0..<150).map { UInt16(61_000 + $0) }.filter { $0 != listener.port }
        for port in closedPorts { _ = Self.connect(from: Self.scanner, to: port, sending: nil) }
        for _ in 0..<5 { #expect(Self.connect(from: Self.client, to: listener.port, sending: Array("hello\n".utf8))) }

        // Ticks move event time while the interface is idle: the scan's
        // window closes and its alert comes out with the capture still open.
        let deadline = Date().addingTimeInterval(40)
        var alerts: [[String: Any]] = []
        while Date() < deadline {
            alerts = (try? PipelineScriptTests.events(alertsPath)) ?? []
            if alerts.contains(where: Self.isTheScan) { break }
            usleep(500_000)
        }
        let stderrSoFar = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        #expect(alerts.contains(where: Self.isTheScan), "no scan alert while live: \(alerts); stderr: \(stderrSoFar)")

        kill(detect, SIGINT)
        let ending = waitForExit(detect, timeout: 60)
        stopped = ending != nil
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        #expect(ending?.signaled == false && ending?.status == 0, "detect.sh: \(String(describing: ending)); \(stderr)")

        // Everything sniff saw reached the database: the stored 5 s windows
        // of each view hold, sent and received, tcpdump's packet count.
        kill(tcpdump, SIGTERM)
        _ = waitForExit(tcpdump, timeout: 5)
        let counted = try run(try #require(E2E.system("tcpdump")), ["-n", "-r", directory + "/oracle.pcap"])
        let expected = counted.stdoutText.split(separator: "\n").count
        #expect(expected >= closedPorts.count * 2, "tcpdump saw \(expected) packets")
        for kind in ["src", "dst"] {
            let stored = try TestCluster.psql(database, """
                SELECT coalesce(sum(packets_out), 0), coalesce(sum(packets_in), 0) FROM sluice_windows
                WHERE sensor = 'live' AND level_s = 5 AND key_kind = '\(kind)'
                """).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").compactMap { Int($0) }
            #expect(stored.count == 2 && stored[0] + stored[1] == expected, "\(kind) view: \(stored), tcpdump \(expected); stderr: \(stderr)")
        }
        let alertRows = try TestCluster.psql(database, "SELECT count(*) FROM sluice_alerts WHERE sensor = 'live' AND event = 'alert'")
        let finalAlerts = try PipelineScriptTests.events(alertsPath)
        #expect(Int(alertRows.trimmingCharacters(in: .whitespacesAndNewlines)) == finalAlerts.count)
    }

    static func isTheScan(_ alert: [String: Any]) -> Bool {
        (alert["sluice"] as? [String: Any])?["kind"] as? String == "port_scan"
            && alert["src_ip"] as? String == scanner && alert["dest_ip"] as? String == victim
    }

    /// A blocking TCP connection from `source` to 127.0.0.1:`port`, which
    /// sends `payload` and closes; true when it was accepted.
    static func connect(from source: String, to port: UInt16, sending payload: [UInt8]?) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { Glibc.close(descriptor) }
        var local = sockaddr_in(), remote = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = port.bigEndian
        inet_pton(AF_INET, victim, &remote.sin_addr)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { return false }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, length) }
        }
        guard connected == 0 else { return false }
        if let payload { _ = payload.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) } }
        return true
    }

    /// A listener on 127.0.0.1 that accepts, reads until the peer closes,
    /// and closes, on a thread of its own.
    final class Listener: @unchecked Sendable {
        let descriptor: Int32
        let port: UInt16

        init() throws {
            let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, length) }
            }
            try #require(bound == 0 && listen(listening, 16) == 0)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) }
            }
            descriptor = listening
            port = UInt16(bigEndian: address.sin_port)
            Thread.detachNewThread {
                while true {
                    let connection = accept(listening, nil, nil)
                    if connection < 0 { return }
                    var buffer = [UInt8](repeating: 0, count: 512)
                    while buffer.withUnsafeMutableBytes({ recv(connection, $0.baseAddress, $0.count, 0) }) > 0 {}
                    Glibc.close(connection)
                }
            }
        }

        func close() {
            shutdown(descriptor, Int32(SHUT_RDWR))
            Glibc.close(descriptor)
        }
    }
}
