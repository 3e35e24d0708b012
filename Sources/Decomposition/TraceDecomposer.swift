import Foundation
import SparseFormats
import SparseSimCore
import Trace

// MARK: - TraceDecomposer

/// Decomposes an existing trace's weights without training (`sparsesim decompose`): every
/// ungrouped convolution with kernels larger than 1×1 becomes bases and coefficients, the
/// coefficients are pruned by magnitude and refit, and the stored values are quantized; the
/// result is a new trace whose layers carry their decomposition, so `simulate` needs nothing else.
package struct TraceDecomposer: Sendable {
    /// What to do.
    package struct Options: Sendable, Equatable {
        /// Bases per set, `M`.
        package var bases: Int
        /// Per layer or per input channel.
        package var sharing: BasisSharing
        /// The fraction of coefficients pruned (nil: none).
        package var coefficientSparsity: Double?
        /// Per layer or one global threshold.
        package var scope: PruningScope
        /// Widths of the stored values (nil: float).
        package var quantization: QuantizationBits?
        /// The coefficient (and plain weight) storage format, e.g. `rle:4` (see `SparseFormat(parsing:)`).
        package var format: String

        /// Options.
        package init(bases: Int, sharing: BasisSharing = .layer, coefficientSparsity: Double? = nil, scope: PruningScope = .layer,
                    quantization: QuantizationBits? = nil, format: String = "rle:4") {
            self.bases = bases
            self.sharing = sharing
            self.coefficientSparsity = coefficientSparsity
            self.scope = scope
            self.quantization = quantization
            self.format = format
        }
    }

    /// One layer's outcome.
    package struct LayerReport: Codable, Equatable, Sendable {
        /// The layer.
        package var name: String
        /// Whether it was decomposed (else kept as it was, quantized when asked).
        package var decomposed: Bool
        /// `M` (decomposed layers).
        package var bases: Int?
        /// Kept coefficients (or kept weights) ÷ all.
        package var density: Double
        /// `‖W − Ŵ‖ / ‖W‖` against the trace's (masked) weights.
        package var reconstructionError: Double
        /// Storage against dense 32-bit floats.
        package var storage: WeightStorage
        /// `storage.compressionRatio`.
        package var compressionRatio: Double
    }

    /// The whole outcome.
    package struct Report: Codable, Equatable, Sendable {
        /// The source trace and the step decomposed.
        package var source: String, step: Int
        /// The options as text (`bases`, `sharing`, ...).
        package var options: [String: ParameterValue]
        /// Per layer, in model order.
        package var layers: [LayerReport]
        /// Every layer's storage summed, and its ratio.
        package var total: WeightStorage
        /// `total.compressionRatio`.
        package var compressionRatio: Double
        /// The trace written.
        package var output: String

        /// A table for people.
        package func renderTable() -> String {
            var out = "decomposed \(source) step \(step) -> \(output)\n"
            out += "  " + options.keys.sorted().map { "\($0) \(options[$0]!.description)" }.joined(separator: ", ") + "\n"
            var table = TextTable(["layer", "decomposed", "M", "density", "recon err", "basis bits", "value bits", "metadata bits",
                                   "stored KiB", "compr x"])
            for l in layers {
                table.add([l.name, l.decomposed ? "yes" : "no", l.bases.map { "\($0)" } ?? "-", Self.format(l.density, 4),
                           Self.format(l.reconstructionError, 4), "\(l.storage.basisBits)", "\(l.storage.valueBits)",
                           "\(l.storage.metadataBits)", Self.format(Double(l.storage.storedBits) / 8192, 2),
                           Self.format(l.compressionRatio, 2)])
            }
            table.add(["total", "", "", "", "", "\(total.basisBits)", "\(total.valueBits)", "\(total.metadataBits)",
                       Self.format(Double(total.storedBits) / 8192, 2), Self.format(compressionRatio, 2)])
            return out + table.render()
        }

        static func format(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
    }

    /// The options.
    package let options: Options

    /// A decomposer.
    /// - Throws: `SparseSimError` for a bad `M`, sparsity, or format name.
    package init(options: Options) throws {
        func bad(_ field: String, _ message: String) -> SparseSimError { .setting(field, message) }
        guard options.bases >= 1 else { throw bad("-M", "must be at least 1, got \(options.bases)") }
        if let s = options.coefficientSparsity, !(s >= 0 && s < 1) {
            throw bad("coefficientSparsity", "must be in [0, 1), got \(s)")
        }
        _ = try SparseFormat(parsing: options.format, for: SparseMatrix(pattern: Bitmask(repeating: true, count: 1), rows: 1, columns: 1),
                             field: "coefficientFormat")
        self.options = options
    }

    /// Decomposes snapshot `index` of `reader` into a new trace at `output` (written under a
    /// temporary name and renamed, so a failure leaves nothing behind).
    /// - Throws: `SparseSimError` for an existing output, a layer whose `M` exceeds `R·S`, an
    ///   unreadable tensor, or a write failure.
    package func run(_ reader: TraceReader, snapshot index: Int, output: String,
                    commandLine: [String] = CommandLine.arguments) throws -> Report {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: output) else {
            throw SparseSimError(file: output, message: "already exists; choose a new trace path")
        }
        let snapshot = reader.manifest.snapshots[index]
        let q = options.quantization
        var loaded: [TraceReader.LayerData] = []
        for entry in snapshot.layers { loaded.append(try reader.load(layer: entry.name, snapshot: index)) }

        // Decompose the eligible layers, from their masked weights.
        var masked: [[Float]] = []
        var decompositions: [KernelDecomposition] = []
        var which: [Int?] = []
        for data in loaded {
            let l = data.shape
            var w = data.weights
            for i in 0..<w.count where !data.mask[i] { w[i] = 0 }
            masked.append(w)
            guard l.kind == .conv, l.groups == 1, l.R * l.S > 1 else { which.append(nil); continue }
            guard options.bases <= l.R * l.S else {
                throw SparseSimError.setting("bases", "M = \(options.bases) exceeds R·S = \(l.R * l.S) of layer \(l.name)")
            }
            which.append(decompositions.count)
            decompositions.append(try KernelDecomposition(weights: w, k: l.K, c: l.C, r: l.R, s: l.S, bases: options.bases,
                                                          sharing: options.sharing))
        }
        let targets = which.enumerated().compactMap { i, d in d.map { _ in masked[i] } }
        if let s = options.coefficientSparsity {
            KernelDecomposition.prune(&decompositions, sparsity: s, scope: options.scope, refitTo: targets)
        }
        // Hybrid quantization: bases first (coefficients refit on the quantized bases), then coefficients.
        if let q {
            for j in decompositions.indices {
                var d = decompositions[j]
                if let bits = q.bases {
                    let quantizer = SymmetricQuantizer(fitting: d.basisValues, bits: bits, channels: q.perChannel ? d.groups : 1)
                    d.basisValues = quantizer.fakeQuantized(d.basisValues)
                    d.refitCoefficients(to: targets[j])
                }
                if let bits = q.coefficients {
                    let quantizer = SymmetricQuantizer(fitting: d.coefficients, bits: bits, channels: q.perChannel ? d.k : 1)
                    d.coefficients = quantizer.fakeQuantized(d.coefficients)
                    d.coefficientMask = Bitmask(nonZerosOf: d.coefficients)
                }
                decompositions[j] = d
            }
        }

        // Storage, reports and the new trace's tensors.
        var reports: [LayerReport] = []
        var tensors: [TraceWriter.LayerTensors] = []
        for (i, data) in loaded.enumerated() {
            let l = data.shape
            if let j = which[i] {
                let d = decompositions[j]
                let matrix = SparseMatrix(pattern: d.coefficientPattern, rows: d.k, columns: d.c * d.bases)
                let format = try SparseFormat(parsing: options.format, for: matrix, field: "coefficientFormat")
                let scales = (q?.bases != nil ? (q!.perChannel ? d.groups : 1) : 0) + (q?.coefficients != nil ? (q!.perChannel ? d.k : 1) : 0)
                let storage = try WeightStorage.decomposed(d, basisBits: q?.bases ?? 32, coefficientBits: q?.coefficients ?? 32,
                                                           format: format, scales: scales)
                let error = d.relativeError(to: masked[i])
                let w = d.reconstructed()
                reports.append(LayerReport(name: l.name, decomposed: true, bases: d.bases,
                                           density: Double(d.keptCoefficients) / Double(max(d.coefficientCount, 1)),
                                           reconstructionError: error, storage: storage, compressionRatio: storage.compressionRatio))
                tensors.append(TraceWriter.LayerTensors(
                    name: l.name, weights: w, mask: Bitmask(nonZerosOf: w), inputActivations: data.inputActivations,
                    decomposition: DecomposedTensors(bases: d.bases, sharing: d.sharing, basisValues: d.basisValues,
                                                     coefficients: d.coefficients, coefficientMask: d.coefficientPattern,
                                                     quantization: q?.description, reconstructionError: error)))
            } else {
                var w = masked[i]
                var scales = 0
                if let bits = q?.plainWeights {
                    let quantizer = SymmetricQuantizer(fitting: w, bits: bits, channels: q!.perChannel ? l.K : 1)
                    w = quantizer.fakeQuantized(w)
                    scales = quantizer.scales.count
                }
                let mask = Bitmask(nonZerosOf: w)
                let columns = l.channelsPerGroup * l.R * l.S
                let matrix = SparseMatrix(pattern: mask, rows: l.K, columns: columns)
                let format = try SparseFormat(parsing: options.format, for: matrix, field: "coefficientFormat")
                let storage = try WeightStorage.plain(mask: mask, rows: l.K, columns: columns, valueBits: q?.plainWeights ?? 32,
                                                      format: format, scales: scales)
                reports.append(LayerReport(name: l.name, decomposed: false, bases: nil, density: mask.density,
                                           reconstructionError: KernelDecomposition.relativeError(w, to: masked[i]), storage: storage,
                                           compressionRatio: storage.compressionRatio))
                tensors.append(TraceWriter.LayerTensors(name: l.name, weights: w, mask: mask, inputActivations: data.inputActivations))
            }
        }

        var parameters: [String: ParameterValue] = [
            "bases": .int(options.bases), "sharing": .string(options.sharing.rawValue), "scope": .string(options.scope.rawValue),
            "coefficient_format": .string(options.format), "source_method": .string(reader.manifest.method.name),
            "source_step": .int(snapshot.step),
        ]
        if let s = options.coefficientSparsity { parameters["coefficient_sparsity"] = .double(s) }
        if let q { parameters["quantization"] = .string(q.description) }
        let summary = parameters
        parameters["source_trace"] = .string(reader.path)
        if snapshot.layers.contains(where: { $0.inputActivations != nil }) {
            parameters["activations"] = .string("copied from the source trace: the undecomposed network's inputs")
        }
        let provenance = Provenance.current(seed: reader.manifest.provenance.seed, threads: 1,
                                            dataset: reader.manifest.provenance.dataset, commandLine: commandLine)
        let temporary = output + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? fm.removeItem(atPath: temporary)
        do {
            var writer = try TraceWriter(path: temporary, model: reader.manifest.model,
                                         method: TraceMethod(name: "decompose", parameters: parameters), provenance: provenance)
            try writer.append(step: snapshot.step, epoch: snapshot.epoch, layers: tensors)
            try fm.moveItem(atPath: temporary, toPath: output)
        } catch {
            try? fm.removeItem(atPath: temporary)
            if let e = error as? SparseSimError { throw e }
            throw SparseSimError(.run, file: output, message: "cannot write the trace: \(error.localizedDescription)")
        }
        let total = reports.map(\.storage).reduce(WeightStorage.zero, +)
        return Report(source: reader.path, step: snapshot.step, options: summary, layers: reports, total: total,
                      compressionRatio: total.compressionRatio, output: output)
    }
}
