import SparseSimCore
import Trace

// MARK: - Comparison

/// A matrix of workloads (usually traces of differently trained networks) × hardware specs:
/// per pair the network's accuracy and densities, and the simulated cycles, latency at the
/// spec's clock, speedup over the spec's dense twin, energy, energy-delay product, DRAM bytes
/// and required bandwidth (`sparsesim compare`); after `rank`, every pair's speed and energy
/// against one baseline pair, and the answer across specs.
public struct Comparison: Codable, Equatable, Sendable {
    /// One row per workload and spec, workloads outer, specs inner, in the order given.
    public var entries: [Entry]
    /// How the comparison was made.
    public var provenance: Provenance?
    /// The pair every entry's `speedupVsBaseline` and `energyVsBaseline` are measured against
    /// (nil before `rank`).
    public var baseline: PairReference?
    /// The accuracy floor of the answer (a fraction; nil: none).
    public var minAccuracy: Double?
    /// The answer across specs (nil before `rank`).
    public var answer: Answer?

    // Declared, so the study's summary (written as declared) has the same keys as `compare`.
    enum CodingKeys: String, CodingKey {
        case entries, provenance, baseline, answer
        case minAccuracy = "min_accuracy"
    }

    /// One (workload, spec) pair.
    public struct Entry: Codable, Equatable, Sendable {
        /// The workload's label (the trace's path for a trace).
        public var workload: String
        /// The network's name.
        public var network: String
        /// Test accuracy the trace recorded with the simulated snapshot (`test_accuracy`, or
        /// `accuracy` from other writers; nil: none recorded).
        public var accuracy: Double?
        /// Test accuracy with the weights quantized, when the run quantized them.
        public var quantizedAccuracy: Double?
        /// The test accuracy of the same run trained with other seeds too (nil: one seed).
        public var accuracySpread: SeedSpread?
        /// Kept weights ÷ all weights over every layer (layers without a mask count as dense; a
        /// matmul layer has no weights: its second operand is an activation).
        public var weightDensity: Double
        /// Non-zero inputs ÷ all inputs over the layers with recorded activations (nil: none recorded).
        public var activationDensity: Double?
        /// The spec's name.
        public var spec: String
        /// The spec's file.
        public var specFile: String
        /// Cycles of the whole network.
        public var cycles: Int
        /// Cycles of the same spec with every operand's sparsity off.
        public var denseCycles: Int
        /// `dense_cycles ÷ cycles`.
        public var speedup: Double
        /// Total energy, pJ.
        public var energyPJ: Double
        /// DRAM bytes, all operands, reads and writes.
        public var dramBytes: Double
        /// DRAM bandwidth that avoids stalls, GB/s.
        public var requiredBandwidthGBps: Double
        /// Dense 32-bit weight bits ÷ the bits the spec stores them in (nil: not reported).
        public var compressionRatio: Double?
        /// The spec's clock, MHz.
        public var clockMHz: Double
        /// `cycles` at the spec's clock, µs.
        public var latencyUS: Double
        /// Energy × latency, µJ·µs.
        public var energyDelayUJUS: Double
        /// The baseline's latency ÷ this latency (nil before `Comparison.rank`).
        public var speedupVsBaseline: Double?
        /// This energy ÷ the baseline's (nil before `Comparison.rank`).
        public var energyVsBaseline: Double?

        enum CodingKeys: String, CodingKey {
            case workload, network, accuracy
            case quantizedAccuracy = "quantized_accuracy"
            case accuracySpread = "accuracy_spread"
            case weightDensity = "weight_density"
            case activationDensity = "activation_density"
            case spec
            case specFile = "spec_file"
            case cycles
            case denseCycles = "dense_cycles"
            case speedup
            case energyPJ = "energy_pj"
            case dramBytes = "dram_bytes"
            case requiredBandwidthGBps = "required_bandwidth_gbps"
            case compressionRatio = "compression_ratio"
            case clockMHz = "clock_mhz"
            case latencyUS = "latency_us"
            case energyDelayUJUS = "energy_delay_uj_us"
            case speedupVsBaseline = "speedup_vs_baseline"
            case energyVsBaseline = "energy_vs_baseline"
        }

