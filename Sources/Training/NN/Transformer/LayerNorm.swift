import SparseSimCore

// MARK: - LayerNorm

/// Layer normalization over the last dimension (Ba, Kiros and Hinton 2016), PyTorch's
/// `nn.LayerNorm(features)`: `y = (x − μ)/√(σ² + ε) · γ + β` per row, with the biased variance.
package final class LayerNorm: Layer, ThreadedLayer {
    package let name: String
    /// The normalized dimension's size.
    package let features: Int
    /// `ε` under the square root (PyTorch's default, 1e-5).
    package let epsilon: Float
    /// `γ` and `β`, `[features]` each; neither decays.
    package let gamma: Parameter, beta: Parameter
    package var parameters: [Parameter] { [gamma, beta] }
    /// Threads the rows are split between.
    package var threads = 1

    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    /// The normalized input `x̂` and each row's `1/σ`, kept for the backward pass.
    let normalized = Tensor(shape: [0])
    var inverseDeviations: [Float] = []

    /// A layer norm over `features`, `γ = 1`, `β = 0`.
    package init(_ name: String, features: Int, epsilon: Float = 1e-5) {
        self.name = name
        self.features = features
        self.epsilon = epsilon
        gamma = Parameter(name: "\(name).weight", shape: [features], decays: false)
        beta = Parameter(name: "\(name).bias", shape: [features], decays: false)
        gamma.value.fill(1)
    }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count >= 2, shape.last == features else {
            throw shapeError(name, "normalizes a last dimension of \(features), got shape \(shape)")
        }
        return shape
    }

    /// - Complexity: O(elements); mean and variance accumulate in `Double` per row.
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let d = features, rows = x.count / d
        output.resize(x.shape)
        normalized.resize(x.shape)
        if inverseDeviations.count < rows { inverseDeviations = [Float](repeating: 0, count: rows) }
        let xs = x.readBuffer, y = output.buffer, xh = normalized.buffer, g = gamma.value.readBuffer, b = beta.value.readBuffer
        let eps = Double(epsilon)
        inverseDeviations.withUnsafeMutableBufferPointer { inv in
            let ranges = Parallel.split(rows, into: rows &* d < 1 << 16 ? 1 : threads)
            Parallel.run(ranges.count, blasThreads: 1) { t in
                for r in ranges[t] {
                    let o = r &* d
                    var sum: Double = 0
                    for j in 0..<d { sum += Double(xs[o &+ j]) }
                    let mean = sum / Double(d)
                    var sq: Double = 0
                    for j in 0..<d { let v = Double(xs[o &+ j]) - mean; sq += v * v }
                    let rstd = Float(1 / (sq / Double(d) + eps).squareRoot())
                    inv[r] = rstd
                    let m = Float(mean)
                    for j in 0..<d {
                        let h = (xs[o &+ j] - m) * rstd
                        xh[o &+ j] = h
                        y[o &+ j] = h * g[j] + b[j]
                    }
                }
            }
        }
        return output
    }

    /// `dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` with `ĝ = dy·γ`; `dγ = Σ dy·x̂`, `dβ = Σ dy`.
    /// - Complexity: O(elements).
    package func backward(_ dy: Tensor) -> Tensor {
        let d = features, rows = dy.count / d
        inputGrad.resize(dy.shape)
        let g = dy.readBuffer, xh = normalized.readBuffer, dx = inputGrad.buffer, gam = gamma.value.readBuffer
        let dg = gamma.grad.buffer, db = beta.grad.buffer
        dg.update(repeating: 0)
        db.update(repeating: 0)
        for r in 0..<rows {
            let o = r &* d
            for j in 0..<d {
                dg[j] += g[o &+ j] * xh[o &+ j]
                db[j] += g[o &+ j]
            }
        }
        inverseDeviations.withUnsafeBufferPointer { inv in
            let ranges = Parallel.split(rows, into: rows &* d < 1 << 16 ? 1 : threads)
            Parallel.run(ranges.count, blasThreads: 1) { t in
                for r in ranges[t] {
                    let o = r &* d
                    var mg: Float = 0, mgx: Float = 0
                    for j in 0..<d {
                        let gh = g[o &+ j] * gam[j]
                        mg += gh
                        mgx += gh * xh[o &+ j]
                    }
                    mg /= Float(d)
                    mgx /= Float(d)
                    let rstd = inv[r]
                    for j in 0..<d { dx[o &+ j] = rstd * (g[o &+ j] * gam[j] - mg - xh[o &+ j] * mgx) }
                }
            }
        }
        return inputGrad
    }
}
