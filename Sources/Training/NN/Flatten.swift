// MARK: - Flatten

/// `[N, ...] → [N, product]`, copying (the input tensor stays its producer's).
package final class Flatten: Layer {
    package let name: String
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])

    /// A flatten.
    package init(_ name: String) { self.name = name }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count >= 1 else { throw shapeError(name, "expects a batch dimension") }
        return [shape[0], shape.dropFirst().reduce(1, *)]
    }

    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        output.copy(from: x)
        output.resize([x.shape[0], x.count / max(x.shape[0], 1)])
        inputShape = x.shape
        return output
    }

    var inputShape: [Int] = []

    package func backward(_ dy: Tensor) -> Tensor {
        inputGrad.copy(from: dy)
        inputGrad.resize(inputShape)
        return inputGrad
    }
}
