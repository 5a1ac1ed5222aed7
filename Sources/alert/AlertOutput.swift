import Alerts
import SluiceCore
import Store

#if canImport(Glibc)
import Glibc
#endif

/// Where alerts go: standard output, always, and with --store the
/// database too. A database that goes away is retried with backoff (the
/// alerts keep flowing to standard output meanwhile, and wait for the
/// database in order); after --db-timeout without it, storing stops,
/// input stops, and the run ends with status 1 and how many alerts went
/// unstored.
final class AlertOutput {
    private let writer: NDJSONWriter
    private let store: AlertStore?
    private let dbTimeout: Int64
    private let diagnostics: Diagnostics
    private var unstored: [AlertStore.Row] = []
    private var downSince: Int64?
    private var nextAttempt: Int64 = 0
    private var backoff: Int64 = 100_000_000
    private(set) var recordsWritten = 0
    private(set) var rowsStored = 0
    /// Set when the database stayed away past the timeout.
    private(set) var storeFailure: String?

    init(writer: NDJSONWriter, store: AlertStore?, dbTimeout: Int64, diagnostics: Diagnostics) {
        self.writer = writer
        self.store = store
        self.dbTimeout = dbTimeout
        self.diagnostics = diagnostics
    }

    func write(_ event: AlertEvent) throws(OutputError) {
        let line = AlertRecord.line(event)
        try line.withUnsafeBufferPointer { bytes throws(OutputError) in try writer.writeLine(bytes) }
        recordsWritten += 1
        guard store != nil, storeFailure == nil else { return }
        unstored.append(row(event, line))
        storePending(waiting: false)
    }

    /// End of input: everything not yet stored, waiting for the database
    /// up to the timeout.
    func finish() throws(OutputError) {
        try writer.flush()
        if store != nil && storeFailure == nil { storePending(waiting: true) }
        // A stop signal ends the wait for the database: what it still
        // holds was written out but never stored, which the status says.
        if storeFailure == nil && !unstored.isEmpty {
            storeFailure = "stopped while the database was away: \(unstored.count) alerts written but not stored"
        }
    }

    /// Tries to store the rows held; `waiting`: until they are stored or
    /// the timeout passes.
    private func storePending(waiting: Bool) {
        guard let store else { return }
        while !unstored.isEmpty && storeFailure == nil {
            let now = Int64(monotonicNow() * 1e9)
            if now >= nextAttempt {
                do {
                    if downSince != nil { try store.reconnect() }
                    try store.store(unstored)
                    rowsStored += unstored.count
                    unstored = []
                    if let since = downSince {
                        diagnostics.say("database back after \((now - since) / 1_000_000_000) s")
                        downSince = nil
                        backoff = 100_000_000
                    }
                    return
                } catch {
                    if downSince == nil {
                        downSince = now
                        diagnostics.say("\(error); alerts go on to standard output and wait for the database")
                    }
                    if !error.isUnreachable {
                        storeFailure = "alerts not stored: \(error)"
                    }
                    nextAttempt = now + backoff
                    backoff = min(backoff * 2, 5_000_000_000)
                }
            }
            if let since = downSince, now - since >= dbTimeout {
                storeFailure = "database away for \(dbTimeout / 1_000_000_000) s: \(unstored.count) alerts written but not stored"
            }
            guard storeFailure == nil else { break }
            guard waiting else { return }
            if StopSignal.isPending { return }
            usleep(50_000)
        }
        if storeFailure != nil { StopSignal.request() }
    }

    private func row(_ event: AlertEvent, _ line: [UInt8]) -> AlertStore.Row {
        AlertStore.Row(
            event: event.isEnd ? "alert_end" : "alert", signatureID: event.rule.signatureID, sensor: event.record.sensor,
            attacker: event.attacker ?? "", victim: event.victim ?? "",
            time: event.isEnd ? event.lastSeen : event.record.windowStart, firstSeen: event.firstSeen,
            rule: event.rule.name, kind: event.rule.kind, severity: event.rule.severity,
            destinationPort: event.destinationPort, repeats: event.repeats, message: event.message,
            record: String(decoding: line, as: UTF8.self))
    }
}
