import SparseSimCore
import Synchronization
import Trace

// MARK: - DenseTwinCache

/// The cycles of layers on a spec's dense twin (its sparsity off), by shape: the twin of a
/// shape is the same whatever the masks, and networks repeat shapes.
final class DenseTwinCache: Sendable {
    private let table = Mutex<[LayerShape: Int]>([:])

    /// The remembered cycles of `shape`, if any.
    func cycles(_ shape: LayerShape) -> Int? { table.withLock { $0[shape] } }

    /// Remembers the cycles of `shape`.
    func store(_ cycles: Int, for shape: LayerShape) { table.withLock { $0[shape] = cycles } }
}
