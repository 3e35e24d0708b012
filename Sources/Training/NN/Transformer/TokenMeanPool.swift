// MARK: - TokenMeanPool

/// The mean of every sample's tokens: `[N, T, D] → [N, D]` (a vision transformer's pooling
/// without a class token).
package final class TokenMeanPool: Layer {
    package let name: String
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    var inputShape: [Int] = []

    /// A token mean pool.
    package init(_ name: String) { self.name = name }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 3 else { throw shapeError(name, "expects [N, T, D] tokens, got \(shape)") }
        return [shape[0], shape[2]]
    }

    /// - Complexity: O(elements).
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        inputShape = x.shape
        let (n, t, d) = (x.shape[0], x.shape[1], x.shape[2])
        output.resize([n, d])
        let xs = x.readBuffer, y = output.buffer
        y.update(repeating: 0)
        let scale = 1 / Float(t)
        for s in 0..<n {
            for k in 0..<t { for j in 0..<d { y[s &* d &+ j] += xs[(s &* t &+ k) &* d &+ j] } }
            for j in 0..<d { y[s &* d &+ j] *= scale }
        }
        return output
    }

    /// Every token gets `dy / T`.
    /// - Complexity: O(elements).
    package func backward(_ dy: Tensor) -> Tensor {
        inputGrad.resize(inputShape)
        let (n, t, d) = (inputShape[0], inputShape[1], inputShape[2])
        let g = dy.readBuffer, dx = inputGrad.buffer
        let scale = 1 / Float(t)
        for s in 0..<n {
            for k in 0..<t { for j in 0..<d { dx[(s &* t &+ k) &* d &+ j] = g[s &* d &+ j] * scale } }
        }
        return inputGrad
    }
}
