import SparseSimCore
import Trace

// MARK: - Conv2d

/// A 2-D convolution over NCHW input with `[K, C/groups, R, S]` weights and a bias.
///
/// The general path lowers each image and channel group with im2col into a
/// `[C/g·R·S, P·Q]` matrix (kept for backward) and multiplies it by the weights with one
/// sgemm whose result lands directly in the NCHW output; the `1×1`, stride-1, unpadded case
/// multiplies each image's `[C, H·W]` block directly, with no copy. Images are split between
/// `threads` threads, each running single-threaded sgemm on its own images (cache-resident
/// im2col), which also parallelizes the lowering.
package final class Conv2d: WeightLayer, ThreadedLayer {
    package let name: String
    /// Input channels, filters, kernel size, stride, padding, groups.
    package let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, groups: Int
    /// `[K, C/groups, R, S]`.
    package let weight: Parameter
    /// `[K]`, or nil for a layer without bias (before BatchNorm).
    package let bias: Parameter?
    package var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    let columns = Tensor(shape: [0])
    var input: Tensor?

    // MARK: Sparsity

    package var weightDimensions: (k: Int, c: Int, r: Int, s: Int) { (outChannels, inChannels / groups, kernel, kernel) }
    package let sparsity = LayerSparsity()
    package var lastInput: Tensor? { input }
    package var lastOutput: Tensor? { input == nil ? nil : output }

    /// A convolution; Kaiming-normal weights (fan-in `C/g·R·S`, ReLU gain), zero bias.
    /// - Precondition: channels divisible by `groups`; `kernel, stride >= 1`; `padding >= 0`.
    package init(_ name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, bias: Bool = true, rng: inout RandomGenerator) {
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0, "channels must divide into groups")
        precondition(kernel >= 1 && stride >= 1 && padding >= 0, "bad convolution geometry")
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.groups = groups
        weight = Parameter(name: "\(name).weight", shape: [outChannels, inChannels / groups, kernel, kernel], decays: true)
        self.bias = bias ? Parameter(name: "\(name).bias", shape: [outChannels], decays: false) : nil
        let fanIn = inChannels / groups * kernel * kernel
        let std = (2 / Float(fanIn)).squareRoot()
        let w = weight.value.buffer
        for i in 0..<w.count { w[i] = rng.nextNormal() * std }
    }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 4, shape[1] == inChannels else {
            throw shapeError(name, "expects [N, \(inChannels), H, W] input, got \(shape)")
        }
        let p = LayerShape.outputSize(input: shape[2], kernel: kernel, stride: stride, padding: padding)
        let q = LayerShape.outputSize(input: shape[3], kernel: kernel, stride: stride, padding: padding)
        guard p >= 1, q >= 1 else {
            throw shapeError(name, "a \(kernel)x\(kernel) kernel does not fit a \(shape[2])x\(shape[3]) input with padding \(padding)")
        }
        return [shape[0], outChannels, p, q]
    }

    var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 && groups == 1 }

    /// Whether `backward` computes the input gradient (the model turns it off for its first
    /// layer, whose input is the data; `backward` then returns an empty tensor).
    package var computesInputGradient = true

    /// Threads for this layer's work (samples split between them); set through `Model.threads`.
    package var threads = 1
    let weightGradParts = Tensor(shape: [0])
    let columnGrad = Tensor(shape: [0])
    /// Whether `columns` holds the last forward pass's im2col matrix (per image).
    var columnsValid = false
    /// Whether the dense passes run on oneDNN (set through `Model.convolutionKernels`).
    package var usesOneDNN = false
    /// oneDNN's primitives per input geometry and thread count met so far (the training and the
    /// test batch).
    var oneDNNPrimitives: [OneDNNConvolution] = []
    /// The primitives the last forward pass ran on (backward runs on them too), or nil.
    var oneDNNPass: OneDNNConvolution?
    /// Per-thread scratch of the sparse kernels (Conv2d+Sparse.swift).
    let paddedScratch = Tensor(shape: [0]), wideScratch = Tensor(shape: [0])
    let transposedGradParts = Tensor(shape: [0])

    /// - Complexity: `2·N·K·(C/g)·R·S·P·Q` flops: per image and group, im2col then one sgemm
    ///   `[K/g × C/g·R·S] · [C/g·R·S × P·Q]` written straight into the NCHW output; with the
    ///   sparse kernel (a masked stride-1 layer below the crossover density), `2·N·nnz·P·Wp`
    ///   on the zero-padded image instead.
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        input = x
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let p = LayerShape.outputSize(input: h, kernel: kernel, stride: stride, padding: padding)
        let q = LayerShape.outputSize(input: w, kernel: kernel, stride: stride, padding: padding)
        output.resize([n, outChannels, p, q])
        // SWAT: only inputs with |x| ≥ τ are kept for the weight gradient; im2col copies values,
        // so thresholding the columns after the forward sgemm equals lowering the sparse input.
        let sparse = sparsity.beginForward(x, phase: phase)
        sparsity.planKernels(policy: .convolution, supported: supportsSparseKernels, phase: phase)
        let pointwise = isPointwise
        if sparse && pointwise { sparsity.keepSparseInput(x) }
        if sparsity.plan.usesRows { buildRows(h: h, w: w) }
        _ = sparsity.prepareDenseWeight(weight.value)
        let plan = sparsity.plan
        oneDNNPass = nil
        if plan.forward {
            columnsValid = false
            sparseForward(x, p: p, q: q)
        } else if usesOneDNN, !plan.inputGradient, plan.weightGradient == .dense, let conv = oneDNNConvolution(n: n, h: h, w: w) {
            // The whole batch at once; SWAT's threshold is applied to the input in backward.
            columnsValid = false
            conv.forward(x: x.readBuffer, weight: sparsity.backwardWeight(weight.value),
                         bias: bias?.value.readBuffer, y: output.buffer)
            oneDNNPass = conv
        } else {
            columnsValid = !pointwise
            denseForward(x, p: p, q: q, thresholdColumns: sparse)
        }
        return output
    }

    /// The im2col + sgemm forward pass.
    func denseForward(_ x: Tensor, p: Int, q: Int, thresholdColumns sparse: Bool) {
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let pq = p &* q, k = outChannels, cin = inChannels
        let cg = inChannels / groups, kg = outChannels / groups
        let rows = cg &* kernel &* kernel
        let pointwise = isPointwise
        if !pointwise { columns.resize([n, groups, rows, pq]) }
        let wt = sparsity.backwardWeight(weight.value)
        let tau = sparsity.activationThreshold
        let y = output.buffer, xs = x.readBuffer, col = columns.buffer
        let bias = self.bias?.value.readBuffer
        let (kernel, stride, padding, groups) = (self.kernel, self.stride, self.padding, self.groups)
        let ranges = Parallel.split(n, into: threads)
        Parallel.run(ranges.count, blasThreads: threads) { t in
            for i in ranges[t] {
                let xi = UnsafeBufferPointer(rebasing: xs[(i &* cin &* h &* w)...])
                for g in 0..<groups {
                    let b: UnsafeBufferPointer<Float>
                    var colI: UnsafeMutableBufferPointer<Float>?
                    if pointwise {
                        b = xi
                    } else {
                        let start = (i &* groups &+ g) &* rows &* pq
                        let lowered = UnsafeMutableBufferPointer(rebasing: col[start..<(start &+ rows &* pq)])
                        Self.im2col(xi, n: 1, channels: cin, h: h, w: w, firstChannel: g &* cg, groupChannels: cg,
                                    kernel: kernel, stride: stride, padding: padding, p: p, q: q, into: lowered)
                        b = UnsafeBufferPointer(lowered)
                        colI = lowered
                    }
                    BLAS.sgemm(m: kg, n: pq, k: rows, a: UnsafeBufferPointer(rebasing: wt[(g &* kg &* rows)...]), lda: rows,
                               b: b, ldb: pq, c: UnsafeMutableBufferPointer(rebasing: y[((i &* k &+ g &* kg) &* pq)...]), ldc: pq)
                    if sparse, let colI { Masking.keepLarge(colI, threshold: tau) }
                }
                if let bias { Self.addBias(bias, to: y, image: i, k: k, pq: pq) }
            }
        }
    }

    /// oneDNN's primitives for an `n × C × h × w` input (made on first use; nil when oneDNN
    /// refuses the geometry, which then runs on im2col).
    func oneDNNConvolution(n: Int, h: Int, w: Int) -> OneDNNConvolution? {
        if let conv = oneDNNPrimitives.first(where: { $0.serves(batch: n, height: h, width: w, threads: threads) }) {
            return conv
        }
        guard let conv = OneDNNConvolution(batch: n, channels: inChannels, height: h, width: w, filters: outChannels,
                                           kernel: kernel, stride: stride, padding: padding, groups: groups,
                                           bias: bias != nil, threads: threads) else { return nil }
        if oneDNNPrimitives.count == 4 { oneDNNPrimitives.removeFirst() }
        oneDNNPrimitives.append(conv)
        return conv
    }

    static func addBias(_ bias: UnsafeBufferPointer<Float>, to y: UnsafeMutableBufferPointer<Float>, image i: Int, k: Int, pq: Int) {
        for kk in 0..<k {
            let base = (i &* k &+ kk) &* pq, v = bias[kk]
            for j in 0..<pq { y[base &+ j] += v }
        }
    }

    /// - Complexity: `4·N·K·(C/g)·R·S·P·Q` flops: per image and group, `dW += dY·colᵀ` and
    ///   `dcol = Wᵀ·dY` (sgemm), then col2im into the image's input gradient; the sparse
    ///   kernels chosen at forward replace either product (Conv2d+Sparse.swift). Threads sum
    ///   their weight gradients in a fixed order.
    package func backward(_ dy: Tensor) -> Tensor {
        let x = input!
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (p, q) = (dy.shape[2], dy.shape[3])
        let pq = p &* q, k = outChannels, cin = inChannels
        let g = dy.readBuffer
        if let db = bias?.grad.buffer, oneDNNPass == nil {
            for kk in 0..<k { db[kk] = 0 }
            for i in 0..<n {
                for kk in 0..<k {
                    let base = (i &* k &+ kk) &* pq
                    var s: Float = 0
                    for j in 0..<pq { s += g[base &+ j] }
                    db[kk] += s
                }
            }
        }
        let needsInput = computesInputGradient
        inputGrad.resize(needsInput ? x.shape : [0])
        let plan = sparsity.plan
        let sparseInputs = sparsity.forwardSparseInputs, tau = sparsity.activationThreshold
        if let conv = oneDNNPass {
            var thresholded: UnsafeBufferPointer<Float>?
            if sparseInputs {
                columns.resize(x.shape)
                Masking.keepLarge(x.readBuffer, threshold: tau, into: columns.buffer)
                thresholded = columns.readBuffer
            }
            conv.backward(x: thresholded, dy: g, weight: sparsity.backwardWeight(weight.value), dw: weight.grad.buffer,
                          db: bias?.grad.buffer, dx: needsInput ? inputGrad.buffer : nil)
            return inputGrad
        }
        if plan.inputGradient && needsInput && !sparsity.inputRowsReady { buildInputRows(h: h, w: w, p: p) }
        let cg = inChannels / groups, kg = outChannels / groups
        let rows = cg &* kernel &* kernel
        let ranges = Parallel.split(n, into: threads)
        let weightCount = weight.value.count
        weightGradParts.resize([max(ranges.count - 1, 1), weightCount])
        columnGrad.resize([ranges.count, rows &* pq])
        let denseWeightGradient = plan.weightGradient == .dense, denseInputGradient = !plan.inputGradient
        // Columns for a dense weight gradient when the forward pass did not lower the input.
        let lowersAgain = denseWeightGradient && !isPointwise && !columnsValid
        if lowersAgain { columns.resize([ranges.count, groups, rows, pq]) }
        prepareSparseScratch(pieces: ranges.count, h: h, w: w, p: p, q: q)
        let dx = inputGrad.buffer, col = columns.buffer
        let xs = sparseInputs && isPointwise ? sparsity.sparseInput.readBuffer : x.readBuffer
        let wt = denseInputGradient ? sparsity.backwardWeight(weight.value) : weight.value.readBuffer
        let parts = weightGradParts.buffer, dcols = columnGrad.buffer, dw = weight.grad.buffer
        let pointwise = isPointwise
        let (kernel, stride, padding, groups) = (self.kernel, self.stride, self.padding, self.groups)
        Parallel.run(ranges.count, blasThreads: threads) { t in
            let dwT = t == 0 ? dw : UnsafeMutableBufferPointer(rebasing: parts[((t &- 1) &* weightCount)...])
            let dcol = UnsafeMutableBufferPointer(rebasing: dcols[(t &* rows &* pq)...])
            if !denseWeightGradient { dwT.update(repeating: 0) }
            for (j, i) in ranges[t].enumerated() {
                let dxi = needsInput ? UnsafeMutableBufferPointer(rebasing: dx[(i &* cin &* h &* w)..<((i &+ 1) &* cin &* h &* w)])
                    : UnsafeMutableBufferPointer(rebasing: dx[0..<0])
                if !denseWeightGradient || !denseInputGradient {
                    self.sparseBackward(image: i, piece: t, x: x.readBuffer, dy: g, p: p, q: q, h: h, w: w,
                                        weightGradient: dwT, inputGradient: needsInput && !denseInputGradient ? dxi : nil,
                                        threshold: tau)
                }
                for gi in 0..<groups {
                    let dyG = UnsafeBufferPointer(rebasing: g[((i &* k &+ gi &* kg) &* pq)...])
                    if denseWeightGradient {
                        let colI: UnsafeBufferPointer<Float>
                        if pointwise {
                            colI = UnsafeBufferPointer(rebasing: xs[(i &* cin &* pq)...])
                        } else if lowersAgain {
                            let start = (t &* groups &+ gi) &* rows &* pq
                            let lowered = UnsafeMutableBufferPointer(rebasing: col[start..<(start &+ rows &* pq)])
                            Self.im2col(UnsafeBufferPointer(rebasing: x.readBuffer[(i &* cin &* h &* w)...]), n: 1,
                                        channels: cin, h: h, w: w, firstChannel: gi &* cg, groupChannels: cg, kernel: kernel,
                                        stride: stride, padding: padding, p: p, q: q, into: lowered)
                            if sparseInputs { Masking.keepLarge(lowered, threshold: tau) }
                            colI = UnsafeBufferPointer(lowered)
                        } else {
                            colI = UnsafeBufferPointer(rebasing: col[((i &* groups &+ gi) &* rows &* pq)...])
                        }
                        BLAS.sgemm(transB: true, m: kg, n: rows, k: pq, a: dyG, lda: pq, b: colI, ldb: pq, beta: j == 0 ? 0 : 1,
                                   c: UnsafeMutableBufferPointer(rebasing: dwT[(gi &* kg &* rows)...]), ldc: rows)
                    }
                    if !needsInput || !denseInputGradient { continue }
                    let wG = UnsafeBufferPointer(rebasing: wt[(gi &* kg &* rows)...])
                    if pointwise {
                        BLAS.sgemm(transA: true, m: rows, n: pq, k: kg, a: wG, lda: rows, b: dyG, ldb: pq, c: dxi, ldc: pq)
                    } else {
                        BLAS.sgemm(transA: true, m: rows, n: pq, k: kg, a: wG, lda: rows, b: dyG, ldb: pq, c: dcol, ldc: pq)
                        let plane = h &* w
                        for e in (gi &* cg &* plane)..<((gi &+ 1) &* cg &* plane) { dxi[e] = 0 }
                        Self.col2im(UnsafeBufferPointer(dcol), n: 1, channels: cin, h: h, w: w, firstChannel: gi &* cg,
                                    groupChannels: cg, kernel: kernel, stride: stride, padding: padding, p: p, q: q, into: dxi)
                    }
                }
            }
        }
        for t in 1..<max(ranges.count, 1) {
            let part = UnsafeBufferPointer(rebasing: parts[((t &- 1) &* weightCount)...])
            for j in 0..<weightCount { dw[j] += part[j] }
        }
        if plan.weightGradient == .sparseInput { finishSparseInputGradient(pieces: ranges.count) }
        return inputGrad
    }

    package func layerShapes(input shape: [Int]) -> [LayerShape] {
        [.conv(name, N: shape[0], K: outChannels, C: inChannels, R: kernel, H: shape[2], W: shape[3], stride: stride,
               padding: padding, groups: groups)]
    }

    // MARK: Lowering

    /// Writes the `[groupChannels·R·S, N·P·Q]` im2col matrix of channels
    /// `firstChannel..<firstChannel+groupChannels` (zeros where the window covers padding).
    /// - Complexity: O(groupChannels·R·S·N·P·Q).
    static func im2col(_ x: UnsafeBufferPointer<Float>, n: Int, channels: Int, h: Int, w: Int, firstChannel: Int,
                       groupChannels: Int, kernel: Int, stride: Int, padding: Int, p: Int, q: Int,
                       into col: UnsafeMutableBufferPointer<Float>) {
        let cols = n &* p &* q
        for c in 0..<groupChannels {
            for r in 0..<kernel {
                for s in 0..<kernel {
                    let row = ((c &* kernel) &+ r) &* kernel &+ s
                    // Output columns whose input column s − padding + qq·stride lies inside the row.
                    let lo = min(q, max(0, (padding &- s &+ stride &- 1) / stride))
                    let last = w &- 1 &+ padding &- s
                    let hi = last < 0 ? lo : max(lo, min(q, last / stride &+ 1))
                    var out = row &* cols
                    for i in 0..<n {
                        let plane = (i &* channels &+ firstChannel &+ c) &* h &* w
                        for pp in 0..<p {
                            let ih = pp &* stride &+ r &- padding
                            if ih < 0 || ih >= h {
                                for j in 0..<q { col[out &+ j] = 0 }
                            } else {
                                let rowBase = plane &+ ih &* w
                                for qq in 0..<lo { col[out &+ qq] = 0 }
                                if stride == 1 {
                                    let shift = rowBase &+ s &- padding
                                    for qq in lo..<hi { col[out &+ qq] = x[shift &+ qq] }
                                } else {
                                    for qq in lo..<hi { col[out &+ qq] = x[rowBase &+ qq &* stride &+ s &- padding] }
                                }
                                for qq in hi..<q { col[out &+ qq] = 0 }
                            }
                            out &+= q
                        }
                    }
                }
            }
        }
    }

    /// Adds the im2col-shaped gradient `col` back into `dx` (the adjoint of `im2col`).
    static func col2im(_ col: UnsafeBufferPointer<Float>, n: Int, channels: Int, h: Int, w: Int, firstChannel: Int,
                       groupChannels: Int, kernel: Int, stride: Int, padding: Int, p: Int, q: Int,
                       into dx: UnsafeMutableBufferPointer<Float>) {
        let cols = n &* p &* q
        for c in 0..<groupChannels {
            for r in 0..<kernel {
                for s in 0..<kernel {
                    let row = ((c &* kernel) &+ r) &* kernel &+ s
                    // Output columns whose input column s − padding + qq·stride lies inside the row.
                    let lo = min(q, max(0, (padding &- s &+ stride &- 1) / stride))
                    let last = w &- 1 &+ padding &- s
                    let hi = last < 0 ? lo : max(lo, min(q, last / stride &+ 1))
                    var src = row &* cols
                    for i in 0..<n {
                        let plane = (i &* channels &+ firstChannel &+ c) &* h &* w
                        for pp in 0..<p {
                            let ih = pp &* stride &+ r &- padding
                            if ih >= 0 && ih < h {
                                let rowBase = plane &+ ih &* w
                                if stride == 1 {
                                    let shift = rowBase &+ s &- padding
                                    for qq in lo..<hi { dx[shift &+ qq] += col[src &+ qq] }
                                } else {
                                    for qq in lo..<hi { dx[rowBase &+ qq &* stride &+ s &- padding] += col[src &+ qq] }
                                }
                            }
                            src &+= q
                        }
                    }
                }
            }
        }
    }
}
