import Dataflow
import SparseFormats
import SparseSimCore

// MARK: - SparsePEArrayModel

/// PE arrays built for sparse operands: SCNN's Cartesian product of non-zeros
/// (`cartesian-product`), SparTen's inner join of bitmasks (`inner-join`), Cambricon-X's
/// indexing (`indexing`) and the Dual-side Sparse Tensor Core's outer product of condensed
/// vectors (`outer-product`). Each sample's cycles come from the work the real masks give.
struct SparsePEArrayModel: DataflowModel {
    static let dataflows: Set<HardwareSpec.Dataflow> = [.cartesianProduct, .innerJoin, .indexing, .outerProduct]

    let spec: HardwareSpec

    init(spec: HardwareSpec, file: String) throws {
        self.spec = spec
    }

    /// A layer on a sparse dataflow (`cartesian-product`, `inner-join`, `indexing`): each
    /// sample's cycles from the per-PE work the masks give, summed over the samples.
    ///
    /// Traffic (Docs/model.md, "Sparse dataflows"): every operand crosses DRAM compressed in its
    /// format — weights once per pass over the inputs that fit on chip, inputs once, outputs
    /// once dense; the innermost level holding an operand is read once per MAC (SCNN: once per
    /// vector, `products/I` weights and `products/F` inputs), and partial sums are read and
    /// written once per MAC at accumulator width.
    func work(for layer: Workload.Layer, on simulator: Simulator) throws -> LayerWork {
        let l = layer.shape
        let one = l.withBatch(1)
        let array = spec.peArray
        let options = spec.dataflowOptions
        let w = spec.sparsity(of: .weights), x = spec.sparsity(of: .inputs)
        let greedy = w.balancing == .greedy || x.balancing == .greedy

        struct Run { var cycles: Int, macs: Int, imbalance: Double, mapping: Double, halo: Int, stalls: Int, tiles: Int }
        func run(weights: Bitmask?, inputs: Bitmask?) -> Run {
            switch spec.dataflow {
            case .cartesianProduct:
                let c = CartesianProductCompute(
                    shape: one, weights: weights, inputs: inputs, rows: array.rows, cols: array.cols,
                    weightVector: options.weightVector ?? 1, inputVector: options.inputVector ?? 1,
                    banks: options.accumulatorBanks ?? 1, channelGroup: options.channelGroup ?? 1)
                return Run(cycles: c.computeCycles, macs: c.macs, imbalance: c.loadImbalance, mapping: c.mappingEfficiency,
                           halo: c.haloValues, stalls: c.bankStallCycles, tiles: c.groups)
            case .outerProduct:
                let c = OuterProductCompute(shape: one, weights: weights, inputs: inputs, rows: array.rows, cols: array.cols,
                                            tileA: options.inputTile ?? array.rows, tileB: options.weightTile ?? array.cols)
                return Run(cycles: c.computeCycles, macs: c.macs, imbalance: 1, mapping: c.mappingEfficiency, halo: 0, stalls: 0,
                           tiles: c.tiles)
            default:
                let c = FilterParallelCompute(
                    work: SparseWork(shape: one, inputs: inputs), weights: weights, rows: array.rows, cols: array.cols,
                    macsPerPE: array.macsPerPE, chunkSize: spec.dataflow == .innerJoin ? options.chunkSize : nil, greedy: greedy)
                return Run(cycles: c.computeCycles, macs: c.macs, imbalance: c.loadImbalance, mapping: c.mappingEfficiency,
                           halo: 0, stalls: 0, tiles: c.rounds)
            }
        }

        // Per sample: the run with the skipped operands' zeros (cycles), and — when an operand is
        // only gated — the MACs whose exploited operands are all non-zero (full energy).
        let exploitW = w.exploit != .none, exploitX = x.exploit != .none
        let gatedOnly = (exploitW && w.exploit != .skip) || (exploitX && x.exploit != .skip)
        var total = Run(cycles: 0, macs: 0, imbalance: 0, mapping: 0, halo: 0, stalls: 0, tiles: 0)
        var kept = 0
        var fewest = Int.max, most = 0
        var imbalanceWeight = 0.0, mappingWeight = 0.0
        var unrecorded: (run: Run, kept: Int)?
        for i in 0..<l.N {
            let s: Run, k: Int
            if Simulator.inputPattern(layer.masks, sample: i) == nil, let u = unrecorded {
                (s, k) = u
            } else {
                let visible = Simulator.visibleInputs(layer, sample: i)
                s = run(weights: w.exploit == .skip ? layer.masks?.weights : nil, inputs: x.exploit == .skip ? visible : nil)
                k = gatedOnly ? run(weights: exploitW ? layer.masks?.weights : nil, inputs: exploitX ? visible : nil).macs : s.macs
                if Simulator.inputPattern(layer.masks, sample: i) == nil { unrecorded = (s, k) }
            }
            total.cycles += s.cycles
            total.macs += s.macs
            total.halo += s.halo
            total.stalls += s.stalls
            total.tiles = s.tiles
            kept += k
            imbalanceWeight += s.imbalance * Double(s.cycles)
            mappingWeight += s.mapping * Double(s.cycles)
            fewest = min(fewest, s.cycles)
            most = max(most, s.cycles)
        }
        total.imbalance = total.cycles > 0 ? imbalanceWeight / Double(total.cycles) : 1
        total.mapping = total.cycles > 0 ? mappingWeight / Double(total.cycles) : 0

        // Energy: performed MACs whose exploited operands are all non-zero at full energy, the
        // rest (a gated operand's zeros) at the gated energy.
        let full = min(kept, total.macs)
        let gated = total.macs - full
        var ledger = EnergyLedger(macs: 0, macPJ: 0)
        ledger.energy["mac"] = Double(full) * spec.energy.macPJ + Double(gated) * spec.energy.gatedMacPJ

        // DRAM: compressed operands; weights re-read once per pass when the inputs exceed their
        // share of the on-chip buffers.
        let bits = array.operandBits
        let weightCost = try simulator.storage(.weights, of: layer) ?? StorageCost(dataBits: l.weightCount * bits, metadataBits: 0)
        let inputCost = try simulator.storage(.inputs, of: layer) ?? StorageCost(dataBits: l.inputCount * bits, metadataBits: 0)
        let outputBits = l.outputCount * bits
        let inputCapacity = spec.memory.filter { ($0.type == .sram || $0.type == .regfile) && $0.holds.contains(.inputs) }
            .map { ($0.sizeBytes ?? 0) * 8 * ($0.type == .regfile ? array.peCount : 1) / max($0.holds.count, 1) }.max() ?? 0
        let perSampleInputs = (inputCost.totalBits + l.N - 1) / max(l.N, 1)
        let passes = inputCapacity > 0 ? max(1, (perSampleInputs + inputCapacity - 1) / inputCapacity) * l.N : l.N
        let weightPasses = inputCapacity > 0 && perSampleInputs * l.N <= inputCapacity ? 1 : passes
        let dramBits = [weightCost.dataBits * weightPasses, inputCost.dataBits, outputBits]
        let metadataBits = weightCost.metadataBits * weightPasses + inputCost.metadataBits
        let dramLevel = spec.memory[0]
        for (operand, b) in zip(Operand.allCases, dramBits) {
            let extra = operand == .weights ? weightCost.metadataBits * weightPasses : operand == .inputs ? inputCost.metadataBits : 0
            ledger.charge(dramLevel, operand, readBits: operand == .outputs ? 0 : b + extra, writeBits: operand == .outputs ? b : 0)
        }
        // On chip: the outermost buffer of each operand is filled once from DRAM and read once;
        // the innermost level holding it is read per MAC, or per vector: an input value serves
        // `f` products (the Cartesian product's F weights, the outer product's `cols` filters), a
        // weight `iv` (I inputs, `rows` pixels).
        let f: Int, iv: Int, unit: String
        switch spec.dataflow {
        case .cartesianProduct: (f, iv, unit) = (options.weightVector ?? 1, options.inputVector ?? 1, "channel groups")
        case .outerProduct: (f, iv, unit) = (array.cols, array.rows, "output tiles")
        default: (f, iv, unit) = (1, 1, "rounds")
        }
        let perMacReads: [Operand: Int] = [.weights: total.macs / iv * bits, .inputs: total.macs / f * bits,
                                               .outputs: total.macs * array.accumulatorBits]
        for (index, operand) in Operand.allCases.enumerated() {
            let levels = spec.memory.filter { ($0.type == .sram || $0.type == .regfile) && $0.holds.contains(operand) }
            let moved = dramBits[index] + (operand == .weights ? weightCost.metadataBits * weightPasses : operand == .inputs ? inputCost.metadataBits : 0)
            for (j, level) in levels.enumerated() {
                if j == levels.count - 1 {
                    let reads = perMacReads[operand]!
                    ledger.charge(level, operand, readBits: reads, writeBits: operand == .outputs ? reads : moved)
                } else {
                    ledger.charge(level, operand, readBits: moved, writeBits: moved)
                }
            }
            if operand == .outputs, total.halo > 0, let noc = spec.memory.last(where: { $0.type == .noc && $0.holds.contains(.outputs) }) {
                ledger.charge(noc, .outputs, readBits: total.halo * array.accumulatorBits, writeBits: 0)
            }
        }

        var tiling = "\(spec.dataflow.rawValue): \(array.rows)x\(array.cols) PEs, \(total.tiles) \(unit)"
        if total.stalls > 0 { tiling += ", \(total.stalls) bank-stall cycles" }
        var r = LayerWork(l, macs: total.macs, computeCycles: total.cycles, mappingEfficiency: total.mapping, tiling: tiling,
                          ledger: ledger, dramBits: dramBits, metadataBits: metadataBits)
        r.storedWeightBits = weightCost.totalBits
        r.gatedMacs = gated
        r.loadImbalance = total.imbalance
        r.denseCycles = simulator.hasSparsity ? try simulator.denseTwinCycles(l) : nil
        if layer.masks != nil {
            // A filter-parallel array or the outer product skipping both operands performed exactly
            // the effectual MACs (the Cartesian product also computes products that land nowhere).
            let both = w.exploit == .skip && x.exploit == .skip && spec.dataflow != .cartesianProduct
            r.describeMasks(of: layer, effectual: both ? total.macs : Simulator.countMacs(layer, weights: true, inputs: true))
        }
        if l.N > 1 { r.sampleCycles = .init(min: fewest, max: most) }
        return r
    }
}
