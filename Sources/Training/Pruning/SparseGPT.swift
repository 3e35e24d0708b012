import SparseSimCore

// MARK: - SparseGPT

/// SparseGPT's layer-wise pruning with reconstruction (Frantar and Alistarh, "SparseGPT: Massive
/// Language Models Can Be Accurately Pruned in One-Shot", ICML 2023).
///
/// For a layer `Y = W·X` (`W` rows × columns, `X` columns × points) it removes weights and
/// updates the remaining ones so that `‖W·X − Ŵ·X‖²` stays small, using the Hessian
/// `H = 2·X·Xᵀ / points` of that error:
/// 1. columns whose inputs are always zero (`H[j, j] = 0`) are dead: their weights are removed;
/// 2. `H += λ·mean(diag H)·I` (dampening, `λ` = `damping`), `U` = the upper Cholesky factor of
///    `H⁻¹` (`H⁻¹ = Uᵀ·U`);
/// 3. columns are processed left to right in blocks of `blockSize`. At a block's start (or, for
///    N:M, at each group's first column) the mask is chosen from the current weights by
///    `w² / U[j, j]²` — the OBS saliency — removing the smallest; then each column `j` is
///    quantized to "kept or zero", its error `(w − q) / U[j, j]` is spread over the block's
///    later columns through row `j` of `U`, and after the block the accumulated errors update
///    every later column at once (the lazy batch update).
///
/// Unstructured targets remove `n − ⌈(1 − s)·n⌉` of each block's `rows × width` weights (the
/// paper's adaptive mask selection; ties to the lower index), so rows need not keep equal
/// counts; N:M removes `M − N` of every group of each row.
package enum SparseGPT {
    /// Prunes the row-major `rows × columns` `weights` in place and returns the kept mask.
    /// - Precondition: `weights.count == rows · columns`, `hessian.count == columns²`, symmetric.
    /// - Throws: `SparseSimError` when the dampened Hessian is not positive definite.
    /// - Complexity: O(columns³ + rows · columns²).
    package static func prune(weights w: inout [Double], rows: Int, columns: Int, hessian: [Double],
                              target: OneShotPruning.Target, blockSize: Int = 128, damping: Double = 0.01,
                              layer: String) throws -> [Bool] {
        precondition(w.count == rows * columns && hessian.count == columns * columns, "SparseGPT: sizes")
        var h = hessian
        var keep = [Bool](repeating: true, count: w.count)
        var mean = 0.0
        for j in 0..<columns where h[j * columns + j] == 0 {
            h[j * columns + j] = 1
            for r in 0..<rows { w[r * columns + j] = 0; keep[r * columns + j] = false }
        }
        for j in 0..<columns { mean += h[j * columns + j] }
        mean /= Double(max(columns, 1))
        for j in 0..<columns { h[j * columns + j] += damping * mean }
        let ok = h.withUnsafeMutableBufferPointer { BLAS.invertSymmetricPositiveDefinite($0, n: columns) && BLAS.choleskyUpper($0, n: columns) }
        guard ok else {
            throw SparseSimError(.run, file: "<model>", location: layer, message: "SparseGPT: the dampened Hessian of the calibration inputs is not positive definite")
        }
        let u = h
        var block = blockSize
        if case .nm(let p) = target { block = max(p.m, (blockSize / p.m) * p.m) }
        var errors = [Double](repeating: 0, count: rows * block)
        for start in stride(from: 0, to: columns, by: block) {
            let end = min(start + block, columns), width = end - start
            if case .sparsity(let s) = target {
                // The block's mask: remove the smallest w²/U[j,j]² over all its rows.
                var order: [Int] = []
                order.reserveCapacity(rows * width)
                for r in 0..<rows { for j in start..<end where keep[r * columns + j] { order.append(r * columns + j) } }
                let n = rows * width
                let remove = n - TopK.keptCount(density: 1 - s, of: n)
                var saliency: [Int: Double] = [:]
                for e in order { let d = u[(e % columns) * columns + e % columns]; saliency[e] = w[e] * w[e] / (d * d) }
                order.sort { saliency[$0]! != saliency[$1]! ? saliency[$0]! < saliency[$1]! : $0 < $1 }
                let dead = n - order.count
                for e in order.prefix(max(0, remove - dead)) { keep[e] = false }
            }
            for j in start..<end {
                if case .nm(let p) = target, (j - start) % p.m == 0 {
                    let group = j..<min(j + p.m, end)
                    let d = group.map { u[$0 * columns + $0] }
                    for r in 0..<rows {
                        let ranked = group.sorted { a, b in
                            let sa = w[r * columns + a] * w[r * columns + a] / (d[a - j] * d[a - j])
                            let sb = w[r * columns + b] * w[r * columns + b] / (d[b - j] * d[b - j])
                            return sa != sb ? sa > sb : a < b
                        }
                        for (rank, c) in ranked.enumerated() where rank >= p.n { keep[r * columns + c] = false }
                    }
                }
                let d = u[j * columns + j]
                for r in 0..<rows {
                    let e = r * columns + j
                    let err = keep[e] ? 0 : w[e] / d
                    if !keep[e] { w[e] = 0 }
                    errors[r * block + (j - start)] = err
                    guard err != 0 else { continue }
                    for k in (j + 1)..<end { w[r * columns + k] -= err * u[j * columns + k] }
                }
            }
            // The lazy batch update of every later column.
            guard end < columns else { continue }
            for r in 0..<rows {
                for j in start..<end {
                    let err = errors[r * block + (j - start)]
                    guard err != 0 else { continue }
                    for k in end..<columns { w[r * columns + k] -= err * u[j * columns + k] }
                }
            }
        }
        for e in 0..<w.count where !keep[e] { w[e] = 0 }
        return keep
    }

    /// The Hessian `2·X·Xᵀ / points` of a layer's calibration inputs: a linear layer's input
    /// rows (every token's, for a token-wise layer), or every output position's im2col patch of
    /// a convolution (`Conv2d.im2col`).
    /// - Precondition: `conv.groups == 1` for a convolution.
    /// - Complexity: O(points · columns²) through BLAS's `dsyrk`.
    package static func hessian(_ layer: any WeightLayer, input x: Tensor) -> [Double] {
        let columns = OneShotPruning.columns(of: layer)
        var h = [Double](repeating: 0, count: columns * columns)
        let xs = x.readBuffer
        guard let conv = layer as? Conv2d else {
            let n = x.count / max(1, columns)  // samples, or tokens of every sample
            let rows = (0..<(n * columns)).map { Double(xs[$0]) }
            rows.withUnsafeBufferPointer { a in
                h.withUnsafeMutableBufferPointer { BLAS.addGram(a, rows: n, n: columns, alpha: 2 / Double(max(n, 1)), into: $0) }
            }
            return h
        }
        precondition(conv.groups == 1, "SparseGPT: grouped convolutions are not supported")
        let (n, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        let p = LayerShape.outputSize(input: height, kernel: conv.kernel, stride: conv.stride, padding: conv.padding)
        let q = LayerShape.outputSize(input: width, kernel: conv.kernel, stride: conv.stride, padding: conv.padding)
        let alpha = 2 / Double(max(1, n * p * q))
        // One sample's patches, one output position per row (the im2col matrix transposed).
        var patches = [Double](repeating: 0, count: p * q * columns)
        OneShotPruning.forEachIm2col(conv, x) { _, col, points in
            for j in 0..<columns { for t in 0..<points { patches[t &* columns &+ j] = Double(col[j &* points &+ t]) } }
            patches.withUnsafeBufferPointer { a in
                h.withUnsafeMutableBufferPointer { BLAS.addGram(a, rows: points, n: columns, alpha: alpha, into: $0) }
            }
        }
        return h
    }
}
