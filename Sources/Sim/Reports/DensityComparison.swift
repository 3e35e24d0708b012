import SparseSimCore
import Trace

// MARK: - DensityComparison

/// One spec simulated twice on the same layers: with the real masks and with uniform-random
/// masks of the same densities, and the gap per layer (`--density-model both`).
public struct DensityComparison: Codable, Equatable, Sendable {
    /// With the real masks.
    public var actual: SimulationResult
    /// With seeded uniform masks of the same per-layer densities.
    public var uniform: SimulationResult
    /// Per layer, then the total.
    public var gaps: [Gap]

    /// The two results of one layer side by side.
    public struct Gap: Codable, Equatable, Sendable {
        /// Layer name (`total` last).
        public var name: String
        /// Cycles with the real masks.
        public var actualCycles: Int
        /// Cycles with uniform masks.
        public var uniformCycles: Int
        /// `actual ÷ uniform − 1`: how much the statistical model under-estimates (> 0) the cycles.
        public var cycleGap: Double
        /// Load imbalance with the real masks.
        public var actualLoadImbalance: Double
        /// Load imbalance with uniform masks.
        public var uniformLoadImbalance: Double
        /// Energy with the real masks, pJ.
        public var actualEnergyPJ: Double
        /// Energy with uniform masks, pJ.
        public var uniformEnergyPJ: Double
    }

    /// The comparison of two results of the same spec and layers.
    /// - Precondition: the results have the same layers in the same order.
    public init(actual: SimulationResult, uniform: SimulationResult) {
        precondition(actual.layers.map(\.name) == uniform.layers.map(\.name), "results of different layers")
        self.actual = actual
        self.uniform = uniform
        let a: [SimulationResult.LayerResult] = actual.layers + [actual.total]
        let u: [SimulationResult.LayerResult] = uniform.layers + [uniform.total]
        var gaps: [Gap] = []
        for (x, y) in zip(a, u) {
            let gap: Double = y.cycles > 0 ? Double(x.cycles) / Double(y.cycles) - 1 : 0
            gaps.append(Gap(name: x.name, actualCycles: x.cycles, uniformCycles: y.cycles, cycleGap: gap,
                            actualLoadImbalance: x.loadImbalance, uniformLoadImbalance: y.loadImbalance,
                            actualEnergyPJ: x.totalEnergyPJ, uniformEnergyPJ: y.totalEnergyPJ))
        }
        self.gaps = gaps
    }

    /// A table for people: per layer, cycles and load imbalance under both models and the gap.
    public func renderTable() -> String {
        let out = "spec \(actual.spec.name): actual vs uniform density  workload \(actual.workload.name) [\(actual.workload.source)]\n"
        var table = TextTable(["layer", "cycles actual", "cycles uniform", "gap %", "imbalance actual", "imbalance uniform",
                               "energy uJ actual", "energy uJ uniform"])
        for g in gaps {
            table.add([g.name, "\(g.actualCycles)", "\(g.uniformCycles)", formatted(g.cycleGap * 100, digits: 2),
                       formatted(g.actualLoadImbalance, digits: 3), formatted(g.uniformLoadImbalance, digits: 3),
                       formatted(g.actualEnergyPJ / 1e6, digits: 3), formatted(g.uniformEnergyPJ / 1e6, digits: 3)])
        }
        return out + table.render()
    }
}
