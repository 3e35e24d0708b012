import Dataflow
import SparseSimCore

// MARK: - RowStationaryModel

/// Eyeriss's row-stationary array (Docs/model.md, "Row stationary"): the mapping of least
/// cycles and energy from `RowStationaryMapping`'s search, traffic by its tile rules, NoC and
/// scratchpad accesses. An array that skips zeros or runs several MACs per PE (Eyeriss v2)
/// lasts as long as each pass's slowest PE from the masks (`SparseRowStationary`); one that
/// cannot skip gates them.
struct RowStationaryModel: DataflowModel {
    static let dataflows: Set<HardwareSpec.Dataflow> = [.rowStationary]

    let spec: HardwareSpec

    init(spec: HardwareSpec, file: String) throws {
        self.spec = spec
    }

    func work(for layer: Workload.Layer, on simulator: Simulator) throws -> LayerWork {
        if spec.peArray.macsPerPE > 1 || spec.sparsity.contains(where: { $0.exploit == .skip }) {
            return try sparseWork(layer, on: simulator)
        }
        var work = denseWork(layer.shape)
        try simulator.applyOperandSparsity(&work, layer: layer, denseCycles: simulator.pacedCycles(work))
        return work
    }


    /// What a row-stationary array performs with a given mapping when it skips zeros.
    struct RowStationaryRun {
        var computeCycles: Int, macs: Int, mappingEfficiency: Double, tiling: String
    }

    /// The layer with the mapping of least cycles and energy (the dense search); `performed`,
    /// when given, replaces the mapping's dense compute with what the PEs do with zeros skipped
    /// (cycles, MACs — scratchpad accesses are per performed MAC).
    func denseWork(_ layer: LayerShape, performed: ((RowStationaryMapping) -> RowStationaryRun)? = nil) -> LayerWork {
        let array = spec.peArray
        let ob = array.operandBits, ab = array.accumulatorBits
        let levels = spec.memory
        // Per operand (Operand.allCases order): the SRAM levels holding it, outermost first; the
        // NoC and the scratchpad that carry it, if any. A buffer holding several operands is
        // shared: their tiles are placed together (`sharedTilePositions`).
        var chains: [[Int]] = [], noc: [Int?] = [], scratchpad: [Int?] = []
        for operand in Operand.allCases {
            let chain = levels.indices.filter { levels[$0].type == .sram && levels[$0].holds.contains(operand) }
            chains.append(chain)
            noc.append(levels.indices.last { levels[$0].type == .noc && levels[$0].holds.contains(operand) })
            scratchpad.append(levels.indices.last { levels[$0].type == .regfile && levels[$0].holds.contains(operand) })
        }
        let buffers = levels.indices.filter { levels[$0].type == .sram }
        let heldMasks = buffers.map { b in Operand.allCases.indices.reduce(0) { levels[b].holds.contains(Operand.allCases[$1]) ? $0 | (1 << $1) : $0 } }
        /// Each buffer's tile position per operand, at `level * 3 + operand` (Operand.allCases order).
        var positions = [Int](repeating: 0, count: levels.count * 3)
        func placeTiles(_ traffic: RowStationaryTraffic) {
            for (b, held) in zip(buffers, heldMasks) where held != 0 {
                let p = traffic.sharedTilePositions(held: held, capacityBits: (levels[b].sizeBytes ?? 0) * 8)
                for o in 0..<3 { positions[b * 3 + o] = p[o] }
            }
        }
        // Each operand's scratchpad is the innermost register file holding it; a scratchpad is
        // shared by the operands whose innermost it is (Eyeriss v1 and v2 have one per operand).
        let spads = Set(scratchpad.compactMap { $0 }).sorted()
        let fits: (Int, Int) -> Bool = { p, q in
            guard !spads.isEmpty else { return p == 1 && q == 1 }
            for level in spads {
                var bits = 0
                if scratchpad[0] == level { bits += p * q * layer.S * ob }
                if scratchpad[1] == level { bits += q * layer.S * ob }
                if scratchpad[2] == level { bits += p * ab }
                if bits > (levels[level].sizeBytes ?? 0) * 8 { return false }
            }
            return true
        }
        let clockHz = spec.technology.clockMHz * 1e6
        let readPJ = levels.map(\.readPJ), writePJ = levels.map(\.writePJ), width = levels.map { max($0.widthBits, 1) }
        let bytesPerCycle = levels.map { $0.bandwidthGBps.map { $0 * 1e9 / clockHz } }
        var energy = [Double](repeating: 0, count: levels.count)
        var bits = [Int](repeating: 0, count: levels.count)

        /// Charges `traffic` into `energy` and `bits` (per level) through `charge`.
        func account(_ traffic: RowStationaryTraffic, _ charge: (Int, Operand, Int, Int) -> Void) {
            placeTiles(traffic)
            for (o, operand) in Operand.allCases.enumerated() {
                var outer = SystolicTraffic.Transfer(inwardBits: 0, outwardBits: 0)
                var level = 0  // DRAM
                for index in chains[o] {
                    let t = traffic.bufferTransfer(operand, position: positions[index * 3 + o])
                    charge(level, operand, t.inwardBits + outer.outwardBits, outer.inwardBits + t.outwardBits)
                    outer = t
                    level = index
                }
                let t = traffic.arrayTransfer(operand)
                charge(level, operand, t.inwardBits + outer.outwardBits, outer.inwardBits + t.outwardBits)
                if let n = noc[o] { charge(n, operand, traffic.nocBits(operand), 0) }
                if let r = scratchpad[o] {
                    charge(r, operand, traffic.scratchpadReadBits(operand), traffic.scratchpadWriteBits(operand))
                }
            }
        }

        var best: (mapping: RowStationaryMapping, cycles: Int, energy: Double)?
        RowStationaryMapping.forEachCandidate(layer: layer, rows: array.rows, cols: array.cols,
                                              accumulateCycles: array.accumulateCycles ?? 0, fits: fits) { mapping in
            let traffic = RowStationaryTraffic(mapping: mapping, operandBits: ob, accumulatorBits: ab)
            for i in levels.indices { energy[i] = 0; bits[i] = 0 }
            account(traffic) { level, _, readBits, writeBits in
                let w = width[level]
                energy[level] += Double((readBits + w - 1) / w) * readPJ[level] + Double((writeBits + w - 1) / w) * writePJ[level]
                bits[level] += readBits + writeBits
            }
            var cycles = mapping.computeCycles
            var total = Double(mapping.macs) * spec.energy.macPJ
            for i in levels.indices {
                total += energy[i]
                if let rate = bytesPerCycle[i] { cycles = max(cycles, Simulator.cycles(Double(bits[i]) / 8 / rate)) }
            }
            if let b = best, (b.cycles, b.energy) <= (cycles, total) { return }
            best = (mapping, cycles, total)
        }
        let mapping = best!.mapping
        var traffic = RowStationaryTraffic(mapping: mapping, operandBits: ob, accumulatorBits: ab)
        let run = performed?(mapping)
            ?? RowStationaryRun(computeCycles: mapping.computeCycles, macs: mapping.macs,
                                mappingEfficiency: mapping.mappingEfficiency, tiling: mapping.summary)
        traffic.macs = run.macs
        var ledger = EnergyLedger(macs: run.macs, macPJ: spec.energy.macPJ)
        account(traffic) { ledger.charge(levels[$0], $1, readBits: $2, writeBits: $3) }
        var dramBits: [Int] = []
        placeTiles(traffic)
        for (o, operand) in Operand.allCases.enumerated() {
            let t = chains[o].isEmpty ? traffic.arrayTransfer(operand)
                : traffic.bufferTransfer(operand, position: positions[chains[o][0] * 3 + o])
            dramBits.append(t.inwardBits + t.outwardBits)
        }
        var work = LayerWork(layer, macs: run.macs, computeCycles: run.computeCycles,
                             mappingEfficiency: run.mappingEfficiency, tiling: run.tiling, ledger: ledger, dramBits: dramBits)
        work.activePEs = mapping.activePEs
        return work
    }

