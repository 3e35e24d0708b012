import SparseSimCore

// MARK: - Dropout

/// Inverted dropout: in training each element is zeroed with probability `rate` and the rest
/// scaled by `1/(1 − rate)`; evaluation passes everything. The mask comes from the model's
/// seeded generator.
package final class Dropout: Layer {
    package let name: String
    /// Drop probability.
    package let rate: Float
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    let mask = Tensor(shape: [0])
    /// The generator for masks; the trainer seeds it and saves its state.
    package var rng: RandomGenerator

    /// A dropout layer.
    /// - Precondition: `0 <= rate < 1`.
    package init(_ name: String, rate: Float, rng: RandomGenerator) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        self.name = name
        self.rate = rate
        self.rng = rng
    }

    package func outputShape(_ shape: [Int]) throws -> [Int] { shape }

    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        output.resize(x.shape)
        mask.resize(x.shape)
        let xs = x.readBuffer, y = output.buffer, m = mask.buffer
        if phase == .evaluation || rate == 0 {
            for i in 0..<xs.count { y[i] = xs[i]; m[i] = 1 }
            return output
        }
        let keep = 1 / (1 - rate)
        for i in 0..<xs.count {
            m[i] = rng.nextUniform() < rate ? 0 : keep
            y[i] = xs[i] * m[i]
        }
        return output
    }

    package func backward(_ dy: Tensor) -> Tensor {
        inputGrad.resize(dy.shape)
        let g = dy.readBuffer, m = mask.readBuffer, dx = inputGrad.buffer
        for i in 0..<g.count { dx[i] = g[i] * m[i] }
        return inputGrad
    }
}
