import CBLAS
import SparseSimCore

// MARK: - KernelDecomposition

/// A convolution's kernels as combinations of shared basis kernels (ESCALATE, Li et al.,
/// MICRO 2021): `W[k,c,:,:] ≈ Σ_m α[k,c,m] · B[g(c),m,:,:]`.
///
/// Bases come from the SVD of the kernels (each `R×S` kernel a vector): the `M` leading left
/// singular vectors of the `R·S × kernels` matrix, the best rank-`M` subspace in the Frobenius
/// norm. Coefficients are the least-squares fit of each kernel on the bases (the projection
/// while the bases are orthonormal), over the kept coefficients only when a mask prunes some.
package struct KernelDecomposition: Equatable, Sendable {
    /// Filters `K`, input channels `C`, kernel rows `R` and columns `S`.
    package let k: Int, c: Int, r: Int, s: Int
    /// Bases per set, `M`.
    package let bases: Int
    /// Per layer or per input channel.
    package let sharing: BasisSharing
    /// `G × M × R·S`, row-major (`G` = 1 per layer, `C` per channel).
    package var basisValues: [Float]
    /// `K × C × M`, row-major; zero where the mask prunes.
    package var coefficients: [Float]
    /// Kept coefficients, `K × C × M`; nil keeps every one.
    package var coefficientMask: Bitmask?

    /// Basis sets: 1 per layer, `C` per channel.
    package var groups: Int { sharing == .layer ? 1 : c }
    /// `R·S`.
    package var kernelSize: Int { r * s }
    /// `K·C·M`.
    package var coefficientCount: Int { k * c * bases }
    /// Kept coefficients.
    var keptCoefficients: Int { coefficientMask?.popcount ?? coefficientCount }

    // MARK: Building

    /// Decomposes `weights` (`K × C × R × S`, row-major) onto `bases` bases per set from the SVD.
    ///
    /// Bases beyond the rank of a set's kernels are zero (their coefficients too). Each basis's
    /// sign is fixed so its largest-magnitude entry is positive (the SVD leaves it free).
    /// - Precondition: `weights.count == k·c·r·s`.
    /// - Throws: `SparseSimError` when `bases` is not in `1...R·S` or LAPACK fails.
    /// - Complexity: one SVD of an `R·S × K·C` matrix (per layer) or `C` of `R·S × K` (per
    ///   channel), in double precision, then `O(K·C·M·R·S)` for the coefficients.
    package init(weights: [Float], k: Int, c: Int, r: Int, s: Int, bases: Int, sharing: BasisSharing) throws {
        precondition(weights.count == k * c * r * s, "weights must hold K·C·R·S values")
        let rs = r * s
        guard bases >= 1 && bases <= rs else {
            throw SparseSimError(file: "<decomposition>", location: "bases",
                                 message: "M must be 1…R·S = \(rs) for \(r)x\(s) kernels, got \(bases)")
        }
        let groups = sharing == .layer ? 1 : c
        var values = [Float](repeating: 0, count: groups * bases * rs)
        for g in 0..<groups {
            // Columns: the set's kernels (all K·C for a layer set, the K of channel g otherwise).
            let kernels = sharing == .layer ? (0..<(k * c)).map { $0 } : (0..<k).map { $0 * c + g }
            var a = [Double](repeating: 0, count: rs * kernels.count)
            for (j, kernel) in kernels.enumerated() {
                for i in 0..<rs { a[j * rs + i] = Double(weights[kernel * rs + i]) }
            }
            let u = try Self.leftSingularVectors(&a, rows: rs, columns: kernels.count)
            for m in 0..<min(bases, u.count / rs) {
                var column = Array(u[(m * rs)..<((m + 1) * rs)])
                var largest = 0
                for i in 1..<rs where abs(column[i]) > abs(column[largest]) { largest = i }
                if column[largest] < 0 { column = column.map { -$0 } }
                for i in 0..<rs { values[(g * bases + m) * rs + i] = Float(column[i]) }
            }
        }
        try self.init(k: k, c: c, r: r, s: s, bases: bases, sharing: sharing, basisValues: values,
                      coefficients: [Float](repeating: 0, count: k * c * bases), coefficientMask: nil)
        refitCoefficients(to: weights)
    }

    /// A decomposition from its parts.
    /// - Throws: `SparseSimError` when a part's size does not match the shape.
    package init(k: Int, c: Int, r: Int, s: Int, bases: Int, sharing: BasisSharing, basisValues: [Float],
                coefficients: [Float], coefficientMask: Bitmask?) throws {
        let groups = sharing == .layer ? 1 : c
        func bad(_ field: String, _ message: String) -> SparseSimError {
            SparseSimError(file: "<decomposition>", location: field, message: message)
        }
        guard k >= 1, c >= 1, r >= 1, s >= 1, bases >= 1, bases <= r * s else {
            throw bad("bases", "M must be 1…R·S = \(r * s), got \(bases) (K \(k), C \(c))")
        }
        guard basisValues.count == groups * bases * r * s else {
            throw bad("bases", "holds \(basisValues.count) values, \(groups)×\(bases)×\(r)×\(s) expected")
        }
        guard coefficients.count == k * c * bases else {
            throw bad("coefficients", "holds \(coefficients.count) values, \(k)×\(c)×\(bases) expected")
        }
        if let m = coefficientMask, m.count != k * c * bases {
            throw bad("coefficient_mask", "holds \(m.count) bits, \(k)×\(c)×\(bases) expected")
        }
        self.k = k
        self.c = c
        self.r = r
        self.s = s
        self.bases = bases
        self.sharing = sharing
        self.basisValues = basisValues
        self.coefficients = coefficients
        self.coefficientMask = coefficientMask
        if let mask = coefficientMask {
            for i in 0..<coefficients.count where !mask[i] { self.coefficients[i] = 0 }
        }
    }

    // MARK: Using

    /// `Σ_m α[k,c,m] · B[g(c),m]` for every kernel: `K × C × R × S`, row-major.
    /// - Complexity: `O(K·C·M·R·S)`.
    package func reconstructed() -> [Float] {
        let rs = kernelSize
        var out = [Float](repeating: 0, count: k * c * rs)
        out.withUnsafeMutableBufferPointer { w in
            basisValues.withUnsafeBufferPointer { b in
                coefficients.withUnsafeBufferPointer { a in
                    for kk in 0..<k {
                        for cc in 0..<c {
                            let kernel = (kk &* c &+ cc) &* rs
                            let set = (sharing == .layer ? 0 : cc) &* bases
                            for m in 0..<bases {
                                let alpha = a[(kk &* c &+ cc) &* bases &+ m]
                                if alpha == 0 { continue }
                                let basis = (set &+ m) &* rs
                                for i in 0..<rs { w[kernel &+ i] += alpha * b[basis &+ i] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// `‖W − Ŵ‖_F / ‖W‖_F` of the reconstruction against `weights` (0 when both are zero).
    /// - Precondition: `weights.count == k·c·r·s`.
    func relativeError(to weights: [Float]) -> Double {
        precondition(weights.count == k * c * kernelSize, "weights must hold K·C·R·S values")
        return Self.relativeError(reconstructed(), to: weights)
    }

    /// `‖reference − approximation‖_F / ‖reference‖_F`, in double (0 when both are zero,
    /// infinity when only the reference is).
    /// - Precondition: equal counts.
    static func relativeError(_ approximation: [Float], to reference: [Float]) -> Double {
        precondition(approximation.count == reference.count, "equal counts")
        var diff = 0.0, norm = 0.0
        for i in 0..<reference.count {
            let d = Double(reference[i]) - Double(approximation[i])
            diff += d * d
            norm += Double(reference[i]) * Double(reference[i])
        }
        return norm > 0 ? (diff / norm).squareRoot() : (diff > 0 ? .infinity : 0)
    }

    /// The coefficient mask as a `K × C·M` matrix pattern (every coefficient when unmasked).
    var coefficientPattern: Bitmask { coefficientMask ?? Bitmask(repeating: true, count: coefficientCount) }

    /// Refits every kept coefficient by least squares on the current bases (after pruning, or
    /// after quantizing the bases), pruned ones staying zero.
    /// - Precondition: `weights.count == k·c·r·s`.
    /// - Complexity: `O(K·C·(M·R·S + M³))`.
    mutating func refitCoefficients(to weights: [Float]) {
        precondition(weights.count == k * c * kernelSize, "weights must hold K·C·R·S values")
        let rs = kernelSize, mCount = bases
        var out = [Float](repeating: 0, count: coefficientCount)
        // Gram matrices B·Bᵀ per basis set, in double.
        var grams: [[Double]] = []
        for g in 0..<groups {
            var gram = [Double](repeating: 0, count: mCount * mCount)
            for i in 0..<mCount {
                for j in 0..<mCount {
                    var sum = 0.0
                    for t in 0..<rs {
                        sum += Double(basisValues[(g * mCount + i) * rs + t]) * Double(basisValues[(g * mCount + j) * rs + t])
                    }
                    gram[i * mCount + j] = sum
                }
            }
            grams.append(gram)
        }
        var kept = [Int](), rhs = [Double](repeating: 0, count: mCount)
        for kk in 0..<k {
            for cc in 0..<c {
                let g = sharing == .layer ? 0 : cc
                let base = (kk * c + cc) * mCount
                kept.removeAll(keepingCapacity: true)
                for m in 0..<mCount where coefficientMask?[base + m] ?? true { kept.append(m) }
                if kept.isEmpty { continue }
                for m in 0..<mCount {
                    var sum = 0.0
                    for t in 0..<rs { sum += Double(basisValues[(g * mCount + m) * rs + t]) * Double(weights[(kk * c + cc) * rs + t]) }
                    rhs[m] = sum
                }
                let n = kept.count
                var sub = [Double](repeating: 0, count: n * n), b = [Double](repeating: 0, count: n)
                for (i, mi) in kept.enumerated() {
                    b[i] = rhs[mi]
                    for (j, mj) in kept.enumerated() { sub[i * n + j] = grams[g][mi * mCount + mj] }
                }
                let x = Self.solveSymmetric(sub, b, n: n)
                for (i, m) in kept.enumerated() { out[base + m] = Float(x[i]) }
            }
        }
        coefficients = out
    }

    // MARK: Linear algebra

    /// The left singular vectors of the column-major `rows × columns` matrix `a` (destroyed),
    /// `min(rows, columns)` of them, column-major.
    static func leftSingularVectors(_ a: inout [Double], rows: Int, columns: Int) throws -> [Double] {
        var m = Int32(rows), n = Int32(columns), lda = Int32(rows), ldu = Int32(rows), ldvt = Int32(1)
        let count = min(rows, columns)
        var s = [Double](repeating: 0, count: count)
        var u = [Double](repeating: 0, count: rows * count)
        var vt = [Double](repeating: 0, count: 1)
        var info: Int32 = 0
        var lwork: Int32 = -1
        var query = [Double](repeating: 0, count: 1)
        let jobu: CChar = 83 /* S */, jobvt: CChar = 78 /* N */
        var ju = jobu, jv = jobvt
        dgesvd_(&ju, &jv, &m, &n, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &query, &lwork, &info)
        lwork = Int32(max(query[0], 1))
        var work = [Double](repeating: 0, count: Int(lwork))
        dgesvd_(&ju, &jv, &m, &n, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &info)
        guard info == 0 else {
            throw SparseSimError(.run, file: "<decomposition>", location: "svd", message: "LAPACK dgesvd failed (info \(info))")
        }
        // Directions of zero singular value carry nothing: zero them so they never enter a fit.
        let tolerance = (s.first ?? 0) * Double(max(rows, columns)) * Double.ulpOfOne
        for j in 0..<count where s[j] <= tolerance {
            for i in 0..<rows { u[j * rows + i] = 0 }
        }
        return u
    }

    /// Solves the symmetric positive semi-definite system `A·x = b` by Cholesky; a direction
    /// with a (numerically) zero pivot gets `x = 0` (the minimum-norm choice for a zero basis).
    static func solveSymmetric(_ a: [Double], _ b: [Double], n: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        var skip = [Bool](repeating: false, count: n)
        let scale = (0..<n).map { a[$0 * n + $0] }.max() ?? 0
        let tolerance = scale * 1e-12
        for j in 0..<n {
            var d = a[j * n + j]
            for t in 0..<j { d -= l[j * n + t] * l[j * n + t] }
            if d <= tolerance { skip[j] = true; continue }
            let root = d.squareRoot()
            l[j * n + j] = root
            for i in (j + 1)..<n {
                var v = a[i * n + j]
                for t in 0..<j { v -= l[i * n + t] * l[j * n + t] }
                l[i * n + j] = v / root
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n where !skip[i] {
            var v = b[i]
            for t in 0..<i where !skip[t] { v -= l[i * n + t] * y[t] }
            y[i] = v / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) where !skip[i] {
            var v = y[i]
            for t in (i + 1)..<n where !skip[t] { v -= l[t * n + i] * x[t] }
            x[i] = v / l[i * n + i]
        }
        return x
    }
}
