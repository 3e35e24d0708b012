import SparseSimCore

// MARK: - RowStationaryTraffic

/// Bits moved at every memory level when a layer runs row stationary with a given mapping
/// (Docs/model.md, "Row stationary").
///
/// **Buffers** (DRAM and the SRAM levels holding an operand) follow one rule, evaluated on the
/// mapping's pass loops (outermost first). A buffer keeps a *tile* of each operand it holds —
/// the data touched by the loops from some position inward, plus one pass, or nothing — and a
/// buffer holding several places them together (`sharedTilePositions`). Each
/// distinct tile crosses into the buffer once per iteration of the loops outside it that the
/// operand does not depend on, except those directly above the tile (consecutive iterations
/// reuse the resident tile). Inputs count the rows each tile touches, so strips of output rows
/// re-read their overlap (the halo). Outputs revisited by an outer reduction loop (`c`, `r`)
/// spill partial sums at accumulator width and read them back.
///
/// **Into the array**: a pass's weights stay in the PE scratchpads while the next passes reuse
/// them (the same tile rule with the pass as tile); input rows stream through the scratchpads
/// every pass; every pass leaves its partial sums.
///
/// **Inside the array**: the NoC moves every word that enters a scratchpad (a weight to the `e`
/// PEs of its set row, an input row to each PE that uses it) and every partial sum passed up a
/// column or between channel sets; the scratchpads are written by those fills and read once per
/// MAC for the weight and the input, and read and written once per MAC for the partial sum.
///
/// The type computes on demand and allocates nothing, so the mapping search can evaluate
/// thousands of candidates per layer.
package struct RowStationaryTraffic: Sendable {
    /// The mapping.
    package let mapping: RowStationaryMapping
    let operandBits: Int
    let accumulatorBits: Int
    /// MACs the PEs perform: the mapping's, or fewer when zeros are skipped (scratchpad reads
    /// and partial-sum writes are per performed MAC).
    package var macs: Int
    /// Input columns a PE's row touches (padding excluded).
    let usedCols: Int
    let chunk: InlineArray<6, Int>
    let full: InlineArray<6, Int>

    /// The traffic of `mapping` with operands of `operandBits` and partial sums of `accumulatorBits`.
    /// - Precondition: `operandBits, accumulatorBits >= 1`.
    package init(mapping m: RowStationaryMapping, operandBits: Int, accumulatorBits: Int) {
        mapping = m
        self.operandBits = operandBits
        self.accumulatorBits = accumulatorBits
        macs = m.macs
        let l = m.shape
        usedCols = Self.touched(count: l.Q, stride: l.stride, start: -l.padding, length: l.S, limit: l.W)
        let full: InlineArray<6, Int> = [l.N, l.P, l.groups, l.kg, l.cg, l.R]
        self.full = full
        chunk = [1, min(m.setWidth, l.P), min(m.groupSets, l.groups), min(m.filtersPerPE * m.filterSets, l.kg),
                 min(m.channelsPerPE * m.channelSets, l.cg), min(m.setHeight, l.R)]
    }

    // MARK: Buffers

    /// Bits crossing into a buffer that keeps `operand`'s tile at loop position `position`
    /// (`order.count`: one pass's; `order.count + 1`: none — every pass's data streams through
    /// it as it streams into the array).
    package func bufferTransfer(_ operand: Operand, position: Int) -> SystolicTraffic.Transfer {
        position > mapping.order.count ? arrayTransfer(operand) : transfer(operand, at: position)
    }

    /// The tile positions of the operands in `held` (a bit per `Operand.allCases` index) in a
    /// buffer of `capacityBits` they share: of every combination whose tiles fit together
    /// (partial sums at accumulator width), the one with the fewest bits crossing into the
    /// buffer (earliest positions on a tie). Position `order.count + 1` keeps nothing (every
    /// pass's data streams through, as `arrayTransfer`): it always fits. Positions are indexed
    /// like `Operand.allCases` (0 for operands not held).
    /// - Complexity: O(loops^(operands+1)), without allocating.
    package func sharedTilePositions(held: Int, capacityBits: Int) -> InlineArray<3, Int> {
        let levels = mapping.order.count + 2  // at most 8
        var footprints = InlineArray<24, Int>(repeating: 0), costs = InlineArray<24, Int>(repeating: 0)
        var count = InlineArray<3, Int>(repeating: 1)
        for (o, operand) in Operand.allCases.enumerated() where held & (1 << o) != 0 {
            count[o] = levels
            let bits = operand == .outputs ? accumulatorBits : operandBits
            for j in 0..<levels {
                footprints[o &* 8 &+ j] = j == levels - 1 ? 0 : footprint(operand, at: j) * bits
                let t = bufferTransfer(operand, position: j)
                costs[o &* 8 &+ j] = t.inwardBits &+ t.outwardBits
            }
        }
        var best = InlineArray<3, Int>(repeating: 0), bestCost = Int.max
        for a in 0..<count[0] {
            let usedA = footprints[a], costA = costs[a]
            guard usedA <= capacityBits else { continue }
            for b in 0..<count[1] {
                let usedB = usedA &+ footprints[8 &+ b], costB = costA &+ costs[8 &+ b]
                guard usedB <= capacityBits else { continue }
                for c in 0..<count[2] {
                    let used = usedB &+ footprints[16 &+ c], cost = costB &+ costs[16 &+ c]
                    if used <= capacityBits && cost < bestCost { bestCost = cost; best = [a, b, c] }
                }
            }
        }
        return best
    }

    /// Bits between the innermost buffer (or DRAM) and the array.
    package func arrayTransfer(_ operand: Operand) -> SystolicTraffic.Transfer {
        let m = mapping
        let passLevel = m.order.count
        switch operand {
        case .weights:
            return transfer(.weights, at: passLevel)
        case .inputs:
            let words = distinctWords(.inputs, at: passLevel) * m.trips(.filter)
            return .init(inwardBits: words * operandBits, outwardBits: 0)
        case .outputs:
            let words = m.shape.outputCount
            let spills = (m.trips(.channel) * m.trips(.filterRow) - 1) * words * accumulatorBits
            return .init(inwardBits: spills, outwardBits: spills + words * operandBits)
        }
    }

    // MARK: Inside the array

    /// Bits moved over the array's network for `operand`.
    package func nocBits(_ operand: Operand) -> Int {
        let m = mapping, l = m.shape
        switch operand {
        case .weights: return weightFills * operandBits
        case .inputs: return inputFills * operandBits
        case .outputs:
            let hops = l.outputCount * (l.R * RowStationaryMapping.ceilDiv(l.cg, m.channelsPerPE) - m.rowFolds * m.trips(.channel))
            return hops * accumulatorBits
        }
    }

    /// Scratchpad reads of `operand`, in bits: one per performed MAC.
    package func scratchpadReadBits(_ operand: Operand) -> Int {
        macs * (operand == .outputs ? accumulatorBits : operandBits)
    }

    /// Scratchpad writes of `operand`, in bits: the fills, and one partial sum per MAC.
    package func scratchpadWriteBits(_ operand: Operand) -> Int {
        switch operand {
        case .weights: weightFills * operandBits
        case .inputs: inputFills * operandBits
        case .outputs: macs * accumulatorBits
        }
    }

    /// Weight words written into scratchpads: each weight entering the array reaches the
    /// PEs of its set row (`P/strips` on average).
    var weightFills: Int {
        arrayTransfer(.weights).inwardBits / operandBits * mapping.shape.P / mapping.strips
    }

    /// Input words written into scratchpads: every PE streams its input row of `usedCols` for its
    /// `q` channels each pass, once per group of `p` filters.
    var inputFills: Int {
        let l = mapping.shape
        return l.N * l.groups * l.cg * l.P * l.R * usedCols * RowStationaryMapping.ceilDiv(l.kg, mapping.filtersPerPE)
    }

    // MARK: Tiles

    /// Input positions in `0..<limit` that `count` windows of `length`, `stride` apart and the
    /// first starting at `start`, touch (padding lies outside `0..<limit`).
    static func touched(count: Int, stride: Int, start: Int, length: Int, limit: Int) -> Int {
        if stride >= length {
            var n = 0
            for i in 0..<count {
                let a = i * stride + start
                n += max(0, min(limit, a + length) - max(0, a))
            }
            return n
        }
        let last = (count - 1) * stride + start + length
        return max(0, min(limit, last) - max(0, start))
    }

    /// Input rows a tile of `outputRows` output rows and `filterRows` filter rows can touch,
    /// at most (the capacity check's bound; padding not subtracted).
    func usedRows(outputRows: Int, filterRows: Int) -> Int {
        let l = mapping.shape
        let rows = l.stride >= filterRows ? outputRows * filterRows : (outputRows - 1) * l.stride + filterRows
        return min(l.H, rows)
    }

    /// Words of one tile: loops at `j...` of the order run in full, the others one chunk.
    func footprint(_ operand: Operand, at j: Int) -> Int {
        var ext = chunk
        let order = mapping.order
        for i in j..<order.count { ext[order[i].index] = full[order[i].index] }
        switch operand {
        case .weights: return ext[2] * ext[3] * ext[4] * ext[5] * mapping.shape.S
        case .inputs: return ext[0] * ext[2] * ext[4] * usedRows(outputRows: ext[1], filterRows: ext[5]) * usedCols
        case .outputs: return ext[0] * ext[2] * ext[3] * ext[1] * mapping.shape.Q
        }
    }

    /// Visits of each distinct tile at position `j`: the trips of the loops outside it that
    /// the operand does not depend on, less those directly above `j`.
    func revisits(_ operand: Operand, at j: Int) -> Int {
        let relevant = RowStationaryLoop.relevanceMask(operand)
        let order = mapping.order
        var i = j - 1
        while i >= 0 && relevant & (1 << order[i].index) == 0 { i -= 1 }
        var product = 1
        while i >= 0 {
            if relevant & (1 << order[i].index) == 0 { product *= mapping.trips(order[i]) }
            i -= 1
        }
        return product
    }

    /// Words of all distinct tiles at position `j` (inputs re-read the rows shared by
    /// neighbouring strips and row folds).
    func distinctWords(_ operand: Operand, at j: Int) -> Int {
        let l = mapping.shape
        switch operand {
        case .weights: return l.groups * l.kg * l.cg * l.R * l.S
        case .outputs: return l.outputCount
        case .inputs:
            var stripOutside = false, rowOutside = false
            for i in 0..<j {
                if mapping.order[i] == .strip { stripOutside = true }
                if mapping.order[i] == .filterRow { rowOutside = true }
            }
            let pSize = stripOutside ? mapping.setWidth : l.P
            let rSize = rowOutside ? mapping.setHeight : l.R
            var rows = 0
            var p0 = 0
            while p0 < l.P {
                var r0 = 0
                while r0 < l.R {
                    rows += Self.touched(count: min(pSize, l.P - p0), stride: l.stride, start: p0 * l.stride + r0 - l.padding,
                                         length: min(rSize, l.R - r0), limit: l.H)
                    r0 += rSize
                }
                p0 += pSize
            }
            return l.N * l.groups * l.cg * usedCols * rows
        }
    }

    func transfer(_ operand: Operand, at j: Int) -> SystolicTraffic.Transfer {
        let words = distinctWords(operand, at: j)
        let visits = revisits(operand, at: j)
        if operand == .outputs {
            let spills = (visits - 1) * words * accumulatorBits
            return .init(inwardBits: spills, outwardBits: spills + words * operandBits)
        }
        return .init(inwardBits: words * visits * operandBits, outwardBits: 0)
    }
}
