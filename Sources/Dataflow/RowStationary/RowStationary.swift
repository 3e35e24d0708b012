import SparseSimCore

// MARK: - RowStationaryLoop

/// A loop of the row-stationary pass nest: which dimension successive passes walk.
enum RowStationaryLoop: String, Codable, Sendable, CaseIterable {
    /// Images of the batch.
    case batch = "n"
    /// Strips of output rows (the set's width).
    case strip = "p"
    /// Channel groups.
    case group = "g"
    /// Chunks of filters (`p` per PE × filter sets).
    case filter = "k"
    /// Chunks of input channels (`q` per PE × channel sets).
    case channel = "c"
    /// Folds of the filter rows (only when `R` exceeds the array's rows).
    case filterRow = "r"

    /// Position in `allCases`.
    var index: Int {
        switch self {
        case .batch: 0
        case .strip: 1
        case .group: 2
        case .filter: 3
        case .channel: 4
        case .filterRow: 5
        }
    }

    /// The loops an operand's data depends on; the others reuse it.
    static func relevant(to operand: Operand) -> Set<RowStationaryLoop> {
        Set(allCases.filter { relevanceMask(operand) & (1 << $0.index) != 0 })
    }

    /// `relevant(to:)` as a bit set over `index`.
    static func relevanceMask(_ operand: Operand) -> Int {
        switch operand {
        case .weights: 0b111100
        case .inputs: 0b110111
        case .outputs: 0b001111
        }
    }
}

// MARK: - RowStationaryMapping

