// MARK: - Sparse kernels of Linear

/// The sparse passes of a linear layer work on `[features][batch]` transposes, so each
/// non-zero weight `(o, i)` adds one contiguous batch-long row: `yᵀ[o] += w · xᵀ[i]` (forward),
/// `dxᵀ[i] += w · dyᵀ[o]` (input gradient), `dW[o, i] = dyᵀ[o] · xᵀ[i]` (sampled gradient).
/// SWAT's gradient scatters each kept input: `dWᵀ[i] += x[n, i] · dy[n]`. Rows are split
/// between `threads` threads (disjoint outputs).
extension Linear {
    /// Arranges the masked weights by output for a batch of `batch`.
    /// - Complexity: O(weights).
    func buildRows(batch: Int) {
        sparsity.forwardRows.build(weight: weight.value.readBuffer, mask: sparsity.weightMask?.readBuffer, rows: outputs,
                                   cols: inputs, rowStride: batch) { $0 &* batch }
    }

    /// `xᵀ`, kept for the sampled weight gradient.
    func transposeInput(_ x: Tensor) {
        let n = rows(x)
        transposedInput.resize([inputs, n])
        SparseKernels.transpose(x.readBuffer.baseAddress!, rows: n, cols: inputs, into: transposedInput.buffer.baseAddress!)
    }

    /// `dyᵀ`.
    func transposeOutputGradient(_ dy: Tensor) {
        let n = dy.count / outputs
        transposedOutputGrad.resize([outputs, n])
        SparseKernels.transpose(dy.readBuffer.baseAddress!, rows: n, cols: outputs, into: transposedOutputGrad.buffer.baseAddress!)
    }

    /// Runs `body(groups)` over the rows' groups split between the layer's threads.
    func splitGroups(_ rows: SparseRows, _ body: (Range<Int>) -> Void) {
        let ranges = Parallel.split(rows.groupCount, into: threads)
        Parallel.run(ranges.count, blasThreads: threads) { body(ranges[$0]) }
    }

    /// `y = x·(W ⊙ mask)ᵀ + b` with the sparse rows.
    /// - Complexity: `2·N·nnz` flops.
    func sparseForward(batch n: Int) {
        transposedResult.resize([outputs, n])
        transposedResult.fill(0)
        let rows = sparsity.forwardRows
        let xT = transposedInput.readBuffer.baseAddress!, yT = transposedResult.buffer.baseAddress!
        splitGroups(rows) { SparseKernels.addRows(rows, groups: $0, source: xT, destination: yT, length: n) }
        let y = output.buffer, b = bias.value.readBuffer
        for i in 0..<n {
            for o in 0..<outputs { y[i &* outputs &+ o] = yT[o &* n &+ i] + b[o] }
        }
    }

    /// The weight gradient at the mask's non-zeros only (zero elsewhere).
    /// - Complexity: `2·N·nnz` flops.
    func sampledWeightGradient(batch n: Int) {
        let dw = weight.grad.buffer
        dw.update(repeating: 0)
        let rows = sparsity.forwardRows
        let dyT = transposedOutputGrad.readBuffer.baseAddress!, xT = transposedInput.readBuffer.baseAddress!
        let out = dw.baseAddress!
        splitGroups(rows) { SparseKernels.addSampledGradient(rows, groups: $0, a: dyT, b: xT, length: n, into: out) }
    }

    /// SWAT's dense weight gradient from the inputs with `|x| ≥ τ`.
    /// - Complexity: `2·kept·outputs` flops.
    func sparseInputWeightGradient(_ x: Tensor, _ dy: Tensor) {
        let n = rows(x)
        transposedResult.resize([inputs, outputs])
        transposedResult.fill(0)
        let tau = sparsity.activationThreshold, (inputs, outputs) = (self.inputs, self.outputs)
        let xs = x.readBuffer.baseAddress!, g = dy.readBuffer.baseAddress!, dwT = transposedResult.buffer.baseAddress!
        let ranges = Parallel.split(inputs, into: threads)
        Parallel.run(ranges.count, blasThreads: threads) { t in
            SparseKernels.addSparseInputGradient(x: xs, threshold: tau, n: n, inputs: inputs, range: ranges[t], dy: g,
                                                 outputs: outputs, into: dwT)
        }
        SparseKernels.transpose(dwT, rows: inputs, cols: outputs, into: weight.grad.buffer.baseAddress!)
    }

    /// `dx = dy·(W ⊙ mask)` with the transposed sparse rows.
    /// - Complexity: `2·N·nnz` flops.
    func sparseInputGradient(batch n: Int) {
        let rows = sparsity.inputRows
        if !sparsity.inputRowsReady {
            rows.buildTransposed(of: sparsity.forwardRows, cols: inputs, rowStride: n) { $0 &* n }
            sparsity.inputRowsReady = true
        }
        transposedResult.resize([inputs, n])
        transposedResult.fill(0)
        let dyT = transposedOutputGrad.readBuffer.baseAddress!, dxT = transposedResult.buffer.baseAddress!
        splitGroups(rows) { SparseKernels.addRows(rows, groups: $0, source: dyT, destination: dxT, length: n) }
        SparseKernels.transpose(dxT, rows: inputs, cols: n, into: inputGrad.buffer.baseAddress!)
    }
}
