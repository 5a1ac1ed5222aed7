import SluiceCore
import Windows

/// One host window as the store keeps it: a level (the window's length),
/// the sensor that saw it, the key (`src` or `dst` and the host) and the
/// window's start, with its revision and features.
public struct StoredWindow: Sendable {
    public var identity: WindowIdentity
    public var revision: Int
    public var features: HostFeatures

    public init(identity: WindowIdentity, revision: Int, features: HostFeatures) {
        self.identity = identity
        self.revision = revision
        self.features = features
    }
}

/// A window as read from window5s, on its way into the store: its key,
/// revision, and its content columns (`WindowColumns.contentKinds`)
/// already in COPY's binary format (`CopyBinary`).
/// Its `features` are what the content columns decode to
/// (`WindowColumns.features(fromContent:)`), as a merge reading the row
/// back would have them.
///
/// A class, so that passing it on and holding it copies no features.
public final class FineWindow: Sendable {
    public let identity: WindowIdentity
    public let revision: Int
    public let contentFields: [UInt8]
    public let features: HostFeatures

    public init(identity: WindowIdentity, revision: Int, contentFields: [UInt8]) throws(FieldError) {
        self.identity = identity
        self.revision = revision
        self.contentFields = contentFields
        features = try WindowColumns.features(fromContent: contentFields)
    }
}

/// A window this run stored, or merged, below a coarse window not merged
/// yet: its features as the stored row has them, and the transaction
/// that wrote the row (nil when it is not known to hold these bytes), so
/// that the merge need not read it back (`WindowStore.mergeCoarse`).
/// A class, like `FineWindow`, and for the same reason.
public final class HeldWindow: Sendable {
    public let identity: WindowIdentity
    public let revision: Int
    public let features: HostFeatures
    public let transaction: UInt32?

    public init(identity: WindowIdentity, revision: Int, features: HostFeatures, transaction: UInt32?) {
        self.identity = identity
        self.revision = revision
        self.features = features
        self.transaction = transaction
    }
}

/// The unique key of a stored window. Times are whole epoch seconds:
/// levels are whole seconds and windows are aligned to them.
public struct WindowIdentity: Hashable, Sendable {
    public var levelSeconds: Int64
    public var sensor: String
    public var keyKind: String
    public var keyValue: String
    public var startSeconds: Int64

    public init(levelSeconds: Int64, sensor: String, keyKind: String, keyValue: String, startSeconds: Int64) {
        self.levelSeconds = levelSeconds
        self.sensor = sensor
        self.keyKind = keyKind
        self.keyValue = keyValue
        self.startSeconds = startSeconds
    }

    public var endSeconds: Int64 { startSeconds + levelSeconds }
}
