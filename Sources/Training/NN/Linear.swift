import SparseSimCore
import Trace

// MARK: - Linear

/// A fully connected layer `y = x·Wᵀ + b`, with `W` stored `[out, in]` (PyTorch's layout).
package final class Linear: WeightLayer, ThreadedLayer {
    package let name: String
    /// Input and output features.
    package let inputs: Int, outputs: Int
    /// `[out, in]`.
    package let weight: Parameter
    /// `[out]`.
    package let bias: Parameter
    package var parameters: [Parameter] { [weight, bias] }

    /// Whether `backward` computes the input gradient (the model turns it off for its first
    /// layer, whose input is the data; `backward` then returns an empty tensor).
    package var computesInputGradient = true

    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    var input: Tensor?
    /// Scratch of the sparse kernels: `xᵀ`, `dyᵀ`, and an output or gradient transposed.
    let transposedInput = Tensor(shape: [0]), transposedOutputGrad = Tensor(shape: [0]), transposedResult = Tensor(shape: [0])

    /// Threads for the sparse kernels (groups of rows split between them); set through
    /// `Model.threads`. The dense path's sgemm uses OpenBLAS's own threads.
    package var threads = 1

    // MARK: Sparsity

    package var weightDimensions: (k: Int, c: Int, r: Int, s: Int) { (outputs, inputs, 1, 1) }
    package let sparsity = LayerSparsity()
    package var lastInput: Tensor? { input }

    /// A layer from `inputs` to `outputs` features, Kaiming-normal weights (fan-in, ReLU gain),
    /// zero bias.
    package init(_ name: String, inputs: Int, outputs: Int, rng: inout RandomGenerator) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        weight = Parameter(name: "\(name).weight", shape: [outputs, inputs], decays: true)
        bias = Parameter(name: "\(name).bias", shape: [outputs], decays: false)
        let std = (2 / Float(inputs)).squareRoot()
        let w = weight.value.buffer
        for i in 0..<w.count { w[i] = rng.nextNormal() * std }
    }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count >= 2, shape.dropFirst().reduce(1, *) == inputs else {
            throw shapeError(name, "expects \(inputs) input features, got shape \(shape)")
        }
        return [shape[0], outputs]
    }

    /// - Complexity: `2·N·in·out` flops (one sgemm); with the sparse kernel (a masked layer
    ///   below the crossover density), `2·N·nnz` on the transposed input.
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let n = x.shape[0]
        input = x
        output.resize([n, outputs])
        let swat = sparsity.beginForward(x, phase: phase)
        sparsity.planKernels(policy: .linear, supported: true, phase: phase)
        let plan = sparsity.plan
        if swat && plan.weightGradient == .dense { sparsity.keepSparseInput(x) }
        if plan.usesRows { buildRows(batch: n) }
        if plan.forward || plan.weightGradient == .sampled { transposeInput(x) }
        let wt = sparsity.prepareDenseWeight(weight.value)
        if plan.forward {
            sparseForward(batch: n)
        } else {
            let y = output.buffer, b = bias.value.readBuffer
            for i in 0..<n { for j in 0..<outputs { y[i &* outputs &+ j] = b[j] } }
            BLAS.sgemm(transB: true, m: n, n: outputs, k: inputs, a: x.readBuffer, lda: inputs,
                       b: wt, ldb: inputs, beta: 1, c: y, ldc: outputs)
        }
        return output
    }

    /// - Complexity: `4·N·in·out` flops (two sgemms), or the sparse kernels chosen at forward
    ///   (Linear+Sparse.swift).
    package func backward(_ dy: Tensor) -> Tensor {
        let x = input!
        let n = x.shape[0]
        let g = dy.readBuffer
        let plan = sparsity.plan
        if plan.weightGradient == .sampled || plan.inputGradient && computesInputGradient { transposeOutputGradient(dy) }
        switch plan.weightGradient {
        case .dense:
            // dW = dyᵀ · x
            let xs = sparsity.forwardSparseInputs ? sparsity.sparseInput.readBuffer : x.readBuffer
            BLAS.sgemm(transA: true, m: outputs, n: inputs, k: n, a: g, lda: outputs, b: xs, ldb: inputs,
                       c: weight.grad.buffer, ldc: inputs)
        case .sampled:
            sampledWeightGradient(batch: n)
        case .sparseInput:
            sparseInputWeightGradient(x, dy)
        }
        let db = bias.grad.buffer
        for j in 0..<outputs { db[j] = 0 }
        for i in 0..<n { for j in 0..<outputs { db[j] += g[i &* outputs &+ j] } }
        // dx = dy · W
        guard computesInputGradient else { inputGrad.resize([0]); return inputGrad }
        inputGrad.resize(x.shape)
        if plan.inputGradient {
            sparseInputGradient(batch: n)
        } else {
            BLAS.sgemm(m: n, n: inputs, k: outputs, a: g, lda: outputs, b: sparsity.backwardWeight(weight.value), ldb: inputs,
                       c: inputGrad.buffer, ldc: inputs)
        }
        return inputGrad
    }

    package func layerShapes(input shape: [Int]) -> [LayerShape] {
        [.linear(name, N: shape[0], K: outputs, C: inputs)]
    }
}
