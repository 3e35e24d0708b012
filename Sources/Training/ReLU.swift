// MARK: - ReLU

/// `max(x, 0)`, elementwise.
public final class ReLU: Layer {
    public let name: String
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])

    /// A ReLU.
    public init(_ name: String) { self.name = name }

    public func outputShape(_ shape: [Int]) throws -> [Int] { shape }

    public func forward(_ x: Tensor, phase: Phase) -> Tensor {
        output.resize(x.shape)
        let xs = x.readBuffer, y = output.buffer
        for i in 0..<xs.count { y[i] = max(xs[i], 0) }
        return output
    }

    /// The gradient passes where the output is positive.
    public func backward(_ dy: Tensor) -> Tensor {
        inputGrad.resize(dy.shape)
        let g = dy.readBuffer, y = output.readBuffer, dx = inputGrad.buffer
        for i in 0..<g.count { dx[i] = y[i] > 0 ? g[i] : 0 }
        return inputGrad
    }
}
