// MARK: - BlockDensityMap

/// Kept entries per `size × size` tile of a matrix (edge tiles cover what is left), row-major
/// over tiles: what block-sparse hardware and the `block` format see.
struct BlockDensityMap: Equatable, Sendable {
    /// Tile edge, and tiles down and across.
    package let size: Int, tileRows: Int, tileColumns: Int
    /// Kept entries of each tile, and its entries (smaller at the edges).
    package let kept: [Int], entries: [Int]

    /// The map of `matrix`.
    /// - Precondition: `size >= 1`.
    /// - Complexity: O(rows · columns).
    package init(_ matrix: SparseMatrix, size: Int) {
        precondition(size >= 1, "tile size must be positive")
        self.size = size
        let tileRows = (matrix.rows + size - 1) / size, tileColumns = (matrix.columns + size - 1) / size
        self.tileRows = tileRows
        self.tileColumns = tileColumns
        var kept = [Int](repeating: 0, count: tileRows * tileColumns)
        let columns = matrix.columns
        matrix.mask.forEachSetBit { i in
            kept[(i / columns / size) * tileColumns + (i % columns) / size] += 1
        }
        self.kept = kept
        var entries: [Int] = []
        for tr in 0..<tileRows {
            for tc in 0..<tileColumns {
                entries.append(min(size, matrix.rows - tr * size) * min(size, matrix.columns - tc * size))
            }
        }
        self.entries = entries
    }

    /// The fraction of each tile kept.
    package var densities: [Double] { zip(kept, entries).map { Double($0) / Double(max($1, 1)) } }
}
