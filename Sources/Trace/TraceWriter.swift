import Foundation
import SparseSimCore

// MARK: - TraceWriter

/// Writes a trace directory incrementally and crash-safely.
///
/// Creating the writer makes the directory and a manifest with no snapshots. Each
/// `append` writes the snapshot's `.npy` files (each to a temporary name, then renamed)
/// and only then rewrites `manifest.json` (atomically) to list it. A crash at any point
/// leaves a trace that reads as its last complete snapshot; files of an unfinished
/// snapshot are not listed and are overwritten when that step is appended again.
public struct TraceWriter: Sendable {
    /// The trace directory.
    public let path: String
    /// The manifest as last written.
    public private(set) var manifest: TraceManifest

    /// Starts a new trace at `path`.
    /// - Throws: `SparseSimError` when a layer shape is invalid, layer names repeat, or
    ///   `path` exists and is not an empty directory (nothing a user had is overwritten).
    public init(path: String, model: NetworkShape, method: TraceMethod, provenance: Provenance) throws {
        self.path = path
        self.manifest = TraceManifest(provenance: provenance, model: model, method: method)
        try Self.validate(model: model, file: path + "/" + TraceManifest.fileName)
        try Self.makeEmptyDirectory(path)
        try writeManifest()
    }

    /// Reopens the trace at `path` to append further snapshots (e.g. after resuming a run).
    /// - Throws: `SparseSimError` when the trace does not read cleanly.
    public init(resuming path: String) throws {
        let reader = try TraceReader(path: path, verifyTensors: false)
        self.path = path
        self.manifest = reader.manifest
        // Temporaries of a killed writer: the steps they belonged to are written again.
        AtomicFile.removeStaleTemporaries(in: path)
        let snapshots = path + "/snapshots"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: snapshots)) ?? [] {
            AtomicFile.removeStaleTemporaries(in: snapshots + "/" + name)
        }
    }

    /// The tensors of one layer at one step, as the caller holds them.
    public struct LayerTensors: Sendable {
        /// The layer's name in the model.
        public var name: String
        /// Weights in `weightShape` order.
        public var weights: [Float]
        /// True where a weight is kept.
        public var mask: Bitmask
        /// Input activations of the fixed sample batch in `inputShape` order, if recorded.
        public var inputActivations: [Float]?
        /// Output activations of the same batch in `outputShape` order, if recorded.
        public var outputActivations: [Float]?
        /// SWAT: the fraction of training inputs kept for the weight gradient.
        public var backwardActivationDensity: Double?
        /// ESCALATE: the bases and coefficients of a decomposed layer (`weights` and `mask` are
        /// then the reconstructed kernels).
        public var decomposition: DecomposedTensors?
        /// Inputs with `|x|` below this are effectively zero (`TraceSnapshotLayer.inputThreshold`).
        public var inputThreshold: Double?

        /// A layer's tensors.
        public init(name: String, weights: [Float], mask: Bitmask, inputActivations: [Float]? = nil,
                    backwardActivationDensity: Double? = nil, decomposition: DecomposedTensors? = nil,
                    outputActivations: [Float]? = nil, inputThreshold: Double? = nil) {
            self.inputThreshold = inputThreshold
            self.outputActivations = outputActivations
            self.backwardActivationDensity = backwardActivationDensity
            self.decomposition = decomposition
            self.name = name
            self.weights = weights
            self.mask = mask
            self.inputActivations = inputActivations
        }
    }

    /// Writes a snapshot's tensors, then lists it in the manifest.
    /// - Parameters:
    ///   - step: the optimizer step; larger than every earlier snapshot's.
    ///   - epoch: the epoch.
    ///   - metrics: finite metric values.
    ///   - layers: layers of the model, each at most once, with tensors of the layer's shapes.
    /// - Returns: the manifest entry written.
    /// - Throws: `SparseSimError` for a bad step, an unknown layer, a size mismatch or an I/O failure.
    @discardableResult
    public mutating func append(
        step: Int, epoch: Int, metrics: [String: Double] = [:], layers: [LayerTensors]
    ) throws -> TraceSnapshot {
        let where_ = "snapshots[\(manifest.snapshots.count)]"
        func fail(_ field: String, _ message: String) -> SparseSimError {
            SparseSimError(file: path, location: "\(where_).\(field)", message: message)
        }
        guard step >= 0, epoch >= 0 else { throw fail("step", "step and epoch must be non-negative") }
        if let last = manifest.snapshots.last, step <= last.step {
            throw fail("step", "step \(step) is not after the last snapshot's step \(last.step)")
        }
        for (key, value) in metrics where !value.isFinite {
            throw fail("metrics.\(key)", "metric '\(key)' is \(value); metrics must be finite")
        }
        var seen = Set<String>()
        let directory = Self.snapshotDirectory(step: step)
        try Self.makeDirectory(path + "/snapshots")
        try Self.makeDirectory(path + "/" + directory)

        var entries: [TraceSnapshotLayer] = []
        for (i, layer) in layers.enumerated() {
            guard let shape = manifest.model.layer(named: layer.name) else {
                throw fail("layers[\(i)].name", "layer '\(layer.name)' is not in the model")
            }
            guard seen.insert(layer.name).inserted else {
                throw fail("layers[\(i)].name", "layer '\(layer.name)' appears twice")
            }
            guard layer.weights.count == shape.weightCount else {
                throw fail("layers[\(i)].weights", "\(layer.weights.count) weights, layer shape \(shape.weightShape) needs \(shape.weightCount)")
            }
            guard layer.mask.count == shape.weightCount else {
                throw fail("layers[\(i)].weight_mask", "mask of \(layer.mask.count) bits, layer shape \(shape.weightShape) needs \(shape.weightCount)")
            }
            if let t = layer.inputThreshold, !(t >= 0 && t.isFinite) {
                throw fail("layers[\(i)].input_threshold", "must be a finite number ≥ 0, got \(t)")
            }
            if let acts = layer.inputActivations, acts.count != shape.inputCount {
                throw fail("layers[\(i)].input_activations", "\(acts.count) activations, input shape \(shape.inputShape) needs \(shape.inputCount)")
            }
            if let outs = layer.outputActivations, outs.count != shape.outputShape.reduce(1, *) {
                throw fail("layers[\(i)].output_activations", "\(outs.count) activations, output shape \(shape.outputShape) needs \(shape.outputShape.reduce(1, *))")
            }
            let prefix = "\(directory)/\(layer.name)"
            let weightsPath = prefix + ".weights.npy"
            let maskPath = prefix + ".mask.npy"
            try NPY.write(NPYArray(layer.weights, shape: shape.weightShape), to: path + "/" + weightsPath)
            try NPY.write(NPYArray(layer.mask, shape: shape.weightShape), to: path + "/" + maskPath)
            var inputsPath: String?
            var activationDensity: Double?
            if let acts = layer.inputActivations {
                let p = prefix + ".inputs.npy"
                try NPY.write(NPYArray(acts, shape: shape.inputShape), to: path + "/" + p)
                inputsPath = p
                activationDensity = Self.nonzeroFraction(acts, threshold: layer.inputThreshold)
            }
            var outputsPath: String?
            if let outs = layer.outputActivations {
                let p = prefix + ".outputs.npy"
                try NPY.write(NPYArray(outs, shape: shape.outputShape), to: path + "/" + p)
                outputsPath = p
            }
            var decomposition: TraceDecomposition?
            if let d = layer.decomposition {
                var record = TraceDecomposition(
                    bases: d.bases, sharing: d.sharing, basisKernels: prefix + ".bases.npy",
                    coefficients: prefix + ".coefficients.npy", coefficientMask: prefix + ".coefficient_mask.npy",
                    coefficientDensity: d.coefficientMask.density, quantization: d.quantization,
                    reconstructionError: d.reconstructionError)
                try record.validate(for: shape, file: path, location: "\(where_).layers[\(i)]")
                let basisShape = record.basisShape(shape), coefficientShape = record.coefficientShape(shape)
                guard d.basisValues.count == basisShape.reduce(1, *) else {
                    throw fail("layers[\(i)].decomposition.basis_kernels", "\(d.basisValues.count) values, \(basisShape) needs \(basisShape.reduce(1, *))")
                }
                guard d.coefficients.count == coefficientShape.reduce(1, *), d.coefficientMask.count == d.coefficients.count else {
                    throw fail("layers[\(i)].decomposition.coefficients", "\(d.coefficients.count) values and \(d.coefficientMask.count) mask bits, \(coefficientShape) needs \(coefficientShape.reduce(1, *))")
                }
                try NPY.write(NPYArray(d.basisValues, shape: basisShape), to: path + "/" + record.basisKernels)
                try NPY.write(NPYArray(d.coefficients, shape: coefficientShape), to: path + "/" + record.coefficients)
                try NPY.write(NPYArray(d.coefficientMask, shape: coefficientShape), to: path + "/" + record.coefficientMask)
                record.coefficientDensity = d.coefficientMask.density
                decomposition = record
            }
            entries.append(TraceSnapshotLayer(
                name: layer.name, weights: weightsPath, weightMask: maskPath, inputActivations: inputsPath,
                weightDensity: layer.mask.density, activationDensity: activationDensity,
                backwardActivationDensity: layer.backwardActivationDensity, decomposition: decomposition,
                outputActivations: outputsPath, inputThreshold: layer.inputThreshold))
        }
        let snapshot = TraceSnapshot(step: step, epoch: epoch, metrics: metrics, layers: entries)
        manifest.snapshots.append(snapshot)
        do {
            try writeManifest()
        } catch {
            manifest.snapshots.removeLast()
            throw error
        }
        return snapshot
    }

    // MARK: Helpers

    /// `snapshots/step-00000100`: the directory of a step's files, relative to the trace.
    public static func snapshotDirectory(step: Int) -> String {
        let digits = String(step)
        return "snapshots/step-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The fraction of elements that are not zero (with a positive `threshold`: whose `|x|`
    /// reaches it).
    /// - Complexity: O(n).
    public static func nonzeroFraction(_ values: [Float], threshold: Double? = nil) -> Double {
        guard !values.isEmpty else { return 0 }
        let nonzero = values.withUnsafeBufferPointer { v in
            var n = 0
            if let threshold, threshold > 0 {
                let t = Float(threshold)
                for x in v where abs(x) >= t { n &+= 1 }
            } else {
                for x in v where x != 0 { n &+= 1 }
            }
            return n
        }
        return Double(nonzero) / Double(values.count)
    }

    private func writeManifest() throws {
        let bytes: [UInt8]
        do {
            bytes = try JSONCoding.encode(manifest)
        } catch {
            throw SparseSimError(file: path + "/" + TraceManifest.fileName, message: "cannot encode manifest: \(error)")
        }
        try AtomicFile.write(bytes, to: path + "/" + TraceManifest.fileName)
    }

    static func validate(model: NetworkShape, file: String) throws {
        var names = Set<String>()
        for (i, layer) in model.layers.enumerated() {
            try layer.validate(file: file, location: "model.layers[\(i)]")
            guard names.insert(layer.name).inserted else {
                throw SparseSimError(file: file, location: "model.layers[\(i)].name", message: "layer name '\(layer.name)' repeats")
            }
        }
    }

    private static func makeEmptyDirectory(_ path: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SparseSimError(file: path, message: "exists and is not a directory; not overwriting it")
            }
            let contents = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            guard contents.isEmpty else {
                throw SparseSimError(file: path, message: "exists and is not empty; not overwriting it (choose another name or remove it)")
            }
            return
        }
        try makeDirectory(path)
    }

    private static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SparseSimError(.run, file: path, message: "cannot create directory: \((error as NSError).localizedDescription)")
        }
    }
}
