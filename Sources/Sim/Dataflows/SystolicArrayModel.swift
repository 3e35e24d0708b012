import Dataflow
import SparseSimCore

// MARK: - SystolicArrayModel

/// Output-, weight- and input-stationary systolic arrays (SCALE-Sim's model, Docs/model.md):
/// fold structure and compute cycles from `SystolicCompute`, traffic between DRAM and each
/// operand's buffers from `SystolicTraffic`'s loop order. A dense array gates zeros it cannot
/// skip; an array with an N:M weight engine compresses the reduction of conforming layers.
struct SystolicArrayModel: DataflowModel {
    static let dataflows: Set<HardwareSpec.Dataflow> = [.weightStationary, .outputStationary, .inputStationary]

    let spec: HardwareSpec
    let dataflow: SystolicDataflow

    init(spec: HardwareSpec, file: String) throws {
        guard spec.peArray.macsPerPE == 1 else {
            throw SparseSimError(file: file, location: "pe-array", message: "systolic dataflows model one MAC per PE per cycle; macsPerPE is \(spec.peArray.macsPerPE)")
        }
        self.spec = spec
        switch spec.dataflow {
        case .outputStationary: dataflow = .outputStationary
        case .inputStationary: dataflow = .inputStationary
        default: dataflow = .weightStationary
        }
    }

    func work(for layer: Workload.Layer, on simulator: Simulator) throws -> LayerWork {
        let structure = nmStructure(for: layer)
        var work = work(layer.shape, structure: structure.pattern)
        if let note = structure.note { work.notes.append(note) }
        // The dense twin: the same array without N:M compression, before any compression.
        let twin = simulator.pacedCycles(structure.pattern == nil ? work : self.work(layer.shape, structure: nil))
        try simulator.applyOperandSparsity(&work, layer: layer, denseCycles: twin)
        return work
    }

    /// The layer's folds and traffic, the reduction compressed to `structure` when given.
    func work(_ layer: LayerShape, structure: NMPattern?) -> LayerWork {
        let array = spec.peArray
        let compute = SystolicCompute(layer: layer, rows: array.rows, cols: array.cols, dataflow: dataflow, structured: structure)
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
        return LayerWork(layer, macs: compute.macs, computeCycles: compute.computeCycles, mappingEfficiency: compute.mappingEfficiency,
                         tiling: tiling, ledger: ledger, dramBits: Operand.allCases.map { traffic.dramBits($0) })
    }

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
}
