import Foundation
import Testing

@testable import SparseSimCore
@testable import Training

/// SparseGPT against dense solves: the Cholesky wrappers, the exact OBS update of one removed
/// weight, reconstruction errors against magnitude pruning and against the optimum for its own
/// mask, N:M groups, dead columns, and the convolution Hessian against brute-force im2col.
@Suite struct SparseGPTTests {
    /// `A·x = b` by Gaussian elimination with partial pivoting (the test's independent solver).
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var m = a, v = b
        let n = b.count
        for c in 0..<n {
            let p = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) }!
            m.swapAt(c, p)
            v.swapAt(c, p)
            for r in (c + 1)..<n {
                let f = m[r][c] / m[c][c]
                for k in c..<n { m[r][k] -= f * m[c][k] }
                v[r] -= f * v[c]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            x[r] = (v[r] - ((r + 1)..<n).reduce(0) { $0 + m[r][$1] * x[$1] }) / m[r][r]
        }
        return x
    }

    /// `2·X·Xᵀ / points` of `columns × points` inputs with correlated columns.
    static func hessian(columns: Int, points: Int, _ rng: inout RandomGenerator) -> [Double] {
        var x = (0..<(columns * points)).map { _ in Double(rng.nextNormal()) }
        for j in 1..<columns { for t in 0..<points { x[j * points + t] += 0.6 * x[(j - 1) * points + t] } }
        var h = [Double](repeating: 0, count: columns * columns)
        for i in 0..<columns {
            for j in 0..<columns { h[i * columns + j] = 2 * (0..<points).reduce(0) { $0 + x[i * points + $1] * x[j * points + $1] } / Double(points) }
        }
        return h
    }

    /// `Σ_rows (w − ŵ)ᵀ·H·(w − ŵ)`: the squared output error on the calibration inputs (× 2 / points).
    static func error(_ w: [Double], _ v: [Double], rows: Int, columns: Int, _ h: [Double]) -> Double {
        var total = 0.0
        for r in 0..<rows {
            let d = (0..<columns).map { w[r * columns + $0] - v[r * columns + $0] }
            for i in 0..<columns { for j in 0..<columns { total += d[i] * h[i * columns + j] * d[j] } }
        }
        return total
    }

    @Test func choleskyAndInverse() {
        var rng = RandomGenerator(seed: 41)
        let n = 7
        let a = Self.hessian(columns: n, points: 20, &rng)
        var u = a, inverse = a
        #expect(u.withUnsafeMutableBufferPointer { BLAS.choleskyUpper($0, n: n) })
        #expect(inverse.withUnsafeMutableBufferPointer { BLAS.invertSymmetricPositiveDefinite($0, n: n) })
        for i in 0..<n {
            for j in 0..<n {
                if i > j { #expect(u[i * n + j] == 0) }
                let utu = (0..<n).reduce(0.0) { $0 + u[$1 * n + i] * u[$1 * n + j] }
                #expect(abs(utu - a[i * n + j]) < 1e-9 * max(1, abs(a[i * n + j])))
                let product = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * inverse[$1 * n + j] }
                #expect(abs(product - (i == j ? 1 : 0)) < 1e-9)
            }
        }
        var singular = [Double](repeating: 1, count: 4)
        #expect(!singular.withUnsafeMutableBufferPointer { BLAS.choleskyUpper($0, n: 2) })
    }

    /// Removing one weight of the first column is OBS's exact step: the other weights become
    /// the minimizer of `(w − ŵ)ᵀ·H·(w − ŵ)` with `ŵ₀ = 0`, solved densely (same dampening).
    @Test func oneRemovedWeightIsTheDenseSolve() throws {
        var rng = RandomGenerator(seed: 42)
        let (rows, columns) = (3, 6)
        let h = Self.hessian(columns: columns, points: 40, &rng)
        var w = (0..<(rows * columns)).map { _ in Double(rng.nextNormal()) }
        w[1 * columns + 0] = 1e-4  // row 1, column 0: by far the least salient
        let original = w
        let keep = try SparseGPT.prune(weights: &w, rows: rows, columns: columns, hessian: h,
                                       target: .sparsity(1.0 / 18), layer: "test")
        #expect(keep.filter { !$0 } .count == 1 && !keep[1 * columns + 0])
        let mean = (0..<columns).reduce(0.0) { $0 + h[$1 * columns + $1] } / Double(columns)
        var damped = h
        for j in 0..<columns { damped[j * columns + j] += 0.01 * mean }
        let a = (1..<columns).map { i in (1..<columns).map { damped[i * columns + $0] } }
        let delta = Self.solve(a, (1..<columns).map { damped[$0 * columns + 0] * original[1 * columns + 0] })
        for k in 1..<columns { #expect(abs(w[1 * columns + k] - (original[1 * columns + k] + delta[k - 1])) < 1e-9) }
        for r in [0, 2] { for k in 0..<columns { #expect(w[r * columns + k] == original[r * columns + k]) } }
    }

    /// At 50 % the reconstruction error is below per-row magnitude pruning's and below the
    /// error of SparseGPT's own mask without the update, and not below the optimum for that
    /// mask (a dense least-squares solve per row).
    @Test(arguments: [32, 200])
    func reconstructionBeatsMagnitude(columns: Int) throws {
        var rng = RandomGenerator(seed: 43)
        let rows = 6
        let h = Self.hessian(columns: columns, points: 3 * columns, &rng)
        let w = (0..<(rows * columns)).map { _ in Double(rng.nextNormal()) }
        var pruned = w
        let keep = try SparseGPT.prune(weights: &pruned, rows: rows, columns: columns, hessian: h, target: .sparsity(0.5), layer: "test")
        #expect(keep.filter { $0 }.count == rows * columns / 2)
        let magnitudeKeep = OneShotPruning.rowMask(scores: w.map(abs), rows: rows, target: .sparsity(0.5))
        let magnitude = zip(w, magnitudeKeep).map { $1 ? $0 : 0 }
        let maskOnly = zip(w, keep).map { $1 ? $0 : 0 }
        var optimum = maskOnly
        for r in 0..<rows {
            let kept = (0..<columns).filter { keep[r * columns + $0] }
            guard !kept.isEmpty else { continue }
            // min over ŵ on `kept` of (w − ŵ)ᵀH(w − ŵ): H_SS·ŵ_S = (H·w)_S.
            let hw = (0..<columns).map { i in (0..<columns).reduce(0.0) { $0 + h[i * columns + $1] * w[r * columns + $1] } }
            let solution = Self.solve(kept.map { i in kept.map { h[i * columns + $0] } }, kept.map { hw[$0] })
            for (i, c) in kept.enumerated() { optimum[r * columns + c] = solution[i] }
        }
        let e = { (v: [Double]) in Self.error(w, v, rows: rows, columns: columns, h) }
        #expect(e(pruned) < e(magnitude), "SparseGPT \(e(pruned)) vs magnitude \(e(magnitude))")
        #expect(e(pruned) < e(maskOnly))
        #expect(e(optimum) <= e(pruned) * (1 + 1e-9))
    }

    @Test func nmGroupsAndDeadColumns() throws {
        var rng = RandomGenerator(seed: 44)
        let (rows, columns) = (4, 16)
        var h = Self.hessian(columns: columns, points: 50, &rng)
        for j in 0..<columns { h[5 * columns + j] = 0; h[j * columns + 5] = 0 }  // column 5 never sees input
        var w = (0..<(rows * columns)).map { _ in Double(rng.nextNormal()) }
        let keep = try SparseGPT.prune(weights: &w, rows: rows, columns: columns, hessian: h, target: .nm(NMPattern(n: 2, m: 4)),
                                       blockSize: 6, layer: "test")
        for r in 0..<rows {
            #expect(!keep[r * columns + 5] && w[r * columns + 5] == 0)
            for g in stride(from: 0, to: columns, by: 4) { #expect((g..<(g + 4)).filter { keep[r * columns + $0] }.count == 2, "row \(r) group \(g)") }
        }
        #expect(zip(w, keep).allSatisfy { $1 || $0 == 0 })
    }

    /// The convolution Hessian is `2/(N·P·Q) · Σ patch·patchᵀ` over brute-force im2col patches.
    @Test func convolutionHessianIsTheIm2colGram() {
        var rng = RandomGenerator(seed: 45)
        let conv = Conv2d("conv", inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 1, rng: &rng)
        let x = GradientCheck.randomTensor([2, 2, 5, 6], &rng)
        let h = SparseGPT.hessian(conv, input: x)
        let columns = 18
        var reference = [Double](repeating: 0, count: columns * columns)
        var points = 0
        for i in 0..<2 {
            for pp in 0..<3 {
                for qq in 0..<3 {
                    var patch: [Double] = []
                    for c in 0..<2 {
                        for r in 0..<3 {
                            for s in 0..<3 {
                                let y = pp * 2 + r - 1, z = qq * 2 + s - 1
                                patch.append(y < 0 || y >= 5 || z < 0 || z >= 6 ? 0 : Double(x[((i * 2 + c) * 5 + y) * 6 + z]))
                            }
                        }
                    }
                    for a in 0..<columns { for b in 0..<columns { reference[a * columns + b] += patch[a] * patch[b] } }
                    points += 1
                }
            }
        }
        for e in 0..<(columns * columns) { #expect(abs(h[e] - 2 * reference[e] / Double(points)) < 1e-9) }
    }
}
