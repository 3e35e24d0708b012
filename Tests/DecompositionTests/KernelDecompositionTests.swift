import Testing

@testable import Decomposition
@testable import SparseSimCore
@testable import Trace

/// Kernel decomposition against independent computations: exact reconstruction at full rank,
/// a hand example, the bases as eigenvectors of the kernels' Gram matrix (Eckart–Young), the
/// least-squares normal equations, and exact counts after pruning.
@Suite struct KernelDecompositionTests {
    static func weights(_ count: Int, seed: UInt64) -> [Float] {
        var g = RandomGenerator(seed: seed)
        return (0..<count).map { _ in g.nextNormal() }
    }

    // MARK: Reconstruction

    @Test(arguments: BasisSharing.allCases)
    func fullRankReproducesTheKernels(sharing: BasisSharing) throws {
        for (k, c, r) in [(8, 5, 3), (3, 4, 3), (16, 2, 5), (2, 3, 2)] {
            let w = Self.weights(k * c * r * r, seed: UInt64(k * 100 + c))
            let d = try KernelDecomposition(weights: w, k: k, c: c, r: r, s: r, bases: r * r, sharing: sharing)
            let back = d.reconstructed()
            for i in 0..<w.count { #expect(abs(back[i] - w[i]) < 1e-5, "K \(k) C \(c) R \(r) \(sharing) at \(i)") }
            #expect(d.relativeError(to: w) < 1e-6)
        }
    }

    /// Kernels that are multiples of one pattern: one basis, the pattern normalized with its
    /// largest entry positive; each coefficient the multiple times the pattern's norm.
    @Test func handExample() throws {
        let pattern: [Float] = [1, -2, 0, 0, 2, 0, 0, 0, -1]  // norm √10, largest |entry| -2 → sign flipped
        let multiples: [Float] = [1, -3, 0.5, 2]              // K = 2, C = 2
        var w: [Float] = []
        for m in multiples { w += pattern.map { $0 * m } }
        let d = try KernelDecomposition(weights: w, k: 2, c: 2, r: 3, s: 3, bases: 1, sharing: .layer)
        let norm = Float(10).squareRoot()
        for i in 0..<9 { #expect(abs(d.basisValues[i] - (-pattern[i] / norm)) < 1e-6) }
        for (i, m) in multiples.enumerated() { #expect(abs(d.coefficients[i] - (-m * norm)) < 1e-5) }
        #expect(d.relativeError(to: w) < 1e-6)
    }

    /// The bases are the leading eigenvectors of `Σ w wᵀ` over the set's kernels, in decreasing
    /// eigenvalue order, and orthonormal; the error is what the discarded directions hold.
    @Test(arguments: BasisSharing.allCases)
    func basesAreLeadingEigenvectors(sharing: BasisSharing) throws {
        let (k, c, rs, mCount) = (12, 6, 9, 4)
        let w = Self.weights(k * c * rs, seed: 7)
        let d = try KernelDecomposition(weights: w, k: k, c: c, r: 3, s: 3, bases: mCount, sharing: sharing)
        var discarded = 0.0, total = 0.0
        for g in 0..<d.groups {
            let kernels = sharing == .layer ? Array(0..<(k * c)) : (0..<k).map { $0 * c + g }
            var gram = [Double](repeating: 0, count: rs * rs)
            for kernel in kernels {
                for i in 0..<rs { for j in 0..<rs { gram[i * rs + j] += Double(w[kernel * rs + i]) * Double(w[kernel * rs + j]) } }
            }
            var trace = 0.0
            for i in 0..<rs { trace += gram[i * rs + i] }
            var captured = 0.0, previous = Double.infinity
            for m in 0..<mCount {
                let b = (0..<rs).map { Double(d.basisValues[(g * mCount + m) * rs + $0]) }
                var gb = [Double](repeating: 0, count: rs)
                for i in 0..<rs { for j in 0..<rs { gb[i] += gram[i * rs + j] * b[j] } }
                let lambda = zip(b, gb).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<rs { #expect(abs(gb[i] - lambda * b[i]) < 1e-4 * max(lambda, 1), "set \(g) basis \(m)") }
                #expect(lambda <= previous + 1e-6)
                previous = lambda
                captured += lambda
                for n in 0..<mCount {
                    let other = (0..<rs).map { Double(d.basisValues[(g * mCount + n) * rs + $0]) }
                    let dot = zip(b, other).reduce(0) { $0 + $1.0 * $1.1 }
                    #expect(abs(dot - (m == n ? 1 : 0)) < 1e-5)
                }
            }
            discarded += trace - captured
            total += trace
        }
        #expect(abs(d.relativeError(to: w) - (discarded / total).squareRoot()) < 1e-4)
    }

    /// Fewer kernels than `R·S` in a channel set: bases beyond the rank are zero and still the
    /// kernels come back exactly.
    @Test func rankDeficientChannelSets() throws {
        let (k, c) = (3, 4)
        let w = Self.weights(k * c * 9, seed: 3)
        let d = try KernelDecomposition(weights: w, k: k, c: c, r: 3, s: 3, bases: 9, sharing: .channel)
        for g in 0..<c {
            for m in 3..<9 {
                for i in 0..<9 { #expect(d.basisValues[(g * 9 + m) * 9 + i] == 0) }
            }
        }
        #expect(d.relativeError(to: w) < 1e-6)
    }

    @Test func refusesBadBasisCounts() {
        let w = Self.weights(2 * 2 * 9, seed: 1)
        #expect(throws: SparseSimError.self) { try KernelDecomposition(weights: w, k: 2, c: 2, r: 3, s: 3, bases: 10, sharing: .layer) }
        #expect(throws: SparseSimError.self) { try KernelDecomposition(weights: w, k: 2, c: 2, r: 3, s: 3, bases: 0, sharing: .layer) }
        #expect(throws: SparseSimError.self) {
            try KernelDecomposition(k: 2, c: 2, r: 3, s: 3, bases: 2, sharing: .layer, basisValues: [0], coefficients: [], coefficientMask: nil)
        }
    }

    // MARK: Least squares and pruning

    /// After pruning and refitting, the residual of every kernel is orthogonal to each basis
    /// it keeps (the normal equations), so no kept coefficient can lower the error.
    @Test func refitSatisfiesTheNormalEquations() throws {
        let (k, c, mCount) = (6, 5, 4)
        let w = Self.weights(k * c * 9, seed: 11)
        var layers = [try KernelDecomposition(weights: w, k: k, c: c, r: 3, s: 3, bases: mCount, sharing: .channel)]
        // Perturb the bases (as quantizing them would) so they are no longer orthonormal.
        layers[0].basisValues = layers[0].basisValues.enumerated().map { $1 + ($0 % 3 == 0 ? 0.05 : -0.02) }
        KernelDecomposition.prune(&layers, sparsity: 0.5, scope: .layer, refitTo: [w])
        let d = layers[0]
        let back = d.reconstructed()
        let mask = d.coefficientPattern
        for kk in 0..<k {
            for cc in 0..<c {
                for m in 0..<mCount where mask[(kk * c + cc) * mCount + m] {
                    var dot = 0.0
                    for i in 0..<9 {
                        let residual = Double(w[(kk * c + cc) * 9 + i]) - Double(back[(kk * c + cc) * 9 + i])
                        dot += residual * Double(d.basisValues[(cc * mCount + m) * 9 + i])
                    }
                    #expect(abs(dot) < 1e-4, "kernel (\(kk), \(cc)) basis \(m)")
                }
            }
        }
    }

    @Test func pruningKeepsExactCounts() throws {
        let shapes = [(8, 4), (16, 8), (4, 1)]
        var layers = try shapes.enumerated().map { i, s in
            try KernelDecomposition(weights: Self.weights(s.0 * s.1 * 9, seed: UInt64(i)), k: s.0, c: s.1, r: 3, s: 3,
                                    bases: 3, sharing: .layer)
        }
        let original = layers
        KernelDecomposition.prune(&layers, sparsity: 0.75, scope: .layer)
        for (l, d) in layers.enumerated() {
            #expect(d.keptCoefficients == Int((Double(d.coefficientCount) * 0.25).rounded()))
            // The kept ones are the largest: no pruned magnitude exceeds a kept one.
            let mask = d.coefficientPattern
            let kept = (0..<d.coefficientCount).filter { mask[$0] }.map { abs(original[l].coefficients[$0]) }
            let dropped = (0..<d.coefficientCount).filter { !mask[$0] }.map { abs(original[l].coefficients[$0]) }
            #expect((dropped.max() ?? 0) <= (kept.min() ?? .infinity))
            for i in 0..<d.coefficientCount where !mask[i] { #expect(d.coefficients[i] == 0) }
        }
        var global = original
        KernelDecomposition.prune(&global, sparsity: 0.9, scope: .global)
        let total = original.reduce(0) { $0 + $1.coefficientCount }
        #expect(global.reduce(0) { $0 + $1.keptCoefficients } == Int((Double(total) * 0.1).rounded()))
    }

    /// Refitting after pruning never does worse than zeroing, and pruning to 0 keeps the error.
    @Test func refitLowersTheError() throws {
        let w = Self.weights(16 * 8 * 9, seed: 5)
        let d = try KernelDecomposition(weights: w, k: 16, c: 8, r: 3, s: 3, bases: 4, sharing: .layer)
        var zeroed = [d], refit = [d], none = [d]
        KernelDecomposition.prune(&zeroed, sparsity: 0.6, scope: .layer)
        KernelDecomposition.prune(&refit, sparsity: 0.6, scope: .layer, refitTo: [w])
        KernelDecomposition.prune(&none, sparsity: 0, scope: .layer, refitTo: [w])
        #expect(refit[0].relativeError(to: w) <= zeroed[0].relativeError(to: w) + 1e-9)
        #expect(abs(none[0].relativeError(to: w) - d.relativeError(to: w)) < 1e-6)
    }
}
