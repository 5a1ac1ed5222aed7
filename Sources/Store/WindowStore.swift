#if canImport(Glibc)
import Glibc
#endif
import SluiceCore
import Windows

/// cascade's tables and the statements over them. Writes are idempotent
/// upserts from a COPY-filled staging table, one transaction per batch, so
/// replaying input, a restart, or a retry after a lost COMMIT stores each
/// window once. Coarse windows are merged from the rows the database
/// holds, under a lock per coarse window, so several writers sharing the
/// database neither lose nor double-count each other's windows.
public final class WindowStore {
    public let connection: PostgresConnection
    /// The length of the time partitions of `sluice_windows`, seconds.
    public private(set) var partitionSeconds: Int64 = 86_400
    private var knownPartitions: Set<Int64> = []

    /// Connects, creates or migrates the schema, and prepares the session.
    /// `partitionSeconds` applies when this call creates the schema; an
    /// existing database keeps its own.
    public init(conninfo: String, partitionSeconds: Int64 = 86_400) throws(StoreError) {
        connection = try PostgresConnection(conninfo: conninfo)
        self.partitionSeconds = partitionSeconds
        try Schema.migrate(connection, partitionSeconds: partitionSeconds)
        try prepareSession()
    }

    /// After a lost connection: connects again and prepares the session.
    public func reconnect() throws(StoreError) {
        try connection.reconnect()
        knownPartitions = []
        try prepareSession()
    }

    private func prepareSession() throws(StoreError) {
        let stored = try connection.query("SELECT partition_s FROM sluice_settings")
        if let text = stored.text(0, 0), let seconds = Int64(text) { partitionSeconds = seconds }
        try connection.execute("CREATE TEMP TABLE IF NOT EXISTS sluice_staging (LIKE sluice_windows) ON COMMIT DELETE ROWS")
    }

    // MARK: Writing

    /// Stores fine windows (as read from window5s) in one transaction: a
    /// stored window is replaced by a higher or equal revision only, and
    /// not rewritten when nothing changed. Returns the transaction's id
    /// when it wrote every window as given (all were new), nil otherwise.
    @discardableResult
    public func storeFine(_ windows: [FineWindow]) throws(StoreError) -> UInt32? {
        guard !windows.isEmpty else { return nil }
        return try againIfPartitionGone { () throws(StoreError) -> UInt32? in
            try ensurePartitions(for: windows.map(\.identity.startSeconds))
            var data = CopyBinary.header
            data.reserveCapacity(windows.count * 1024)
            for window in windows { WindowColumns.appendCopyRow(window, to: &data) }
            data += CopyBinary.trailer
            // A revision replaces a row: no use trying the new rows' way.
            if !windows.contains(where: { $0.revision > 1 }), let transaction = try copyNewRows(data) {
                return transaction
            }
            try connection.transaction { () throws(StoreError) in
                try copyToStaging(data)
                try connection.execute("""
                    INSERT INTO sluice_windows (\(Self.allColumns)) SELECT \(Self.stagedColumns) FROM sluice_staging
                    ON CONFLICT (\(Self.keyColumns)) DO UPDATE SET (\(Self.valueColumns)) = (\(Self.excluded(WindowColumns.values)))
                    WHERE excluded.revision >= sluice_windows.revision
                      AND (\(Self.existing(WindowColumns.values))) IS DISTINCT FROM (\(Self.excluded(WindowColumns.values)))
                    """)
            }
            return nil
        }
    }

