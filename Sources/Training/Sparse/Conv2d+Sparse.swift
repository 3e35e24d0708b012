// MARK: - Sparse kernels of Conv2d

/// Direct sparse convolution (stride 1, one group) on the flat zero-padded image: with
/// `Hp = H + 2·pad`, `Wp = W + 2·pad`, output position `j = p·Wp + q` reads the padded input at
/// `j + r·Wp + s`, so every non-zero weight `(k, c, r, s)` adds one contiguous run of
/// `L = (P − 1)·Wp + Q` inputs into filter `k`'s output row laid out with row stride `Wp`
/// (columns `q ≥ Q` are scratch and dropped). The input gradient is the adjoint (each non-zero
/// adds an output-gradient run into the padded input gradient), the sampled weight gradient
/// one dot product per non-zero, and SWAT's weight gradient a scatter from each kept input.
/// No im2col matrix is written in the sparse passes.
extension Conv2d {
    /// Whether the sparse kernels cover this layer's geometry.
    var supportsSparseKernels: Bool { stride == 1 && groups == 1 }

    /// The padded-image geometry for an `h × w` input.
    func paddedGeometry(h: Int, w: Int) -> (hp: Int, wp: Int, p: Int, q: Int, length: Int) {
        let hp = h &+ 2 &* padding, wp = w &+ 2 &* padding
        let p = hp &- kernel &+ 1, q = wp &- kernel &+ 1
        return (hp, wp, p, q, (p &- 1) &* wp &+ q)
    }

    /// Arranges the masked weights by filter for the forward pass and the sampled gradient.
    /// - Complexity: O(weights).
    func buildRows(h: Int, w: Int) {
        let (hp, wp, p, _, _) = paddedGeometry(h: h, w: w)
        let rs = kernel &* kernel, kernel = self.kernel
        sparsity.forwardRows.build(weight: weight.value.readBuffer, mask: sparsity.weightMask?.readBuffer, rows: outChannels,
                                   cols: inChannels &* rs, rowStride: p &* wp) { col in
            (col / rs) &* hp &* wp &+ (col % rs / kernel) &* wp &+ col % kernel
        }
    }

    /// Arranges the masked weights by `(c, r, s)` for the input gradient.
    /// - Complexity: O(non-zeros + C·R·S).
    func buildInputRows(h: Int, w: Int, p: Int) {
        let (hp, wp, _, _, _) = paddedGeometry(h: h, w: w)
        let rs = kernel &* kernel, kernel = self.kernel
        sparsity.inputRows.buildTransposed(of: sparsity.forwardRows, cols: inChannels &* rs, rowStride: p &* wp) { col in
            (col / rs) &* hp &* wp &+ (col % rs / kernel) &* wp &+ col % kernel
        }
        sparsity.inputRowsReady = true
    }

    /// The sparse forward pass: per image, pad, add the weight rows, copy out (plus bias).
    /// - Complexity: `2·N·nnz·L` flops.
    func sparseForward(_ x: Tensor, p: Int, q: Int) {
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (hp, wp, _, _, length) = paddedGeometry(h: h, w: w)
        let cin = inChannels, k = outChannels, wideRow = p &* wp, pq = p &* q
        let ranges = Parallel.split(n, into: threads)
        paddedScratch.resize([ranges.count, cin &* hp &* wp])
        wideScratch.resize([ranges.count, k &* wideRow])
        let xs = x.readBuffer, y = output.buffer, rows = sparsity.forwardRows, padding = self.padding
        let padded = paddedScratch.buffer, wide = wideScratch.buffer
        let bias = self.bias?.value.readBuffer
        Parallel.run(ranges.count, blasThreads: 1) { t in
            let xpad = padded.baseAddress! + t &* cin &* hp &* wp, ywide = wide.baseAddress! + t &* k &* wideRow
            for i in ranges[t] {
                SparseKernels.pad(xs.baseAddress! + i &* cin &* h &* w, channels: cin, h: h, w: w, padding: padding, into: xpad)
                ywide.update(repeating: 0, count: k &* wideRow)
                SparseKernels.addRows(rows, groups: 0..<rows.groupCount, source: xpad, destination: ywide, length: length)
                let out = y.baseAddress! + i &* k &* pq
                for kk in 0..<k {
                    let b: Float = bias?[kk] ?? 0
                    for pp in 0..<p {
                        let src = ywide + (kk &* wideRow &+ pp &* wp), dst = out + (kk &* pq &+ pp &* q)
                        for qq in 0..<q { dst[qq] = src[qq] + b }
                    }
                }
            }
        }
    }

