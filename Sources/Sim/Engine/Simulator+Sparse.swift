import Dataflow
import SparseFormats
import SparseSimCore
import Trace

// MARK: - Operand sparsity

extension Simulator {
    /// Cycles of `shape` on the same spec with every operand's sparsity off (stalls included).
    /// Remembered per distinct shape: networks repeat layer shapes.
    func denseTwinCycles(_ shape: LayerShape) -> Int {
        var key = shape
        key.name = ""
        if let cycles = twins.cycles(key) { return cycles }
        var dense = spec
        dense.sparsity = []
        // The spec loaded, so its dense twin does; a dense layer fits every format.
        let cycles = try! Simulator(spec: dense).simulate(Workload.Layer(shape: shape)).cycles
        twins.store(cycles, for: key)
        return cycles
    }

    /// True when some operand's zeros are exploited or stored compressed.
    var hasSparsity: Bool { spec.sparsity.contains { $0.exploit != .none || $0.format != .dense } }

    /// The N:M pattern the spec's weight engine compresses, when the layer conforms to it, and
    /// a note when the layer runs in dense mode instead.
    ///
    /// A layer conforms when its recorded mask keeps at most N of every M consecutive weights
    /// along the reduction, or — without a mask — when it declares that structure (a SCALE-Sim
    /// topology's N:M column). Anything else runs dense: a 2:4 engine never computes a
    /// non-conforming layer as if it were 2:4.
    func nmStructure(for layer: Workload.Layer) -> (pattern: NMPattern?, note: String?) {
        let w = spec.sparsity(of: .weights)
        guard w.exploit == .skip, w.format == .nm, let pattern = w.nm else { return (nil, nil) }
        let (n, m) = (pattern.n, pattern.m)
        let l = layer.shape
        if let mask = layer.masks?.weights {
            if let v = pattern.firstViolation(in: mask, rows: l.K, columns: l.channelsPerGroup * l.R * l.S) {
                return (nil, "weights not \(n):\(m) (filter \(v.row), group \(v.group) keeps \(v.kept) of \(m)): dense mode")
            }
            return (pattern, nil)
        }
        if let s = layer.structure, s.m == m, s.n <= n { return (pattern, nil) }
        if let s = layer.structure { return (nil, "declared \(s.n):\(s.m) is not \(n):\(m): dense mode") }
        return (nil, "no \(n):\(m) structure declared or recorded: dense mode")
    }

    /// The recorded inputs of sample `i` (nil: none recorded).
    static func inputPattern(_ masks: LayerMasks?, sample i: Int) -> Bitmask? {
        guard let masks, !masks.inputs.isEmpty else { return nil }
        return masks.inputs[i % masks.inputs.count]
    }

    /// The non-zero inputs of sample `i` as hardware that looks at input zeros sees them: the
    /// recorded pattern, or every input non-zero — padding stays zero either way.
    static func visibleInputs(_ layer: Workload.Layer, sample i: Int) -> Bitmask {
        inputPattern(layer.masks, sample: i)
            ?? Bitmask(repeating: true, count: layer.shape.C * layer.shape.H * layer.shape.W)
    }

    /// MACs over all samples whose counted operands are non-zero — the weights when `weights`,
    /// the inputs (padding is zero) when `inputs`: with both, the effectual MACs.
    static func countMacs(_ layer: Workload.Layer, weights countWeights: Bool, inputs countInputs: Bool) -> Int {
        let l = layer.shape
        let one = l.withBatch(1)
        let weights = countWeights ? layer.masks?.weights : nil
        var total = 0
        var unrecorded: Int?
        for i in 0..<l.N {
            let recorded = inputPattern(layer.masks, sample: i) != nil
            if !recorded || !countInputs, let d = unrecorded { total += d; continue }
            let n = SparseWork(shape: one, inputs: countInputs ? visibleInputs(layer, sample: i) : nil)
                .filterWork(weights: weights).reduce(0, +)
            if !recorded || !countInputs { unrecorded = n }
            total += n
        }
        return total
    }

