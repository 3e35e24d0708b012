import SparseSimCore

// MARK: - SVCCA

/// Singular vector canonical correlation analysis (Raghu et al., NeurIPS 2017) of two layers'
/// activations on the same inputs: each side's neurons are centred, reduced to the top singular
/// directions that explain `variance` of their variance, and the canonical correlations of the
/// two reduced subspaces are averaged. 1 means the two layers represent the inputs alike up to
/// a linear map; independent representations give small values.
///
/// Each side's reduced subspace is spanned, over the data points, by an orthonormal basis
/// (`basis`); the canonical correlations are the cosines of the principal angles between the two
/// subspaces, the singular values of `Bxᵀ·By` (Björck & Golub 1973).
public struct SVCCA: Sendable {
    /// The activations of one layer: `neurons × points`, row-major (a convolution's channels
    /// over samples × positions, a linear layer's features over samples).
    public struct Activations: Sendable {
        /// Rows (neurons) and columns (data points).
        public let neurons: Int, points: Int
        /// `neurons × points` values.
        public let values: [Double]

        /// Activations of `neurons × points` values.
        /// - Precondition: `values.count == neurons * points`.
        public init(neurons: Int, points: Int, values: [Double]) {
            precondition(values.count == neurons * points, "neurons × points values")
            self.neurons = neurons
            self.points = points
            self.values = values
        }
    }

    /// What the comparison found.
    public struct Result: Codable, Equatable, Sendable {
        /// Directions kept on each side.
        public var keptA: Int, keptB: Int
        /// The canonical correlations, largest first (`min(keptA, keptB)` of them).
        public var correlations: [Double]
        /// Their mean: the SVCCA similarity.
        public var mean: Double

        enum CodingKeys: String, CodingKey {
            case keptA = "kept_a"
            case keptB = "kept_b"
            case correlations, mean
        }
    }

    /// Why two activation sets cannot be compared.
    public enum Failure: Error, Equatable, Sendable {
        /// The two sides were recorded on different numbers of data points.
        case pointsDiffer(Int, Int)
        /// Fewer data points than kept directions (CCA needs more).
        case tooFewPoints(points: Int, kept: Int)
        /// A side has no variance at all.
        case constant
    }

    /// The SVCCA similarity of `a` and `b` keeping `variance` (in (0, 1]) of each side's variance.
    /// - Throws: `Failure` when the data points differ, a side is constant, or there are not
    ///   more points than kept directions.
    /// - Complexity: O(points · neurons²) for the covariances, O(neurons³) for the rest.
    public static func compare(_ a: Activations, _ b: Activations, variance: Double = 0.99) throws(Failure) -> Result {
        guard a.points == b.points else { throw .pointsDiffer(a.points, b.points) }
        let bx = try basis(a, variance: variance), by = try basis(b, variance: variance)
        let kx = bx.count / a.points, ky = by.count / b.points, points = a.points
        guard points > max(kx, ky) else { throw .tooFewPoints(points: points, kept: max(kx, ky)) }
        // The canonical correlations are the cosines of the principal angles between the two
        // reduced subspaces: the singular values of Bxᵀ·By, from the smaller Gram matrix.
        var m = [Double](repeating: 0, count: kx * ky)
        for i in 0..<kx { for j in 0..<ky { m[i * ky + j] = dot(bx, i, by, j, points) } }
        let small = min(kx, ky)
        var gram = [Double](repeating: 0, count: small * small)
        for i in 0..<small {
            for j in 0..<small {
                var s = 0.0
                if kx <= ky {
                    for r in 0..<ky { s += m[i * ky + r] * m[j * ky + r] }
                } else {
                    for r in 0..<kx { s += m[r * ky + i] * m[r * ky + j] }
                }
                gram[i * small + j] = s
            }
        }
        let correlations = SymmetricEigen(gram, n: small).values.map { min(1, max(0, $0).squareRoot()) }
        var sum = 0.0
        for c in correlations { sum += c }
        return Result(keptA: kx, keptB: ky, correlations: correlations, mean: sum / Double(max(small, 1)))
    }

    /// `Σ_t u[i][t]·v[j][t]` for `k × points` row-major `u`, `v`.
    static func dot(_ u: [Double], _ i: Int, _ v: [Double], _ j: Int, _ points: Int) -> Double {
        var s = 0.0
        for t in 0..<points { s += u[i * points + t] * v[j * points + t] }
        return s
    }

    /// An orthonormal basis (`k × points`, row-major) of the centred activations' top singular
    /// directions over the data points, `k` the fewest whose squared singular values reach
    /// `variance` of the total (directions below `1e-12` of the largest never kept). From the
    /// neurons × neurons covariance `X·Xᵀ = U·Λ·Uᵀ` (rows `Λ^(−1/2)·Uᵀ·X`) when there are fewer
    /// neurons than points, else from the points × points Gram matrix `Xᵀ·X` (its eigenvectors).
    static func basis(_ a: Activations, variance: Double) throws(Failure) -> [Double] {
        let x = centred(a), n = a.neurons, p = a.points
        let dual = p < n
        let eigen = dual ? SymmetricEigen(gramOfColumns(x, n, p), n: p) : SymmetricEigen(covariance(x, x, n, n, p), n: n)
        let largest = eigen.values.first ?? 0
        guard largest > 0 else { throw .constant }
        let usable = Array(eigen.values.prefix { $0 > 1e-12 * largest })
        let total = usable.reduce(0, +)
        var k = 0, running = 0.0
        for value in usable {
            k += 1
            running += value
            if running >= variance * total { break }
        }
        let size = eigen.n
        var out = [Double](repeating: 0, count: k * p)
        for c in 0..<k {
            if dual {
                for t in 0..<p { out[c * p + t] = eigen.vectors[t * size + c] }
            } else {
                let scale = 1 / usable[c].squareRoot()
                for t in 0..<p {
                    var s = 0.0
                    for r in 0..<n { s += eigen.vectors[r * size + c] * x[r * p + t] }
                    out[c * p + t] = s * scale
                }
            }
        }
        return out
    }

    /// `Xᵀ·X` (points × points) of an `n × p` row-major matrix.
    static func gramOfColumns(_ x: [Double], _ n: Int, _ p: Int) -> [Double] {
        var out = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in i..<p {
                var s = 0.0
                for r in 0..<n { s += x[r * p + i] * x[r * p + j] }
                out[i * p + j] = s
                out[j * p + i] = s
            }
        }
        return out
    }

    /// Each neuron minus its mean over the points.
    static func centred(_ a: Activations) -> [Double] {
        var out = a.values
        for i in 0..<a.neurons {
            var s = 0.0
            for j in 0..<a.points { s += out[i * a.points + j] }
            let mean = s / Double(max(a.points, 1))
            for j in 0..<a.points { out[i * a.points + j] -= mean }
        }
        return out
    }

    /// `X·Yᵀ` of `rx × points` and `ry × points` row-major matrices.
    static func covariance(_ x: [Double], _ y: [Double], _ rx: Int, _ ry: Int, _ points: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rx * ry)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeBufferPointer { yb in
                for i in 0..<rx {
                    for j in 0..<ry {
                        var s = 0.0
                        let xi = i &* points, yj = j &* points
                        for k in 0..<points { s += xb[xi &+ k] * yb[yj &+ k] }
                        out[i &* ry &+ j] = s
                    }
                }
            }
        }
        return out
    }
}
