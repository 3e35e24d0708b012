import SparseSimCore

// MARK: - Attention and MLP shares

extension SimulationResult {
    /// Where a transformer's cycles and energy go: its attention (`*.attn.*`: the projections
    /// and the two products, with their vector work), its MLPs (`*.fc1`, `*.fc2`, `*.mlp.*`)
    /// and everything else (embeddings, classifier).
    public struct BlockShares: Codable, Equatable, Sendable {
        /// One part's cycles and energy and their shares of the network's.
        public struct Part: Codable, Equatable, Sendable {
            /// Cycles, vector work included.
            public var cycles: Int
            /// Energy, pJ.
            public var energyPJ: Double
            /// `cycles` ÷ the network's.
            public var cycleShare: Double
            /// `energy_pj` ÷ the network's.
            public var energyShare: Double
        }

        /// The attention layers, the MLP layers, the rest.
        public var attention: Part, mlp: Part, other: Part
    }

    /// Which part a layer named `name` belongs to: `attention`, `mlp` or `other`.
    static func part(of name: String) -> String {
        if name.contains(".attn.") { return "attention" }
        if name.hasSuffix(".fc1") || name.hasSuffix(".fc2") || name.contains(".mlp.") { return "mlp" }
        return "other"
    }

    /// The shares of `layers`, for a workload with attention layers; nil otherwise (what
    /// `Simulator.run` stores in `blockShares`).
    /// - Complexity: O(layers).
    static func blockShares(of layers: [LayerResult]) -> BlockShares? {
        guard layers.contains(where: { part(of: $0.name) == "attention" }) else { return nil }
        var cycles: [String: Int] = [:], energy: [String: Double] = [:]
        for l in layers {
            cycles[part(of: l.name), default: 0] += l.cycles
            energy[part(of: l.name), default: 0] += l.totalEnergyPJ
        }
        let allCycles = Double(max(cycles.values.reduce(0, +), 1)), allEnergy = max(energy.values.reduce(0, +), .leastNonzeroMagnitude)
        func share(_ key: String) -> BlockShares.Part {
            BlockShares.Part(cycles: cycles[key] ?? 0, energyPJ: energy[key] ?? 0, cycleShare: Double(cycles[key] ?? 0) / allCycles,
                             energyShare: (energy[key] ?? 0) / allEnergy)
        }
        return BlockShares(attention: share("attention"), mlp: share("mlp"), other: share("other"))
    }

    /// `attention 41.2 % of cycles, 38.0 % of energy; MLP …; other …`, for the table.
    var blockSharesLine: String? {
        guard let s = blockShares else { return nil }
        func text(_ name: String, _ p: BlockShares.Part) -> String {
            "\(name) \(formatted(p.cycleShare * 100, digits: 1)) % of cycles, \(formatted(p.energyShare * 100, digits: 1)) % of energy"
        }
        return [text("attention", s.attention), text("MLP", s.mlp), text("other", s.other)].joined(separator: "; ")
    }
}
