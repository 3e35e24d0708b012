import Dataflow
import SparseSimCore
import Trace

// MARK: - Simulator

/// Runs workloads on a hardware spec: compute cycles from the dataflow's mapping, traffic at
/// every memory level, cycles with bandwidth stalls, and energy (Docs/model.md).
public struct Simulator: Sendable {
    /// The spec.
    public let spec: HardwareSpec
    /// How errors name the spec.
    let file: String
    let mode: Mode
    /// Dense-twin cycles per layer shape (name and batch aside), shared by copies.
    let twins = DenseTwinCache()

    /// How the PE array is modelled.
    enum Mode {
        case systolic(SystolicDataflow)
        case rowStationary
        case sparse
        case basisFirst
    }

    /// A simulator for `spec`.
    /// - Throws: `SparseSimError` when the spec's dataflow is not modelled yet, or a systolic
    ///   array declares more than one MAC per PE.
    public init(spec: HardwareSpec, file: String = "<spec>") throws {
        self.spec = spec
        self.file = file
        switch spec.dataflow {
        case .weightStationary: mode = .systolic(.weightStationary)
        case .outputStationary: mode = .systolic(.outputStationary)
        case .inputStationary: mode = .systolic(.inputStationary)
        case .rowStationary: mode = .rowStationary
        case .cartesianProduct, .innerJoin, .indexing: mode = .sparse
        case .basisFirst: mode = .basisFirst
        }
        guard spec.peArray.macsPerPE == 1 || spec.dataflow.isSparse || spec.dataflow == .rowStationary || spec.dataflow == .basisFirst else {
            throw SparseSimError(file: file, location: "pe-array", message: "systolic dataflows model one MAC per PE per cycle; macsPerPE is \(spec.peArray.macsPerPE)")
        }
    }

    /// Simulates every layer of `workload`.
    /// - Throws: `SparseSimError` when a layer's masks do not fit the spec's formats (an index
    ///   too narrow for the layer) or its shape.
    public func run(_ workload: Workload, densityModel: DensityModel = .actual, provenance: Provenance? = nil) throws -> SimulationResult {
        let results = try workload.layers.map { try simulate($0) }
        // Cycle counts are Ints: a spec whose bandwidth or clock makes them absurd is refused
        // here instead of overflowing (transfer cycles saturate at `cycleLimit`).
        let totalCycles = results.reduce(0.0) { $0 + Double($1.cycles) }
        if let slow = results.first(where: { $0.cycles >= Self.cycleLimit }) ?? (totalCycles >= 0x1p62 ? results.last : nil) {
            throw SparseSimError(
                file: file, location: "memory",
                message: "layer '\(slow.name)' would take 2^60 cycles or more (the network 2^62): bandwidthGBps is too low or clockMHz too high for this workload")
        }
        return SimulationResult(
            spec: .init(name: spec.name, dataflow: spec.dataflow.rawValue, rows: spec.peArray.rows, cols: spec.peArray.cols,
                        clockMHz: spec.technology.clockMHz),
            workload: .init(source: workload.source, name: workload.name, layers: workload.layers.count),
            layers: results, total: Self.total(results, peCount: spec.macLanes, clockHz: spec.technology.clockMHz * 1e6),
            densityModel: workload.layers.contains { $0.masks != nil } ? densityModel.rawValue : nil,
            provenance: provenance)
    }

    /// Simulates one layer with dense operands.
    /// - Precondition: `layer` is valid.
    public func simulate(_ layer: LayerShape) -> SimulationResult.LayerResult {
        // Dense operands fit every format: the only failure is a mask that does not fit.
        try! simulate(Workload.Layer(shape: layer))
    }

