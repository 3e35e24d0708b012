// MARK: - NMPattern

/// N:M structured sparsity along each row (the input dimension of a `K × C·R·S` weight): at
/// most `n` kept entries in every group of `m` consecutive columns (the last group may be
/// shorter). What NVIDIA's 2:4 sparse tensor cores require.
public struct NMPattern: Equatable, Sendable {
    /// Kept entries allowed per group, and the group length.
    public let n: Int, m: Int

    /// A pattern.
    /// - Precondition: `1 <= n <= m`.
    public init(n: Int, m: Int) {
        precondition(n >= 1 && n <= m, "N:M needs 1 ≤ N ≤ M")
        self.n = n
        self.m = m
    }

    /// A group keeping more than `n`.
    public struct Violation: Equatable, Sendable {
        /// The row, the group's index within the row, and how many it keeps.
        public var row: Int, group: Int, kept: Int
    }

    /// The first group (row-major) keeping more than `n` entries, or nil when `matrix` conforms.
    /// - Complexity: O(rows · columns).
    public func firstViolation(_ matrix: SparseMatrix) -> Violation? {
        let groups = (matrix.columns + m - 1) / m
        for row in 0..<matrix.rows {
            for g in 0..<groups {
                let start = row * matrix.columns + g * m
                let kept = matrix.mask.popcount(in: start..<(start + min(m, matrix.columns - g * m)))
                if kept > n { return Violation(row: row, group: g, kept: kept) }
            }
        }
        return nil
    }

    /// Whether `matrix` conforms.
    public func conforms(_ matrix: SparseMatrix) -> Bool { firstViolation(matrix) == nil }
}