    /// Sizes the per-thread scratch of the sparse backward passes; zeroes SWAT's partial sums.
    func prepareSparseScratch(pieces: Int, h: Int, w: Int, p: Int, q: Int) {
        let plan = sparsity.plan
        guard plan.weightGradient != .dense || plan.inputGradient else { return }
        let (hp, wp, _, _, _) = paddedGeometry(h: h, w: w)
        paddedScratch.resize([pieces, inChannels &* hp &* wp])
        wideScratch.resize([pieces, outChannels &* p &* wp])
        if plan.weightGradient == .sparseInput {
            transposedGradParts.resize([pieces, weight.value.count])
            transposedGradParts.fill(0)
        }
    }

    /// The sparse backward passes of one image (run on thread `piece`): the sampled or
    /// sparse-input weight gradient into `weightGradient` (SWAT's into the transposed partial
    /// sums of the piece) and, when given, the sparse input gradient into `inputGradient`.
    func sparseBackward(image i: Int, piece t: Int, x: UnsafeBufferPointer<Float>, dy: UnsafeBufferPointer<Float>,
                        p: Int, q: Int, h: Int, w: Int, weightGradient: UnsafeMutableBufferPointer<Float>,
                        inputGradient: UnsafeMutableBufferPointer<Float>?, threshold: Float) {
        let plan = sparsity.plan
        let (hp, wp, _, _, length) = paddedGeometry(h: h, w: w)
        let cin = inChannels, k = outChannels, plane = hp &* wp, wideRow = p &* wp, pq = p &* q
        let xpad = paddedScratch.buffer.baseAddress! + t &* cin &* plane
        let dyWide = wideScratch.buffer.baseAddress! + t &* k &* wideRow
        let xi = x.baseAddress! + i &* cin &* h &* w, dyi = dy.baseAddress! + i &* k &* pq
        if plan.weightGradient == .sampled || inputGradient != nil {
            SparseKernels.widen(dyi, rows: k, p: p, q: q, wide: wp, into: dyWide)
        }
        switch plan.weightGradient {
        case .dense: break
        case .sampled:
            SparseKernels.pad(xi, channels: cin, h: h, w: w, padding: padding, into: xpad)
            let rows = sparsity.forwardRows
            SparseKernels.addSampledGradient(rows, groups: 0..<rows.groupCount, a: dyWide, b: xpad, length: length,
                                             into: weightGradient.baseAddress!)
        case .sparseInput:
            SparseKernels.addSparseInputGradient(x: xi, threshold: threshold, channels: cin, h: h, w: w, kernel: kernel,
                                                 padding: padding, p: p, q: q, dy: dyi, k: k,
                                                 into: transposedGradParts.buffer.baseAddress! + t &* weight.value.count)
        }
        guard let dxi = inputGradient else { return }
        xpad.update(repeating: 0, count: cin &* plane)
        let rows = sparsity.inputRows
        SparseKernels.addRows(rows, groups: 0..<rows.groupCount, source: dyWide, destination: xpad, length: length)
        for c in 0..<cin {
            for hh in 0..<h {
                let src = xpad + (c &* plane &+ (hh &+ padding) &* wp &+ padding)
                (dxi.baseAddress! + (c &* h &+ hh) &* w).update(from: src, count: w)
            }
        }
    }

    /// SWAT: `dW[k][crs] = Σ_pieces gradientT[crs][k]`.
    func finishSparseInputGradient(pieces: Int) {
        let count = weight.value.count, k = outChannels, crs = count / k
        let parts = transposedGradParts.readBuffer, dw = weight.grad.buffer
        for kk in 0..<k {
            for j in 0..<crs {
                var s: Float = 0
                for t in 0..<pieces { s += parts[t &* count &+ j &* k &+ kk] }
                dw[kk &* crs &+ j] = s
            }
        }
    }
}