    /// A layer on a row-stationary array that skips zeros or runs several MACs per PE (Eyeriss
    /// v2): the dense mapping search picks the mapping; each sample's passes then last as long as
    /// their slowest PE's work from the masks (`SparseRowStationary`), scratchpad accesses follow
    /// the performed MACs, DRAM transfers are compressed, and gated operands' zeros cost the
    /// gated MAC energy.
    func sparseWork(_ layer: Workload.Layer, on simulator: Simulator) throws -> LayerWork {
        let l = layer.shape
        let one = l.withBatch(1)
        let w = spec.sparsity(of: .weights), x = spec.sparsity(of: .inputs)
        let simd = spec.peArray.macsPerPE
        let exploitW = w.exploit != .none, exploitX = x.exploit != .none
        let gatedOnly = (exploitW && w.exploit != .skip) || (exploitX && x.exploit != .skip)
        var kept = 0, fewest = Int.max, most = 0, imbalanceWeight = 0.0
        // Without bandwidth limits the dense twin's cycles are its compute on the same mapping
        // (the mapping search ignores sparsity), counted here instead of searching again.
        let twinFromMapping = simulator.hasSparsity && !spec.memory.contains { $0.bandwidthGBps != nil }
        var twin: Int?
        var r = denseWork(l) { mapping in
            if twinFromMapping {
                twin = l.N * SparseRowStationary(mapping: mapping, work: SparseWork(shape: one, inputs: nil), weights: nil, simd: simd).computeCycles
            }
            var cycles = 0, macs = 0, efficiency = 0.0
            var unrecorded: (run: SparseRowStationary, kept: Int)?
            for i in 0..<l.N {
                let recorded = Simulator.inputPattern(layer.masks, sample: i) != nil
                let s: SparseRowStationary, k: Int
                if !recorded, let u = unrecorded {
                    (s, k) = u
                } else {
                    let visible = Simulator.visibleInputs(layer, sample: i)
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
        try simulator.compressDRAM(&r, layer: layer)
        r.denseCycles = try twin ?? (simulator.hasSparsity ? simulator.denseTwinCycles(l) : nil)
        if layer.masks != nil {
            let both = w.exploit == .skip && x.exploit == .skip
            r.describeMasks(of: layer, effectual: both ? r.macs : Simulator.countMacs(layer, weights: true, inputs: true))
        }
        if l.N > 1 { r.sampleCycles = .init(min: fewest, max: most) }
        return r
    }
}
