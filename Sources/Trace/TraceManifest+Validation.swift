import Foundation
import SparseSimCore

// MARK: - Decoding and checking a manifest

extension TraceManifest {
    /// The largest `manifest.json` SparseSim reads (64 MiB): far above any real trace's (a
    /// ResNet-50 run with 100 snapshots writes about 3 MiB), far below what would exhaust memory.
    public static let maxManifestBytes = 64 << 20

    /// Decodes `manifest.json` bytes and checks everything that does not need the tensor files:
    /// format and version, valid and uniquely named layer shapes, increasing non-negative
    /// snapshot steps, snapshot layers that exist in the model and appear once, densities in
    /// [0, 1], decompositions that fit their layers, and tensor paths that are relative and
    /// cannot leave the trace directory.
    /// - Parameter file: how errors name the manifest.
    /// - Throws: `SparseSimError` naming `file` and the JSON path of the first problem.
    public static func decode(_ bytes: [UInt8], file: String) throws -> TraceManifest {
        guard bytes.count <= maxManifestBytes else {
            throw SparseSimError(file: file, message: "manifest is \(bytes.count) bytes, over the \(maxManifestBytes >> 20) MiB limit")
        }
        let manifest = try JSONCoding.decode(TraceManifest.self, from: Data(bytes), file: file)
        try manifest.validate(file: file)
        return manifest
    }

    /// The checks of `decode(_:file:)` on an already decoded manifest.
    /// - Throws: `SparseSimError` naming `file` and the JSON path of the first problem.
    public func validate(file: String) throws {
        guard format == TraceManifest.formatName else {
            throw SparseSimError(file: file, location: "format", message: "format is '\(format)', expected '\(TraceManifest.formatName)'")
        }
        guard version == TraceManifest.currentVersion else {
            throw SparseSimError(file: file, location: "version",
                                 message: "trace version \(version) is not supported (this build reads version \(TraceManifest.currentVersion))")
        }
        try TraceWriter.validate(model: model, file: file)
        var lastStep = Int.min
        for (si, snapshot) in snapshots.enumerated() {
            let at = "snapshots[\(si)]"
            guard snapshot.step >= 0, snapshot.step > lastStep else {
                throw SparseSimError(file: file, location: "\(at).step",
                                     message: "step \(snapshot.step) must be non-negative and after the previous snapshot's")
            }
            lastStep = snapshot.step
            var seen = Set<String>()
            for (li, layer) in snapshot.layers.enumerated() {
                let lat = "\(at).layers[\(li)]"
                guard let shape = model.layer(named: layer.name) else {
                    throw SparseSimError(file: file, location: "\(lat).name", message: "layer '\(layer.name)' is not in model.layers")
                }
                guard seen.insert(layer.name).inserted else {
                    throw SparseSimError(file: file, location: "\(lat).name", message: "layer '\(layer.name)' appears twice")
                }
                try Self.checkRelativePath(layer.weights, file: file, location: "\(lat).weights")
                try Self.checkRelativePath(layer.weightMask, file: file, location: "\(lat).weight_mask")
                if let outs = layer.outputActivations {
                    try Self.checkRelativePath(outs, file: file, location: "\(lat).output_activations")
                }
                if let acts = layer.inputActivations {
                    try Self.checkRelativePath(acts, file: file, location: "\(lat).input_activations")
                }
                if let d = layer.decomposition {
                    try d.validate(for: shape, file: file, location: lat)
                    try Self.checkRelativePath(d.basisKernels, file: file, location: "\(lat).decomposition.basis_kernels")
                    try Self.checkRelativePath(d.coefficients, file: file, location: "\(lat).decomposition.coefficients")
                    try Self.checkRelativePath(d.coefficientMask, file: file, location: "\(lat).decomposition.coefficient_mask")
                }
                if let t = layer.inputThreshold, !(t >= 0 && t.isFinite) {
                    throw SparseSimError(file: file, location: "\(lat).input_threshold", message: "input_threshold \(t) is not a finite number ≥ 0")
                }
                for (field, value) in [("weight_density", layer.weightDensity), ("activation_density", layer.activationDensity),
                                       ("backward_activation_density", layer.backwardActivationDensity)] {
                    if let v = value, !(v >= 0 && v <= 1) {
                        throw SparseSimError(file: file, location: "\(lat).\(field)", message: "\(field) \(v) is not in [0, 1]")
                    }
                }
            }
        }
    }

    /// Checks that a tensor path is relative, plain (no `.`, `..` or empty components, no NUL or
    /// backslash) and so cannot name anything outside the trace directory by itself.
    /// - Throws: `SparseSimError` at `file:location`.
    static func checkRelativePath(_ relative: String, file: String, location: String) throws {
        func fail(_ message: String) -> SparseSimError {
            SparseSimError(file: file, location: location, message: message)
        }
        guard !relative.isEmpty else { throw fail("empty path") }
        guard !relative.hasPrefix("/") else { throw fail("absolute path '\(relative)' is not allowed; paths are relative to the trace") }
        guard !relative.utf8.contains(0) && !relative.contains("\\") else { throw fail("invalid character in path '\(relative)'") }
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains(where: { $0 == ".." }) else { throw fail("path '\(relative)' leaves the trace directory ('..')") }
        guard !components.contains(where: { $0.isEmpty || $0 == "." }) else { throw fail("malformed path '\(relative)'") }
    }
}
