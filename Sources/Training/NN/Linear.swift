import SparseSimCore
import Trace

// MARK: - Linear

/// A fully connected layer `y = x·Wᵀ + b`, with `W` stored `[out, in]` (PyTorch's layout).
///
/// A plain layer flattens each sample (`[N, ...]` → `[N, out]`); a token-wise one maps the last
/// dimension of `[N, T, in]` to `[N, T, out]`, every token a row of the product (a
/// transformer's projections and MLP).
package final class Linear: WeightLayer, ThreadedLayer {
    package let name: String
    /// Input and output features.
    package let inputs: Int, outputs: Int
    /// `[out, in]`.
    package let weight: Parameter
    /// `[out]`.
    package let bias: Parameter
    package var parameters: [Parameter] { [weight, bias] }
    /// Whether the layer maps the last dimension of a `[N, T, in]` input (every token a row).
    package let tokenwise: Bool

    /// Whether `backward` computes the input gradient (the model turns it off for its first
    /// layer, whose input is the data; `backward` then returns an empty tensor).
    package var computesInputGradient = true

    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    var input: Tensor?
    /// Scratch of the sparse kernels: `xᵀ`, `dyᵀ`, and an output or gradient transposed.
    let transposedInput = Tensor(shape: [0]), transposedOutputGrad = Tensor(shape: [0]), transposedResult = Tensor(shape: [0])

    /// Threads the layer splits its work between (the dense products by rows of the batch or
    /// columns of the weight gradient, each piece a single-threaded sgemm; the sparse kernels by
    /// groups of rows); set through `Model.threads`. OpenBLAS's own threads are not used: idle,
    /// they spin in `sched_yield` for a long time after each call and take a core from the
    /// layers that run next.
    package var threads = 1

    /// The pieces a dense product of `macs` multiply-adds over `count` rows or columns is cut
    /// into: one below 2¹⁸ multiply-adds, where a thread costs more than it saves.
    func pieces(_ count: Int, macs: Int) -> [Range<Int>] {
        Parallel.split(count, into: macs < 1 << 18 ? 1 : threads)
    }

    // MARK: Sparsity

    package var weightDimensions: (k: Int, c: Int, r: Int, s: Int) { (outputs, inputs, 1, 1) }
    package let sparsity = LayerSparsity()
    package var lastInput: Tensor? { input }
    package var lastOutput: Tensor? { input == nil ? nil : output }

    /// A layer from `inputs` to `outputs` features, Kaiming-normal weights (fan-in, ReLU gain),
    /// zero bias.
    /// - Parameter tokenwise: map the last dimension of `[N, T, in]` inputs instead of flattening samples.
    package init(_ name: String, inputs: Int, outputs: Int, tokenwise: Bool = false, rng: inout RandomGenerator) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.tokenwise = tokenwise
        weight = Parameter(name: "\(name).weight", shape: [outputs, inputs], decays: true)
        bias = Parameter(name: "\(name).bias", shape: [outputs], decays: false)
        let std = (2 / Float(inputs)).squareRoot()
        let w = weight.value.buffer
        for i in 0..<w.count { w[i] = rng.nextNormal() * std }
    }

    /// Xavier-uniform weights (`U(±√(6/(in + out)))`, PyTorch's `xavier_uniform_`), zero bias:
    /// the transformers' initialization.
    package func initializeXavierUniform(rng: inout RandomGenerator) {
        let bound = (6 / Float(inputs + outputs)).squareRoot()
        let w = weight.value.buffer
        for i in 0..<w.count { w[i] = (2 * rng.nextUniform() - 1) * bound }
        bias.value.fill(0)
    }

    /// Rows of the product for an input of `count` elements: samples, or tokens of all samples.
    func rows(_ x: Tensor) -> Int { x.count / inputs }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        if tokenwise {
            guard shape.count == 3, shape[2] == inputs else {
                throw shapeError(name, "expects tokens of \(inputs) features [N, T, \(inputs)], got shape \(shape)")
            }
            return [shape[0], shape[1], outputs]
        }
        guard shape.count >= 2, shape.dropFirst().reduce(1, *) == inputs else {
            throw shapeError(name, "expects \(inputs) input features, got shape \(shape)")
        }
        return [shape[0], outputs]
    }

    /// - Complexity: `2·N·in·out` flops (one sgemm per thread's rows); with the sparse kernel (a masked layer
    ///   below the crossover density), `2·N·nnz` on the transposed input.
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let n = rows(x)
        input = x
        output.resize(tokenwise ? [x.shape[0], x.shape[1], outputs] : [n, outputs])
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
            let y = output.buffer, b = bias.value.readBuffer, xs = x.readBuffer
            let (inputs, outputs) = (self.inputs, self.outputs)
            let rows = pieces(n, macs: n &* inputs &* outputs)
            Parallel.run(rows.count, blasThreads: threads) { t in
                let r = rows[t]
                for i in r { for j in 0..<outputs { y[i &* outputs &+ j] = b[j] } }
                BLAS.sgemm(transB: true, m: r.count, n: outputs, k: inputs, a: UnsafeBufferPointer(rebasing: xs[(r.lowerBound &* inputs)...]),
                           lda: inputs, b: wt, ldb: inputs, beta: 1,
                           c: UnsafeMutableBufferPointer(rebasing: y[(r.lowerBound &* outputs)...]), ldc: outputs)
            }
        }
        return output
    }

    /// - Complexity: `4·N·in·out` flops (two sgemms), or the sparse kernels chosen at forward
    ///   (Linear+Sparse.swift).
    package func backward(_ dy: Tensor) -> Tensor {
        let x = input!
        let n = rows(x)
        let g = dy.readBuffer
        let plan = sparsity.plan
        if plan.weightGradient == .sampled || plan.inputGradient && computesInputGradient { transposeOutputGradient(dy) }
        switch plan.weightGradient {
        case .dense:
            // dW = dyᵀ · x, by columns (input features).
            let xs = sparsity.forwardSparseInputs ? sparsity.sparseInput.readBuffer : x.readBuffer
            let dw = weight.grad.buffer, (inputs, outputs) = (self.inputs, self.outputs)
            let columns = pieces(inputs, macs: n &* inputs &* outputs)
            Parallel.run(columns.count, blasThreads: threads) { t in
                let c = columns[t]
                BLAS.sgemm(transA: true, m: outputs, n: c.count, k: n, a: g, lda: outputs,
                           b: UnsafeBufferPointer(rebasing: xs[c.lowerBound...]), ldb: inputs,
                           c: UnsafeMutableBufferPointer(rebasing: dw[c.lowerBound...]), ldc: inputs)
            }
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
            let w = sparsity.backwardWeight(weight.value), dx = inputGrad.buffer, (inputs, outputs) = (self.inputs, self.outputs)
            let rows = pieces(n, macs: n &* inputs &* outputs)
            Parallel.run(rows.count, blasThreads: threads) { t in
                let r = rows[t]
                BLAS.sgemm(m: r.count, n: inputs, k: outputs, a: UnsafeBufferPointer(rebasing: g[(r.lowerBound &* outputs)...]),
                           lda: outputs, b: w, ldb: inputs,
                           c: UnsafeMutableBufferPointer(rebasing: dx[(r.lowerBound &* inputs)...]), ldc: inputs)
            }
        }
        return inputGrad
    }

    package func layerShapes(input shape: [Int]) -> [LayerShape] {
        [.linear(name, N: tokenwise ? shape[0] * shape[1] : shape[0], K: outputs, C: inputs)]
    }
}
