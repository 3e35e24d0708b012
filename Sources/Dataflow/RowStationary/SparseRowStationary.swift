import SparseSimCore

// MARK: - SparseRowStationary

/// Compute cycles of one sample on a row-stationary array whose PEs process compressed operands
/// (Eyeriss v2: Chen, Yang, Emer, Sze, "Eyeriss v2: A Flexible Accelerator for Emerging Deep
/// Neural Networks on Mobile Devices", JETCAS 2019), with every PE's work counted from the real
/// masks.
///
/// The mapping is a dense row-stationary mapping (`RowStationaryMapping`): in a pass, PE
/// `(set, i, j)` holds filter row `r` (from `i` and the fold), output row `p` (from `j` and the
/// strip), a chunk of `p` filters and a chunk of `q` input channels of one channel group. It
/// walks the non-zero inputs of its input row `y = p·stride + r − pad` in its channels (one per
/// cycle) and, for each, the non-zero weights of the matching CSC column across its filters,
/// `simd` MACs per cycle. Its cycles in the pass are
///
///     max(⌈work / simd⌉, inputs read)
///
/// — `work` the MACs whose skipped operands are non-zero (`Σ_{k,c,s kept} window[c, r, s, p]`),
/// `inputs read` the non-zero (or, inputs not skipped, all) input values of the row that some
/// window uses. A pass lasts as long as its slowest PE, so skew between filters, channels and
/// rows is load imbalance.
///
/// With dense masks and one MAC per cycle the cycles equal `RowStationaryMapping.computeCycles`.
package struct SparseRowStationary: Sendable, Equatable {
    /// Cycles of all passes of the sample.
    package var computeCycles: Int
    /// MACs the PEs perform.
    package var macs: Int
    /// Passes.
    package var passes: Int
    /// `Σ_passes max PE cycles ÷ Σ_passes mean PE cycles` over the PEs given work (1 = balanced).
    package var loadImbalance: Double
    /// Mean over passes of PEs given work ÷ PEs.
    package var mappingEfficiency: Double

    /// - Parameters:
    ///   - mapping: the layer's row-stationary mapping (its `N` is ignored: one sample).
    ///   - weights: the weight mask when weight zeros are skipped; nil: every weight is worked.
    ///   - work: counts over one sample's inputs (built with the input mask when input zeros are
    ///     skipped).
    ///   - simd: MACs per PE per cycle (Eyeriss v2: 2, two filters sharing an input).
    /// - Precondition: `simd >= 1`; `work.shape` is the mapping's layer.
    /// - Complexity: O(nnz(W) + K·C/groups·R·S/p + d·P + C·R·S·P + passes · PEs), `p` the filters
    ///   per PE and `d` the distinct (filter chunk, c, r, s) with a kept weight.
    package init(mapping m: RowStationaryMapping, work: SparseWork, weights: Bitmask?, simd: Int) {
        precondition(simd >= 1, "simd must be at least 1")
        let l = work.shape
        let d = m.shape
        precondition(l.K == d.K && l.C == d.C && l.P == d.P && l.R == d.R, "work and mapping shapes differ")
        let G = l.groups, kg = d.kg, cg = d.cg, R = l.R, S = l.S, P = l.P, rs = R * S
        let kPerSet = RowStationaryMapping.ceilDiv(kg, m.filterSets), cPerSet = RowStationaryMapping.ceilDiv(cg, m.channelSets)
        let kChunks = RowStationaryMapping.ceilDiv(kPerSet, m.filtersPerPE), cChunks = RowStationaryMapping.ceilDiv(cPerSet, m.channelsPerPE)
        let nK = m.filterSets * kChunks, nC = m.channelSets * cChunks
        // Chunk index of a filter (channel) within its group.
        func kIndex(_ kk: Int) -> Int { let set = kk / kPerSet; return set * kChunks + (kk - set * kPerSet) / m.filtersPerPE }
        func cIndex(_ cc: Int) -> Int { let set = cc / cPerSet; return set * cChunks + (cc - set * cPerSet) / m.channelsPerPE }
        let kOf = (0..<kg).map(kIndex), cOf = (0..<cg).map(cIndex)
        var filtersIn = [Int](repeating: 0, count: nK), channelsIn = [Int](repeating: 0, count: nC)
        for i in kOf { filtersIn[i] += 1 }
        for i in cOf { channelsIn[i] += 1 }

        // window[((c·R + r)·S + s)·P + p]: output positions of row p whose input under (r, s) counts.
        let window = work.rowWindows()

        // With a weight mask, cells[(((g·nK + kIdx)·nC + cIdx)·R + r)·P + p] is the PE's work:
        // the kept weights are first counted per filter chunk and (c, r, s), then each count
        // scales its window row. Without one, every filter of a chunk does its channels' work:
        // sums[((g·nC + cIdx)·R + r)·P + p], times the chunk's filters.
        let weighted = weights != nil
        var cells = [Int](repeating: 0, count: weighted ? G * nK * nC * R * P : 0)
        var sums = [Int](repeating: 0, count: weighted ? 0 : G * nC * R * P)
        window.withUnsafeBufferPointer { window in
            if let weights {
                let row = cg * rs
                precondition(weights.count == l.K * row, "weight mask must be K x C/groups x R x S")
                var counts = [Int32](repeating: 0, count: G * nK * row)
                counts.withUnsafeMutableBufferPointer { counts in
                    kOf.withUnsafeBufferPointer { kOf in
                        weights.forEachSetBit { i in
                            let k = i / row, j = i &- k &* row, g = k / kg
                            counts[(g &* nK &+ kOf[k &- g &* kg]) &* row &+ j] &+= 1
                        }
                    }
                    cells.withUnsafeMutableBufferPointer { cells in
                        for gk in 0..<(G * nK) {
                            let g = gk / nK
                            for j in 0..<row {
                                let n = Int(counts[gk &* row &+ j])
                                guard n > 0 else { continue }
                                let cc = j / rs, rsIndex = j &- cc &* rs, r = rsIndex / S
                                let cell = ((gk &* nC &+ cOf[cc]) &* R &+ r) &* P
                                let source = ((g &* cg &+ cc) &* rs &+ rsIndex) &* P
                                if n == 1 {  // the common case at low density: no multiply
                                    for p in 0..<P { cells[cell &+ p] &+= window[source &+ p] }
                                } else {
                                    for p in 0..<P { cells[cell &+ p] &+= n &* window[source &+ p] }
                                }
                            }
                        }
                    }
                }
            } else {
                sums.withUnsafeMutableBufferPointer { sums in
                    for g in 0..<G {
                        for cc in 0..<cg {
                            for r in 0..<R {
                                let cell = ((g &* nC &+ cOf[cc]) &* R &+ r) &* P
                                for s in 0..<S {
                                    let source = (((g &* cg &+ cc) &* R &+ r) &* S &+ s) &* P
                                    for p in 0..<P { sums[cell &+ p] &+= window[source &+ p] }
                                }
                            }
                        }
                    }
                }
            }
        }

        // reads[((g·nC + cIdx)·R + r)·P + p]: input values the PE reads.
        var reads = [Int](repeating: 0, count: G * nC * R * P)
        for g in 0..<G {
            for cc in 0..<cg {
                for r in 0..<R {
                    for p in 0..<P {
                        reads[((g * nC + cOf[cc]) * R + r) * P + p] += work.usedInputs(channel: g * cg + cc, filterRow: r, outputRow: p)
                    }
                }
            }
        }

        // Passes: strips × group chunks × filter chunks × channel chunks × row folds.
        var total = 0, performed = 0, passCount = 0
        var maxSum = 0.0, meanSum = 0.0, activeSum = 0.0
        let peCount = Double(m.rows * m.cols)
        let h = m.setHeight, e = m.setWidth
        cells.withUnsafeBufferPointer { cells in
            sums.withUnsafeBufferPointer { sums in
                reads.withUnsafeBufferPointer { reads in
                    for strip in 0..<m.strips {
                        let p0 = strip &* e, p1 = min(p0 &+ e, P)
                        for gChunk in 0..<RowStationaryMapping.ceilDiv(G, m.groupSets) {
                            for kc in 0..<kChunks {
                                for cChunk in 0..<cChunks {
                                    for fold in 0..<m.rowFolds {
                                        let r0 = fold &* h, r1 = min(r0 &+ h, R)
                                        var worst = 0, sum = 0, busy = 0
                                        for tg in 0..<m.groupSets {
                                            let g = gChunk &* m.groupSets &+ tg
                                            guard g < G else { break }
                                            for tk in 0..<m.filterSets {
                                                let kIdx = tk &* kChunks &+ kc
                                                let filters = filtersIn[kIdx]
                                                guard filters > 0 else { continue }
                                                for tc in 0..<m.channelSets {
                                                    let cIdx = tc &* cChunks &+ cChunk
                                                    guard channelsIn[cIdx] > 0 else { continue }
                                                    let readBase = (g &* nC &+ cIdx) &* R
                                                    let cellBase = ((g &* nK &+ kIdx) &* nC &+ cIdx) &* R
                                                    for r in r0..<r1 {
                                                        let x0 = (readBase &+ r) &* P, w0 = (cellBase &+ r) &* P
                                                        for p in p0..<p1 {
                                                            let w = weighted ? cells[w0 &+ p] : filters &* sums[x0 &+ p]
                                                            let c = max((w &+ simd &- 1) / simd, reads[x0 &+ p])
                                                            performed &+= w
                                                            worst = max(worst, c)
                                                            sum &+= c
                                                        }
                                                        busy &+= p1 &- p0
                                                    }
                                                }
                                            }
                                        }
                                        guard busy > 0 else { continue }
                                        total &+= worst
                                        maxSum += Double(worst)
                                        meanSum += Double(sum) / Double(busy)
                                        activeSum += Double(busy) / peCount
                                        passCount &+= 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        computeCycles = total
        macs = performed
        passes = passCount
        loadImbalance = meanSum > 0 ? maxSum / meanSum : 1
        mappingEfficiency = passCount > 0 ? activeSum / Double(passCount) : 0
    }
}
