import Dataflow
import Trace

// MARK: - Simulator

/// Runs workloads on a hardware spec: compute cycles from the dataflow's mapping, traffic at
/// every memory level, cycles with bandwidth stalls, and energy (Docs/model.md).
public struct Simulator: Sendable {
    /// The spec.
    public let spec: HardwareSpec
    let dataflow: SystolicDataflow

    /// A simulator for `spec`.
    /// - Throws: `SparseSimError` when the spec's dataflow is not modelled yet, or a systolic
    ///   array declares more than one MAC per PE.
    public init(spec: HardwareSpec, file: String = "<spec>") throws {
        self.spec = spec
        switch spec.dataflow {
        case .weightStationary: dataflow = .weightStationary
        case .outputStationary: dataflow = .outputStationary
        case .inputStationary: dataflow = .inputStationary
        default:
            throw SparseSimError(file: file, location: "dataflow", message: "dataflow '\(spec.dataflow.rawValue)' is not modelled yet (modelled: weight-, output- and input-stationary)")
        }
        guard spec.peArray.macsPerPE == 1 else {
            throw SparseSimError(file: file, location: "pe-array", message: "systolic dataflows model one MAC per PE per cycle; macsPerPE is \(spec.peArray.macsPerPE)")
        }
    }

    /// Simulates every layer of `workload`.
    public func run(_ workload: Workload, provenance: Provenance? = nil) -> SimulationResult {
        let results = workload.layers.map { simulate($0.shape, structure: $0.structure) }
        return SimulationResult(
            spec: .init(name: spec.name, dataflow: spec.dataflow.rawValue, rows: spec.peArray.rows, cols: spec.peArray.cols,
                        clockMHz: spec.technology.clockMHz),
            workload: .init(source: workload.source, name: workload.name, layers: workload.layers.count),
            layers: results, total: Self.total(results, peCount: spec.peArray.peCount, clockHz: spec.technology.clockMHz * 1e6),
            provenance: provenance)
    }

    /// Simulates one layer.
    /// - Precondition: `layer` is valid.
    public func simulate(_ layer: LayerShape, structure: Workload.NMStructure? = nil) -> SimulationResult.LayerResult {
        let array = spec.peArray
        let compute = SystolicCompute(layer: layer, rows: array.rows, cols: array.cols, dataflow: dataflow,
                                      structured: structure.map { ($0.n, $0.m) })
        // Per operand: the on-chip levels holding it (outermost first) and its share of each.
        var chains: [GEMMOperand: [HardwareSpec.MemoryLevel]] = [:]
        var capacities: [GEMMOperand: [Int]] = [:]
        for operand in GEMMOperand.allCases {
            let op = Operand(rawValue: operand.rawValue)!
            let levels = spec.memory.filter { ($0.type == .sram || $0.type == .regfile) && $0.holds.contains(op) }
            chains[operand] = levels
            capacities[operand] = levels.map { level in
                let bytes = (level.sizeBytes ?? 0) * (level.type == .regfile ? array.peCount : 1)
                return bytes * 8 / max(level.holds.count, 1)
            }
        }
        let traffic = SystolicTraffic(compute: compute, operandBits: array.operandBits,
                                      accumulatorBits: array.accumulatorBits, capacities: capacities)

        // Energy and bytes through each level.
        var energy: [String: Double] = ["mac": Double(compute.macs) * spec.energy.macPJ]
        var energyByOperand: [String: Double] = [:]
        var bitsThrough: [String: Int] = [:]
        let dram = spec.memory[0]
        func charge(_ level: HardwareSpec.MemoryLevel, _ operand: GEMMOperand, readBits: Int, writeBits: Int) {
            let width = max(level.widthBits, 1)
            let reads = (readBits + width - 1) / width
            let writes = (writeBits + width - 1) / width
            let pj = Double(reads) * level.readPJ + Double(writes) * level.writePJ
            energy[level.name, default: 0] += pj
            energyByOperand[operand.rawValue, default: 0] += pj
            bitsThrough[level.name, default: 0] += readBits + writeBits
        }
        for operand in GEMMOperand.allCases {
            let transfers = traffic.transfers[operand]!
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

        // Cycles: double-buffered, so transfers overlap compute; the slowest level sets the pace.
        let clockHz = spec.technology.clockMHz * 1e6
        var cycles = compute.computeCycles
        for level in spec.memory {
            guard let gbps = level.bandwidthGBps, let bits = bitsThrough[level.name] else { continue }
            let transferCycles = Int((Double(bits) / 8 / (gbps * 1e9) * clockHz).rounded(.up))
            cycles = max(cycles, transferCycles)
        }
        let dramBytes = SimulationResult.OperandBytes(
            weights: Double(traffic.dramBits(.weights)) / 8, inputs: Double(traffic.dramBits(.inputs)) / 8,
            outputs: Double(traffic.dramBits(.outputs)) / 8, metadata: 0)
        let computeSeconds = Double(max(compute.computeCycles, 1)) / clockHz
        let seconds = Double(max(cycles, 1)) / clockHz
        let tiling = "outer \(traffic.outer.rawValue)x\(traffic.outerFolds), inner \(traffic.inner.rawValue)x\(traffic.innerFolds), streamed \(traffic.streamed.rawValue)"
            + (compute.groups > 1 ? ", \(compute.groups) groups" : "")
        return SimulationResult.LayerResult(
            name: layer.name, macs: compute.macs, computeCycles: compute.computeCycles, cycles: cycles,
            stallCycles: cycles - compute.computeCycles,
            utilization: Double(compute.macs) / (Double(max(cycles, 1)) * Double(array.peCount)),
            mappingEfficiency: compute.mappingEfficiency, tiling: tiling, dramBytes: dramBytes, energyPJ: energy,
            energyByOperandPJ: energyByOperand, requiredBandwidthGBps: dramBytes.total / computeSeconds / 1e9,
            achievedBandwidthGBps: dramBytes.total / seconds / 1e9)
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
        return SimulationResult.LayerResult(
            name: "total", macs: macs, computeCycles: compute, cycles: cycles, stallCycles: cycles - compute,
            utilization: cycles > 0 ? Double(macs) / (Double(cycles) * Double(peCount)) : 0, mappingEfficiency: mapping,
            tiling: "-", dramBytes: dram, energyPJ: energy, energyByOperandPJ: byOperand,
            requiredBandwidthGBps: computeSeconds > 0 ? dram.total / computeSeconds / 1e9 : 0,
            achievedBandwidthGBps: seconds > 0 ? dram.total / seconds / 1e9 : 0)
    }
}