        /// The entry for `result`, the simulation of `workload` on the spec in `specFile`.
        /// `metrics` are the trace snapshot's (`test_accuracy` or `accuracy`, `quantized_test_accuracy`).
        public init(label: String, workload: Workload, metrics: [String: Double], specFile: String, result: SimulationResult) {
            self.workload = label
            network = workload.name
            accuracy = metrics["test_accuracy"] ?? metrics["accuracy"]
            quantizedAccuracy = metrics["quantized_test_accuracy"]
            var kept = 0, weights = 0, nonZero = 0, inputs = 0
            for layer in workload.layers {
                let count = layer.shape.weightCount
                if layer.shape.kind.hasWeights {
                    weights += count
                    kept += layer.masks?.weights?.popcount ?? count
                }
                for sample in layer.masks?.inputs ?? [] {
                    nonZero += sample.popcount
                    inputs += sample.count
                }
            }
            weightDensity = weights == 0 ? 1 : Double(kept) / Double(weights)
            activationDensity = inputs == 0 ? nil : Double(nonZero) / Double(inputs)
            spec = result.spec.name
            self.specFile = specFile
            cycles = result.total.cycles
            denseCycles = result.total.denseCycles
            speedup = result.total.speedup
            energyPJ = result.total.totalEnergyPJ
            dramBytes = result.total.dramBytes.total
            requiredBandwidthGBps = result.total.requiredBandwidthGBps
            compressionRatio = result.total.compressionRatio
            clockMHz = result.spec.clockMHz
            latencyUS = Double(cycles) / clockMHz
            energyDelayUJUS = energyPJ / 1e6 * latencyUS
        }
    }

    /// A comparison of these entries.
    public init(entries: [Entry], provenance: Provenance? = nil) {
        self.entries = entries
        self.provenance = provenance
    }

    // MARK: Best per column

    /// The columns the table marks, and which way is better.
    enum Column: CaseIterable {
        case accuracy, quantizedAccuracy, speedup, cycles, latency, energy, energyDelay, versusBaseline, energyVersusBaseline, dram, bandwidth

        func value(_ e: Entry) -> Double? {
            switch self {
            case .accuracy: e.accuracySpread?.mean ?? e.accuracy
            case .quantizedAccuracy: e.quantizedAccuracy
            case .speedup: e.speedup
            case .cycles: Double(e.cycles)
            case .latency: e.latencyUS
            case .energy: e.energyPJ
            case .energyDelay: e.energyDelayUJUS
            case .versusBaseline: e.speedupVsBaseline
            case .energyVersusBaseline: e.energyVsBaseline
            case .dram: e.dramBytes
            case .bandwidth: e.requiredBandwidthGBps
            }
        }

        var higherIsBetter: Bool { self == .accuracy || self == .quantizedAccuracy || self == .speedup || self == .versusBaseline }
    }

    /// The best value of `column` over all entries (nil: no entry has one).
    func best(_ column: Column) -> Double? {
        let values = entries.compactMap { column.value($0) }
        return column.higherIsBetter ? values.max() : values.min()
    }

    // MARK: Rendering

