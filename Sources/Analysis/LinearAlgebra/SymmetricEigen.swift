// MARK: - SymmetricEigen

/// The eigenvalues and eigenvectors of a real symmetric matrix, by cyclic Jacobi rotations in
/// double precision (accurate to rounding for the small matrices SVCCA needs: a layer's
/// neurons × neurons covariance).
struct SymmetricEigen {
    /// Eigenvalues, largest first.
    let values: [Double]
    /// Eigenvector `i` is column `i`: `vectors[row * n + i]`.
    let vectors: [Double]
    /// The order.
    let n: Int

    /// Decomposes the `n × n` row-major symmetric `matrix` (only its values are read; it is
    /// symmetrized as `(A + Aᵀ)/2`).
    /// - Precondition: `matrix.count == n * n`.
    /// - Complexity: O(n³) per sweep, a few to a dozen sweeps.
    init(_ matrix: [Double], n: Int) {
        precondition(matrix.count == n * n, "an n × n matrix")
        var a = matrix
        for i in 0..<n { for j in (i + 1)..<n { let s = (a[i * n + j] + a[j * n + i]) / 2; a[i * n + j] = s; a[j * n + i] = s } }
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        var scale = 0.0
        for x in a { scale += x * x }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<n { off += a[i * n + j] * a[i * n + j] } }
            if off <= 1e-30 * scale || off == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    if apq == 0 { continue }
                    let app = a[p * n + p], aqq = a[q * n + q]
                    // The rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
                    let tau = (aqq - app) / (2 * apq)
                    let t = (tau >= 0 ? 1 : -1) / (abs(tau) + (1 + tau * tau).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] != a[$1 * n + $1] ? a[$0 * n + $0] > a[$1 * n + $1] : $0 < $1 }
        values = order.map { a[$0 * n + $0] }
        var sorted = [Double](repeating: 0, count: n * n)
        for (col, from) in order.enumerated() { for row in 0..<n { sorted[row * n + col] = v[row * n + from] } }
        vectors = sorted
        self.n = n
    }
}
