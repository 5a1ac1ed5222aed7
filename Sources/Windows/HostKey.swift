import SluiceCore

/// A host seen from one side of its flows: the key of the default feature
/// set. A scan shows in the scanner's originator view, a spoofed flood only
/// in the victim's responder view, so every flow counts in both.
public struct HostKey: Hashable, Comparable, Sendable {
    public enum View: UInt8, Sendable, CaseIterable {
        /// The host originated the flows (`"key":"src"`).
        case originator
        /// The host answered them (`"key":"dst"`).
        case responder

        public var name: StaticString { self == .originator ? "src" : "dst" }
    }

    public var view: View
    public var address: IPAddress

    public init(view: View, address: IPAddress) {
        self.view = view
        self.address = address
    }

    /// Source view first, then addresses in order.
    public static func < (a: HostKey, b: HostKey) -> Bool {
        a.view != b.view ? a.view.rawValue < b.view.rawValue : a.address < b.address
    }
}