    /// Simulates one layer, its masks and declared structure included.
    /// - Throws: `SparseSimError` when a mask does not fit the layer or the spec's format.
    public func simulate(_ layer: Workload.Layer) throws -> SimulationResult.LayerResult {
        try layer.masks?.validate(for: layer.shape, file: "<workload>")
        if case .basisFirst = mode { return try simulateBasisFirst(layer) }
        var r = try simulateOnArray(layer)
        // Weights as the spec stores them (counted once, where the dataflow compressed them),
        // against dense 32-bit floats.
        let stored = r.storedWeightBits > 0 ? r.storedWeightBits
            : try storage(.weights, of: layer)?.totalBits ?? layer.shape.weightCount * spec.peArray.operandBits
        r.denseWeightBits = 32 * layer.shape.weightCount
        r.storedWeightBits = stored
        r.compressionRatio = stored > 0 ? Double(r.denseWeightBits) / Double(stored) : nil
        return r
    }

    /// One layer on a dataflow without decomposition.
    func simulateOnArray(_ layer: Workload.Layer) throws -> SimulationResult.LayerResult {
        switch mode {
        case .systolic(let dataflow):
            let structure = nmStructure(for: layer)
            var r = simulateSystolic(layer.shape, dataflow: dataflow, structure: structure.pattern)
            if let note = structure.note { r.notes.append(note) }
            // The dense twin: the same array without N:M compression, before any compression.
            let twin = structure.pattern == nil ? r.cycles : simulateSystolic(layer.shape, dataflow: dataflow, structure: nil).cycles
            return try applyOperandSparsity(r, layer: layer, denseCycles: twin)
        case .rowStationary where spec.peArray.macsPerPE > 1 || spec.sparsity.contains(where: { $0.exploit == .skip }):
            return try simulateSparseRowStationary(layer)
        case .rowStationary:
            let r = simulateRowStationary(layer.shape)
            return try applyOperandSparsity(r, layer: layer, denseCycles: r.cycles)
        case .sparse:
            return try simulateSparse(layer)
        case .basisFirst:
            return try simulateBasisFirst(layer)
        }
    }

    // MARK: Systolic arrays

    func simulateSystolic(_ layer: LayerShape, dataflow: SystolicDataflow, structure: NMPattern?) -> SimulationResult.LayerResult {
        let array = spec.peArray
        let compute = SystolicCompute(layer: layer, rows: array.rows, cols: array.cols, dataflow: dataflow,
                                      structured: structure)
        // Per operand: the on-chip levels holding it (outermost first) and its share of each.
        var chains: [Operand: [HardwareSpec.MemoryLevel]] = [:]
        var capacities: [Operand: [Int]] = [:]
        for operand in Operand.allCases {
            let levels = spec.memory.filter { ($0.type == .sram || $0.type == .regfile) && $0.holds.contains(operand) }
            chains[operand] = levels
            capacities[operand] = levels.map { level in
                let bytes = (level.sizeBytes ?? 0) * (level.type == .regfile ? array.peCount : 1)
                return bytes * 8 / max(level.holds.count, 1)
            }
        }
        let traffic = SystolicTraffic(compute: compute, operandBits: array.operandBits,
                                      accumulatorBits: array.accumulatorBits, capacities: capacities)
        var ledger = EnergyLedger(macs: compute.macs, macPJ: spec.energy.macPJ)
        ledger.chargeChains(traffic.transfers, chains: chains, dram: spec.memory[0])
        let tiling = "outer \(traffic.outer.rawValue)x\(traffic.outerFolds), inner \(traffic.inner.rawValue)x\(traffic.innerFolds), streamed \(traffic.streamed.rawValue)"
            + (compute.groups > 1 ? ", \(compute.groups) groups" : "")
        return result(
            layer, macs: compute.macs, computeCycles: compute.computeCycles, mappingEfficiency: compute.mappingEfficiency,
            tiling: tiling, ledger: ledger, dramBits: Operand.allCases.map { traffic.dramBits($0) })
    }

    // MARK: Row stationary

    /// What a row-stationary array performs with a given mapping when it skips zeros.
    struct RowStationaryRun {
        var computeCycles: Int, macs: Int, mappingEfficiency: Double, tiling: String
    }

