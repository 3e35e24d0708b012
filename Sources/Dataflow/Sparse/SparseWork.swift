import SparseSimCore

// MARK: - SparseWork

/// Exact counts of a layer's MACs from its real masks: which `(k, c, r, s, p, q)` have a
/// non-zero weight, a non-zero input, or both, per filter and per slice of output rows.
///
/// A MAC `(k, c, r, s, p, q)` multiplies weight `w[k, c, r, s]` by input
/// `x[c, p·stride + r − pad, q·stride + s − pad]`; a read outside the input (padding) is a zero
/// input. Work is summed per filter `k` as `Σ_{(c,r,s) kept} window[c, r, s]`, where
/// `window[c, r, s]` counts the output positions whose input under offset `(r, s)` is counted
/// (non-zero, or any position when the inputs are not exploited).
///
/// The counting is separable: computing every window once costs `O(C·R·S·P)` (stride 1, with
/// row prefix sums) and the filter sums `O(nnz(W))`, against `O(K·C·R·S·P·Q)` for the MACs.
package struct SparseWork: Sendable {
    /// The layer (one sample: `N` is ignored).
    package let shape: LayerShape
    /// Non-zero inputs of one sample, `C × H × W` row-major; nil: every input counts.
    package let inputs: Bitmask?
    /// Prefix sums of `inputs` along each input row: `C · H · (W + 1)` entries.
    let rowPrefix: [Int32]

    /// Counts over `inputs` (nil: inputs are not exploited, every position counts).
    /// - Precondition: `inputs.count == C · H · W` when given.
    package init(shape: LayerShape, inputs: Bitmask?) {
        if let inputs { precondition(inputs.count == shape.C * shape.H * shape.W, "input mask must be C x H x W") }
        self.shape = shape
        self.inputs = inputs
        guard let inputs else { rowPrefix = []; return }
        let rows = shape.C * shape.H, w = shape.W
        var prefix = [Int32](repeating: 0, count: rows * (w + 1))
        prefix.withUnsafeMutableBufferPointer { out in
            inputs.words.withUnsafeBufferPointer { words in
                for row in 0..<rows {
                    var sum: Int32 = 0
                    let base = row &* w, o = row &* (w &+ 1)
                    for x in 0..<w {
                        let i = base &+ x
                        if words[i >> 6] & (1 << UInt64(i & 63)) != 0 { sum &+= 1 }
                        out[o &+ x &+ 1] = sum
                    }
                }
            }
        }
        rowPrefix = prefix
    }

    // MARK: Windows

    /// For every `(c, r, s)` (absolute channel `c`), the output positions with `p` in `rows`
    /// whose input under offset `(r, s)` counts: `C · R · S` entries, row-major.
    /// - Precondition: `rows ⊆ 0..<P`.
    /// - Complexity: O(C·R·S·|rows|) at stride 1, O(C·R·S·|rows|·Q) otherwise.
    package func windows(outputRows rows: Range<Int>) -> [Int] {
        let l = shape
        precondition(rows.lowerBound >= 0 && rows.upperBound <= l.P, "output rows out of range")
        var out = [Int](repeating: 0, count: l.C * l.R * l.S)
        guard inputs != nil else {
            for i in out.indices { out[i] = rows.count * l.Q }
            return out
        }
        let st = l.stride, pad = l.padding, w = l.W, h = l.H, q = l.Q
        rowPrefix.withUnsafeBufferPointer { prefix in
            out.withUnsafeMutableBufferPointer { out in
                for c in 0..<l.C {
                    for r in 0..<l.R {
                        for s in 0..<l.S {
                            // Columns x = q·st + s − pad for q in 0..<Q, clipped to the input.
                            var total = 0
                            for p in rows {
                                let y = p &* st &+ r &- pad
                                guard y >= 0 && y < h else { continue }
                                let o = (c &* h &+ y) &* (w &+ 1)
                                if st == 1 {
                                    let lo = max(s &- pad, 0), hi = min(q &- 1 &+ s &- pad, w &- 1)
                                    if hi >= lo { total &+= Int(prefix[o &+ hi &+ 1] &- prefix[o &+ lo]) }
                                } else {
                                    for x in Swift.stride(from: s &- pad, to: q &* st &+ s &- pad, by: st) where x >= 0 && x < w {
                                        total &+= Int(prefix[o &+ x &+ 1] &- prefix[o &+ x])
                                    }
                                }
                            }
                            out[(c &* l.R &+ r) &* l.S &+ s] = total
                        }
                    }
                }
            }
        }
        return out
    }

    /// `windows(outputRows: p..<p+1)` for every output row `p` at once:
    /// `window[((c·R + r)·S + s)·P + p]`.
    /// - Complexity: O(C·R·S·P) at stride 1, O(C·R·S·P·Q) otherwise.
    func rowWindows() -> [Int] {
        let l = shape
        let P = l.P, q = l.Q, st = l.stride, pad = l.padding, w = l.W, h = l.H
        var out = [Int](repeating: inputs == nil ? q : 0, count: l.C * l.R * l.S * P)
        guard inputs != nil else { return out }
        rowPrefix.withUnsafeBufferPointer { prefix in
            out.withUnsafeMutableBufferPointer { out in
                for c in 0..<l.C {
                    for r in 0..<l.R {
                        for s in 0..<l.S {
                            let base = ((c &* l.R &+ r) &* l.S &+ s) &* P
                            let lo = max(s &- pad, 0), hi = min(q &- 1 &+ s &- pad, w &- 1)
                            for p in 0..<P {
                                let y = p &* st &+ r &- pad
                                guard y >= 0 && y < h else { continue }
                                let o = (c &* h &+ y) &* (w &+ 1)
                                if st == 1 {
                                    if hi >= lo { out[base &+ p] = Int(prefix[o &+ hi &+ 1] &- prefix[o &+ lo]) }
                                } else {
                                    // Columns x = q·st + s − pad inside the input: q in qlo...qhi.
                                    let first = s &- pad
                                    let qlo = first >= 0 ? 0 : (st &- 1 &- first) / st
                                    let qhi = first > w &- 1 ? -1 : min(q &- 1, (w &- 1 &- first) / st)
                                    var total = 0
                                    if qhi >= qlo {
                                        var x = qlo &* st &+ first
                                        for _ in qlo...qhi {
                                            total &+= Int(prefix[o &+ x &+ 1] &- prefix[o &+ x])
                                            x &+= st
                                        }
                                    }
                                    out[base &+ p] = total
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    // MARK: Input reads

    /// The input values of channel `c`, row `p·stride + r − pad`, that some window of output row
    /// `p` under filter row `r` uses: the non-zero ones, or all of them when `inputs` is nil
    /// (padding is not an input; a row in the padding has none).
    /// - Precondition: `c < C`, `r < R`, `p < P`.
    /// - Complexity: O(1) when `stride <= S`, O(Q·S) otherwise.
    func usedInputs(channel c: Int, filterRow r: Int, outputRow p: Int) -> Int {
        let l = shape
        let y = p * l.stride + r - l.padding
        guard y >= 0 && y < l.H else { return 0 }
        let o = (c * l.H + y) * (l.W + 1)
        func count(_ lo: Int, _ hi: Int) -> Int {  // columns lo...hi, clipped
            let a = max(lo, 0), b = min(hi, l.W - 1)
            guard b >= a else { return 0 }
            return inputs == nil ? b - a + 1 : Int(rowPrefix[o + b + 1] - rowPrefix[o + a])
        }
        if l.stride <= l.S { return count(-l.padding, (l.Q - 1) * l.stride + l.S - 1 - l.padding) }
        var total = 0
        for q in 0..<l.Q { total += count(q * l.stride - l.padding, q * l.stride + l.S - 1 - l.padding) }
        return total
    }

    // MARK: Filters

    /// Per filter `k`: `Σ window[c, r, s]` over its counted weights (`weights`' set bits, or all
    /// of them when nil), i.e. the MACs of filter `k` over the windows' output rows.
    /// - Precondition: `weights.count == K · C/groups · R · S`; `window.count == C · R · S`.
    /// - Complexity: O(K·C/groups·R·S / 64 + nnz(weights)).
    package func filterWork(weights: Bitmask?, windows window: [Int]) -> [Int] {
        let l = shape
        let cg = l.channelsPerGroup, rs = l.R * l.S, row = cg * rs
        let kPerGroup = max(l.K / max(l.groups, 1), 1)
        precondition(window.count == l.C * rs, "window count mismatch")
        var work = [Int](repeating: 0, count: l.K)
        window.withUnsafeBufferPointer { window in
            work.withUnsafeMutableBufferPointer { work in
                if let weights {
                    precondition(weights.count == l.K * row, "weight mask must be K x C/groups x R x S")
                    weights.forEachSetBit { i in
                        let k = i / row, j = i &- k &* row
                        let base = (k / kPerGroup) &* row
                        work[k] &+= window[base &+ j]
                    }
                } else {
                    // Every filter of a group sees the same windows: one sum per group.
                    var group = -1, sum = 0
                    for k in 0..<l.K {
                        let g = k / kPerGroup
                        if g != group {
                            group = g
                            sum = 0
                            let base = g &* row
                            for j in 0..<row { sum &+= window[base &+ j] }
                        }
                        work[k] = sum
                    }
                }
            }
        }
        return work
    }

    /// Per filter, MACs over all output rows (`filterWork` over `windows(outputRows: 0..<P)`).
    package func filterWork(weights: Bitmask?) -> [Int] {
        filterWork(weights: weights, windows: windows(outputRows: 0..<shape.P))
    }

    /// Non-zero weights per filter (`C/groups · R · S` each when `weights` is nil).
    /// - Precondition: `weights.count == K · C/groups · R · S` when given.
    static func nonzerosPerFilter(_ shape: LayerShape, weights: Bitmask?) -> [Int] {
        let row = shape.channelsPerGroup * shape.R * shape.S
        guard let weights else { return [Int](repeating: row, count: shape.K) }
        precondition(weights.count == shape.K * row, "weight mask must be K x C/groups x R x S")
        return weights.popcounts(sliceLength: row)
    }
}
