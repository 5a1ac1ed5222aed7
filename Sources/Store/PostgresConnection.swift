import CLibPQ

#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection: statements, parameterised queries and COPY FROM
/// STDIN in text format. Every call into libpq in Sluice is in this file;
/// values reach SQL only as parameters or COPY text, never spliced in.
public final class PostgresConnection {
    private var connection: OpaquePointer?
    private let conninfo: String

    /// Connects with `conninfo` (a URI or `key=value` words; empty means
    /// libpq's own `PG*` variables and defaults). A connect timeout of
    /// 10 s applies unless the conninfo or PGCONNECT_TIMEOUT sets one.
    public init(conninfo: String) throws(StoreError) {
        self.conninfo = conninfo
        try connect()
    }

    deinit { PQfinish(connection) }

    private func connect() throws(StoreError) {
        PQfinish(connection)
        let keywords = ["dbname", "fallback_application_name", "connect_timeout"]
        var values = [conninfo, "cascade", "10"]
        if getenv("PGCONNECT_TIMEOUT") != nil || conninfo.contains("connect_timeout") { values[2] = "" }
        connection = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            // A server that answers but refuses us will not change its mind
            // by waiting: no such database or role, failed authentication.
            let message = lastMessage
            let refusals = ["does not exist", "authentication failed", "no pg_hba.conf entry", "invalid", "unrecognized", "missing"]
            if refusals.contains(where: { message.contains($0) }) {
                throw .refused(message)
            }
            throw .unreachable(message)
        }
        // Quiet NOTICEs ("relation already exists, skipping") stay off stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    /// Drops the connection and makes a new one.
    public func reconnect() throws(StoreError) { try connect() }

    public var isConnected: Bool { connection.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Where the connection went: `host /tmp/sluice-pg-0 port 5432 database sluice`.
    public var target: String {
        guard let connection else { return "(not connected)" }
        let host = PQhost(connection).map { String(cString: $0) } ?? "?"
        let port = PQport(connection).map { String(cString: $0) } ?? "?"
        let database = PQdb(connection).map { String(cString: $0) } ?? "?"
        return "host \(host) port \(port) database \(database)"
    }

    // MARK: Statements

    /// Runs one or more statements without parameters or rows.
    public func execute(_ sql: String) throws(StoreError) {
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
    }

    /// Runs one statement with text parameters (nil is SQL NULL) and
    /// returns its rows, as text or in binary (`CopyBinary` reads them).
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = [], binary: Bool = false) throws(StoreError) -> QueryResult {
        let result = withOptionalCStrings(parameters) { pointers in
            PQexecParams(connection, sql, Int32(parameters.count), nil, pointers, nil, nil, binary ? 1 : 0)
        }
        do {
            try check(result, sql: sql)
        } catch {
            PQclear(result)
            throw error
        }
        return QueryResult(result!)
    }

    /// COPY ... FROM STDIN with `data`, lines in COPY's text format.
    public func copyIn(_ sql: String, data: [UInt8]) throws(StoreError) {
        let start = PQexec(connection, sql)
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            defer { PQclear(start) }
            try check(start, sql: sql)
            throw .statement(sqlState: "", message: "COPY did not start", sql: sql)
        }
        PQclear(start)
        let sent = data.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { PQputCopyData(connection, $0, Int32(buffer.count)) }
            } ?? 1
        }
        let ended = sent == 1 ? PQputCopyEnd(connection, nil) : -1
        var failure: StoreError?
        if ended != 1 { failure = .unreachable(lastMessage) }
        while let result = PQgetResult(connection) {
            if failure == nil {
                do { try check(result, sql: sql) } catch { failure = error }
            }
            PQclear(result)
        }
        if let failure { throw failure }
    }

    /// Runs `body` in a transaction, rolled back if it throws.
    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if isConnected { try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: Errors

    private var lastMessage: String {
        guard let connection, let text = PQerrorMessage(connection) else { return "connection failed" }
        return String(cString: text).oneLine
    }

    private func check(_ result: OpaquePointer?, sql: String) throws(StoreError) {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK { return }
        let sqlState = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        let message = result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) }
            .flatMap { $0.isEmpty ? nil : $0.oneLine } ?? lastMessage
        if !isConnected || StoreError.isConnectionState(sqlState) { throw .unreachable(message) }
        throw .statement(sqlState: sqlState, message: message, sql: sql)
    }
}

/// The rows of a query, as text (NULL is nil).
public final class QueryResult {
    private let result: OpaquePointer

    init(_ result: OpaquePointer) { self.result = result }
    deinit { PQclear(result) }

    public var rowCount: Int { Int(PQntuples(result)) }
    public var columnCount: Int { Int(PQnfields(result)) }

    public func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    public func text(_ row: Int, _ column: Int) -> String? {
        isNull(row, column) ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    /// A text column of a binary result ("" for NULL).
    public func binaryText(_ row: Int, _ column: Int) -> String {
        bytes(row, column).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The value's bytes, valid while the result lives; nil for NULL.
    public func bytes(_ row: Int, _ column: Int) -> UnsafeBufferPointer<UInt8>? {
        guard !isNull(row, column), let value = PQgetvalue(result, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { UnsafeBufferPointer(start: $0, count: length) }
    }
}

private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    withOptionalCStrings(strings.map { $0 as String? }) { pointers in
        pointers.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: strings.count + 1) { body($0) }
    }
}

/// NUL-terminated copies of `strings` (nil stays a null pointer), then a
/// null pointer, alive for the call.
private func withOptionalCStrings<T>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { for copy in copies { free(copy) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension String {
    /// libpq's message on one line: its lines joined with "; ".
    var oneLine: String {
        split(whereSeparator: { $0 == "\n" }).map { $0.drop { $0 == "\t" || $0 == " " } }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