    /// Storage of `operand` in the spec's format: data and metadata bits of the weights (one
    /// matrix `K × C/groups·R·S`) or of the inputs (`C × H·W` per sample, over `N` samples).
    /// - Throws: `SparseSimError` when the spec's widths cannot hold the layer's indices.
    func storage(_ operand: Operand, of layer: Workload.Layer) throws -> StorageCost? {
        let setting = spec.sparsity(of: operand)
        guard setting.format != .dense else { return nil }
        let l = layer.shape
        let bits = spec.peArray.operandBits
        func cost(_ mask: Bitmask, rows: Int, columns: Int) throws -> StorageCost {
            let matrix = SparseMatrix(pattern: mask, rows: rows, columns: columns)
            let format = Self.format(setting, for: matrix)
            do {
                return try format.cost(of: matrix, valueBits: bits)
            } catch let error as SparseSimError {
                throw SparseSimError(file: "<spec \(spec.name)>", location: "sparsity.\(operand.rawValue)",
                                     message: "layer \(l.name): \(error.message)")
            }
        }
        switch operand {
        case .weights:
            let rows = l.K, columns = l.channelsPerGroup * l.R * l.S
            return try cost(layer.masks?.weights ?? Bitmask(repeating: true, count: rows * columns), rows: rows, columns: columns)
        case .inputs:
            var total = StorageCost(dataBits: 0, metadataBits: 0)
            var dense: StorageCost?
            for i in 0..<l.N {
                let pattern = Self.inputPattern(layer.masks, sample: i)
                if pattern == nil, let d = dense { total.dataBits += d.dataBits; total.metadataBits += d.metadataBits; continue }
                let c = try cost(pattern ?? Bitmask(repeating: true, count: l.C * l.H * l.W), rows: l.C, columns: l.H * l.W)
                if pattern == nil { dense = c }
                total.dataBits += c.dataBits
                total.metadataBits += c.metadataBits
            }
            return total
        case .outputs:
            return nil
        }
    }

    /// The storage format `setting` names, sized for `matrix`: CSR/CSC pointers as wide as its
    /// non-zero count needs; N:M only when the matrix conforms (else dense: it runs in dense mode).
    static func format(_ setting: HardwareSpec.OperandSparsity, for matrix: SparseMatrix) -> SparseFormat {
        switch setting.format {
        case .dense: return .dense
        case .bitmap: return .bitmap
        case .rle: return .rle(runBits: setting.runBits ?? 4)
        case .csr, .csc:
            let index = setting.indexBits ?? 16
            let pointer = SparseFormat.bits(toHold: matrix.nonzeros)
            return setting.format == .csr ? .csr(indexBits: index, pointerBits: pointer) : .csc(indexBits: index, pointerBits: pointer)
        case .nm:
            let nm = setting.nm ?? NMPattern(n: 1, m: 1)
            return nm.conforms(matrix) ? .nm(nm) : .dense
        case .block: return .block(size: setting.blockSize ?? 1)
        }
    }

    /// A dense dataflow's result with the operands' zeros applied: gated MACs charged the gated
    /// energy (cycles unchanged: a dense array cannot skip unstructured zeros), compressed DRAM
    /// transfers (data and metadata) and the densities and notes. `denseCycles`: the layer's
    /// cycles with sparsity off (the uncompressed result: a dense array's cycles do not depend on
    /// the masks).
    func applyOperandSparsity(_ dense: SimulationResult.LayerResult, layer: Workload.Layer, denseCycles: Int) throws -> SimulationResult.LayerResult {
        var r = dense
        let w = spec.sparsity(of: .weights), x = spec.sparsity(of: .inputs)
        for s in [w, x] where s.exploit == .skip && !(s.operand == .weights && s.format == .nm) {
            r.notes.append("\(s.operand.rawValue) skip on a dense \(spec.dataflow.rawValue) array: zeros gated, not skipped")
        }
        let effectual = layer.masks == nil ? nil : Self.countMacs(layer, weights: true, inputs: true)
        Self.describeMasks(&r, layer: layer, effectual: effectual)
        // MACs with every exploited operand non-zero; the rest of the performed MACs are gated.
        let exploitW = w.exploit != .none, exploitX = x.exploit != .none
        if exploitW || exploitX {
            let kept = exploitW && exploitX ? effectual ?? Self.countMacs(layer, weights: true, inputs: true)
                : Self.countMacs(layer, weights: exploitW, inputs: exploitX)
            // Under N:M compression the performed MACs are the kept slots; a slot's zero is gated.
            r.gatedMacs = max(r.macs - kept, 0)
            r.energyPJ["mac"] = Double(r.macs - r.gatedMacs) * spec.energy.macPJ + Double(r.gatedMacs) * spec.energy.gatedMacPJ
        }
        try compressDRAM(&r, layer: layer)
        pace(&r)
        r.denseCycles = denseCycles
        if r.cycles > 0 { r.speedup = Double(r.denseCycles) / Double(r.cycles) }
        return r
    }

