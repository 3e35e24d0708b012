import SparseSimCore

// MARK: - WeightBits

/// A layer's (or a network's) weights as dense 32-bit floats and as the spec stores them.
struct WeightBits {
    /// Dense 32-bit floats.
    var dense: Int
    /// As stored: values, format metadata (and for basis first, bases and scales).
    var stored: Int
}

// MARK: - LayerWork

/// What a dataflow model computed for one layer: the array's compute and the traffic charged
/// to each memory level, before the finishing step (`Simulator.finish`) paces it against the
/// levels' bandwidths and turns it into the layer's result, once.
struct LayerWork {
    /// The layer's name.
    var name: String
    /// MACs performed.
    var macs: Int
    /// Cycles the PE array computes.
    var computeCycles: Int
    /// Mean share of PEs a fold uses.
    var mappingEfficiency: Double
    /// The mapping or loop order, for people.
    var tiling: String
    /// DRAM bytes by operand.
    var dramBytes: SimulationResult.OperandBytes
    /// Energy by memory level (and `mac`), pJ.
    var energyPJ: [String: Double]
    /// Energy by operand (memory only), pJ.
    var energyByOperandPJ: [String: Double]
    /// Bits through each memory level: what bandwidth-limited levels pace.
    var levelBits: [String: Int]
    /// MACs whose operands are both non-zero (nil: dense operands).
    var effectualMacs: Int? = nil
    /// MACs with a zero operand whose datapath is gated.
    var gatedMacs = 0
    /// Max ÷ mean PE work (1: balanced).
    var loadImbalance = 1.0
    /// Kept weights and non-zero inputs, when the layer carries masks.
    var weightDensity: Double? = nil, inputDensity: Double? = nil
    /// Fewest and most cycles of one sample.
    var sampleCycles: SimulationResult.LayerResult.SampleRange? = nil
    /// What the model assumed or fell back to.
    var notes: [String] = []
    /// Basis-first: each stage's MACs.
    var stageMacs: SimulationResult.LayerResult.StageMacs? = nil
    /// The weights' bits as the spec stores them, when a model counted them (0: the finishing
    /// step counts them in the spec's weight format).
    var storedWeightBits = 0
    /// The weights as dense 32-bit floats and as stored, with their ratio, when the model
    /// decides them itself (basis first: bases and coefficients); nil: the finishing step does.
    var weightStorage: (bits: WeightBits, ratio: Double?)? = nil
    /// Cycles of the layer on the spec's dense twin; nil: the layer's own cycles (no sparsity).
    var denseCycles: Int? = nil
    /// Row stationary: the PEs the mapping's passes use, at most.
    var activePEs: Int? = nil

    /// The work of `macs` MACs in `computeCycles` cycles with the traffic `ledger` charged and
    /// `dramBits` (weights, inputs, outputs) and `metadataBits` crossing DRAM.
    init(_ layer: LayerShape, macs: Int, computeCycles: Int, mappingEfficiency: Double, tiling: String,
         ledger: EnergyLedger, dramBits: [Int], metadataBits: Int = 0) {
        name = layer.name
        self.macs = macs
        self.computeCycles = computeCycles
        self.mappingEfficiency = mappingEfficiency
        self.tiling = tiling
        dramBytes = SimulationResult.OperandBytes(
            weights: Double(dramBits[0]) / 8, inputs: Double(dramBits[1]) / 8, outputs: Double(dramBits[2]) / 8,
            metadata: Double(metadataBits) / 8)
        energyPJ = ledger.energy
        energyByOperandPJ = ledger.energyByOperand
        levelBits = ledger.bitsThrough
    }

    /// Records the masks' densities, the effectual MACs and a note for statistical inputs.
    mutating func describeMasks(of layer: Workload.Layer, effectual: Int?) {
        guard let masks = layer.masks else { return }
        weightDensity = masks.weightDensity
        inputDensity = masks.inputDensity
        effectualMacs = effectual
        noteStatisticalMasks(masks)
    }

    /// Notes which of `masks` were drawn at random rather than recorded.
    mutating func noteStatisticalMasks(_ masks: LayerMasks) {
        if let d = masks.statisticalWeightDensity { notes.append("weight zeros statistical: uniform density \(d)") }
        if case .statistical(let d) = masks.inputSource { notes.append("input zeros statistical: uniform density \(d)") }
    }
}