    /// The layer with the mapping of least cycles and energy (the dense search); `performed`,
    /// when given, replaces the mapping's dense compute with what the PEs do with zeros skipped
    /// (cycles, MACs — scratchpad accesses are per performed MAC).
    func simulateRowStationary(_ layer: LayerShape, performed: ((RowStationaryMapping) -> RowStationaryRun)? = nil) -> SimulationResult.LayerResult {
        let array = spec.peArray
        let ob = array.operandBits, ab = array.accumulatorBits
        let levels = spec.memory
        // Per operand (Operand.allCases order): the SRAM levels holding it, outermost first,
        // with its share of each; the NoC and the scratchpad that carry it, if any.
        var chains: [[Int]] = [], capacities: [[Int]] = [], noc: [Int?] = [], scratchpad: [Int?] = []
        for operand in Operand.allCases {
            let chain = levels.indices.filter { levels[$0].type == .sram && levels[$0].holds.contains(operand) }
            chains.append(chain)
            capacities.append(chain.map { (levels[$0].sizeBytes ?? 0) * 8 / max(levels[$0].holds.count, 1) })
            noc.append(levels.indices.last { levels[$0].type == .noc && levels[$0].holds.contains(operand) })
            scratchpad.append(levels.indices.last { levels[$0].type == .regfile && levels[$0].holds.contains(operand) })
        }
        // The PE scratchpad (the innermost register file) is shared by what it holds.
        let spad = levels.last { $0.type == .regfile }
        let spadBits = (spad?.sizeBytes ?? 0) * 8
        let holds = Set(spad?.holds ?? [])
        let fits: (Int, Int) -> Bool = { p, q in
            guard spad != nil else { return p == 1 && q == 1 }
            var bits = 0
            if holds.contains(.weights) { bits += p * q * layer.S * ob }
            if holds.contains(.inputs) { bits += q * layer.S * ob }
            if holds.contains(.outputs) { bits += p * ab }
            return bits <= spadBits
        }
        let clockHz = spec.technology.clockMHz * 1e6
        let readPJ = levels.map(\.readPJ), writePJ = levels.map(\.writePJ), width = levels.map { max($0.widthBits, 1) }
        let bytesPerCycle = levels.map { $0.bandwidthGBps.map { $0 * 1e9 / clockHz } }
        var energy = [Double](repeating: 0, count: levels.count)
        var bits = [Int](repeating: 0, count: levels.count)

        /// Charges `traffic` into `energy` and `bits` (per level) through `charge`.
        func account(_ traffic: RowStationaryTraffic, _ charge: (Int, Operand, Int, Int) -> Void) {
            for (o, operand) in Operand.allCases.enumerated() {
                var outer = SystolicTraffic.Transfer(inwardBits: 0, outwardBits: 0)
                var level = 0  // DRAM
                for (c, index) in chains[o].enumerated() {
                    let t = traffic.bufferTransfer(operand, capacityBits: capacities[o][c])
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
        RowStationaryMapping.forEachCandidate(layer: layer, rows: array.rows, cols: array.cols, fits: fits) { mapping in
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
                if let rate = bytesPerCycle[i] { cycles = max(cycles, Self.cycles(Double(bits[i]) / 8 / rate)) }
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
        for (o, operand) in Operand.allCases.enumerated() {
            let t = chains[o].isEmpty ? traffic.arrayTransfer(operand)
                : traffic.bufferTransfer(operand, capacityBits: capacities[o][0])
            dramBits.append(t.inwardBits + t.outwardBits)
        }
        return result(layer, macs: run.macs, computeCycles: run.computeCycles,
                      mappingEfficiency: run.mappingEfficiency, tiling: run.tiling, ledger: ledger, dramBits: dramBits)
    }

    // MARK: Accounting

    /// Energy and bits per level, accumulated as traffic is charged.
    struct EnergyLedger {
        var energy: [String: Double]
        var energyByOperand: [String: Double] = [:]
        var bitsThrough: [String: Int] = [:]

        init(macs: Int, macPJ: Double) { energy = ["mac": Double(macs) * macPJ] }

        mutating func charge(_ level: HardwareSpec.MemoryLevel, _ operand: Operand, readBits: Int, writeBits: Int) {
            let width = max(level.widthBits, 1)
            let reads = (readBits + width - 1) / width
            let writes = (writeBits + width - 1) / width
            let pj = Double(reads) * level.readPJ + Double(writes) * level.writePJ
            energy[level.name, default: 0] += pj
            energyByOperand[operand.rawValue, default: 0] += pj
            bitsThrough[level.name, default: 0] += readBits + writeBits
        }

        /// Charges traffic that is not a GEMM operand (ESCALATE's intermediate values) under `key`.
        mutating func charge(_ level: HardwareSpec.MemoryLevel, key: String, readBits: Int, writeBits: Int) {
            let width = max(level.widthBits, 1)
            let pj = Double((readBits + width - 1) / width) * level.readPJ + Double((writeBits + width - 1) / width) * level.writePJ
            energy[level.name, default: 0] += pj
            energyByOperand[key, default: 0] += pj
            bitsThrough[level.name, default: 0] += readBits + writeBits
        }

        /// Charges each operand's transfers along DRAM and its chain of buffers.
        mutating func chargeChains(_ transfers: [Operand: [SystolicTraffic.Transfer]],
                                   chains: [Operand: [HardwareSpec.MemoryLevel]], dram: HardwareSpec.MemoryLevel) {
            for operand in Operand.allCases {
                let transfers = transfers[operand]!
                let levels = [dram] + chains[operand]!
                for (i, level) in levels.enumerated() {
                    // Boundary i: level i-1 ↔ level i; boundary i+1: level i ↔ level i+1 (or the array).
                    let fromAbove = i == 0 ? nil : transfers[i - 1]
                    let toBelow = transfers[i]
                    let reads = toBelow.inwardBits + (fromAbove?.outwardBits ?? 0)
                    let writes = (fromAbove?.inwardBits ?? 0) + toBelow.outwardBits
                    charge(level, operand, readBits: reads, writeBits: writes)
                }
            }
        }
    }

    /// A layer's result from its compute cycles and charged traffic: transfers are
    /// double-buffered and overlap compute, so the slowest level with a bandwidth sets the pace.
    func result(_ layer: LayerShape, macs: Int, computeCycles: Int, mappingEfficiency: Double, tiling: String,
                ledger: EnergyLedger, dramBits: [Int], metadataBits: Int = 0) -> SimulationResult.LayerResult {
        let dramBytes = SimulationResult.OperandBytes(
            weights: Double(dramBits[0]) / 8, inputs: Double(dramBits[1]) / 8, outputs: Double(dramBits[2]) / 8,
            metadata: Double(metadataBits) / 8)
        var r = SimulationResult.LayerResult(
            name: layer.name, macs: macs, computeCycles: computeCycles, cycles: computeCycles, stallCycles: 0,
            utilization: 0, mappingEfficiency: mappingEfficiency, tiling: tiling, dramBytes: dramBytes, energyPJ: ledger.energy,
            energyByOperandPJ: ledger.energyByOperand, requiredBandwidthGBps: 0, achievedBandwidthGBps: 0)
        r.levelBits = ledger.bitsThrough
        pace(&r)
        return r
    }

    /// Sets `cycles`, stalls, utilization and bandwidths from `computeCycles` and the bits
    /// through each level with a bandwidth.
    func pace(_ r: inout SimulationResult.LayerResult) {
        let clockHz = spec.technology.clockMHz * 1e6
        var cycles = r.computeCycles
        for level in spec.memory {
            guard let gbps = level.bandwidthGBps, let bits = r.levelBits[level.name] else { continue }
            let transferCycles = Self.cycles(Double(bits) / 8 / (gbps * 1e9) * clockHz)
            cycles = max(cycles, transferCycles)
        }
        let computeSeconds = Double(max(r.computeCycles, 1)) / clockHz
        let seconds = Double(max(cycles, 1)) / clockHz
        r.cycles = cycles
        r.stallCycles = cycles - r.computeCycles
        r.utilization = Double(r.macs) / (Double(max(cycles, 1)) * Double(spec.macLanes))
        r.requiredBandwidthGBps = r.dramBytes.total / computeSeconds / 1e9
        r.achievedBandwidthGBps = r.dramBytes.total / seconds / 1e9
    }

    /// Layer cycle counts saturate here (2^60); `run` refuses a workload that reaches it.
    static let cycleLimit = 1 << 60

    /// `value` rounded up to whole cycles, saturating at `cycleLimit` (NaN included).
    static func cycles(_ value: Double) -> Int {
        value < Double(cycleLimit) ? Int(value.rounded(.up)) : cycleLimit
    }

    static func total(_ layers: [SimulationResult.LayerResult], peCount: Int, clockHz: Double) -> SimulationResult.LayerResult {
        let macs = layers.reduce(0) { $0 + $1.macs }
        let compute = layers.reduce(0) { $0 + $1.computeCycles }
        let cycles = layers.reduce(0) { $0 + $1.cycles }
        var energy: [String: Double] = [:]
        var byOperand: [String: Double] = [:]
        for l in layers {
            energy.merge(l.energyPJ, uniquingKeysWith: +)
            byOperand.merge(l.energyByOperandPJ, uniquingKeysWith: +)
        }
        let dram = layers.reduce(SimulationResult.OperandBytes()) { $0 + $1.dramBytes }
        let computeSeconds = Double(compute) / clockHz
        let seconds = Double(cycles) / clockHz
        let mapping = compute > 0 ? layers.reduce(0.0) { $0 + $1.mappingEfficiency * Double($1.computeCycles) } / Double(compute) : 0
        var t = SimulationResult.LayerResult(
            name: "total", macs: macs, computeCycles: compute, cycles: cycles, stallCycles: cycles - compute,
            utilization: cycles > 0 ? Double(macs) / (Double(cycles) * Double(peCount)) : 0, mappingEfficiency: mapping,
            tiling: "-", dramBytes: dram, energyPJ: energy, energyByOperandPJ: byOperand,
            requiredBandwidthGBps: computeSeconds > 0 ? dram.total / computeSeconds / 1e9 : 0,
            achievedBandwidthGBps: seconds > 0 ? dram.total / seconds / 1e9 : 0)
        if layers.contains(where: { $0.effectualMacs != nil }) {
            t.effectualMacs = layers.reduce(0) { $0 + ($1.effectualMacs ?? $1.macs) }
        }
        t.gatedMacs = layers.reduce(0) { $0 + $1.gatedMacs }
        t.denseCycles = layers.reduce(0) { $0 + $1.denseCycles }
        t.speedup = cycles > 0 ? Double(t.denseCycles) / Double(cycles) : 1
        if layers.allSatisfy({ $0.storedWeightBits > 0 }) {
            t.denseWeightBits = layers.reduce(0) { $0 + $1.denseWeightBits }
            t.storedWeightBits = layers.reduce(0) { $0 + $1.storedWeightBits }
            t.compressionRatio = Double(t.denseWeightBits) / Double(t.storedWeightBits)
        }
        if layers.contains(where: { $0.stageMacs != nil }) {
            t.stageMacs = .init(basis: layers.reduce(0) { $0 + ($1.stageMacs?.basis ?? 0) },
                                coefficients: layers.reduce(0) { $0 + ($1.stageMacs?.coefficients ?? 0) })
        }
        t.loadImbalance = compute > 0 ? layers.reduce(0.0) { $0 + $1.loadImbalance * Double($1.computeCycles) } / Double(compute) : 1
        return t
    }
}
