/// What went wrong with the database: it is unreachable (retry later), it
/// answered but refused the connection (no such database or role, failed
/// authentication), or a statement failed on a working connection
/// (retrying will not help either).
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case unreachable(String)
    case refused(String)
    case statement(sqlState: String, message: String, sql: String)

    public var isUnreachable: Bool {
        if case .unreachable = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .unreachable(let message): "database unreachable: \(message)"
        case .refused(let message): "database refused the connection: \(message)"
        case .statement(let sqlState, let message, let sql):
            "database error \(sqlState): \(message) (in: \(sql.prefix(120)))"
        }
    }

    /// SQLSTATEs of a server going away rather than of a bad statement:
    /// class 08 (connection exception), 57P01-57P03 (shutdown, crash,
    /// cannot connect now), 53300 (too many connections).
    static func isConnectionState(_ sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(sqlState)
    }
}
