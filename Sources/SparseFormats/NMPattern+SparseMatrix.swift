import SparseSimCore

// MARK: - NMPattern on matrices

extension NMPattern {
    /// The first group (row-major) of `matrix` keeping more than `n` entries, or nil when it conforms.
    /// - Complexity: O(rows · columns).
    package func firstViolation(_ matrix: SparseMatrix) -> Violation? {
        firstViolation(in: matrix.mask, rows: matrix.rows, columns: matrix.columns)
    }

    /// Whether `matrix` keeps at most `n` of every `m` along its rows.
    package func conforms(_ matrix: SparseMatrix) -> Bool { firstViolation(matrix) == nil }
}
