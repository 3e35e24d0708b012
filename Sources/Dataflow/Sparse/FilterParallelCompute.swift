import SparseSimCore

// MARK: - FilterParallelCompute

/// Compute cycles of a sparse layer on an array whose PEs each own whole filters: SparTen's
/// inner join (Gondimalla et al., MICRO 2019) and Cambricon-X's indexed weights (Zhang et al.,
/// MICRO 2016), with per-PE work counted from the real masks.
///
/// The array's `rows` split the output rows `P` into contiguous slices (SparTen's clusters);
/// its `cols` PEs take filters. A **round** gives every PE one work unit — a filter, or with
/// `greedy` balancing a pair of filters (the densest with the sparsest, SparTen's greedy
/// balancing, used only when there are more filters than PEs in a row) — and ends when its
/// slowest PE finishes, so skew between filters is load imbalance. A PE spends on filter `k`
/// over a slice of `n` output positions:
///
/// - inputs skipped: `max(⌈work/macsPerPE⌉, n·chunks)` — `work` the MACs with both counted
///   operands non-zero, and at least one cycle per `chunkSize`-wide chunk of the window for
///   the bitmask AND and prefix sum (SparTen);
/// - inputs dense: `n · max(⌈nnz(w_k)/macsPerPE⌉, chunks)` — every output position multiplies
///   the filter's kept weights (Cambricon-X: `macsPerPE` multipliers per PE).
package struct FilterParallelCompute: Sendable, Equatable {
    /// Cycles of all rounds.
    package var computeCycles: Int
    /// MACs the PEs perform.
    package var macs: Int
    /// Rounds (tiles).
    package var rounds: Int
    /// `Σ_rounds max PE cycles ÷ Σ_rounds mean PE cycles` over the PEs given a filter (an empty
    /// filter counts as a PE with no work; 1 = balanced).
    package var loadImbalance: Double
    /// Mean over rounds of PEs with work ÷ PEs.
    package var mappingEfficiency: Double

    /// - Parameters:
    ///   - weights: the weight mask when weight zeros are skipped; nil: every weight is worked.
    ///   - work: counts over the inputs (built with the input mask when input zeros are skipped).
    ///   - chunkSize: the intersection's chunk width (SparTen: 128); nil: no per-chunk cycle.
    ///   - greedy: pair the densest filter with the sparsest on each PE.
    /// - Precondition: `rows, cols, macsPerPE >= 1`.
    /// - Complexity: O(rows · C·R·S·P/rows + nnz(W)·rows + K log K).
    package init(work: SparseWork, weights: Bitmask?, rows: Int, cols: Int, macsPerPE: Int, chunkSize: Int?, greedy: Bool) {
        precondition(rows >= 1 && cols >= 1 && macsPerPE >= 1, "array and PE sizes must be positive")
        let l = work.shape
        let nnz = SparseWork.nonzerosPerFilter(l, weights: weights)
        let chunks = chunkSize.map { (l.channelsPerGroup * l.R * l.S + $0 - 1) / $0 } ?? 0
        let inputsCounted = work.inputs != nil

        // Cycles of filter k in each slice of output rows.
        var cycles = [[Int]]()
        var performed = 0
        var slicePositions: [Int] = []
        for slice in 0..<rows {
            let lo = slice * l.P / rows, hi = (slice + 1) * l.P / rows
            let positions = (hi - lo) * l.Q
            slicePositions.append(positions)
            guard positions > 0 else { cycles.append([Int](repeating: 0, count: l.K)); continue }
            if inputsCounted {
                let perFilter = work.filterWork(weights: weights, windows: work.windows(outputRows: lo..<hi))
                performed += perFilter.reduce(0, +)
                cycles.append(perFilter.map { max(($0 + macsPerPE - 1) / macsPerPE, positions * chunks) })
            } else {
                performed += nnz.reduce(0, +) * positions
                cycles.append(nnz.map { positions * max(($0 + macsPerPE - 1) / macsPerPE, chunks) })
            }
        }

        // Work units in issue order.
        var units: [[Int]]
        if greedy && l.K > cols {
            let order = (0..<l.K).sorted { (nnz[$0], $1) > (nnz[$1], $0) }
            units = []
            var i = 0, j = order.count - 1
            while i < j { units.append([order[i], order[j]]); i += 1; j -= 1 }
            if i == j { units.append([order[i]]) }
        } else {
            units = (0..<l.K).map { [$0] }
        }

        var total = 0, maxSum = 0.0, meanSum = 0.0, active = 0
        var roundCount = 0
        var start = 0
        while start < units.count {
            let end = min(start + cols, units.count)
            var worst = 0, sum = 0, busy = 0
            for slice in 0..<rows where slicePositions[slice] > 0 {
                for u in start..<end {
                    let c = units[u].reduce(0) { $0 + cycles[slice][$1] }
                    worst = max(worst, c)
                    sum += c
                    busy += 1
                }
            }
            total += worst
            maxSum += Double(worst)
            if busy > 0 { meanSum += Double(sum) / Double(busy) }
            active += (end - start) * rows
            roundCount += 1
            start = end
        }
        computeCycles = total
        macs = performed
        rounds = roundCount
        loadImbalance = meanSum > 0 ? maxSum / meanSum : 1
        mappingEfficiency = roundCount > 0 ? Double(active) / Double(roundCount * rows * cols) : 0
    }
}
