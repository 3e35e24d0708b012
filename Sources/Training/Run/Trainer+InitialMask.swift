import SparseSimCore
import Trace

// MARK: - Initial masks

/// The masks (and the kept weights) of a trace's last snapshot, for `--init-mask`.
struct InitialMasks {
    /// The trace's path, for errors.
    var path: String
    /// Layer names, masks and weights, in the trace's layer order.
    var names: [String], masks: [Bitmask], weights: [[Float]]
}

extension Trainer {
    /// Reads `path`'s last snapshot and adjusts `config` to train it as a fixed mask: method
    /// `static` on every layer, with the sparsity the masks have.
    /// - Throws: `SparseSimError` for another method, a --sparsity or --structure given with it,
    ///   an unreadable trace, or a trace of another model.
    static func loadInitialMasks(_ path: String, configuration config: inout TrainingConfiguration) throws -> InitialMasks {
        func bad(_ field: String, _ message: String) -> SparseSimError { .setting(field, message) }
        guard config.sparse.method == .static else {
            throw bad("initialMask", "keeps the trace's mask fixed: use `method` static (or leave `method` out), not \(config.sparse.method.rawValue)")
        }
        guard config.sparse.sparsity == nil else { throw bad("sparsity", "comes from the `initialMask` trace; leave it out") }
        guard config.sparse.structure == "unstructured" else { throw bad("structure", "comes from the `initialMask` trace; leave it out") }
        let reader = try TraceReader(path: path)
        let manifest = reader.manifest
        guard manifest.model.name == config.model else {
            throw SparseSimError(file: path + "/" + TraceManifest.fileName, location: "model.name",
                                 message: "the trace is of model '\(manifest.model.name)', not '\(config.model)'")
        }
        guard let last = manifest.snapshots.indices.last else {
            throw SparseSimError(file: path + "/" + TraceManifest.fileName, location: "snapshots", message: "the trace has no snapshot")
        }
        var masks = InitialMasks(path: path, names: [], masks: [], weights: [])
        var total = 0, kept = 0
        for layer in manifest.model.layers where layer.kind.hasWeights {
            let data = try reader.load(layer: layer.name, snapshot: last)
            masks.names.append(layer.name)
            masks.masks.append(data.mask)
            masks.weights.append(data.weights)
            total += data.mask.count
            kept += data.mask.popcount
        }
        guard kept > 0 else {
            throw SparseSimError(file: path + "/" + TraceManifest.fileName, location: "snapshots[\(last)]",
                                 message: "the masks keep no weight")
        }
        config.sparse.sparsity = 1 - Double(kept) / Double(max(total, 1))
        config.sparse.denseFirstLayer = false
        config.sparse.denseLastLayer = false
        return masks
    }
}
