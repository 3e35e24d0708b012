import SparseSimCore

// MARK: - Simulator

/// Runs workloads on a hardware spec: compute cycles from the dataflow's mapping, traffic at
/// every memory level, cycles with bandwidth stalls, and energy (Docs/model.md).
///
/// The spec's dataflow picks a `DataflowModel`, which gives each layer's `LayerWork`; `finish`
/// turns that work into the layer's result in one place.
public struct Simulator: Sendable {
    /// The spec.
    public let spec: HardwareSpec
    /// How errors name the spec.
    let file: String
    /// The spec's dataflow family.
    let model: any DataflowModel
    /// Dense-twin cycles per layer shape (name and batch aside), shared by copies.
    let twins = DenseTwinCache()

    /// A simulator for `spec`.
    /// - Throws: `SparseSimError` when the spec's dataflow is not modelled, or its model refuses
    ///   the array (a systolic array with more than one MAC per PE).
    public init(spec: HardwareSpec, file: String = "<spec>") throws {
        guard let model = registeredDataflowModels.first(where: { $0.dataflows.contains(spec.dataflow) }) else {
            throw SparseSimError(file: file, location: "dataflow", message: "the \(spec.dataflow.rawValue) dataflow is not modelled")
        }
        self.spec = spec
        self.file = file
        self.model = try model.init(spec: spec, file: file)
    }

