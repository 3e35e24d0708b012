import Foundation
import Glibc
import SparseSimCore

// MARK: - TraceReader

/// Opens a trace directory and checks it before anyone uses it.
///
/// Checks made on open: the manifest decodes, names format `sparsesim-trace` version 1,
/// its layer shapes are valid and uniquely named, snapshot steps increase, and every
/// tensor path is relative, stays inside the trace directory (no `..`, no absolute path,
/// no symbolic link that leads out) and names a regular file. With `verifyTensors`, every
/// `.npy` is also read and its dtype and shape checked against the layer, its float values
/// checked to be finite (a NaN or infinity is reported with its layer and index), and the
/// recorded densities against the mask and activations (within 1e-6).
public struct TraceReader: Sendable {
    /// The trace directory as given.
    public let path: String
    /// The decoded manifest.
    public let manifest: TraceManifest

    /// How far recorded densities may be from the recomputed ones.
    public static let densityTolerance = 1e-6

    /// Opens and checks the trace at `path`.
    /// - Parameter verifyTensors: also read every tensor and check dtypes, shapes and densities.
    /// - Throws: `SparseSimError` naming the file and field at fault.
    public init(path: String, verifyTensors: Bool = true) throws {
        self.path = path
        let manifestPath = path + "/" + TraceManifest.fileName
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SparseSimError(file: path, message: "no such trace directory")
        }
        guard isDirectory.boolValue else { throw SparseSimError(file: path, message: "not a trace directory") }
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw SparseSimError(file: manifestPath, message: "missing manifest: not a trace, or its first manifest was never written")
        }
        let manifest = try TraceManifest.decode([UInt8](data), file: manifestPath)
        self.manifest = manifest
        try resolveTensorPaths(file: manifestPath)
        if verifyTensors {
            for index in manifest.snapshots.indices {
                for layer in manifest.snapshots[index].layers {
                    _ = try load(layer: layer.name, snapshot: index)
                }
            }
        }
    }

    // MARK: Loading tensors

    /// A layer's tensors at one snapshot, checked against its shape.
    public struct LayerData: Sendable {
        /// The layer's shape from the model.
        public var shape: LayerShape
        /// Weights, `shape.weightShape`.
        public var weights: [Float]
        /// The weight mask, `shape.weightShape`.
        public var mask: Bitmask
        /// Input activations, `shape.inputShape`, when recorded.
        public var inputActivations: [Float]?
        /// The bases and coefficients of a decomposed layer.
        public var decomposition: DecomposedTensors?
        /// Output activations, `shape.outputShape`, when recorded.
        public var outputActivations: [Float]? = nil
    }

    /// The index in `manifest.snapshots` of the snapshot at `step`, if any.
    public func snapshotIndex(step: Int) -> Int? {
        manifest.snapshots.firstIndex { $0.step == step }
    }

    /// The index in `manifest.snapshots` of the snapshot `name` names: `last`, or a recorded step.
    /// - Throws: `SparseSimError` naming the trace when it has no snapshots or none at that step.
    public func snapshotIndex(named name: String) throws -> Int {
        if name == "last" {
            guard let last = manifest.snapshots.indices.last else {
                throw SparseSimError(file: path, location: "snapshots", message: "the trace has no snapshots")
            }
            return last
        }
        guard let step = Int(name), let index = snapshotIndex(step: step) else {
            throw SparseSimError(file: path, location: "snapshots", message: "no snapshot at step \(name)")
        }
        return index
    }

    /// Reads and checks the tensors of `layer` in snapshot number `snapshot`.
    /// - Throws: `SparseSimError` for an unknown layer or snapshot, or a tensor whose
    ///   dtype, shape or density does not match the manifest.
    public func load(layer name: String, snapshot index: Int) throws -> LayerData {
        let manifestPath = path + "/" + TraceManifest.fileName
        guard manifest.snapshots.indices.contains(index) else {
            throw SparseSimError(file: manifestPath, location: "snapshots", message: "no snapshot number \(index)")
        }
        let snapshot = manifest.snapshots[index]
        guard let li = snapshot.layers.firstIndex(where: { $0.name == name }),
            let shape = manifest.model.layer(named: name)
        else {
            throw SparseSimError(file: manifestPath, location: "snapshots[\(index)]", message: "no layer '\(name)' in this snapshot")
        }
        let entry = snapshot.layers[li]
        let at = "snapshots[\(index)].layers[\(li)]"

        /// Float tensors must be finite: a NaN or infinity would propagate through every figure.
        func finite(_ values: [Float], _ relative: String, field: String, shape: [Int]) throws -> [Float] {
            if let i = Self.firstNonFinite(values) {
                throw SparseSimError(file: path + "/" + relative, location: "element \(i) \(Self.position(i, in: shape))",
                                     message: "\(field) of layer '\(name)' holds \(values[i]); traces must hold finite values")
            }
            return values
        }

        func tensor(_ relative: String, field: String, dtype: NPYDType, shape expected: [Int]) throws -> NPYArray {
            let full = try resolve(relative, file: manifestPath, location: "\(at).\(field)")
            let array = try NPY.read(contentsOf: full, name: path + "/" + relative)
            guard array.dtype == dtype else {
                throw SparseSimError(file: path + "/" + relative, location: "header.descr",
                                     message: "\(field) must be \(dtype.rawValue), found \(array.dtype.rawValue)")
            }
            guard array.shape == expected else {
                throw SparseSimError(file: path + "/" + relative, location: "header.shape",
                                     message: "\(field) of layer '\(name)' must have shape \(expected), found \(array.shape)")
            }
            return array
        }

        let weights = try finite(try tensor(entry.weights, field: "weights", dtype: .float32, shape: shape.weightShape).floats!,
                                 entry.weights, field: "weights", shape: shape.weightShape)
        let mask = try tensor(entry.weightMask, field: "weight_mask", dtype: .bool, shape: shape.weightShape).bitmask!
        guard abs(mask.density - entry.weightDensity) <= Self.densityTolerance else {
            throw SparseSimError(file: manifestPath, location: "\(at).weight_density",
                                 message: "recorded weight density \(entry.weightDensity) but the mask's is \(mask.density)")
        }
        var activations: [Float]?
        switch (entry.inputActivations, entry.activationDensity) {
        case (let relative?, let recorded?):
            let acts = try finite(try tensor(relative, field: "input_activations", dtype: .float32, shape: shape.inputShape).floats!,
                                  relative, field: "input_activations", shape: shape.inputShape)
            let actual = TraceWriter.nonzeroFraction(acts, threshold: entry.inputThreshold)
            guard abs(actual - recorded) <= Self.densityTolerance else {
                throw SparseSimError(file: manifestPath, location: "\(at).activation_density",
                                     message: "recorded activation density \(recorded) but the activations' is \(actual)")
            }
            activations = acts
        case (nil, nil):
            activations = nil
        case (_?, nil):
            throw SparseSimError(file: manifestPath, location: "\(at).activation_density",
                                 message: "input_activations is given but activation_density is missing")
        case (nil, _?):
            throw SparseSimError(file: manifestPath, location: "\(at).input_activations",
                                 message: "activation_density is given but input_activations is missing")
        }
        let outputs = try entry.outputActivations.map { relative in
            try finite(try tensor(relative, field: "output_activations", dtype: .float32, shape: shape.outputShape).floats!,
                       relative, field: "output_activations", shape: shape.outputShape)
        }
        var decomposition: DecomposedTensors?
        if let d = entry.decomposition {
            let basisShape = d.basisShape(shape), coefficientShape = d.coefficientShape(shape)
            let bases = try finite(try tensor(d.basisKernels, field: "decomposition.basis_kernels", dtype: .float32, shape: basisShape).floats!,
                                   d.basisKernels, field: "decomposition.basis_kernels", shape: basisShape)
            let coefficients = try finite(try tensor(d.coefficients, field: "decomposition.coefficients", dtype: .float32, shape: coefficientShape).floats!,
                                          d.coefficients, field: "decomposition.coefficients", shape: coefficientShape)
            let kept = try tensor(d.coefficientMask, field: "decomposition.coefficient_mask", dtype: .bool, shape: coefficientShape).bitmask!
            guard abs(kept.density - d.coefficientDensity) <= Self.densityTolerance else {
                throw SparseSimError(file: manifestPath, location: "\(at).decomposition.coefficient_density",
                                     message: "recorded coefficient density \(d.coefficientDensity) but the mask's is \(kept.density)")
            }
            if let i = (0..<coefficients.count).first(where: { !kept[$0] && coefficients[$0] != 0 }) {
                throw SparseSimError(file: path + "/" + d.coefficients, location: "element \(i)",
                                     message: "coefficient \(coefficients[i]) where the coefficient mask prunes")
            }
            decomposition = DecomposedTensors(bases: d.bases, sharing: d.sharing, basisValues: bases, coefficients: coefficients,
                                              coefficientMask: kept, quantization: d.quantization,
                                              reconstructionError: d.reconstructionError)
        }
        return LayerData(shape: shape, weights: weights, mask: mask, inputActivations: activations, decomposition: decomposition,
                         outputActivations: outputs)
    }

    // MARK: Structure checks

    /// Checks that every tensor path of the manifest names a regular file inside the trace.
    private func resolveTensorPaths(file: String) throws {
        for (si, snapshot) in manifest.snapshots.enumerated() {
            for (li, layer) in snapshot.layers.enumerated() {
                let lat = "snapshots[\(si)].layers[\(li)]"
                _ = try resolve(layer.weights, file: file, location: "\(lat).weights")
                _ = try resolve(layer.weightMask, file: file, location: "\(lat).weight_mask")
                if let acts = layer.inputActivations {
                    _ = try resolve(acts, file: file, location: "\(lat).input_activations")
                }
                if let outs = layer.outputActivations {
                    _ = try resolve(outs, file: file, location: "\(lat).output_activations")
                }
                if let d = layer.decomposition {
                    _ = try resolve(d.basisKernels, file: file, location: "\(lat).decomposition.basis_kernels")
                    _ = try resolve(d.coefficients, file: file, location: "\(lat).decomposition.coefficients")
                    _ = try resolve(d.coefficientMask, file: file, location: "\(lat).decomposition.coefficient_mask")
                }
            }
        }
    }

    /// The full path of `relative`, after checking it names a regular file inside the trace.
    func resolve(_ relative: String, file: String, location: String) throws -> String {
        func fail(_ message: String) -> SparseSimError {
            SparseSimError(file: file, location: location, message: message)
        }
        try TraceManifest.checkRelativePath(relative, file: file, location: location)
        let full = path + "/" + relative
        guard let root = Self.realPath(path) else { throw fail("cannot resolve the trace directory") }
        guard let real = Self.realPath(full) else { throw fail("'\(relative)' does not exist") }
        guard real.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw fail("'\(relative)' resolves outside the trace directory (symbolic link to \(real))")
        }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw fail("'\(relative)' is not a regular file") }
        return full
    }

    /// The index of the first NaN or infinity in `values`, or nil.
    /// - Complexity: O(n).
    static func firstNonFinite(_ values: [Float]) -> Int? {
        values.withUnsafeBufferPointer { v in
            for i in 0..<v.count where !v[i].isFinite { return i }
            return nil
        }
    }

    /// `index` in row-major `shape` as `[i, j, ...]`.
    static func position(_ index: Int, in shape: [Int]) -> String {
        var rest = index, coordinates: [Int] = []
        for d in shape.reversed() {
            coordinates.append(d > 0 ? rest % d : 0)
            rest = d > 0 ? rest / d : 0
        }
        return "[" + coordinates.reversed().map(String.init).joined(separator: ", ") + "]"
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
