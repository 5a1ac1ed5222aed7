/// Why a capture could not be read. `description` is the message after
/// `sniff: `; the executable maps `badFilter` to exit status 2 (usage) and
/// the others to 1, as sniff(1) documents.
public enum CaptureError: Error, CustomStringConvertible, Equatable {
    /// The filter expression did not compile (a usage error).
    case badFilter(String)
    /// The file or interface could not be opened.
    case cannotOpen(String)
    /// A read from the input failed.
    case readFailed(String)
    /// The input is damaged: every packet before the damage was delivered.
    case damaged(String)

    public var description: String {
        switch self {
        case .badFilter(let message), .cannotOpen(let message),
             .readFailed(let message), .damaged(let message):
            return message
        }
    }
}
