import SparseSimCore

// MARK: - BasisFirstCompute

/// ESCALATE's basis-first dataflow for one sample of a layer (Docs/model.md, "Basis first").
///
/// The output is cut into spatial tiles of `outputRows` rows (all `Q` columns) and the input
/// channels into tiles of `channelTile`. For each spatial tile the channel tiles stream through
/// two stages:
/// 1. **basis stage** (dense): the `M` basis convolutions of the tile's channels, one
///    intermediate value per `(c, m, p, q)`, `R·S` MACs each, spread evenly over the PEs (each PE
///    computes whole values on its `macsPerPE` lanes) or over a separate basis engine of
///    `basisMacs` MAC units;
/// 2. **coefficient stage** (sparse): every intermediate value is broadcast to the PEs, and the
///    PE owning output channel `k` (and a chunk of the tile's positions when `K` is smaller than
///    the array) accumulates it once per kept `α[k,c,m]`. A PE's work in a tile is its output
///    channels' kept coefficients in the channel tile times its positions, so the real
///    coefficient masks give each PE its own work, and the tile lasts as long as the busiest PE.
///
/// On the PE array the stages take turns (basis, then coefficient, per tile); with a separate
/// basis engine they form a two-stage pipeline over the tiles. A pointwise layer (or a linear
/// one) has no basis stage: its weights are the coefficients (`M = 1`) and its inputs the
/// intermediate values. A grouped convolution with kernels larger than 1×1 has only the basis
/// stage (its kernels are the bases: `M` = filters per group).
package struct BasisFirstCompute: Sendable {
    /// Cycles of the basis stage, summed over tiles.
    package private(set) var basisCycles = 0
    /// Cycles of the coefficient stage, summed over tiles.
    package private(set) var coefficientCycles = 0
    /// Cycles of the sample (the stages' turns or their pipeline).
    package private(set) var computeCycles = 0
    /// MACs of the basis stage: `P·Q·C·M·R·S` (grouped: `P·Q·K·R·S`).
    package private(set) var basisMacs = 0
    /// MACs of the coefficient stage: `P·Q·nnz(α)`.
    package private(set) var coefficientMacs = 0
    /// Max ÷ mean coefficient-stage work over the PEs that own outputs, weighted by tile cycles.
    package private(set) var loadImbalance = 1.0
    /// Mean share of the PEs (or basis MACs) busy, weighted by stage cycles.
    package private(set) var mappingEfficiency = 0.0
    /// Spatial tiles × channel tiles.
    package private(set) var tiles = 0
    /// Spatial tiles.
    package private(set) var spatialTiles = 0
    /// Intermediate values produced (and consumed): `C·M·P·Q` (pointwise: 0, the inputs feed stage 2).
    package private(set) var intermediateValues = 0
    /// Coefficients loaded into the PEs: every kept one once per spatial tile.
    package private(set) var coefficientLoads = 0

    /// MACs of both stages.
    package var macs: Int { basisMacs + coefficientMacs }

    /// Which stages a layer has.
    package enum Stages: Sendable, Equatable {
        /// A decomposed convolution: basis, then coefficient stage.
        case both
        /// A pointwise or linear layer: the coefficient stage on the inputs.
        case coefficientsOnly
        /// A grouped convolution: the basis stage only.
        case basesOnly
    }

    /// The dataflow's work for one sample of `shape`.
    /// - Parameters:
    ///   - shape: the layer (batch ignored).
    ///   - bases: `M` (coefficients only: 1; bases only: filters per group).
    ///   - coefficients: kept coefficients, `K × C × M` row-major (`K × C` for coefficients only);
    ///     nil keeps every one. Unused for `basesOnly`.
    ///   - stages: which stages run.
    ///   - rows, cols, macsPerPE: the PE array.
    ///   - basisEngine: MAC units of a separate basis engine; nil: the PE array computes both stages.
    ///   - outputRows: output rows per spatial tile (clamped to 1…P).
    ///   - channelTile: input channels per channel tile (clamped to 1…C).
    /// - Precondition: a mask, when given, has `K·C·M` bits; positive array sizes.
    /// - Complexity: `O(K·C·M)` for the per-filter counts, then `O(tiles · (K + PEs))`.
    package init(shape: LayerShape, bases: Int, coefficients: Bitmask?, stages: Stages, rows: Int, cols: Int,
                macsPerPE: Int, basisEngine: Int?, outputRows: Int, channelTile: Int) {
        let (k, c, p, q) = (shape.K, shape.C, shape.P, shape.Q)
        let rs = shape.R * shape.S
        let m = stages == .coefficientsOnly ? 1 : bases
        precondition(rows >= 1 && cols >= 1 && macsPerPE >= 1 && m >= 1, "array sizes and bases must be positive")
        precondition(coefficients == nil || stages == .basesOnly || coefficients!.count == k * c * m, "one mask bit per coefficient")
        let pes = rows * cols
        let pt = max(1, min(p, outputRows))
        // Grouped layers: the basis stage covers every filter once (K·R·S MACs per position).
        let basisChannels = stages == .basesOnly ? k / max(m, 1) : c
        let ct = max(1, min(basisChannels, channelTile))

        // Kept coefficients per filter, as a prefix over channels: prefix[k·(C+1) + c].
        var prefix = [Int](repeating: 0, count: stages == .basesOnly ? 0 : k * (c + 1))
        if stages != .basesOnly {
            for kk in 0..<k {
                var run = 0
                for cc in 0..<c {
                    if let mask = coefficients {
                        let base = (kk &* c &+ cc) &* m
                        for j in 0..<m where mask[base &+ j] { run &+= 1 }
                    } else {
                        run &+= m
                    }
                    prefix[kk &* (c &+ 1) &+ cc &+ 1] = run
                }
            }
        }

        var basisTile: [Int] = [], coefficientTile: [Int] = []
        var imbalanceWeight = 0.0, mappingWeight = 0.0
        var work = [Int](repeating: 0, count: pes)
        var p0 = 0
        while p0 < p {
            let tileRows = min(pt, p &- p0)
            let points = tileRows &* q
            spatialTiles &+= 1
            // Coefficient stage ownership: gk position chunks per filter.
            let chunks = max(1, min(pes / max(k, 1), points))
            var c0 = 0
            while c0 < basisChannels {
                let c1 = min(basisChannels, c0 &+ ct)
                tiles &+= 1
                // Basis stage.
                var b = 0
                if stages != .coefficientsOnly {
                    let values = (c1 &- c0) &* m &* points
                    basisMacs &+= values &* rs
                    intermediateValues &+= stages == .both ? values : 0
                    if let engine = basisEngine {
                        b = (values &* rs &+ engine &- 1) / engine
                        mappingWeight += Double(values &* rs) / Double(max(b &* engine, 1)) * Double(b)
                    } else {
                        let perPE = (values &+ pes &- 1) / pes
                        b = (perPE &* rs &+ macsPerPE &- 1) / macsPerPE
                        mappingWeight += Double(values) / Double(max(perPE &* pes, 1)) * Double(b)
                    }
                }
                // Coefficient stage.
                var s = 0
                if stages != .basesOnly {
                    for i in 0..<pes { work[i] = 0 }
                    var owners = 0, total = 0
                    for kk in 0..<k {
                        let kept = prefix[kk &* (c &+ 1) &+ c1] &- prefix[kk &* (c &+ 1) &+ c0]
                        if c0 == 0 { coefficientLoads &+= prefix[kk &* (c &+ 1) &+ c] }
                        for j in 0..<chunks {
                            let size = points / chunks &+ (j < points % chunks ? 1 : 0)
                            let pe = (kk &* chunks &+ j) % pes
                            work[pe] &+= kept &* size
                            total &+= kept &* size
                        }
                    }
                    owners = min(pes, k &* chunks)
                    var most = 0
                    for i in 0..<owners where work[i] > most { most = work[i] }
                    coefficientMacs &+= total
                    s = (most &+ macsPerPE &- 1) / macsPerPE
                    if total > 0 {
                        imbalanceWeight += Double(most) / (Double(total) / Double(owners)) * Double(s)
                    } else {
                        imbalanceWeight += Double(s)
                    }
                    mappingWeight += Double(owners) / Double(pes) * Double(s)
                }
                basisTile.append(b)
                coefficientTile.append(s)
                c0 = c1
            }
            p0 &+= tileRows
        }
        basisCycles = basisTile.reduce(0, &+)
        coefficientCycles = coefficientTile.reduce(0, &+)
        if basisEngine != nil && stages == .both {
            // Two-stage pipeline: tile t's basis stage overlaps tile t−1's coefficient stage.
            var cycles = basisTile.first ?? 0
            for t in 1..<max(basisTile.count, 1) { cycles &+= max(basisTile[t], coefficientTile[t &- 1]) }
            computeCycles = cycles &+ (coefficientTile.last ?? 0)
        } else {
            computeCycles = basisCycles &+ coefficientCycles
        }
        let stageCycles = Double(basisCycles &+ coefficientCycles)
        loadImbalance = coefficientCycles > 0 ? imbalanceWeight / Double(coefficientCycles) : 1
        mappingEfficiency = stageCycles > 0 ? mappingWeight / stageCycles : 0
    }
}
