import SparseSimCore

// MARK: - SparseMatrix

/// A 2-D operand as hardware stores it: `rows × columns`, row-major, with a mask of the kept
/// entries and their values (weights as `K × C·R·S`, activations as `C × H·W`).
package struct SparseMatrix: Equatable, Sendable {
    /// Rows and columns.
    package let rows: Int, columns: Int
    /// True where an entry is kept.
    package let mask: Bitmask
    /// Every entry, row-major; zero where the mask is false. Empty for a pattern-only matrix.
    package let values: [Float]

    /// A matrix of `values` whose kept entries are `mask`'s set bits (values off the mask are
    /// stored as zero).
    /// - Precondition: `rows, columns >= 0`; `mask.count == values.count == rows · columns`.
    package init(rows: Int, columns: Int, mask: Bitmask, values: [Float]) {
        precondition(rows >= 0 && columns >= 0, "negative size")
        precondition(mask.count == rows * columns && values.count == rows * columns, "size mismatch")
        self.rows = rows
        self.columns = columns
        self.mask = mask
        self.values = values.indices.map { mask[$0] ? values[$0] : 0 }
    }

    /// A matrix whose kept entries are its non-zero values.
    /// - Precondition: `values.count == rows · columns`.
    package init(rows: Int, columns: Int, values: [Float]) {
        self.init(rows: rows, columns: columns, mask: Bitmask(nonZerosOf: values), values: values)
    }

    /// A pattern-only matrix: which entries are kept, no values (for storage costs and
    /// conformance checks, which depend on the pattern alone; not for encoding).
    /// - Precondition: `mask.count == rows · columns`.
    package init(pattern mask: Bitmask, rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0 && mask.count == rows * columns, "size mismatch")
        self.rows = rows
        self.columns = columns
        self.mask = mask
        self.values = []
    }

    /// True when the matrix carries no values (`init(pattern:rows:columns:)`).
    var isPatternOnly: Bool { values.isEmpty && count > 0 }

    /// Entries in all, and kept entries.
    package var count: Int { rows * columns }
    package var nonzeros: Int { mask.popcount }

    /// The entry at `row`, `column`.
    /// - Precondition: the matrix has values.
    package subscript(row: Int, column: Int) -> Float { values[row * columns + column] }
}
