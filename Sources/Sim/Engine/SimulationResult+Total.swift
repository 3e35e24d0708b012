import SparseSimCore

// MARK: - The total row

extension SimulationResult.LayerResult {
    /// The sums over `layers`: MACs, cycles, traffic and energy added; utilization over all
    /// cycles and `peCount` MAC lanes; mapping efficiency and load imbalance weighted by compute
    /// cycles; speedup of the summed dense-twin cycles; the compression ratio of the layers'
    /// `weights` when every layer stores some.
    static func total(of layers: [Self], weights: [WeightBits], peCount: Int, clockHz: Double) -> Self {
        let macs = layers.reduce(0) { $0 + $1.macs }
        let compute = layers.reduce(0) { $0 + $1.computeCycles }
        let cycles = layers.reduce(0) { $0 + $1.cycles }
        var energy: [String: Double] = [:]
        var byOperand: [String: Double] = [:]
        var levelBytes: [String: Double] = [:]
        for l in layers {
            energy.merge(l.energyPJ, uniquingKeysWith: +)
            byOperand.merge(l.energyByOperandPJ, uniquingKeysWith: +)
            levelBytes.merge(l.levelBytes, uniquingKeysWith: +)
        }
        let dram = layers.reduce(SimulationResult.OperandBytes()) { $0 + $1.dramBytes }
        let computeSeconds = Double(compute) / clockHz
        let seconds = Double(cycles) / clockHz
        let mapping = compute > 0 ? layers.reduce(0.0) { $0 + $1.mappingEfficiency * Double($1.computeCycles) } / Double(compute) : 0
        let denseCycles = layers.reduce(0) { $0 + $1.denseCycles }
        let stored = weights.allSatisfy { $0.stored > 0 }
        let denseWeightBits = weights.reduce(0) { $0 + $1.dense }
        let storedWeightBits = weights.reduce(0) { $0 + $1.stored }
        return Self(
            name: "total", macs: macs, computeCycles: compute, cycles: cycles, stallCycles: cycles - compute,
            utilization: cycles > 0 ? Double(macs) / (Double(cycles) * Double(peCount)) : 0, mappingEfficiency: mapping,
            tiling: "-", dramBytes: dram, energyPJ: energy, energyByOperandPJ: byOperand,
            requiredBandwidthGBps: computeSeconds > 0 ? dram.total / computeSeconds / 1e9 : 0,
            achievedBandwidthGBps: seconds > 0 ? dram.total / seconds / 1e9 : 0,
            effectualMacs: layers.contains { $0.effectualMacs != nil } ? layers.reduce(0) { $0 + ($1.effectualMacs ?? $1.macs) } : nil,
            gatedMacs: layers.reduce(0) { $0 + $1.gatedMacs },
            loadImbalance: compute > 0 ? layers.reduce(0.0) { $0 + $1.loadImbalance * Double($1.computeCycles) } / Double(compute) : 1,
            denseCycles: denseCycles, speedup: cycles > 0 ? Double(denseCycles) / Double(cycles) : 1,
            compressionRatio: stored ? Double(denseWeightBits) / Double(storedWeightBits) : nil,
            stageMacs: layers.contains { $0.stageMacs != nil }
                ? StageMacs(basis: layers.reduce(0) { $0 + ($1.stageMacs?.basis ?? 0) },
                            coefficients: layers.reduce(0) { $0 + ($1.stageMacs?.coefficients ?? 0) })
                : nil,
            levelBytes: levelBytes,
            vectorOperations: layers.contains { $0.vectorOperations != nil } ? layers.reduce(0) { $0 + ($1.vectorOperations ?? 0) } : nil,
            vectorCycles: layers.contains { $0.vectorCycles != nil } ? layers.reduce(0) { $0 + ($1.vectorCycles ?? 0) } : nil)
    }
}