    /// Records the masks' densities, the effectual MACs and a note for statistical inputs.
    static func describeMasks(_ r: inout SimulationResult.LayerResult, layer: Workload.Layer, effectual: Int?) {
        guard let masks = layer.masks else { return }
        r.weightDensity = masks.weightDensity
        r.inputDensity = masks.inputDensity
        r.effectualMacs = effectual
        if case .statistical(let d) = masks.inputSource { r.notes.append("input zeros statistical: uniform density \(d)") }
    }

    /// Scales each compressed operand's DRAM bytes by its format's storage over dense storage,
    /// adds the metadata, and re-charges DRAM energy and bits for the difference.
    func compressDRAM(_ r: inout SimulationResult.LayerResult, layer: Workload.Layer) throws {
        let dram = spec.memory[0]
        let l = layer.shape
        let bits = Double(spec.peArray.operandBits)
        for operand in [Operand.weights, .inputs] {
            guard let cost = try storage(operand, of: layer) else { continue }
            if operand == .weights { r.storedWeightBits = cost.totalBits }
            let denseBits = Double(operand == .weights ? l.weightCount : l.inputCount) * bits
            guard denseBits > 0 else { continue }
            let before = operand == .weights ? r.dramBytes.weights : r.dramBytes.inputs
            let data = before * Double(cost.dataBits) / denseBits
            let metadata = before * Double(cost.metadataBits) / denseBits
            if operand == .weights { r.dramBytes.weights = data } else { r.dramBytes.inputs = data }
            r.dramBytes.metadata += metadata
            let deltaBits = (data + metadata - before) * 8
            let deltaPJ = deltaBits / Double(max(dram.widthBits, 1)) * dram.readPJ
            r.energyPJ[dram.name, default: 0] += deltaPJ
            r.energyByOperandPJ[operand.rawValue, default: 0] += deltaPJ
            r.levelBits[dram.name, default: 0] += Int(deltaBits.rounded())
        }
    }
}

// MARK: - Sparse dataflows

