import SparseSimCore
import Trace

// MARK: - SimulationResult

/// What a simulation reports: per layer and in total, cycles, utilization, DRAM traffic by
/// operand, energy by level, and bandwidth. JSON keys are snake_case.
public struct SimulationResult: Codable, Equatable, Sendable {
    /// The spec simulated (its effective values).
    public var spec: SpecSummary
    /// The workload.
    public var workload: WorkloadSummary
    /// One entry per layer.
    public var layers: [LayerResult]
    /// Sums over layers (utilization and mapping efficiency: see `LayerResult`).
    public var total: LayerResult
    /// `actual`, `uniform` or `structured` when the layers carry masks (nil: dense shapes).
    public var densityModel: String? = nil
    /// How this result was made.
    public var provenance: Provenance?
    /// A transformer's attention, MLP and other layers' shares of cycles and energy
    /// (`SimulationResult+BlockShares.swift`); nil for a workload without attention layers.
    public var blockShares: BlockShares? = nil

    /// The spec's identifying facts.
    public struct SpecSummary: Codable, Equatable, Sendable {
        /// The spec's name.
        public var name: String
        /// Its dataflow.
        public var dataflow: String
        /// PE rows.
        public var rows: Int
        /// PE columns.
        public var cols: Int
        /// Clock, MHz.
        public var clockMHz: Double
    }

    /// The workload's identifying facts.
    public struct WorkloadSummary: Codable, Equatable, Sendable {
        /// Where the layers came from.
        public var source: String
        /// The network's name.
        public var name: String
        /// Number of layers.
        public var layers: Int
    }

    /// Bytes by operand.
    public struct OperandBytes: Codable, Equatable, Sendable {
        /// Weight bytes.
        public var weights: Double = 0
        /// Input-activation bytes.
        public var inputs: Double = 0
        /// Output and partial-sum bytes.
        public var outputs: Double = 0
        /// Sparse-format metadata bytes (0 for dense operands).
        public var metadata: Double = 0

        /// All four.
        public var total: Double { weights + inputs + outputs + metadata }

        static func + (a: Self, b: Self) -> Self {
            OperandBytes(weights: a.weights + b.weights, inputs: a.inputs + b.inputs, outputs: a.outputs + b.outputs,
                         metadata: a.metadata + b.metadata)
        }
    }

    /// One layer's (or the total's) figures.
    public struct LayerResult: Codable, Equatable, Sendable {
        /// Layer name (`total` for the sum).
        public var name: String
        /// MACs performed.
        public var macs: Int
        /// Cycles the PE array computes (SCALE-Sim's convention for systolic arrays).
        public var computeCycles: Int
        /// Cycles including stalls for memory bandwidth (double-buffered: the max of compute and transfer).
        public var cycles: Int
        /// `cycles − compute_cycles`.
        public var stallCycles: Int
        /// MACs ÷ (cycles · PEs · MACs per PE).
        public var utilization: Double
        /// Mean share of PEs a fold uses (total: weighted by compute cycles).
        public var mappingEfficiency: Double
        /// The loop order chosen for the buffers, e.g. `outer K×8, inner T×4, streamed E`.
        public var tiling: String
        /// DRAM bytes by operand (reads and writes).
        public var dramBytes: OperandBytes
        /// Energy by memory level name, plus `mac`, in pJ.
        public var energyPJ: [String: Double]
        /// Energy by operand (memory only), in pJ.
        public var energyByOperandPJ: [String: Double]
        /// DRAM bandwidth that would avoid stalls, GB/s.
        public var requiredBandwidthGBps: Double
        /// DRAM bandwidth achieved over `cycles`, GB/s.
        public var achievedBandwidthGBps: Double
        /// MACs whose weight and input are both non-zero (nil: the operands are dense).
        public var effectualMacs: Int? = nil
        /// MACs performed with a zero operand whose datapath is gated (charged `gated_mac_pj`).
        public var gatedMacs: Int = 0
        /// Max ÷ mean PE work per tile, summed over tiles (1: balanced).
        public var loadImbalance: Double = 1
        /// Cycles of the same spec with every operand's sparsity off.
        public var denseCycles: Int = 0
        /// `dense_cycles ÷ cycles`.
        public var speedup: Double = 1
        /// Fraction of kept weights (nil: dense).
        public var weightDensity: Double? = nil
        /// Mean fraction of non-zero inputs over the samples (nil: dense).
        public var inputDensity: Double? = nil
        /// Fewest and most cycles of one sample, when samples were simulated one by one.
        public var sampleCycles: SampleRange? = nil
        /// What the model assumed or fell back to for this layer.
        public var notes: [String] = []
        /// Dense 32-bit weight bits ÷ the bits the spec stores them in (values, format metadata;
        /// for basis-first, bases and coefficients at the decomposition's widths, and scales).
        public var compressionRatio: Double? = nil
        /// Basis-first: MACs of the basis stage and of the coefficient stage.
        public var stageMacs: StageMacs? = nil
        /// What set the layer's cycles: `compute` (the PE array), or the memory level whose
        /// bandwidth paced it (`dram`, `glb`, ...); nil for the total.
        public var boundBy: String? = nil
        /// Row stationary: the PEs the mapping's passes use, at most (sets × set height × width).
        public var activePEs: Int? = nil
        /// Bytes read and written at each memory level (the scratchpads' and the array's too).
        public var levelBytes: [String: Double] = [:]
        /// Operations of the layer's vector work (softmax, norms, activations, residual adds) on
        /// the spec's vector unit; nil: none.
        public var vectorOperations: Int? = nil
        /// Cycles of that work, included in `cycles` (after the array's) and in `dense_cycles`.
        public var vectorCycles: Int? = nil

