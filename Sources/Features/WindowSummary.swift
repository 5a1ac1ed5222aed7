import SluiceCore

extension HostHistory {
    /// What the features read of one window, or of the windows of a 30 s
    /// or 180 s block merged, made once: the sketches, their distinct
    /// counts (estimated once rather than at every step that reads them),
    /// and the flows and bytes. A class, so that handing one to a union
    /// retains one reference instead of copying four sketches.
    final class WindowSummary: Sendable {
        let sketches: Sketches
        let peerCount: Double
        let portCount: Double
        let flows: UInt64
        let bytesOut: UInt64
        let bytesIn: UInt64

        /// (The sketches are taken, not copied: a copy retained each of
        /// their arrays.)
        init(_ sketches: consuming Sketches, flows: UInt64, bytesOut: UInt64, bytesIn: UInt64) {
            peerCount = sketches.peerCount
            portCount = sketches.portCount
            self.sketches = sketches
            self.flows = flows
            self.bytesOut = bytesOut
            self.bytesIn = bytesIn
        }

        convenience init(_ sketches: consuming Sketches, _ slot: FeatureSlot) {
            self.init(sketches, flows: slot.flows, bytesOut: slot.bytesOut, bytesIn: slot.bytesIn)
        }
    }
}
