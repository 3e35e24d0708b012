import SparseSimCore

// MARK: - SystolicTraffic

/// Bits moved between memory levels when a layer runs on a systolic array, from the loop nest
/// of its folds (Docs/model.md, "Memory").
///
/// The array's two pinned GEMM dimensions are walked as two fold loops (one outer, one inner)
/// around the streamed dimension. An operand is fetched once into a buffer when the buffer
/// holds what the loops reuse, and again for every pass that needs it when it does not:
///
/// - indexed by the inner and streamed dimensions only (not the outer): the whole operand is
///   needed in every outer iteration — once if the buffer holds all of it, else `F_outer` times;
/// - indexed by the outer and streamed dimensions (not the inner): each outer iteration's slice
///   is reused across the inner loop — once if the buffer holds a slice, else `F_inner` times;
/// - indexed by both fold dimensions: every tile is used once — fetched once.
///
/// Outputs accumulate over the reduction `T`. When `T` is streamed (OS) each output leaves the
/// array once. When `T` is a fold loop, partial sums (at accumulator width) go back and forth
/// unless the buffer holds what accumulates: one outer iteration's outputs when `T` is inner,
/// all outputs when `T` is outer.
///
/// The loop order (which pinned dimension is outer) is searched: both orders are evaluated
/// and the one with fewer DRAM bits is chosen (ties: the array rows' dimension outer).
package struct SystolicTraffic: Codable, Equatable, Sendable {
    /// The dimension of the outer fold loop.
    package var outer: GEMMDimension
    /// The dimension of the inner fold loop.
    package var inner: GEMMDimension
    /// The dimension streamed through the array.
    package var streamed: GEMMDimension
    /// Folds of the outer loop (per group).
    package var outerFolds: Int
    /// Folds of the inner loop (per group).
    package var innerFolds: Int
    /// Per operand, the transfers along its chain of levels, outermost first: element 0 is
    /// DRAM ↔ the first on-chip level, the last is the innermost level ↔ the array.
    package var transfers: [Operand: [Transfer]]

    /// Bits moved across one boundary, in each direction.
    package struct Transfer: Codable, Equatable, Sendable {
        /// Bits moving inward (toward the array): reads of the outer level, writes of the inner.
        package var inwardBits: Int
        /// Bits moving outward (toward DRAM): outputs and spilled partial sums.
        package var outwardBits: Int

        /// A transfer of `inwardBits` toward the array and `outwardBits` away from it.
        package init(inwardBits: Int, outwardBits: Int) {
            self.inwardBits = inwardBits
            self.outwardBits = outwardBits
        }
    }

    /// A buffer an operand passes through: its capacity for that operand, in bits.
    package typealias Capacity = Int

    /// The traffic of `compute`'s layer, given for each operand the capacities (bits) of the
    /// on-chip levels holding it, outermost first (an empty list: it streams from DRAM).
    /// - Precondition: `operandBits, accumulatorBits >= 1`; capacities non-negative.
    /// - Complexity: O(levels).
    package init(compute: SystolicCompute, operandBits: Int, accumulatorBits: Int, capacities: [Operand: [Capacity]]) {
        let (rowDim, colDim, streamDim) = Self.dimensions(compute.dataflow)
        let folds: [GEMMDimension: Int] = [rowDim: compute.rowFolds, colDim: compute.colFolds, streamDim: 1]
        func evaluate(outer: GEMMDimension, inner: GEMMDimension) -> SystolicTraffic {
            var transfers: [Operand: [Transfer]] = [:]
            for operand in Operand.allCases {
                transfers[operand] = Self.chain(
                    operand, compute: compute, outer: outer, inner: inner, streamed: streamDim,
                    outerFolds: folds[outer]!, innerFolds: folds[inner]!, operandBits: operandBits,
                    accumulatorBits: accumulatorBits, capacities: capacities[operand] ?? [])
            }
            return SystolicTraffic(outer: outer, inner: inner, streamed: streamDim, outerFolds: folds[outer]!,
                                   innerFolds: folds[inner]!, transfers: transfers)
        }
        let rowsOuter = evaluate(outer: rowDim, inner: colDim)
        let colsOuter = evaluate(outer: colDim, inner: rowDim)
        self = colsOuter.dramBits < rowsOuter.dramBits ? colsOuter : rowsOuter
    }

    init(outer: GEMMDimension, inner: GEMMDimension, streamed: GEMMDimension, outerFolds: Int, innerFolds: Int,
         transfers: [Operand: [Transfer]]) {
        self.outer = outer
        self.inner = inner
        self.streamed = streamed
        self.outerFolds = outerFolds
        self.innerFolds = innerFolds
        self.transfers = transfers
    }

    /// (array rows, array cols, streamed) dimensions of a dataflow.
    package static func dimensions(_ dataflow: SystolicDataflow) -> (GEMMDimension, GEMMDimension, GEMMDimension) {
        switch dataflow {
        case .outputStationary: (.e, .k, .t)
        case .weightStationary: (.t, .k, .e)
        case .inputStationary: (.t, .e, .k)
        }
    }

    /// Bits crossing DRAM's boundary, both directions, all operands.
    package var dramBits: Int {
        transfers.values.reduce(0) { $0 + ($1.first.map { $0.inwardBits + $0.outwardBits } ?? 0) }
    }

    /// Bits crossing DRAM's boundary for one operand.
    package func dramBits(_ operand: Operand) -> Int {
        transfers[operand]?.first.map { $0.inwardBits + $0.outwardBits } ?? 0
    }

    // MARK: The per-operand rule

    static func chain(
        _ operand: Operand, compute c: SystolicCompute, outer: GEMMDimension, inner: GEMMDimension,
        streamed: GEMMDimension, outerFolds fo: Int, innerFolds fi: Int, operandBits: Int, accumulatorBits: Int,
        capacities: [Capacity]
    ) -> [Transfer] {
        let g = c.groups
        let dims = operand.dimensions
        // Words of the operand per group: unique data, not the im2col expansion, for inputs.
        let words: Int
        switch operand {
        case .weights: words = c.t * c.k
        case .inputs: words = c.uniqueInputsPerGroup
        case .outputs: words = c.e * c.k
        }
        let size = words * operandBits
        let accSize = words * accumulatorBits

        /// Bits that must cross into a buffer of capacity `cap` (per group).
        func fill(_ cap: Capacity) -> Transfer {
            if operand == .outputs {
                let reductionFolds = streamed == .t ? 1 : (inner == .t ? fi : fo)
                let accumulating = streamed == .t ? 0 : (inner == .t ? accSize / fo : accSize)
                if reductionFolds <= 1 || cap >= accumulating {
                    return Transfer(inwardBits: 0, outwardBits: size)
                }
                let spills = (reductionFolds - 1) * accSize
                return Transfer(inwardBits: spills, outwardBits: spills + size)
            }
            if cap >= size || dims.contains(outer) && dims.contains(inner) {
                return Transfer(inwardBits: size, outwardBits: 0)
            }
            if !dims.contains(outer) {
                return Transfer(inwardBits: size * fo, outwardBits: 0)
            }
            return Transfer(inwardBits: cap >= size / fo ? size : size * fi, outwardBits: 0)
        }

        /// What the array itself reads and writes at the innermost level (per group).
        func feed() -> Transfer {
            let (rowDim, colDim, _) = dimensions(c.dataflow)
            let foldsOf: [GEMMDimension: Int] = [rowDim: c.rowFolds, colDim: c.colFolds, streamed: 1]
            switch operand {
            case .weights, .inputs:
                // Streamed operands are re-read once per fold of the dimension they do not span.
                let missing = GEMMDimension.allCases.first { !dims.contains($0) }!
                let gemmWords = operand == .weights ? c.t * c.k : c.e * c.t
                return Transfer(inwardBits: gemmWords * operandBits * foldsOf[missing]!, outwardBits: 0)
            case .outputs:
                let tFolds = foldsOf[.t]!
                let spills = (tFolds - 1) * accSize
                return Transfer(inwardBits: spills, outwardBits: spills + size)
            }
        }

        // With no on-chip buffer the array's feed is the DRAM traffic.
        let out = capacities.map(fill) + [feed()]
        return out.map { Transfer(inwardBits: $0.inwardBits * g, outwardBits: $0.outwardBits * g) }
    }
}

extension SystolicCompute {
    /// Unique input words one group reads: `N · C/groups · H · W`.
    var uniqueInputsPerGroup: Int { uniqueInputs / groups }
}
