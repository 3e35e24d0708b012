import Foundation
import SparseSimCore
import Trace

// MARK: - One-snapshot traces of pruned models

extension Model {
    /// Writes the model's weight layers — weights as they are and `masks` — as a one-snapshot
    /// trace at `path` (step 0, no activations), built under a temporary name and renamed.
    /// - Precondition: one mask per weight layer.
    /// - Throws: `SparseSimError` when `path` exists or cannot be written.
    package func writeSnapshotTrace(to path: String, method: TraceMethod, provenance: Provenance, masks: [Bitmask],
                                    metrics: [String: Double]) throws {
        precondition(masks.count == weightLayers.count, "one mask per weight layer")
        let fm = FileManager.default
        guard !fm.fileExists(atPath: path) else {
            throw SparseSimError(file: path, message: "already exists; choose a new trace path")
        }
        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? fm.removeItem(atPath: temporary)
        do {
            var writer = try TraceWriter(path: temporary, model: NetworkShape(name: name, inputShape: inputShape, layers: layerShapes(batch: 1)),
                                         method: method, provenance: provenance)
            let layers = weightLayers.enumerated().map { i, layer in
                TraceWriter.LayerTensors(name: layer.name, weights: layer.weight.value.array, mask: masks[i])
            }
            try writer.append(step: 0, epoch: 0, metrics: metrics, layers: layers)
            try fm.moveItem(atPath: temporary, toPath: path)
        } catch {
            try? fm.removeItem(atPath: temporary)
            if let e = error as? SparseSimError { throw e }
            throw SparseSimError(.run, file: path, message: "cannot write the trace: \(error.localizedDescription)")
        }
    }
}
