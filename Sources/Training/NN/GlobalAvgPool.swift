// MARK: - GlobalAvgPool

/// The mean of each channel: `[N, C, H, W] → [N, C]`.
package final class GlobalAvgPool: Layer {
    package let name: String
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    var inputShape: [Int] = []

    /// A global average pool.
    package init(_ name: String) { self.name = name }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 4 else { throw shapeError(name, "expects [N, C, H, W] input, got \(shape)") }
        return [shape[0], shape[1]]
    }

    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        inputShape = x.shape
        let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] &* x.shape[3])
        output.resize([n, c])
        let xs = x.readBuffer, y = output.buffer
        let scale = 1 / Float(hw)
        for plane in 0..<(n &* c) {
            var s: Float = 0
            for j in 0..<hw { s += xs[plane &* hw &+ j] }
            y[plane] = s * scale
        }
        return output
    }

    package func backward(_ dy: Tensor) -> Tensor {
        inputGrad.resize(inputShape)
        let hw = inputShape[2] &* inputShape[3]
        let g = dy.readBuffer, dx = inputGrad.buffer
        let scale = 1 / Float(hw)
        for plane in 0..<g.count {
            let v = g[plane] * scale
            for j in 0..<hw { dx[plane &* hw &+ j] = v }
        }
        return inputGrad
    }
}
