import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Live capture on the loopback interface, with traffic the test sends
/// itself: a few UDP datagrams to a port on 127.0.0.1 (bounded in count,
/// loopback only). Needs root to open the interface, as CI has.
///
/// Expected values come from what the test sent: the number of datagrams,
/// their addresses, port and payload length; ticks from the brief (about
/// one a second while idle); exit status 0 on SIGINT (sniff(1)).
@Suite(.enabled(if: getuid() == 0, "live capture needs root"), .serialized)
struct LiveCaptureTests {
    static let payload = Array("hello".utf8)

    @Test func loopbackPacketsTicksAndCleanStop() throws {
        let port = UInt16.random(in: 40_000...49_999)
        let directory = E2E.scratchDirectory("live")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outPath = directory + "/out", errPath = directory + "/err"
        let nullInput = open("/dev/null", O_RDONLY)
        defer { close(nullInput) }
        let child = try spawnWithDefaultSignals(E2E.sniff, ["-l", "-i", "lo", "udp", "port", "\(port)"],
                                                stdin: nullInput, stdoutPath: outPath, stderrPath: errPath)
        sleep(1)
        let sentAt = Date().timeIntervalSince1970
        for _ in 0..<3 { try sendDatagram(to: port) }
        // Idle for 2.5 s: at least one tick must come.
        usleep(2_500_000)
        kill(child, SIGINT)
        let ending = waitForExit(child, timeout: 3)
        if ending == nil { kill(child, SIGKILL); _ = waitForExit(child, timeout: 5) }

        let records = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
            .split(separator: "\n").compactMap { Record($0) }
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        #expect(ending != nil, "sniff still running 3 s after SIGINT")
        #expect(ending?.signaled == false && ending?.status == 0, "ending \(String(describing: ending)); stderr: \(stderr)")

        let packets = records.filter { $0.type == "packet" }
        #expect(packets.count == 3, "records: \(records.map(\.type))")
        for packet in packets {
            #expect(packet["src"] == "127.0.0.1" && packet["dst"] == "127.0.0.1")
            #expect(packet["proto"] == "17" && packet["dport"] == "\(port)")
            #expect(packet["payload_len"] == "\(Self.payload.count)")
        }
        let ticks = records.filter { $0.type == "tick" }
        #expect(ticks.count >= 1, "no tick in 2.5 idle seconds")
        if let tick = ticks.first.flatMap({ $0["ts"] }).flatMap(Double.init) {
            #expect(abs(tick - sentAt) < 10, "tick time \(tick) far from the wall clock \(sentAt)")
        }
        #expect(stderr.contains("3 packets (3 IP, 0 non-IP)"), "stderr: \(stderr)")
        #expect(stderr.contains("packets received by filter"), "stderr: \(stderr)")
    }

    // Expected: with -Z nobody, once the interface is open the process runs
    // as nobody (its uid in /proc, from getpwnam) and still captures.
    @Test func dropsPrivilegesAfterOpening() throws {
        let nobody = try #require(getpwnam("nobody")).pointee.pw_uid
        let port = UInt16.random(in: 50_000...59_999)
        let directory = E2E.scratchDirectory("live-z")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outPath = directory + "/out", errPath = directory + "/err"
        let nullInput = open("/dev/null", O_RDONLY)
        defer { close(nullInput) }
        let child = try spawnWithDefaultSignals(E2E.sniff, ["-l", "-Z", "nobody", "-c", "1", "-i", "lo", "udp", "port", "\(port)"],
                                                stdin: nullInput, stdoutPath: outPath, stderrPath: errPath)
        sleep(1)
        let status = (try? String(contentsOfFile: "/proc/\(child)/status", encoding: .utf8)) ?? ""
        let uids = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?
            .split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().compactMap { UInt32($0) } ?? []
        try sendDatagram(to: port)
        let ending = waitForExit(child, timeout: 5)
        if ending == nil { kill(child, SIGKILL); _ = waitForExit(child, timeout: 5) }
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        let lines = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
            .split(separator: "\n")
        #expect(uids.count == 4 && uids.allSatisfy { $0 == nobody }, "Uid line: \(uids), nobody is \(nobody)")
        #expect(ending?.status == 0, "ending \(String(describing: ending)); stderr: \(stderr)")
        #expect(lines.count == 1)
    }

    /// One UDP datagram with `payload` to 127.0.0.1:`port`.
    private func sendDatagram(to port: UInt16) throws {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(socketDescriptor >= 0)
        defer { close(socketDescriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let sent = Self.payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(socketDescriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        try #require(sent == Self.payload.count)
    }
}