        /// The MACs of basis-first's two stages.
        public struct StageMacs: Codable, Equatable, Sendable {
            /// Basis convolutions: `P·Q·C·M·R·S` per sample.
            public var basis: Int
            /// Coefficient accumulations: `P·Q·nnz(α)` per sample.
            public var coefficients: Int
        }

        /// A per-sample range of cycles.
        public struct SampleRange: Codable, Equatable, Sendable {
            /// Fewest cycles of one sample.
            public var min: Int
            /// Most cycles of one sample.
            public var max: Int
        }

        /// Total energy, pJ, summed in key order (a dictionary's own order differs between
        /// processes, and floating-point sums with it).
        public var totalEnergyPJ: Double { energyPJ.keys.sorted().reduce(0) { $0 + energyPJ[$1]! } }
    }
}

// MARK: - Rendering

extension SimulationResult {
    /// A table for people: one row per layer and a total row.
    public func renderTable() -> String {
        var out = "spec \(spec.name) (\(spec.dataflow), \(spec.rows)x\(spec.cols) PEs, \(formatted(spec.clockMHz, digits: 0)) MHz)"
        out += "  workload \(workload.name) [\(workload.source)], \(workload.layers) layers\n"
        if let densityModel { out += "  density model \(densityModel)\n" }
        let sparse = densityModel != nil || (layers + [total]).contains { $0.speedup != 1 || $0.gatedMacs > 0 || $0.loadImbalance != 1 }
        var header = ["layer", "MACs", "compute cyc", "cycles", "util %", "map eff %", "DRAM W KB", "DRAM I KB",
                      "DRAM O KB", "energy uJ", "req GB/s"]
        if sparse { header += ["effectual MACs", "W dens", "I dens", "imbalance", "speedup"] }
        let decomposed = layers.contains { $0.stageMacs != nil }
        if decomposed { header += ["basis MACs", "coef MACs", "W compr x"] }
        let vector = layers.contains { $0.vectorCycles != nil }
        if vector { header += ["vector cyc"] }
        var table = TextTable(header)
        for l in layers + [total] {
            var row = [l.name, "\(l.macs)", "\(l.computeCycles)", "\(l.cycles)", formatted(l.utilization * 100, digits: 2),
                       formatted(l.mappingEfficiency * 100, digits: 2), formatted(l.dramBytes.weights / 1024, digits: 1),
                       formatted(l.dramBytes.inputs / 1024, digits: 1), formatted(l.dramBytes.outputs / 1024, digits: 1),
                       formatted(l.totalEnergyPJ / 1e6, digits: 3), formatted(l.requiredBandwidthGBps, digits: 2)]
            if sparse {
                row += [l.effectualMacs.map { "\($0)" } ?? "-", l.weightDensity.map { formatted($0, digits: 3) } ?? "-",
                        l.inputDensity.map { formatted($0, digits: 3) } ?? "-", formatted(l.loadImbalance, digits: 3),
                        formatted(l.speedup, digits: 3)]
            }
            if decomposed {
                row += [l.stageMacs.map { "\($0.basis)" } ?? "-", l.stageMacs.map { "\($0.coefficients)" } ?? "-",
                        l.compressionRatio.map { formatted($0, digits: 2) } ?? "-"]
            }
            if vector { row.append(l.vectorCycles.map { "\($0)" } ?? "-") }
            table.add(row)
        }
        out += table.render()
        if let shares = blockSharesLine { out += "shares: \(shares)\n" }
        for l in layers + [total] {
            for note in l.notes { out += "note: \(l.name): \(note)\n" }
        }
        return out
    }

    /// CSV for spreadsheets: a header and one row per layer, then the total.
    public func renderCSV(includeHeader: Bool = true) -> String {
        let levels = Array(Set((layers + [total]).flatMap { $0.energyPJ.keys })).sorted()
        var rows: [String] = []
        if includeHeader {
            rows.append((["spec", "layer", "macs", "compute_cycles", "cycles", "stall_cycles", "utilization", "mapping_efficiency",
                          "dram_weights_bytes", "dram_inputs_bytes", "dram_outputs_bytes", "dram_metadata_bytes",
                          "required_bandwidth_gbps", "achieved_bandwidth_gbps", "effectual_macs", "gated_macs", "load_imbalance",
                          "dense_cycles", "speedup", "weight_density", "input_density", "density_model"]
                         + levels.map { "energy_\($0)_pj" }).joined(separator: ","))
        }
        for l in layers + [total] {
            let cells: [String] = [spec.name, l.name, "\(l.macs)", "\(l.computeCycles)", "\(l.cycles)", "\(l.stallCycles)",
                                   "\(l.utilization)", "\(l.mappingEfficiency)", "\(l.dramBytes.weights)", "\(l.dramBytes.inputs)",
                                   "\(l.dramBytes.outputs)", "\(l.dramBytes.metadata)", "\(l.requiredBandwidthGBps)",
                                   "\(l.achievedBandwidthGBps)", l.effectualMacs.map { "\($0)" } ?? "", "\(l.gatedMacs)",
                                   "\(l.loadImbalance)", "\(l.denseCycles)", "\(l.speedup)", l.weightDensity.map { "\($0)" } ?? "",
                                   l.inputDensity.map { "\($0)" } ?? "", densityModel ?? ""] + levels.map { "\(l.energyPJ[$0] ?? 0)" }
            rows.append(cells.joined(separator: ","))
        }
        return rows.joined(separator: "\n") + "\n"
    }
}
