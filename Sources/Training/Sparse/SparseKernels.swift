import CSparseKernels

// MARK: - SparseKernels

/// The sparse kernels of the weight layers: products with `SparseRows` (forward and input
/// gradient), the sampled weight gradient (only at the mask's non-zeros) and SWAT's weight
/// gradient from a sparse input (work proportional to the kept activations).
///
/// The inner loops are C (`CSparseKernels`), compiled for AVX-512, AVX2 + FMA and baseline
/// x86-64 and picked when the library loads: Swift code is built for baseline x86-64 (SSE2,
/// no FMA), which measured 3–4× slower on these memory-bound loops. Results depend on the
/// instruction set picked (FMA rounding, vector width), as sgemm's do on OpenBLAS's kernel.
enum SparseKernels {
    // MARK: Row updates

    /// `destination[dst(g) + j] += Σ_e value[e] · source[src(e) + j]` for `j < length`, for every
    /// group `g` of `rows` in `groups`.
    /// - Complexity: `2 · entries · length` flops.
    static func addRows(_ rows: SparseRows, groups: Range<Int>, source: UnsafePointer<Float>,
                        destination: UnsafeMutablePointer<Float>, length: Int) {
        guard !groups.isEmpty else { return }
        rows.destinationOffset.withUnsafeBufferPointer { dst in
            rows.groupStart.withUnsafeBufferPointer { start in
                rows.sourceOffset.withUnsafeBufferPointer { src in
                    rows.value.withUnsafeBufferPointer { val in
                        ss_add_rows(dst.baseAddress, start.baseAddress, groups.lowerBound, groups.upperBound, src.baseAddress,
                                    val.baseAddress, source, destination, length)
                    }
                }
            }
        }
    }

    // MARK: Sampled weight gradient

    /// `gradient[weightIndex[e]] += dot(a[dst(g) ..< +length], b[src(e) ..< +length])` for every
    /// entry `e` of group `g` in `groups`: the weight gradient at the non-zeros only (an SDDMM).
    /// - Complexity: `2 · entries · length` flops.
    static func addSampledGradient(_ rows: SparseRows, groups: Range<Int>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                   length: Int, into gradient: UnsafeMutablePointer<Float>) {
        guard !groups.isEmpty else { return }
        rows.destinationOffset.withUnsafeBufferPointer { dst in
            rows.groupStart.withUnsafeBufferPointer { start in
                rows.sourceOffset.withUnsafeBufferPointer { src in
                    rows.weightIndex.withUnsafeBufferPointer { index in
                        ss_sampled_gradient(dst.baseAddress, start.baseAddress, groups.lowerBound, groups.upperBound,
                                            src.baseAddress, index.baseAddress, a, b, length, gradient)
                    }
                }
            }
        }
    }

    /// `Σ a[j]·b[j]` for `j < n`, with 16 partial sums combined in a fixed order.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float { ss_dot(a, b, n) }

    // MARK: Sparse-input weight gradient (SWAT)

    /// SWAT's convolution weight gradient from the kept inputs of one image, transposed:
    /// `gradientT[(c·R + r)·S + s][k] += x[c, h, w] · dy[k, h + pad − r, w + pad − s]` for every
    /// input with `|x| ≥ threshold` (and non-zero) and every `(r, s)` whose output position lies
    /// inside `P × Q` (stride 1).
    /// - Precondition: `x` is `[C, H, W]`, `dy` is `[K, P, Q]`, `gradientT` is `[C·R·S, K]`.
    /// - Complexity: `2 · kept · R · S · K` flops, plus a transposed copy of `dy`.
    static func addSparseInputGradient(x: UnsafePointer<Float>, threshold: Float, channels: Int, h: Int, w: Int,
                                       kernel: Int, padding: Int, p: Int, q: Int, dy: UnsafePointer<Float>, k: Int,
                                       into gradientT: UnsafeMutablePointer<Float>) {
        ss_sparse_input_conv(x, threshold, channels, h, w, kernel, padding, p, q, dy, k, gradientT)
    }

    /// SWAT's linear weight gradient from the kept inputs, transposed:
    /// `gradientT[i][o] += x[n, i] · dy[n, o]` for every `|x[n, i]| ≥ threshold` (non-zero), for
    /// the inputs `i` in `range` (threads take disjoint ranges).
    /// - Precondition: `x` is `[N, inputs]`, `dy` is `[N, outputs]`, `gradientT` is `[inputs, outputs]`.
    /// - Complexity: `2 · kept · outputs` flops.
    static func addSparseInputGradient(x: UnsafePointer<Float>, threshold: Float, n: Int, inputs: Int, range: Range<Int>,
                                       dy: UnsafePointer<Float>, outputs: Int, into gradientT: UnsafeMutablePointer<Float>) {
        ss_sparse_input_linear(x, threshold, n, inputs, range.lowerBound, range.upperBound, dy, outputs, gradientT)
    }

    /// The instruction set the kernels run on: `avx512`, `avx2` or `baseline`.
    static var instructionSet: String { String(cString: ss_kernel_isa()) }

    // MARK: Layout helpers

    /// `out[j][i] = a[i][j]` for an `rows × cols` matrix `a` (blocked).
    /// - Complexity: O(rows · cols).
    static func transpose(_ a: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        let block = 32
        var i0 = 0
        while i0 < rows {
            let i1 = min(i0 &+ block, rows)
            var j0 = 0
            while j0 < cols {
                let j1 = min(j0 &+ block, cols)
                for i in i0..<i1 {
                    let src = a + i &* cols
                    for j in j0..<j1 { out[j &* rows &+ i] = src[j] }
                }
                j0 = j1
            }
            i0 = i1
        }
    }

    /// Copies `[C, H, W]` into the interior of a zeroed `[C, H + 2·pad, W + 2·pad]` buffer.
    static func pad(_ x: UnsafePointer<Float>, channels: Int, h: Int, w: Int, padding: Int,
                    into out: UnsafeMutablePointer<Float>) {
        let hp = h &+ 2 &* padding, wp = w &+ 2 &* padding
        out.update(repeating: 0, count: channels &* hp &* wp)
        for c in 0..<channels {
            for hh in 0..<h {
                let src = x + (c &* h &+ hh) &* w
                let dst = out + ((c &* hp &+ hh &+ padding) &* wp &+ padding)
                dst.update(from: src, count: w)
            }
        }
    }

    /// The `[rows][p, q]` planes of `a` laid out with row stride `wide ≥ q` and zeros in the
    /// extra columns (`out` holds `rows × p × wide`).
    static func widen(_ a: UnsafePointer<Float>, rows: Int, p: Int, q: Int, wide: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            for pp in 0..<p {
                let src = a + (r &* p &+ pp) &* q, dst = out + (r &* p &+ pp) &* wide
                dst.update(from: src, count: q)
                (dst + q).update(repeating: 0, count: wide &- q)
            }
        }
    }
}

// MARK: - SparseKernelsInfo

/// Facts about the sparse kernels, for benchmark reports.
package enum SparseKernelsInfo {
    /// The instruction set the sparse kernels' inner loops were dispatched to: `avx512`
    /// (x86-64-v4), `avx2` (x86-64-v3, with FMA) or `baseline`.
    package static var instructionSet: String { SparseKernels.instructionSet }
}
