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
    /// How this result was made.
    public var provenance: Provenance?

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

        enum CodingKeys: String, CodingKey {
            case name, dataflow, rows, cols
            case clockMHz = "clock_mhz"
        }
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

        /// Total energy, pJ.
        public var totalEnergyPJ: Double { energyPJ.values.reduce(0, +) }

        enum CodingKeys: String, CodingKey {
            case name, macs
            case computeCycles = "compute_cycles"
            case cycles
            case stallCycles = "stall_cycles"
            case utilization
            case mappingEfficiency = "mapping_efficiency"
            case tiling
            case dramBytes = "dram_bytes"
            case energyPJ = "energy_pj"
            case energyByOperandPJ = "energy_by_operand_pj"
            case requiredBandwidthGBps = "required_bandwidth_gbps"
            case achievedBandwidthGBps = "achieved_bandwidth_gbps"
        }
    }
}

// MARK: - Rendering

extension SimulationResult {
    /// A table for people: one row per layer and a total row.
    public func renderTable() -> String {
        var out = "spec \(spec.name) (\(spec.dataflow), \(spec.rows)x\(spec.cols) PEs, \(formatted(spec.clockMHz, digits: 0)) MHz)"
        out += "  workload \(workload.name) [\(workload.source)], \(workload.layers) layers\n"
        var table = TextTable(["layer", "MACs", "compute cyc", "cycles", "util %", "map eff %", "DRAM W KB", "DRAM I KB",
                               "DRAM O KB", "energy uJ", "req GB/s"])
        for l in layers + [total] {
            table.add([l.name, "\(l.macs)", "\(l.computeCycles)", "\(l.cycles)", formatted(l.utilization * 100, digits: 2),
                       formatted(l.mappingEfficiency * 100, digits: 2), formatted(l.dramBytes.weights / 1024, digits: 1),
                       formatted(l.dramBytes.inputs / 1024, digits: 1), formatted(l.dramBytes.outputs / 1024, digits: 1),
                       formatted(l.totalEnergyPJ / 1e6, digits: 3), formatted(l.requiredBandwidthGBps, digits: 2)])
        }
        return out + table.render()
    }

    /// CSV for spreadsheets: a header and one row per layer, then the total.
    public func renderCSV(includeHeader: Bool = true) -> String {
        let levels = Array(Set((layers + [total]).flatMap { $0.energyPJ.keys })).sorted()
        var rows: [String] = []
        if includeHeader {
            rows.append((["spec", "layer", "macs", "compute_cycles", "cycles", "stall_cycles", "utilization", "mapping_efficiency",
                          "dram_weights_bytes", "dram_inputs_bytes", "dram_outputs_bytes", "dram_metadata_bytes",
                          "required_bandwidth_gbps", "achieved_bandwidth_gbps"] + levels.map { "energy_\($0)_pj" }).joined(separator: ","))
        }
        for l in layers + [total] {
            let cells: [String] = [spec.name, l.name, "\(l.macs)", "\(l.computeCycles)", "\(l.cycles)", "\(l.stallCycles)",
                                   "\(l.utilization)", "\(l.mappingEfficiency)", "\(l.dramBytes.weights)", "\(l.dramBytes.inputs)",
                                   "\(l.dramBytes.outputs)", "\(l.dramBytes.metadata)", "\(l.requiredBandwidthGBps)",
                                   "\(l.achievedBandwidthGBps)"] + levels.map { "\(l.energyPJ[$0] ?? 0)" }
            rows.append(cells.joined(separator: ","))
        }
        return rows.joined(separator: "\n") + "\n"
    }
}