    /// Simulates every layer of `workload`.
    /// - Throws: `SparseSimError` when a layer's masks do not fit the spec's formats (an index
    ///   too narrow for the layer) or its shape.
    public func run(_ workload: Workload, densityModel: DensityModel = .actual, provenance: Provenance? = nil) throws -> SimulationResult {
        let simulated = try workload.linkingOutputDensities().layers.map { try simulateWithWeights($0) }
        let results = simulated.map(\.result)
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
            layers: results, total: SimulationResult.LayerResult.total(of: results, weights: simulated.map(\.weights),
                                                                        peCount: spec.macLanes, clockHz: spec.technology.clockMHz * 1e6),
            densityModel: workload.layers.contains { $0.masks != nil } ? densityModel.rawValue : nil,
            provenance: provenance, blockShares: SimulationResult.blockShares(of: results))
    }

    /// Simulates one layer with dense operands.
    /// - Precondition: `layer` is valid.
    /// - Throws: `SparseSimError` when the spec's formats cannot hold the layer (an index too narrow).
    public func simulate(_ layer: LayerShape) throws -> SimulationResult.LayerResult {
        try simulate(Workload.Layer(shape: layer))
    }

    /// Simulates one layer, its masks and declared structure included.
    /// - Throws: `SparseSimError` when a mask does not fit the layer or the spec's format.
    public func simulate(_ layer: Workload.Layer) throws -> SimulationResult.LayerResult {
        try simulateWithWeights(layer).result
    }

    /// The layer's result and its weights' bits (for the network's compression ratio).
    func simulateWithWeights(_ layer: Workload.Layer) throws -> (result: SimulationResult.LayerResult, weights: WeightBits) {
        try layer.masks?.validate(for: layer.shape, file: "<workload>")
        var out = layer.shape.kind == .matmul ? try simulateMatmul(layer) : try finish(try model.work(for: layer, on: self), layer: layer)
        addVectorWork(of: layer.shape, to: &out.result)
        return out
    }

    /// Adds the layer's vector work (`LayerShape.vectorOps`) on the spec's vector unit: its
    /// operations, `⌈operations / lanes⌉ · cyclesPerOp` cycles after the array's (on the dense
    /// twin's too, which runs the same work) and `operations · energyPerOpPJ` as `vector` energy.
    func addVectorWork(of shape: LayerShape, to result: inout SimulationResult.LayerResult) {
        let operations = shape.vectorOperations
        guard operations > 0 else { return }
        let unit = spec.vectorUnit
        let cycles = Self.cycles(Double((operations + unit.lanes - 1) / unit.lanes) * Double(unit.cyclesPerOp))
        result.vectorOperations = operations
        result.vectorCycles = cycles
        result.cycles = min(result.cycles + cycles, Self.cycleLimit)
        result.denseCycles = min(result.denseCycles + cycles, Self.cycleLimit)
        result.speedup = Double(result.denseCycles) / Double(max(result.cycles, 1))
        result.utilization = Double(result.macs) / (Double(max(result.cycles, 1)) * Double(spec.macLanes))
        result.energyPJ["vector", default: 0] += Double(operations) * unit.energyPerOpPJ
    }

    // MARK: Finishing

    /// The layer's result from its work: transfers are double-buffered and overlap compute, so
    /// the slowest level with a bandwidth sets the pace; speedup is over the dense twin; the
    /// weights' storage is counted in the spec's weight format unless the model counted it.
    func finish(_ work: LayerWork, layer: Workload.Layer) throws -> (result: SimulationResult.LayerResult, weights: WeightBits) {
        let clockHz = spec.technology.clockMHz * 1e6
        let (cycles, boundBy) = pace(work)
        let computeSeconds = Double(max(work.computeCycles, 1)) / clockHz
        let seconds = Double(max(cycles, 1)) / clockHz
        let denseCycles = work.denseCycles ?? cycles
        let weights: (bits: WeightBits, ratio: Double?)
        if let decided = work.weightStorage {
            weights = decided
        } else {
            // Weights as the spec stores them (counted once, where the dataflow compressed them),
            // against dense 32-bit floats.
            let stored = work.storedWeightBits > 0 ? work.storedWeightBits
                : try storage(.weights, of: layer)?.totalBits ?? layer.shape.weightCount * spec.peArray.operandBits
            let dense = 32 * layer.shape.weightCount
            weights = (WeightBits(dense: dense, stored: stored), stored > 0 ? Double(dense) / Double(stored) : nil)
        }
        let result = SimulationResult.LayerResult(
            name: work.name, macs: work.macs, computeCycles: work.computeCycles, cycles: cycles, stallCycles: cycles - work.computeCycles,
            utilization: Double(work.macs) / (Double(max(cycles, 1)) * Double(spec.macLanes)), mappingEfficiency: work.mappingEfficiency,
            tiling: work.tiling, dramBytes: work.dramBytes, energyPJ: work.energyPJ, energyByOperandPJ: work.energyByOperandPJ,
            requiredBandwidthGBps: work.dramBytes.total / computeSeconds / 1e9, achievedBandwidthGBps: work.dramBytes.total / seconds / 1e9,
            effectualMacs: work.effectualMacs, gatedMacs: work.gatedMacs, loadImbalance: work.loadImbalance, denseCycles: denseCycles,
            speedup: cycles > 0 ? Double(denseCycles) / Double(cycles) : 1, weightDensity: work.weightDensity,
            inputDensity: work.inputDensity, sampleCycles: work.sampleCycles, notes: work.notes, compressionRatio: weights.ratio,
            stageMacs: work.stageMacs, boundBy: boundBy, activePEs: work.activePEs,
            levelBytes: work.levelBits.mapValues { Double($0) / 8 })
        return (result, weights.bits)
    }

    /// The cycles of `work`: its compute cycles, or the transfer cycles of the slowest level
    /// with a bandwidth when those are more.
    func pacedCycles(_ work: LayerWork) -> Int { pace(work).cycles }

    /// `pacedCycles` and what set them: `compute`, or the name of the slowest level.
    func pace(_ work: LayerWork) -> (cycles: Int, boundBy: String) {
        let clockHz = spec.technology.clockMHz * 1e6
        var cycles = work.computeCycles, bound = "compute"
        for level in spec.memory {
            guard let gbps = level.bandwidthGBps, let bits = work.levelBits[level.name] else { continue }
            let transfer = Self.cycles(Double(bits) / 8 / (gbps * 1e9) * clockHz)
            if transfer > cycles { (cycles, bound) = (transfer, level.name) }
        }
        return (cycles, bound)
    }

    /// Layer cycle counts saturate here (2^60); `run` refuses a workload that reaches it.
    static let cycleLimit = 1 << 60

    /// `value` rounded up to whole cycles, saturating at `cycleLimit` (NaN included).
    static func cycles(_ value: Double) -> Int {
        value < Double(cycleLimit) ? Int(value.rounded(.up)) : cycleLimit
    }

    // MARK: Dense twins

    /// True when some operand's zeros are exploited or stored compressed.
    var hasSparsity: Bool { spec.sparsity.contains { $0.exploit != .none || $0.format != .dense } }

    /// The same spec with every operand's sparsity off.
    var denseTwin: Simulator {
        get throws {
            var dense = spec
            dense.sparsity = []
            return try Simulator(spec: dense, file: file)
        }
    }

    /// Cycles of a dense layer of `shape` on the dense twin (stalls included), remembered per
    /// distinct shape: networks repeat layer shapes.
    /// - Throws: `SparseSimError` when the twin cannot run the layer.
    func denseTwinCycles(_ shape: LayerShape) throws -> Int {
        var arrayOnly = shape
        arrayOnly.vectorOps = nil  // the array's cycles: the caller adds the vector work to both
        var key = arrayOnly
        key.name = ""
        if let cycles = twins.cycles(key) { return cycles }
        let cycles = try denseTwin.simulate(Workload.Layer(shape: arrayOnly)).cycles
        twins.store(cycles, for: key)
        return cycles
    }
}
