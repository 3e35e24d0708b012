import Foundation
import SparseSimCore
import Trace

// MARK: - SynFlow

extension Pruner {
    /// SynFlow's scores `|θ ⊙ ∂R/∂θ|` with `R = Σ f(1; |θ| ⊙ mask)`: every parameter and buffer
    /// made non-negative, one all-ones sample, evaluation mode, `dR/d(output) = 1`.
    ///
    /// On deep networks `R` and the activations overflow `Float` (VGG-16's is ≈ 10^30, ResNet-50's
    /// far beyond), and once most weights are pruned they underflow. So after every top-level
    /// layer the activation is divided by the power of two `c` that brings its maximum into
    /// `[1, 2)`, and every bias, BatchNorm shift and running mean downstream is divided by `c` too.
    /// With non-negative parameters every layer is then positively homogeneous in (input,
    /// offsets) — ReLU, max and average pooling, affine evaluation-mode BatchNorm, residual sums —
    /// so the rescaled network computes `R / C` exactly (C the product of the factors) and every
    /// score is the true score divided by the same `C`: the ranking is unchanged. Powers of two
    /// scale without rounding.
    /// - Returns: log10 of the true `R`, and `log2 C`.
    /// - Throws: `SparseSimError` when an activation is not finite even so.
    func synflowScores() throws -> (log10R: Double, log2Rescale: Int) {
        restoreOffsetMagnitudes()
        let top = model.layers
        while rescaled.count < top.count { rescaled.append(Tensor(shape: [0])) }
        var exponents = [Int](repeating: 0, count: top.count)
        let ones = Tensor(shape: [1] + model.inputShape)
        ones.fill(1)
        var h = ones
        for (i, layer) in top.enumerated() {
            h = layer.forward(h, phase: .evaluation)
            var largest: Float = 0
            for v in h.readBuffer {
                guard v.isFinite else {
                    throw SparseSimError(file: "<model>", location: layer.name,
                                         message: "SynFlow activation is not finite after rescaling")
                }
                largest = max(largest, v)
            }
            let e = largest > 0 ? Int(largest.exponent) : 0
            guard e != 0 else { continue }
            exponents[i] = e
            let factor = Float(sign: .plus, exponent: -e, significand: 1)
            let out = rescaled[i]
            out.copy(from: h)
            let o = out.buffer
            for j in 0..<o.count { o[j] *= factor }
            h = out
            for later in top[(i + 1)...] { Self.scaleOffsets(of: later, by: factor) }
        }
        var r = 0.0
        for v in h.readBuffer { r += Double(v) }
        let dy = Tensor(shape: h.shape)
        dy.fill(1)
        var g = dy
        for i in top.indices[model.firstTrainable...].reversed() {
            if exponents[i] != 0 {
                let factor = Float(sign: .plus, exponent: -exponents[i], significand: 1)
                let b = g.buffer
                for j in 0..<b.count { b[j] *= factor }
            }
            g = top[i].backward(g)
        }
        productScores(absolute: true)
        let log2C = exponents.reduce(0, +)
        return (r > 0 ? Foundation.log10(r) + Double(log2C) * Foundation.log10(2.0) : -.infinity, log2C)
    }

    /// Multiplies a layer's additive offsets — biases, BatchNorm shifts (`*.bias`) and running
    /// means — by `factor` (the inverse of the rescaling power of two).
    static func scaleOffsets(of layer: any Layer, by factor: Float) {
        for p in layer.parameters where p.name.hasSuffix(".bias") {
            let v = p.value.buffer
            for i in 0..<v.count { v[i] *= factor }
        }
        for b in layer.buffers where b.name.hasSuffix(".running_mean") {
            let v = b.tensor.buffer
            for i in 0..<v.count { v[i] *= factor }
        }
    }
}