    /// A table for people, one row per pair; `*` marks the best value of each column (highest
    /// accuracy and speedups; fewest cycles, µs, µJ, µJ·µs, bytes and GB/s); after `rank`, the
    /// baseline's columns and, unless `answer` is false, the answer follow.
    public func renderTable(answer withAnswer: Bool = true) -> String {
        let quantized = entries.contains { $0.quantizedAccuracy != nil }
        let compressed = entries.contains { $0.compressionRatio != nil }
        var header = ["workload", "spec", "acc %"]
        if quantized { header.append("quant acc %") }
        let ranked = baseline != nil
        header += ["W dens", "A dens", "cycles", "latency us", "speedup", "energy uJ", "EDP uJ*us"]
        if ranked { header += ["x base", "E/base"] }
        header += ["DRAM MB", "req GB/s"]
        if compressed { header.append("W compr x") }
        var table = TextTable(header, alignments: header.indices.map { $0 < 2 ? .left : .right })
        func mark(_ column: Column, _ e: Entry, _ text: String) -> String {
            guard let v = column.value(e) else { return "-" }
            return v == best(column) && entries.count > 1 ? text + "*" : text + " "
        }
        for e in entries {
            var row = [e.workload, e.spec, mark(.accuracy, e, e.accuracySpread.flatMap { $0.values.count > 1 ? $0.text(scale: 100) : nil }
                                                            ?? e.accuracy.map { formatted($0 * 100, digits: 2) } ?? "-")]
            if quantized { row.append(mark(.quantizedAccuracy, e, e.quantizedAccuracy.map { formatted($0 * 100, digits: 2) } ?? "-")) }
            row += [formatted(e.weightDensity, digits: 3), e.activationDensity.map { formatted($0, digits: 3) } ?? "-",
                    mark(.cycles, e, "\(e.cycles)"), mark(.latency, e, formatted(e.latencyUS, digits: 2)),
                    mark(.speedup, e, formatted(e.speedup, digits: 2)),
                    mark(.energy, e, formatted(e.energyPJ / 1e6, digits: 1)), mark(.energyDelay, e, formatted(e.energyDelayUJUS, digits: 1))]
            if ranked {
                row += [mark(.versusBaseline, e, e.speedupVsBaseline.map { formatted($0, digits: 2) } ?? "-"),
                        mark(.energyVersusBaseline, e, e.energyVsBaseline.map { formatted($0, digits: 2) } ?? "-")]
            }
            row += [mark(.dram, e, formatted(e.dramBytes / 1e6, digits: 3)), mark(.bandwidth, e, formatted(e.requiredBandwidthGBps, digits: 2))]
            if compressed { row.append(e.compressionRatio.map { formatted($0, digits: 1) } ?? "-") }
            table.add(row)
        }
        var notes = table.render() + "* best in its column; latency at each spec's clock; speedup is over each spec's dense twin (the same spec with sparsity off)\n"
        if let baseline {
            notes += "x base: the baseline's latency / each latency; E/base: each energy / the baseline's; baseline \(Self.shortName(baseline.run)) on \(baseline.spec)\n"
        }
        let answer = withAnswer ? answerLines() : []
        return answer.isEmpty ? notes : notes + "\n" + answer.joined(separator: "\n") + "\n"
    }

    /// CSV: a header and one row per pair, full precision.
    public func renderCSV() -> String {
        var rows = ["workload,network,accuracy,quantized_accuracy,weight_density,activation_density,spec,spec_file,cycles,"
                    + "dense_cycles,speedup,energy_pj,dram_bytes,required_bandwidth_gbps,compression_ratio,clock_mhz,latency_us,"
                    + "energy_delay_uj_us,speedup_vs_baseline,energy_vs_baseline"]
        func cell(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
        for e in entries {
            rows.append([csvField(e.workload), csvField(e.network), cell(e.accuracy), cell(e.quantizedAccuracy), "\(e.weightDensity)",
                         cell(e.activationDensity), csvField(e.spec), csvField(e.specFile), "\(e.cycles)", "\(e.denseCycles)",
                         "\(e.speedup)", "\(e.energyPJ)", "\(e.dramBytes)", "\(e.requiredBandwidthGBps)",
                         cell(e.compressionRatio), "\(e.clockMHz)", "\(e.latencyUS)", "\(e.energyDelayUJUS)",
                         cell(e.speedupVsBaseline), cell(e.energyVsBaseline)].joined(separator: ","))
        }
        return rows.joined(separator: "\n") + "\n"
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break.
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + String(text.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }) + "\""
}
