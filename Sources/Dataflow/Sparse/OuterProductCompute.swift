import SparseSimCore

// MARK: - OuterProductCompute

/// Compute cycles of a layer on an outer-product sparse tensor core that condenses both
/// operands with bitmaps: the Dual-side Sparse Tensor Core (Wang et al., ISCA 2021) as the
/// Sparseloop artifact describes it (its `architecture.yaml`, `Os-mapping.yaml` and
/// `sparse-opt.yaml`, in `../shared/validation/sparseloop/dstc`).
///
/// The layer is the GEMM `Z[M×N] = A[M×K] · B[N×K]ᵀ`: `A` the activations (im2col: one row per
/// output pixel, one column per reduction index `(c, r, s)`), `B` the weights (one row per
/// filter), `K = C/groups · R · S`. Output tiles of `tileA` pixels × `tileB` filters stay in the
/// accumulation buffer while the reduction streams through (`K` outermost at the buffer).
/// For each reduction index `k` the tile's `A` column chunk and `B` row chunk arrive as
/// bitmaps and are condensed to their non-zeros; the `rows × cols` multiplier array takes
/// `rows` non-zeros of `A` by `cols` of `B` a cycle, the outer product of the two condensed
/// vectors, so the step costs `⌈nnzA/rows⌉ · ⌈nnzB/cols⌉` cycles (position skipping of both
/// operands: an empty chunk costs nothing). Dense, a step is `⌈tileA/rows⌉ · ⌈tileB/cols⌉`.
///
/// Because a step's cost is a product, the cycles of index `k` over all tiles are
/// `(Σ_mtiles ⌈nnzA/rows⌉) · (Σ_ntiles ⌈nnzB/cols⌉)`, which is what makes the count
/// O(MK + NK) instead of O(MNK).
package struct OuterProductCompute: Sendable, Equatable {
    /// Cycles of the layer (one sample).
    package var computeCycles: Int
    /// Products computed: pairs of non-zeros (MACs performed).
    package var macs: Int
    /// Output tiles (`⌈M/tileA⌉ · ⌈N/tileB⌉` per group, over the groups).
    package var tiles: Int
    /// Products ÷ (cycles · rows · cols).
    package var mappingEfficiency: Double

    /// - Parameters:
    ///   - shape: the layer (one sample: `N` is ignored).
    ///   - weights: the weight mask (`K × C/groups × R × S`) when weight zeros are skipped; nil:
    ///     every weight is sent.
    ///   - inputs: one sample's input mask (`C × H × W`) when input zeros are skipped; nil:
    ///     every input is sent, padding zeros too (with a mask, padding is skipped like any zero).
    ///   - rows: `A` non-zeros a cycle; `cols`: `B` non-zeros a cycle.
    ///   - tileA: output pixels of a tile; `tileB`: filters of a tile.
    /// - Precondition: every size `>= 1`; masks sized to the layer.
    /// - Complexity: O(K · (P·Q + N)) per group, with `K = C/groups · R · S`.
    package init(shape l: LayerShape, weights: Bitmask?, inputs: Bitmask?, rows: Int, cols: Int, tileA: Int, tileB: Int) {
        precondition(rows >= 1 && cols >= 1 && tileA >= 1 && tileB >= 1, "sizes must be positive")
        let pixels = l.P * l.Q, cg = l.channelsPerGroup, rs = l.R * l.S
        let kPerGroup = max(l.K / max(l.groups, 1), 1)
        let mTiles = (pixels + tileA - 1) / tileA, nTiles = (kPerGroup + tileB - 1) / tileB
        var cycles = 0, macs = 0
        var aCounts = [Int](repeating: 0, count: mTiles)
        let inputWords = inputs?.words ?? [], weightWords = weights?.words ?? []
        func bit(_ w: UnsafeBufferPointer<UInt64>, _ i: Int) -> Bool { (w[i &>> 6] &>> UInt64(i & 63)) & 1 != 0 }
        inputWords.withUnsafeBufferPointer { xw in
            weightWords.withUnsafeBufferPointer { ww in
                for g in 0..<max(l.groups, 1) {
                    for ci in 0..<cg {
                        let c = g &* cg &+ ci
                        for r in 0..<l.R {
                            for s in 0..<l.S {
                                // A: non-zeros of each pixel tile at (c, r, s), one output row at a time.
                                if inputs != nil {
                                    for t in 0..<mTiles { aCounts[t] = 0 }
                                    // Output columns whose input column q·stride + s − padding lies in the row.
                                    let lo = min(l.Q, max(0, (l.padding &- s &+ l.stride &- 1) / l.stride))
                                    let last = l.W &- 1 &+ l.padding &- s
                                    let hi = last < 0 ? lo : max(lo, min(l.Q, last / l.stride &+ 1))
                                    for p in 0..<l.P {
                                        let y = p &* l.stride &+ r &- l.padding
                                        guard y >= 0, y < l.H, lo < hi else { continue }
                                        let rowBase = (c &* l.H &+ y) &* l.W &+ s &- l.padding, first = p &* l.Q
                                        if l.stride == 1 {
                                            // Contiguous inputs: count each tile's run with one popcount.
                                            var q = lo
                                            while q < hi {
                                                let tile = (first &+ q) / tileA
                                                let end = min(hi, (tile &+ 1) &* tileA &- first)
                                                aCounts[tile] &+= Bitmask.popcount(words: xw, from: rowBase &+ q, to: rowBase &+ end)
                                                q = end
                                            }
                                        } else {
                                            for q in lo..<hi where bit(xw, rowBase &+ q &* l.stride) { aCounts[(first &+ q) / tileA] &+= 1 }
                                        }
                                    }
                                } else {  // not skipped: every element is sent, padding zeros too
                                    for t in 0..<mTiles { aCounts[t] = min(tileA, pixels &- t &* tileA) }
                                }
                                var aSteps = 0, aNonZero = 0
                                for t in 0..<mTiles {
                                    aSteps &+= (aCounts[t] &+ rows &- 1) / rows
                                    aNonZero &+= aCounts[t]
                                }
                                // B: non-zeros of each filter tile at (ci, r, s).
                                var bSteps = 0, bNonZero = 0
                                let offset = (ci &* l.R &+ r) &* l.S &+ s, filterStride = cg &* rs
                                for t in 0..<nTiles {
                                    let lower = t &* tileB, upper = min(lower &+ tileB, kPerGroup)
                                    var n = upper &- lower
                                    if weights != nil {
                                        n = 0
                                        for f in lower..<upper where bit(ww, (g &* kPerGroup &+ f) &* filterStride &+ offset) { n &+= 1 }
                                    }
                                    bSteps &+= (n &+ cols &- 1) / cols
                                    bNonZero &+= n
                                }
                                cycles &+= aSteps &* bSteps
                                macs &+= aNonZero &* bNonZero
                            }
                        }
                    }
                }
            }
        }
        computeCycles = cycles
        self.macs = macs
        tiles = mTiles * nTiles * max(l.groups, 1)
        mappingEfficiency = cycles > 0 ? Double(macs) / (Double(cycles) * Double(rows * cols)) : 0
    }
}
