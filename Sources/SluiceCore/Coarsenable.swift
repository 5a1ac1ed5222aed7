/// A sketch kept at one of several resolutions (a distinct counter's
/// precision, a histogram's significant digits), where the sketch reduced
/// to a coarser one is what the same values build at it: two sketches of
/// different resolutions merge at the coarser.
protocol Coarsenable {
    var resolution: Int { get }
    /// At `resolution`, no finer than this one's.
    func reduced(to resolution: Int) -> Self
}

extension Coarsenable {
    /// This sketch and `other`, both at the coarser resolution of the two.
    func atCommonResolution(with other: Self) -> (Self, Self) {
        let common = min(resolution, other.resolution)
        return (reduced(to: common), other.reduced(to: common))
    }
}
