import CSparseKernels
import Foundation
import SparseSimCore

// MARK: - CartesianProductCompute

/// Compute cycles of a layer on SCNN's PT-IS-CP-sparse dataflow (Parashar et al., ISCA 2017),
/// with each PE's work counted from the real masks.
///
/// - **Planar tiling, input stationary.** The input plane `H × W` is cut into `rows × cols`
///   tiles, one per PE; a PE keeps its tile's (non-zero) inputs of every channel.
/// - **Cartesian product.** Filters go in groups of `Kc` output channels. For each group and
///   input channel `c`, the group's non-zero weights of channel `c` (`nW`) are broadcast to
///   every PE, which multiplies vectors of `F` weights by vectors of `I` of its non-zero inputs
///   of channel `c` (`nI`): `⌈nW/F⌉ · ⌈nI/I⌉` cycles, `nW · nI` products — every product is
///   computed, including those that land in the halo or, at stride > 1, on no output at all.
/// - **Accumulator banks.** Products are scattered to `A` accumulator banks; a bank takes one
///   product a cycle. With the banks' queues absorbing bursts within a group, a PE's group
///   costs `max(Σ_c multiplier cycles, E[max bank load])` where the expected most-loaded bank
///   of `n` products over `A` banks uses the Poisson approximation
///   `E[max] = Σ_t (1 − F_λ(t)^A)`, `λ = n/A` (for `λ > 64`: `λ + √(2λ ln A)`).
/// - **Barrier.** PEs synchronize after each group, so a group costs its slowest PE.
/// - **Halos.** Partial sums a PE computes for outputs owned by a neighbour are sent once per
///   group (`haloValues`, counted for energy, overlapped with compute).
package struct CartesianProductCompute: Sendable, Equatable {
    /// Cycles of all groups.
    package var computeCycles: Int
    /// Products computed (MACs performed).
    package var macs: Int
    /// Output-channel groups.
    package var groups: Int
    /// `Σ_groups max PE cycles ÷ Σ_groups mean PE cycles` over the PEs holding inputs (a PE whose
    /// inputs are all zero counts with no work).
    package var loadImbalance: Double
    /// Mean over groups of PEs holding inputs ÷ PEs.
    package var mappingEfficiency: Double
    /// Partial sums sent to a neighbouring PE's accumulators.
    package var haloValues: Int
    /// Cycles added by accumulator-bank conflicts (over multiplier-bound cycles).
    package var bankStallCycles: Int

    /// - Parameters:
    ///   - weights: the weight mask when weight zeros are skipped; nil: all weights are sent.
    ///   - inputs: one sample's input mask (`C × H × W`) when input zeros are skipped.
    ///   - weightVector: `F`; `inputVector`: `I`; `banks`: `A`; `channelGroup`: `Kc`.
    /// - Precondition: every size `>= 1`; masks sized to the layer.
    /// - Complexity: O(nnz(W) + nnz(x) + (K/Kc) · rows·cols · C).
    package init(shape l: LayerShape, weights: Bitmask?, inputs: Bitmask?, rows: Int, cols: Int,
                weightVector: Int, inputVector: Int, banks: Int, channelGroup: Int) {
        precondition(rows >= 1 && cols >= 1 && weightVector >= 1 && inputVector >= 1 && banks >= 1 && channelGroup >= 1,
                     "sizes must be positive")
        let c = l.C, rs = l.R * l.S, cg = l.channelsPerGroup
        let kPerGroup = max(l.K / max(l.groups, 1), 1)
        let kc = min(channelGroup, l.K)
        let groupCount = (l.K + kc - 1) / kc
        let tiles = rows * cols

        // Tile of each input row and column (balanced contiguous cuts).
        let tileRow = (0..<l.H).map { y in min(y * rows / max(l.H, 1), rows - 1) }
        let tileCol = (0..<l.W).map { x in min(x * cols / max(l.W, 1), cols - 1) }

        // Inputs per tile (its area), and nI[t · C + c]: counted inputs of channel c in tile t.
        var area = [Int](repeating: 0, count: tiles)
        for y in 0..<l.H { for x in 0..<l.W { area[tileRow[y] * cols + tileCol[x]] += 1 } }
        var nI = [Int](repeating: 0, count: tiles * c)
        if let inputs {
            precondition(inputs.count == c * l.H * l.W, "input mask must be C x H x W")
            // Per channel and input row, a popcount of each tile column's span of the row.
            let spans = (0..<cols).map { tx in
                (tileCol.firstIndex(of: tx) ?? 0)..<((tileCol.lastIndex(of: tx) ?? -1) + 1)
            }
            inputs.words.withUnsafeBufferPointer { words in
                for ch in 0..<c {
                    for y in 0..<l.H {
                        let base = (ch * l.H + y) * l.W, tileBase = tileRow[y] * cols
                        for tx in 0..<cols where !spans[tx].isEmpty {
                            nI[(tileBase + tx) * c + ch] += Bitmask.popcount(
                                words: words, from: base + spans[tx].lowerBound, to: base + spans[tx].upperBound)
                        }
                    }
                }
            }
        } else {
            for t in 0..<tiles { for ch in 0..<c { nI[t * c + ch] = area[t] } }
        }

        // nW[g · C + c]: counted weights of channel c in output-channel group g.
        var nW = [Int](repeating: 0, count: groupCount * c)
        let row = cg * rs
        if let weights {
            precondition(weights.count == l.K * row, "weight mask must be K x C/groups x R x S")
            // Kept weights per (filter, channel) kernel slice, summed into the filter's group.
            let slices = weights.popcounts(sliceLength: rs)
            for k in 0..<l.K {
                let base = (k / kc) * c + (k / kPerGroup) * cg
                for j in 0..<cg { nW[base + j] += slices[k * cg + j] }
            }
        } else {
            for k in 0..<l.K { for j in 0..<cg { nW[(k / kc) * c + (k / kPerGroup) * cg + j] += rs } }
        }

        // Vector counts per (group, channel) and (tile, channel), divided once; the per-tile sums
        // of each group in C (vectorized) when no sum can exceed Int32.
        let vW = nW.map { Int32(($0 + weightVector - 1) / weightVector) }
        let vI = nI.map { Int32(($0 + inputVector - 1) / inputVector) }
        let bound = (nW.max() ?? 0) * (nI.max() ?? 0) * c
        let narrow = bound < Int(Int32.max)
        let nW32 = narrow ? nW.map { Int32($0) } : [], nI32 = narrow ? nI.map { Int32($0) } : []
        var multiplier = [Int64](repeating: 0, count: tiles), count = [Int64](repeating: 0, count: tiles)
        let logBanks = log(Double(banks))
        var total = 0, products = 0, stalls = 0, maxSum = 0.0, meanSum = 0.0, active = 0
        for g in 0..<groupCount {
            let wBase = g * c
            if narrow {
                vW.withUnsafeBufferPointer { vw in
                    nW32.withUnsafeBufferPointer { nw in
                        ss_cartesian_group(vw.baseAddress! + wBase, nw.baseAddress! + wBase, vI, nI32, c, tiles,
                                           &multiplier, &count)
                    }
                }
            } else {
                for t in 0..<tiles {
                    var m = 0, n = 0
                    for ch in 0..<c {
                        m += Int(vW[wBase + ch]) * Int(vI[t * c + ch])
                        n += nW[wBase + ch] * nI[t * c + ch]
                    }
                    multiplier[t] = Int64(m)
                    count[t] = Int64(n)
                }
            }
            var worst = 0, sum = 0, busy = 0
            for t in 0..<tiles {
                let m = Int(multiplier[t]), n = Int(count[t])
                // Banks bind only for short groups: E[max] < λ + √(2λ ln A) + ln A + 1.
                var cycles = m
                if n > 0 {
                    let lambda = Double(n) / Double(banks)
                    if Double(m) < lambda + (2 * lambda * logBanks).squareRoot() + logBanks + 1 {
                        cycles = max(m, Self.expectedMaxLoad(products: n, banks: banks))
                    }
                }
                stalls += cycles - m
                products += n
                worst = max(worst, cycles)
                if area[t] > 0 {
                    sum += cycles
                    busy += 1
                }
            }
            total += worst
            maxSum += Double(worst)
            if busy > 0 { meanSum += Double(sum) / Double(busy) }
            active += busy
        }

        // Output positions each tile's inputs touch, beyond the P·Q each output has once.
        var touched = 0
        for t in 0..<tiles {
            let ty = t / cols, tx = t % cols
            guard let ys = tileRow.firstIndex(of: ty), let xs = tileCol.firstIndex(of: tx) else { continue }
            let ye = tileRow.lastIndex(of: ty)!, xe = tileCol.lastIndex(of: tx)!
            touched += Self.outputs(touchedBy: ys...ye, kernel: l.R, stride: l.stride, padding: l.padding, size: l.P)
                * Self.outputs(touchedBy: xs...xe, kernel: l.S, stride: l.stride, padding: l.padding, size: l.Q)
        }
        computeCycles = total
        macs = products
        groups = groupCount
        bankStallCycles = stalls
        loadImbalance = meanSum > 0 ? maxSum / meanSum : 1
        mappingEfficiency = groupCount > 0 ? Double(active) / Double(groupCount * tiles) : 0
        haloValues = l.K * max(touched - l.P * l.Q, 0)
    }

    /// Output indices `o` in `0..<size` reading an input in `inputs` (`o·stride + r − pad`).
    static func outputs(touchedBy inputs: ClosedRange<Int>, kernel: Int, stride: Int, padding: Int, size: Int) -> Int {
        // o·stride + r − pad ∈ inputs for some r in 0..<kernel.
        let lo = max(0, Int((Double(inputs.lowerBound + padding - kernel + 1) / Double(stride)).rounded(.up)))
        let hi = min(size - 1, (inputs.upperBound + padding) / stride)
        return max(hi - lo + 1, 0)
    }

    /// The expected most-loaded bank, rounded up, when `products` land uniformly on `banks`.
    static func expectedMaxLoad(products n: Int, banks a: Int) -> Int {
        guard n > 0 else { return 0 }
        guard a > 1 else { return n }
        let lambda = Double(n) / Double(a)
        if lambda > 64 { return Int((lambda + (2 * lambda * log(Double(a))).squareRoot()).rounded(.up)) }
        // E[max] = Σ_{t ≥ 0} (1 − F(t)^A), F the Poisson(λ) CDF.
        var expected = 0.0, term = exp(-lambda), cdf = term
        var t = 0
        while t < n {
            let tail = 1 - pow(cdf, Double(a))
            if tail < 1e-9 { break }
            expected += tail
            t += 1
            term *= lambda / Double(t)
            cdf += term
        }
        return max(Int(expected.rounded(.up)), (n + a - 1) / a)
    }
}
