import SparseSimCore

// MARK: - SystolicCompute

/// Compute cycles of a dense layer on a `rows × cols` systolic array, derived from how the
/// array works (Docs/model.md), in the convention of SCALE-Sim 3.0.0.
///
/// A conv layer is the GEMM `ofmap[E×K] = ifmap[E×T] · filter[T×K]`, with `E = N·P·Q` output
/// pixels, `T = C/groups·R·S` the reduction (one window) and `K` filters (per group). Each
/// dataflow pins two of the three GEMM dimensions to the array's rows and columns and streams
/// the third through it:
///
/// | dataflow | array rows | array cols | streamed | stationary preload |
/// |---|---|---|---|---|
/// | OS | E | K | T | none (outputs accumulate in place) |
/// | WS | T | K | E | `rows` cycles to shift weights in |
/// | IS | T | E | K | `rows` cycles to shift inputs in |
///
/// The pinned dimensions are cut into folds of `rows × cols`; each fold costs its preload, the
/// streamed length, and `rows − 1 + cols − 1` cycles of skew to fill and drain the diagonal
/// wavefront. SCALE-Sim numbers cycles from 0 and reports the index of the last one, so
/// `computeCycles = folds · perFold − 1`.
package struct SystolicCompute: Codable, Equatable, Sendable {
    /// Array rows.
    package var rows: Int
    /// Array columns.
    package var cols: Int
    /// The dataflow.
    package var dataflow: SystolicDataflow
    /// GEMM dimensions after grouping and structured compression: output pixels `E`.
    package var e: Int
    /// Reduction length `T` (after N:M compression, if any).
    package var t: Int
    /// Filters `K` per group.
    package var k: Int
    /// Independent GEMMs (channel groups), run one after another.
    package var groups: Int
    /// Folds along the array's rows, per group.
    var rowFolds: Int
    /// Folds along the array's columns, per group.
    var colFolds: Int
    /// Unique input activations: `N · C · H · W` (the im2col matrix repeats them).
    var uniqueInputs: Int
    /// Cycles of one fold: preload + streamed length + `rows + cols − 2`.
    var cyclesPerFold: Int
    /// SCALE-Sim's compute cycles: `groups · rowFolds · colFolds · cyclesPerFold − 1`.
    package var computeCycles: Int
    /// MACs performed: `groups · E · T · K`.
    package var macs: Int
    /// Mean over folds of the PEs a fold uses ÷ the array's PEs.
    package var mappingEfficiency: Double
    /// `macs / (computeCycles · rows · cols)`.
    package var utilization: Double

    /// The compute cycles of `layer` on a `rows × cols` array.
    /// - Parameters:
    ///   - structured: an N:M pattern (e.g. 2:4) whose hardware compresses the weights along the
    ///     reduction: `T` becomes `⌈T/M⌉·N`, as SCALE-Sim's sparsity support does.
    /// - Precondition: `layer` is valid; `rows, cols >= 1`.
    /// - Complexity: O(1).
    package init(layer: LayerShape, rows: Int, cols: Int, dataflow: SystolicDataflow, structured: NMPattern? = nil) {
        precondition(rows >= 1 && cols >= 1, "array must have at least one row and column")
        self.rows = rows
        self.cols = cols
        self.dataflow = dataflow
        groups = layer.groups
        uniqueInputs = layer.inputCount
        e = layer.N * layer.P * layer.Q
        var t = layer.channelsPerGroup * layer.R * layer.S
        if let nm = structured {
            t = (t + nm.m - 1) / nm.m * nm.n
        }
        self.t = t
        k = layer.K / layer.groups

        let (pinnedRows, pinnedCols, streamed, preload): (Int, Int, Int, Int)
        switch dataflow {
        case .outputStationary: (pinnedRows, pinnedCols, streamed, preload) = (e, k, t, 0)
        case .weightStationary: (pinnedRows, pinnedCols, streamed, preload) = (t, k, e, rows)
        case .inputStationary: (pinnedRows, pinnedCols, streamed, preload) = (t, e, k, rows)
        }
        rowFolds = (pinnedRows + rows - 1) / rows
        colFolds = (pinnedCols + cols - 1) / cols
        cyclesPerFold = preload + streamed + rows + cols - 2
        computeCycles = groups * rowFolds * colFolds * cyclesPerFold - 1
        macs = groups * e * t * k
        mappingEfficiency = Double(pinnedRows) * Double(pinnedCols)
            / (Double(rowFolds * rows) * Double(colFolds * cols))
        utilization = computeCycles > 0 ? Double(macs) / (Double(computeCycles) * Double(rows * cols)) : 0
    }
}