/// A row-stationary (Eyeriss) mapping of a layer onto a `rows × cols` PE array (Chen et al.,
/// ISCA 2016), and its compute cycles.
///
/// A PE runs a 1-D convolution: one filter row against one input row, producing one row of
/// `Q` partial sums in `Q·S` MACs. A *PE set* of `h` rows × `e` columns computes `e` output rows
/// of one 2-D convolution: PE `(i, j)` holds filter row `i` and output row `j`; input rows
/// reach PEs diagonally and partial sums accumulate up each column. Sets of height `h = R`
/// (folded when `R > rows`) and width `e = P` (cut into strips when `P > cols`) are replicated
/// `⌊rows/h⌋ · ⌊cols/e⌋` times; the replicas take different channel groups, filters or input
/// channels (`groupSets · filterSets · channelSets`), and each PE interleaves `p` filters and
/// `q` channels from its scratchpad. One *pass* runs every PE once, in
/// `p·q·Q·S` cycles on the busiest PE.
package struct RowStationaryMapping: Sendable {
    /// Array rows and columns.
    package var rows: Int, cols: Int
    /// Filter rows per set (`h`).
    var setHeight: Int
    /// Folds of the filter rows: `⌈R/h⌉`.
    var rowFolds: Int
    /// Output rows per set (`e`).
    var setWidth: Int
    /// Strips of output rows: `⌈P/e⌉`.
    var strips: Int
    /// Set replicas the array holds: `⌊rows/h⌋·⌊cols/e⌋`.
    var replicas: Int
    /// Replicas given to different channel groups, filters, and input channels.
    var groupSets: Int, filterSets: Int, channelSets: Int
    /// Filters (`p`) and input channels (`q`) each PE interleaves in one pass.
    var filtersPerPE: Int, channelsPerPE: Int
    /// The pass loops, outermost first (loops of one trip omitted).
    var order: [RowStationaryLoop]
    /// Trip count of every loop, in `RowStationaryLoop.allCases` order (1 for loops not in `order`).
    var trips: InlineArray<6, Int>
    /// The layer's shape, without its name.
    var shape: Dims
    /// MACs: the layer's.
    package var macs: Int
    /// MAC cycles of all passes: `N·⌈R/h⌉·⌈P/e⌉·⌈G/groupSets⌉·⌈K_g/filterSets⌉·⌈C_g/channelSets⌉·Q·S`.
    package var macCycles: Int
    /// Cycles the busiest PE spends adding incoming partial sums on its one adder: per pass, one
    /// addition per output of its row and filter (`p·Q`), `accumulateCycles` each (0: the PE
    /// accumulates without stalling its MACs).
    package var accumulationCycles: Int
    /// Cycles of all passes: `macCycles + accumulationCycles`.
    package var computeCycles: Int
    /// `macs / (macCycles · rows · cols)`: the share of PEs the mapping keeps busy.
    package var mappingEfficiency: Double

    /// A human-readable summary of the chosen tiling, e.g.
    /// `sets 3x14 x4 (k4), p=16 q=4, strips 4, order p>k>c`.
    package var summary: String {
        var s = "sets \(setHeight)x\(setWidth) x\(groupSets * filterSets * channelSets)/\(replicas)"
        let split = [(groupSets, "g"), (filterSets, "k"), (channelSets, "c")].filter { $0.0 > 1 }.map { "\($0.1)\($0.0)" }
        if !split.isEmpty { s += " (" + split.joined(separator: " ") + ")" }
        s += ", p=\(filtersPerPE) q=\(channelsPerPE)"
        if strips > 1 { s += ", strips \(strips)" }
        if rowFolds > 1 { s += ", row folds \(rowFolds)" }
        s += ", order " + (order.isEmpty ? "-" : order.map(\.rawValue).joined(separator: ">"))
        return s
    }

    // MARK: Spatial shape

    /// The integer facts of a layer the mapping and its traffic need.
    struct Dims: Equatable, Sendable {
        /// Batch, filters, channels, filter rows and columns, input and output rows and columns.
        package var N: Int, K: Int, C: Int, R: Int, S: Int, H: Int, W: Int, P: Int, Q: Int
        /// Stride, padding and channel groups.
        package var stride: Int, padding: Int, groups: Int

        init(_ l: LayerShape) {
            (N, K, C, R, S, H, W, P, Q) = (l.N, l.K, l.C, l.R, l.S, l.H, l.W, l.P, l.Q)
            (stride, padding, groups) = (l.stride, l.padding, l.groups)
        }

        /// Filters per group.
        package var kg: Int { K / groups }
        /// Input channels per group.
        package var cg: Int { C / groups }
        /// MACs.
        package var macs: Int { N * K * cg * R * S * P * Q }
        /// Output words.
        package var outputCount: Int { N * K * P * Q }
    }

    /// The spatial part of every mapping of `layer` on a `rows × cols` array: set shape,
    /// folds and replicas.
    struct Spatial {
        var h: Int, rowFolds: Int, e: Int, strips: Int, replicas: Int

        init(layer: LayerShape, rows: Int, cols: Int) {
            rowFolds = (layer.R + rows - 1) / rows
            h = (layer.R + rowFolds - 1) / rowFolds
            let stripCount = (layer.P + cols - 1) / cols
            e = (layer.P + stripCount - 1) / stripCount
            strips = (layer.P + e - 1) / e
            replicas = (rows / h) * (cols / e)
        }
    }

    /// Replica splits `(groupSets, filterSets, channelSets)` with the fewest passes.
    /// - Complexity: O(replicas²) at most.
    static func fastestSplits(layer: LayerShape, replicas: Int) -> [(Int, Int, Int)] {
        let g = layer.groups, kg = layer.K / layer.groups, cg = layer.channelsPerGroup
        var best = Int.max
        var splits: [(Int, Int, Int)] = []
        for tg in 1...max(1, min(g, replicas)) {
            for tk in 1...max(1, min(kg, replicas / tg)) {
                let tc = max(1, min(cg, replicas / (tg * tk)))
                let passes = ceilDiv(g, tg) * ceilDiv(kg, tk) * ceilDiv(cg, tc)
                if passes < best {
                    best = passes
                    splits = [(tg, tk, tc)]
                } else if passes == best {
                    splits.append((tg, tk, tc))
                }
            }
        }
        return splits
    }

    /// The smallest values of a per-PE count `x ∈ 1...limit` giving each distinct number of
    /// chunks `⌈extent/x⌉` (larger `x` only costs scratchpad space).
    static func chunkSizes(extent: Int, limit: Int) -> [Int] {
        var sizes: [Int] = []
        var x = 1
        while x <= min(extent, limit) {
            sizes.append(x)
            let chunks = ceilDiv(extent, x)
            if chunks == 1 { break }
            x = ceilDiv(extent, chunks - 1)
        }
        return sizes
    }

    /// Calls `body` with every mapping the search considers for `layer` (Docs/model.md,
    /// "Row stationary"): the replica splits with the fewest passes; for each, every `(p, q)`
    /// whose filter, input and partial-sum words fit the PE scratchpad (`fits`), keeping for each
    /// number of chunks the smallest `p` and `q`; and every order of the loops with more than one
    /// trip.
    /// - Parameter fits: whether a PE's scratchpad holds `p` filters × `q` channels of one
    ///   filter row (`p·q·S` weights, `q·S` inputs, `p` partial sums).
    /// - Precondition: `layer` is valid; `rows, cols >= 1`.
    /// - Parameter accumulateCycles: cycles a PE spends adding one incoming partial sum
    ///   (Eyeriss v1: 1, on the adder its MACs use; 0: free).
    package static func forEachCandidate(
        layer: LayerShape, rows: Int, cols: Int, accumulateCycles: Int = 0, fits: (_ p: Int, _ q: Int) -> Bool,
        _ body: (RowStationaryMapping) -> Void
    ) {
        precondition(rows >= 1 && cols >= 1, "array must have at least one row and column")
        let dims = Dims(layer)
        let spatial = Spatial(layer: layer, rows: rows, cols: cols)
        var orders: [Int: [[RowStationaryLoop]]] = [:]
        for (tg, tk, tc) in fastestSplits(layer: layer, replicas: spatial.replicas) {
            let kPerSet = ceilDiv(dims.kg, tk), cPerSet = ceilDiv(dims.cg, tc)
            var pairs: [(Int, Int)] = []
            for p in chunkSizes(extent: kPerSet, limit: kPerSet) {
                for q in chunkSizes(extent: cPerSet, limit: cPerSet) where fits(p, q) { pairs.append((p, q)) }
            }
            if pairs.isEmpty { pairs = [(1, 1)] }  // the scratchpad streams: no reuse across filters or channels
            for (p, q) in pairs {
                let trips: InlineArray<6, Int> = [dims.N, spatial.strips, ceilDiv(dims.groups, tg), ceilDiv(kPerSet, p),
                                                  ceilDiv(cPerSet, q), spatial.rowFolds]
                var mask = 0
                for loop in RowStationaryLoop.allCases where trips[loop.index] > 1 { mask |= 1 << loop.index }
                if orders[mask] == nil {
                    orders[mask] = permutations(RowStationaryLoop.allCases.filter { mask & (1 << $0.index) != 0 })
                }
                for order in orders[mask]! {
                    body(RowStationaryMapping(dims: dims, rows: rows, cols: cols, spatial: spatial, split: (tg, tk, tc),
                                              p: p, q: q, order: order, trips: trips, accumulateCycles: accumulateCycles))
                }
            }
        }
    }

    /// Every mapping `forEachCandidate` visits, as an array.
    package static func candidates(
        layer: LayerShape, rows: Int, cols: Int, fits: (_ p: Int, _ q: Int) -> Bool
    ) -> [RowStationaryMapping] {
        var out: [RowStationaryMapping] = []
        forEachCandidate(layer: layer, rows: rows, cols: cols, fits: fits) { out.append($0) }
        return out
    }

    init(dims: Dims, rows: Int, cols: Int, spatial: Spatial, split: (Int, Int, Int), p: Int, q: Int,
         order: [RowStationaryLoop], trips: InlineArray<6, Int>, accumulateCycles: Int = 0) {
        self.rows = rows
        self.cols = cols
        shape = dims
        setHeight = spatial.h
        rowFolds = spatial.rowFolds
        setWidth = spatial.e
        strips = spatial.strips
        replicas = spatial.replicas
        (groupSets, filterSets, channelSets) = split
        filtersPerPE = p
        channelsPerPE = q
        self.order = order
        self.trips = trips
        macs = dims.macs
        let perFilter = dims.N * rowFolds * strips * Self.ceilDiv(dims.groups, groupSets) * Self.ceilDiv(dims.kg, filterSets)
        macCycles = perFilter * Self.ceilDiv(dims.cg, channelSets) * dims.Q * dims.S
        accumulationCycles = perFilter * trips[RowStationaryLoop.channel.index] * dims.Q * accumulateCycles
        computeCycles = macCycles + accumulationCycles
        mappingEfficiency = macCycles > 0 ? Double(macs) / (Double(macCycles) * Double(rows * cols)) : 0
    }

    /// The PEs a pass uses at most: set height × set width (the output rows of the widest
    /// strip) × the sets given to groups, filters and channels.
    package var activePEs: Int {
        min(setHeight * min(setWidth, shape.P) * groupSets * filterSets * channelSets, rows * cols)
    }

    /// The trip count of `loop`.
    func trips(_ loop: RowStationaryLoop) -> Int { trips[loop.index] }

    static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }

    /// All orderings of `items` (lexicographic by position).
    static func permutations<T>(_ items: [T]) -> [[T]] {
        guard items.count > 1 else { return [items] }
        var out: [[T]] = []
        for (i, first) in items.enumerated() {
            var rest = items
            rest.remove(at: i)
            for tail in permutations(rest) { out.append([first] + tail) }
        }
        return out
    }
}