extension Simulator {
    /// A layer on a sparse dataflow (`cartesian-product`, `inner-join`, `indexing`): each
    /// sample's cycles from the per-PE work the masks give, summed over the samples.
    ///
    /// Traffic (Docs/model.md, "Sparse dataflows"): every operand crosses DRAM compressed in its
    /// format — weights once per pass over the inputs that fit on chip, inputs once, outputs
    /// once dense; the innermost level holding an operand is read once per MAC (SCNN: once per
    /// vector, `products/I` weights and `products/F` inputs), and partial sums are read and
    /// written once per MAC at accumulator width.
    func simulateSparse(_ layer: Workload.Layer) throws -> SimulationResult.LayerResult {
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
            if Self.inputPattern(layer.masks, sample: i) == nil, let u = unrecorded {
                (s, k) = u
            } else {
                let visible = Self.visibleInputs(layer, sample: i)
                s = run(weights: w.exploit == .skip ? layer.masks?.weights : nil, inputs: x.exploit == .skip ? visible : nil)
                k = gatedOnly ? run(weights: exploitW ? layer.masks?.weights : nil, inputs: exploitX ? visible : nil).macs : s.macs
                if Self.inputPattern(layer.masks, sample: i) == nil { unrecorded = (s, k) }
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
        let weightCost = try storage(.weights, of: layer) ?? StorageCost(dataBits: l.weightCount * bits, metadataBits: 0)
        let inputCost = try storage(.inputs, of: layer) ?? StorageCost(dataBits: l.inputCount * bits, metadataBits: 0)
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
        // the innermost level holding it is read per MAC (per vector for the Cartesian product).
        let f = spec.dataflow == .cartesianProduct ? options.weightVector ?? 1 : 1
        let iv = spec.dataflow == .cartesianProduct ? options.inputVector ?? 1 : 1
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

        var tiling = "\(spec.dataflow.rawValue): \(array.rows)x\(array.cols) PEs, \(total.tiles) \(spec.dataflow == .cartesianProduct ? "channel groups" : "rounds")"
        if total.stalls > 0 { tiling += ", \(total.stalls) bank-stall cycles" }
        var r = result(l, macs: total.macs, computeCycles: total.cycles, mappingEfficiency: total.mapping, tiling: tiling,
                       ledger: ledger, dramBits: dramBits, metadataBits: metadataBits)
        r.storedWeightBits = weightCost.totalBits
        r.gatedMacs = gated
        r.loadImbalance = total.imbalance
        r.denseCycles = hasSparsity ? denseTwinCycles(l) : r.cycles
        if r.cycles > 0 { r.speedup = Double(r.denseCycles) / Double(r.cycles) }
        if layer.masks != nil {
            // A filter-parallel array skipping both operands performed exactly the effectual MACs.
            let both = w.exploit == .skip && x.exploit == .skip && spec.dataflow != .cartesianProduct
            Self.describeMasks(&r, layer: layer, effectual: both ? total.macs : Self.countMacs(layer, weights: true, inputs: true))
        }
        if l.N > 1 { r.sampleCycles = .init(min: fewest, max: most) }
        return r
    }
}

// MARK: - Row stationary on compressed operands

extension Simulator {
    /// A layer on a row-stationary array that skips zeros or runs several MACs per PE (Eyeriss
    /// v2): the dense mapping search picks the mapping; each sample's passes then last as long as
    /// their slowest PE's work from the masks (`SparseRowStationary`), scratchpad accesses follow
    /// the performed MACs, DRAM transfers are compressed, and gated operands' zeros cost the
    /// gated MAC energy.
    func simulateSparseRowStationary(_ layer: Workload.Layer) throws -> SimulationResult.LayerResult {
        let l = layer.shape
        let one = l.withBatch(1)
        let w = spec.sparsity(of: .weights), x = spec.sparsity(of: .inputs)
        let simd = spec.peArray.macsPerPE
        let exploitW = w.exploit != .none, exploitX = x.exploit != .none
        let gatedOnly = (exploitW && w.exploit != .skip) || (exploitX && x.exploit != .skip)
        var kept = 0, fewest = Int.max, most = 0, imbalanceWeight = 0.0
        // Without bandwidth limits the dense twin's cycles are its compute on the same mapping
        // (the mapping search ignores sparsity), counted here instead of searching again.
        let twinFromMapping = hasSparsity && !spec.memory.contains { $0.bandwidthGBps != nil }
        var twin: Int?
        var r = simulateRowStationary(l) { mapping in
            if twinFromMapping {
                twin = l.N * SparseRowStationary(mapping: mapping, work: SparseWork(shape: one, inputs: nil), weights: nil, simd: simd).computeCycles
            }
            var cycles = 0, macs = 0, efficiency = 0.0
            var unrecorded: (run: SparseRowStationary, kept: Int)?
            for i in 0..<l.N {
                let recorded = Self.inputPattern(layer.masks, sample: i) != nil
                let s: SparseRowStationary, k: Int
                if !recorded, let u = unrecorded {
                    (s, k) = u
                } else {
                    let visible = Self.visibleInputs(layer, sample: i)
                    s = SparseRowStationary(mapping: mapping, work: SparseWork(shape: one, inputs: x.exploit == .skip ? visible : nil),
                                            weights: w.exploit == .skip ? layer.masks?.weights : nil, simd: simd)
                    k = gatedOnly
                        ? SparseWork(shape: one, inputs: exploitX ? visible : nil).filterWork(weights: exploitW ? layer.masks?.weights : nil).reduce(0, +)
                        : s.macs
                    if !recorded { unrecorded = (s, k) }
                }
                cycles += s.computeCycles
                macs += s.macs
                kept += k
                efficiency += s.mappingEfficiency * Double(s.computeCycles)
                imbalanceWeight += s.loadImbalance * Double(s.computeCycles)
                fewest = min(fewest, s.computeCycles)
                most = max(most, s.computeCycles)
            }
            var tiling = mapping.summary
            if simd > 1 { tiling += ", SIMD \(simd)" }
            return RowStationaryRun(computeCycles: cycles, macs: macs,
                                    mappingEfficiency: cycles > 0 ? efficiency / Double(cycles) : 0, tiling: tiling)
        }
        let full = min(kept, r.macs)
        r.gatedMacs = r.macs - full
        r.energyPJ["mac"] = Double(full) * spec.energy.macPJ + Double(r.gatedMacs) * spec.energy.gatedMacPJ
        r.loadImbalance = r.computeCycles > 0 ? imbalanceWeight / Double(r.computeCycles) : 1
        try compressDRAM(&r, layer: layer)
        pace(&r)
        r.denseCycles = twin ?? (hasSparsity ? denseTwinCycles(l) : r.cycles)
        if r.cycles > 0 { r.speedup = Double(r.denseCycles) / Double(r.cycles) }
        if layer.masks != nil {
            let both = w.exploit == .skip && x.exploit == .skip
            Self.describeMasks(&r, layer: layer, effectual: both ? r.macs : Self.countMacs(layer, weights: true, inputs: true))
        }
        if l.N > 1 { r.sampleCycles = .init(min: fewest, max: most) }
        return r
    }
}