    /// Another writer's --retention may have dropped a partition this one
    /// knew: 23514 (no partition for the row) forgets them all and retries.
    private func againIfPartitionGone<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch .statement(let sqlState, _, _) where sqlState == "23514" {
            knownPartitions = []
            return try body()
        }
    }

    /// Batches left before trying `copyNewRows` again after it met a
    /// stored row (a replay, or another writer's windows).
    private var newRowsPause = 0

    /// New rows need no staging table and no conflict check: COPY them
    /// into the table itself, in a transaction of their own, whose id is
    /// returned. If any row is there already (23505), nothing of it stays
    /// and this returns nil: the caller takes the staging way.
    private func copyNewRows(_ data: [UInt8]) throws(StoreError) -> UInt32? {
        guard newRowsPause == 0 else {
            newRowsPause -= 1
            return nil
        }
        do {
            return try connection.transaction { () throws(StoreError) -> UInt32 in
                let transaction = try currentTransaction()
                try connection.copyIn("COPY sluice_windows (\(Self.allColumns)) FROM STDIN WITH (FORMAT binary)", data: data)
                return transaction
            }
        } catch .statement(let sqlState, _, _) where sqlState == "23505" {
            newRowsPause = 8
            return nil
        }
    }

    /// The id of the transaction under way, as the `xmin` of the rows it
    /// writes reads (32 bits; the epoch left out).
    private func currentTransaction() throws(StoreError) -> UInt32 {
        let result = try connection.query("SELECT txid_current() % 4294967296")
        guard let text = result.text(0, 0), let id = UInt32(text) else {
            throw .statement(sqlState: "", message: "txid_current() gave no transaction id", sql: "")
        }
        return id
    }

    /// A coarse window merged and stored: its windows by key with their
    /// revisions, each one's content columns as stored, and the id of the
    /// transaction that wrote them.
    public struct CoarseMerge {
        public var windows: [StoredWindow]
        public var contents: [[UInt8]]
        public var transaction: UInt32
    }

    /// Merges the windows of level `below` that lie in the coarse window
    /// `[start, start + level)` of `sensor`, as the database holds them,
    /// per key in time order, and stores the results. A stored coarse
    /// window's revision goes up by one when its content changes.
    ///
    /// `held` are the windows this run wrote there, when it kept them: if
    /// the database holds exactly those rows, written by those
    /// transactions (so no other writer touched them), they are merged
    /// without reading them back; otherwise the rows are read.
    ///
    /// `fit` gets each merged window before it is stored (the record's size
    /// bound: cascade makes the sketches of a window that would be too
    /// long smaller), so the database holds what goes out.
    public func mergeCoarse(level: Int64, below: Int64, sensor: String, start: Int64, held: [HeldWindow]? = nil,
                            fit: (inout StoredWindow) -> Void = { _ in }) throws(StoreError) -> CoarseMerge {
        try againIfPartitionGone { () throws(StoreError) -> CoarseMerge in
            // Held windows mean the coarse window is merged for the first
            // time, so its rows are likely new: they go in the new rows' way
            // unless one is there already.
            if held != nil {
                do throws(StoreError) {
                    return try mergeCoarseOnce(level: level, below: below, sensor: sensor, start: start, held: held, newRows: true, fit: fit)
                } catch .statement(let sqlState, _, _) where sqlState == "23505" {}
            }
            return try mergeCoarseOnce(level: level, below: below, sensor: sensor, start: start, held: held, newRows: false, fit: fit)
        }
    }

    private func mergeCoarseOnce(level: Int64, below: Int64, sensor: String, start: Int64, held: [HeldWindow]?, newRows: Bool,
                                 fit: (inout StoredWindow) -> Void) throws(StoreError) -> CoarseMerge {
        try ensurePartition(containing: start)
        return try connection.transaction { () throws(StoreError) -> CoarseMerge in
            let lock = Int64(bitPattern: StableHash.hash(
                UInt64(bitPattern: start), seed: StableHash.hash(sensor, seed: UInt64(level))))
            try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [String(lock)])
            let transaction = try currentTransaction()
            let range = [String(below), sensor, String(start), String(start + level)]
            let parts: [HeldWindow]
            if let held, try holdsExactly(held, range: range) {
                parts = held
            } else {
                parts = try storedWindows(range: range)
            }
            // By key and host (bytes), then time, so that every merge takes
            // the same windows in the same order, wherever they came from.
            let sortKeys = parts.map { part in
                // Key kind, a NUL (no stored text has one), host: their
                // bytes compare as the pair does.
                Array(part.identity.keyKind.utf8) + [0] + Array(part.identity.keyValue.utf8)
            }
            let order = parts.indices.sorted { x, y in
                let comparison = sortKeys[x].withUnsafeBufferPointer { a in
                    sortKeys[y].withUnsafeBufferPointer { b in
                        let common = memcmp(a.baseAddress!, b.baseAddress!, min(a.count, b.count))
                        return common != 0 ? Int(common) : a.count - b.count
                    }
                }
                return comparison != 0 ? comparison < 0 : parts[x].identity.startSeconds < parts[y].identity.startSeconds
            }
            var merged: [StoredWindow] = []
            for part in order.lazy.map({ parts[$0] }) {
                let (kind, value) = (part.identity.keyKind, part.identity.keyValue)
                if let last = merged.last, last.identity.keyKind == kind, last.identity.keyValue == value {
                    merged[merged.count - 1].features.merge(part.features)
                } else {
                    let identity = WindowIdentity(levelSeconds: level, sensor: sensor, keyKind: kind, keyValue: value, startSeconds: start)
                    merged.append(StoredWindow(identity: identity, revision: 1, features: part.features))
                }
            }
            guard !merged.isEmpty else { return CoarseMerge(windows: [], contents: [], transaction: transaction) }
            for index in merged.indices { fit(&merged[index]) }
            let contents = merged.map { WindowColumns.content(of: $0.features) }
            var data = CopyBinary.header
            data.reserveCapacity(merged.count * 1024)
            for (window, content) in zip(merged, contents) { WindowColumns.appendCopyRow(window, content: content, to: &data) }
            data += CopyBinary.trailer
            if newRows {
                // Each new, so each at revision 1.
                try connection.copyIn("COPY sluice_windows (\(Self.allColumns)) FROM STDIN WITH (FORMAT binary)", data: data)
                return CoarseMerge(windows: merged, contents: contents, transaction: transaction)
            }
            try copyToStaging(data)
            let changed = "(\(Self.existing(WindowColumns.content))) IS DISTINCT FROM (\(Self.excluded(WindowColumns.content)))"
            let revisions = try connection.query("""
                INSERT INTO sluice_windows (\(Self.allColumns)) SELECT \(Self.stagedColumns) FROM sluice_staging
                ON CONFLICT (\(Self.keyColumns)) DO UPDATE SET (\(Self.contentColumns)) = (\(Self.excluded(WindowColumns.content))),
                    revision = CASE WHEN \(changed) THEN sluice_windows.revision + 1 ELSE sluice_windows.revision END
                RETURNING key_kind, key_value, revision
                """)
            var revisionOfKey: [String: Int] = [:]
            for row in 0..<revisions.rowCount {
                revisionOfKey[(revisions.text(row, 0) ?? "") + "\t" + (revisions.text(row, 1) ?? "")] = Int(revisions.text(row, 2) ?? "") ?? 1
            }
            for index in merged.indices {
                let identity = merged[index].identity
                merged[index].revision = revisionOfKey[identity.keyKind + "\t" + identity.keyValue] ?? 1
            }
            return CoarseMerge(windows: merged, contents: contents, transaction: transaction)
        }
    }

    /// Whether the rows of `range` (level below, sensor, start, end) are
    /// exactly `held`: as many, each written by a transaction a held
    /// window names. A row another writer added or replaced has its
    /// transaction id; one a vacuum froze reads as frozen; either way the
    /// rows are read instead.
    private func holdsExactly(_ held: [HeldWindow], range: [String]) throws(StoreError) -> Bool {
        var transactions: Set<UInt32> = []
        for window in held {
            guard let transaction = window.transaction else { return false }
            transactions.insert(transaction)
        }
        let list = "{" + transactions.map(String.init).joined(separator: ",") + "}"
        let counts = try connection.query("""
            SELECT count(*), count(*) FILTER (WHERE NOT xmin = ANY($5::xid[])) FROM sluice_windows
            WHERE level_s = $1 AND sensor = $2 AND window_start >= to_timestamp($3) AND window_start < to_timestamp($4)
            """, range + [list])
        return counts.text(0, 0) == String(held.count) && counts.text(0, 1) == "0"
    }

    /// The windows of `range` as the database holds them.
    private func storedWindows(range: [String]) throws(StoreError) -> [HeldWindow] {
        let (below, sensor) = (Int64(range[0]) ?? 0, range[1])
        let rows = try connection.query("""
            SELECT key_kind, key_value, window_start, \(HostFeatures.stateNames.joined(separator: ", ")) FROM sluice_windows
            WHERE level_s = $1 AND sensor = $2 AND window_start >= to_timestamp($3) AND window_start < to_timestamp($4)
            """, range, binary: true)
        var windows: [HeldWindow] = []
        windows.reserveCapacity(rows.rowCount)
        for row in 0..<rows.rowCount {
            let (kind, value) = (rows.binaryText(row, 0), rows.binaryText(row, 1))
            let features: HostFeatures
            do throws(FieldError) {
                features = try HostFeatures(state: BinaryStateSource(result: rows, row: row, firstColumn: 3))
            } catch {
                throw .statement(sqlState: "", message: "stored window \(kind) \(value) at level \(below): \(error.message)", sql: "")
            }
            let identity = WindowIdentity(levelSeconds: below, sensor: sensor, keyKind: kind, keyValue: value,
                                          startSeconds: rows.bytes(row, 2).flatMap(CopyBinary.timestampSeconds) ?? 0)
            windows.append(HeldWindow(identity: identity, revision: 1, features: features, transaction: nil))
        }
        return windows
    }

    private func copyToStaging(_ data: [UInt8]) throws(StoreError) {
        try connection.copyIn("COPY sluice_staging (\(Self.allColumns)) FROM STDIN WITH (FORMAT binary)", data: data)
    }

    // MARK: Progress

    /// Per coarse level of `sensor`: the time up to which its windows were
    /// completed by the watermark (epoch seconds).
    public func progress(sensor: String) throws(StoreError) -> [Int64: Int64] {
        let rows = try connection.query("SELECT level_s, completed_until FROM sluice_progress WHERE sensor = $1", [sensor])
        var result: [Int64: Int64] = [:]
        for row in 0..<rows.rowCount {
            if let level = rows.text(row, 0).flatMap({ Int64($0) }), let until = rows.text(row, 1).flatMap({ Int64($0) }) {
                result[level] = until
            }
        }
        return result
    }

    public func recordProgress(sensor: String, level: Int64, completedUntil: Int64) throws(StoreError) {
        try connection.query("""
            INSERT INTO sluice_progress (sensor, level_s, completed_until) VALUES ($1, $2, $3)
            ON CONFLICT (sensor, level_s) DO UPDATE
            SET completed_until = greatest(sluice_progress.completed_until, excluded.completed_until)
            """, [sensor, String(level), String(completedUntil)])
    }

    /// The starts of the coarse windows of length `level` that hold
    /// windows of level `below` of `sensor` starting at `since` or later:
    /// what a restarted cascade must still merge.
    public func coarseStarts(level: Int64, below: Int64, sensor: String, since: Int64?) throws(StoreError) -> [Int64] {
        let rows = try connection.query("""
            SELECT DISTINCT floor(extract(epoch FROM window_start) / $3)::bigint * $3 FROM sluice_windows
            WHERE level_s = $1 AND sensor = $2 AND ($4::bigint IS NULL OR window_start >= to_timestamp($4::bigint))
            """, [String(below), sensor, String(level), since.map { String($0) }])
        return (0..<rows.rowCount).compactMap { rows.text($0, 0).flatMap { Int64($0) } }.sorted()
    }

    // MARK: Partitions

    private func ensurePartitions(for starts: [Int64]) throws(StoreError) {
        var partitions: Set<Int64> = []
        for start in starts { partitions.insert(floorDivide(start, partitionSeconds)) }
        for partition in partitions.sorted() where !knownPartitions.contains(partition) {
            try ensurePartition(containing: partition * partitionSeconds)
        }
    }

    /// Creates the partition holding windows that start at `seconds`,
    /// once; writers creating the same one at once take turns.
    private func ensurePartition(containing seconds: Int64) throws(StoreError) {
        let index = floorDivide(seconds, partitionSeconds)
        guard !knownPartitions.contains(index) else { return }
        let from = index * partitionSeconds
        try connection.transaction { () throws(StoreError) in
            try connection.execute("SELECT pg_advisory_xact_lock(\(Schema.partitionLock))")
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS \(Self.partitionName(from)) PARTITION OF sluice_windows
                FOR VALUES FROM (to_timestamp(\(from))) TO (to_timestamp(\(from + partitionSeconds)))
                """)
        }
        knownPartitions.insert(index)
    }

    /// `sluice_windows_p1767225600`: the partition's first second.
    static func partitionName(_ from: Int64) -> String {
        from < 0 ? "sluice_windows_m\(-from)" : "sluice_windows_p\(from)"
    }

    /// Drops the partitions whose windows all start before `cutoff`;
    /// returns their names.
    public func dropPartitions(before cutoff: Int64) throws(StoreError) -> [String] {
        let rows = try connection.query("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'sluice_windows'::regclass ORDER BY c.relname
            """)
        var dropped: [String] = []
        for row in 0..<rows.rowCount {
            guard let name = rows.text(row, 0), let from = Self.partitionStart(name),
                  from + partitionSeconds <= cutoff else { continue }
            try connection.execute("DROP TABLE IF EXISTS \(name)")
            knownPartitions.remove(floorDivide(from, partitionSeconds))
            dropped.append(name)
        }
        return dropped
    }

    static func partitionStart(_ name: String) -> Int64? {
        if name.hasPrefix("sluice_windows_p") { return Int64(name.dropFirst("sluice_windows_p".count)) }
        if name.hasPrefix("sluice_windows_m") { return Int64(name.dropFirst("sluice_windows_m".count)).map { -$0 } }
        return nil
    }

    // MARK: History

    /// Stored windows of one host at one level with starts in
    /// `[since, until)`, in time order (then sensor and key kind).
    public func history(host: String, level: Int64, since: Int64, until: Int64, sensor: String?, keyKind: String?)
        throws(StoreError) -> [StoredWindow] {
        let rows = try connection.query("""
            SELECT sensor, key_kind, extract(epoch FROM window_start)::bigint, revision, \(HostFeatures.stateNames.joined(separator: ", "))
            FROM sluice_windows
            WHERE key_value = $1 AND level_s = $2 AND window_start >= to_timestamp($3) AND window_start < to_timestamp($4)
              AND ($5::text IS NULL OR sensor = $5) AND ($6::text IS NULL OR key_kind = $6)
            ORDER BY window_start, sensor COLLATE "C", key_kind COLLATE "C"
            """, [host, String(level), String(since), String(until), sensor, keyKind], binary: true)
        var windows: [StoredWindow] = []
        for row in 0..<rows.rowCount {
            let features: HostFeatures
            do throws(FieldError) {
                features = try HostFeatures(state: BinaryStateSource(result: rows, row: row, firstColumn: 4))
            } catch {
                throw .statement(sqlState: "", message: "stored window of \(host): \(error.message)", sql: "")
            }
            let identity = WindowIdentity(
                levelSeconds: level, sensor: rows.binaryText(row, 0), keyKind: rows.binaryText(row, 1),
                keyValue: host, startSeconds: rows.bytes(row, 2).flatMap(CopyBinary.int64) ?? 0)
            let revision = rows.bytes(row, 3).flatMap(CopyBinary.int64) ?? 1
            windows.append(StoredWindow(identity: identity, revision: Int(revision), features: features))
        }
        return windows
    }

    // MARK: SQL text

    private static let keyColumns = WindowColumns.primaryKey.joined(separator: ", ")
    private static let allColumns = WindowColumns.all.joined(separator: ", ")
    private static let valueColumns = WindowColumns.values.joined(separator: ", ")
    private static let contentColumns = WindowColumns.content.joined(separator: ", ")
    private static let stagedColumns = allColumns

    private static func excluded(_ columns: [String]) -> String { columns.map { "excluded.\($0)" }.joined(separator: ", ") }
    private static func existing(_ columns: [String]) -> String { columns.map { "sluice_windows.\($0)" }.joined(separator: ", ") }
}
