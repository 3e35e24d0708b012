// MARK: - SparseRows

/// A layer's non-zero weights arranged for the sparse kernels: groups of shifted row updates.
///
/// Every kernel of a sparse layer is a sum of `length`-long rows of one dense buffer, shifted
/// and scaled, into rows of another: group `g` adds `value[e] · source[sourceOffset[e] ..< +length]`
/// for its entries `e` into `destination[destinationOffset[g] ..< +length]`. For a convolution
/// on a flat zero-padded image (stride 1) the forward pass is one group per filter `k` with an
/// entry per non-zero `(c, r, s)` at source offset `c·Hp·Wp + r·Wp + s`; its input gradient is
/// one group per `(c, r, s)` with an entry per non-zero filter. A linear layer on transposed
/// `[features][batch]` buffers is the same with no shift. `weightIndex[e]` is the flat weight
/// index of the entry, used by the sampled weight gradient.
final class SparseRows {
    /// Destination offset of each group.
    var destinationOffset: [Int] = []
    /// Entries of group `g`: `groupStart[g] ..< groupStart[g + 1]`.
    var groupStart: [Int] = [0]
    /// Source offset of each entry.
    var sourceOffset: [Int] = []
    /// Weight value of each entry.
    var value: [Float] = []
    /// Flat weight index of each entry.
    var weightIndex: [Int32] = []
    /// Scratch reused between builds: each column's source offset (`build`) and each column's
    /// first entry (`buildTransposed`).
    var columnOffsets: [Int] = [], columnStarts: [Int] = []

    /// Non-zero entries.
    var count: Int { value.count }
    /// Groups.
    var groupCount: Int { destinationOffset.count }

    /// Empties the arrangement, keeping capacity.
    func removeAll() {
        destinationOffset.removeAll(keepingCapacity: true)
        groupStart.removeAll(keepingCapacity: true)
        groupStart.append(0)
        sourceOffset.removeAll(keepingCapacity: true)
        value.removeAll(keepingCapacity: true)
        weightIndex.removeAll(keepingCapacity: true)
    }

    // MARK: Building

    /// Rows of `W ⊙ mask` (every position the mask keeps) for `y[row] += Σ W[row, col] · x[col]`: one group per row of the
    /// `rows × cols` weight matrix, destination `row · rowStride`, an entry per non-zero at
    /// source offset `sourceOffset(col)`.
    /// - Returns: the number of non-zeros.
    /// - Complexity: O(rows · cols).
    @discardableResult
    func build(weight: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<Float>?, rows: Int, cols: Int,
               rowStride: Int, sourceOffset offset: (Int) -> Int) -> Int {
        removeAll()
        // Source offsets of every column, computed once.
        columnOffsets.removeAll(keepingCapacity: true)
        for col in 0..<cols { columnOffsets.append(offset(col)) }
        destinationOffset.reserveCapacity(rows)
        groupStart.reserveCapacity(rows + 1)
        columnOffsets.withUnsafeBufferPointer { colOff in
            for row in 0..<rows {
                let base = row &* cols
                destinationOffset.append(row &* rowStride)
                for col in 0..<cols {
                    let v = weight[base &+ col]
                    // With a mask, every position it keeps (a weight grown at zero still needs
                    // its sampled gradient); without one, the non-zero weights.
                    if let mask { if mask[base &+ col] == 0 { continue } } else if v == 0 { continue }
                    sourceOffset.append(colOff[col])
                    value.append(v)
                    weightIndex.append(Int32(truncatingIfNeeded: base &+ col))
                }
                groupStart.append(value.count)
            }
        }
        return value.count
    }

    /// The transposed arrangement of `rows` (built by `build` with `cols` columns) for
    /// `x[col] += Σ W[row, col] · y[row]`: one group per column with at least one non-zero,
    /// destination `destination(col)`, an entry per non-zero at source offset `row · rowStride`.
    /// - Complexity: O(non-zeros + cols) (a counting sort).
    func buildTransposed(of rows: SparseRows, cols: Int, rowStride: Int, destination: (Int) -> Int) {
        removeAll()
        let nnz = rows.count
        var start = columnStarts
        columnStarts = []  // `start` owns the storage (no copy) and gives it back at the end
        start.removeAll(keepingCapacity: true)
        start.append(contentsOf: repeatElement(0, count: cols &+ 1))
        rows.weightIndex.withUnsafeBufferPointer { index in
            for e in 0..<nnz { start[Int(index[e]) % cols &+ 1] &+= 1 }
        }
        for c in 0..<cols { start[c &+ 1] &+= start[c] }
        sourceOffset.append(contentsOf: repeatElement(0, count: nnz))
        value.append(contentsOf: repeatElement(0, count: nnz))
        weightIndex.append(contentsOf: repeatElement(0, count: nnz))
        var next = start
        rows.weightIndex.withUnsafeBufferPointer { index in
            rows.value.withUnsafeBufferPointer { v in
                sourceOffset.withUnsafeMutableBufferPointer { src in
                    value.withUnsafeMutableBufferPointer { val in
                        weightIndex.withUnsafeMutableBufferPointer { idx in
                            for e in 0..<nnz {
                                let flat = Int(index[e]), col = flat % cols, row = flat / cols
                                let at = next[col]
                                next[col] = at &+ 1
                                src[at] = row &* rowStride
                                val[at] = v[e]
                                idx[at] = index[e]
                            }
                        }
                    }
                }
            }
        }
        for c in 0..<cols where start[c &+ 1] > start[c] {
            destinationOffset.append(destination(c))
            groupStart.append(start[c &+ 1])
        }
        columnStarts = start
    }
}
