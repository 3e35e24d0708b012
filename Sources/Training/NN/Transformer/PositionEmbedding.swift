import SparseSimCore

// MARK: - PositionEmbedding

/// Learned position embeddings added to every sample's tokens: `y[n, t] = x[n, t] + E[t]`,
/// `E` of shape `[T, D]` initialized `N(0, 0.02²)` (ViT's and timm's choice), not decayed.
package final class PositionEmbedding: Layer {
    package let name: String
    /// Tokens and features.
    package let tokens: Int, features: Int
    /// `[T, D]`.
    package let embedding: Parameter
    package var parameters: [Parameter] { [embedding] }
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])

    /// Embeddings for `tokens` tokens of `features` features, drawn from `rng`.
    package init(_ name: String, tokens: Int, features: Int, rng: inout RandomGenerator) {
        self.name = name
        self.tokens = tokens
        self.features = features
        embedding = Parameter(name: "\(name).weight", shape: [tokens, features], decays: false)
        let e = embedding.value.buffer
        for i in 0..<e.count { e[i] = 0.02 * rng.nextNormal() }
    }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 3, shape[1] == tokens, shape[2] == features else {
            throw shapeError(name, "expects [N, \(tokens), \(features)] tokens, got shape \(shape)")
        }
        return shape
    }

    /// - Complexity: O(elements).
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        output.resize(x.shape)
        let xs = x.readBuffer, y = output.buffer, e = embedding.value.readBuffer, m = tokens &* features
        for i in 0..<xs.count { y[i] = xs[i] + e[i % m] }
        return output
    }

    /// `dx = dy`, `dE = Σₙ dy[n]`.
    /// - Complexity: O(elements).
    package func backward(_ dy: Tensor) -> Tensor {
        let g = dy.readBuffer, de = embedding.grad.buffer, m = tokens &* features
        de.update(repeating: 0)
        for i in 0..<g.count { de[i % m] += g[i] }
        inputGrad.copy(from: dy)
        return inputGrad
    }
}
