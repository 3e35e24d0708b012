import Foundation
import SparseSimCore
import Training

// MARK: - prune --init-weights (one shot)

extension PruneCommand {
    /// Prunes a trained checkpoint once (SparseGPT, Wanda or per-row magnitude) and prints the
    /// layers and the accuracy before and after.
    func runOneShot() throws {
        if let s = sparsity, !(s.isFinite && s > 0 && s < 1) {
            throw SparseSimError(.usage, file: "<command line>", location: "--sparsity", message: "must be in (0, 1), got \(s)")
        }
        if let trace, FileManager.default.fileExists(atPath: trace) {
            throw SparseSimError(file: trace, message: "already exists; choose a new trace path")
        }
        let pruning = try oneShot.pruning(model: model, method: method, sparsity: sparsity, dataset: dataset, dataDirectory: dataDir,
                                          testSamples: imp.testSamples, seed: seed, threads: threads)
        let start = Date()
        let result = try pruning.run()
        Console.error(String(format: "sparsesim: pruned %@ with %@ (%@) in %.1f s", model, result.criterion.rawValue, result.target,
                             Date().timeIntervalSince(start)))
        if let trace { try pruning.writeTrace(to: trace, result: result) }
        if let directory = oneShot.checkpointDirectory { try pruning.saveCheckpoint(in: directory) }
        switch format {
        case .json: try Console.emit(try Console.json(result), to: nil)
        case .table:
            var table = TextTable(["layer", "weights", "kept", "density %"])
            for layer in result.layers {
                table.add([layer.name, "\(layer.weights)", "\(layer.kept)", formatted(Double(layer.kept) / Double(max(layer.weights, 1)) * 100, digits: 3)])
            }
            let group = result.criterion == .sparsegpt ? "weights updated to reconstruct each layer" : "per output row"
            try Console.emit("\(model) pruned in one shot by \(result.criterion.rawValue), \(result.target), \(group); "
                             + "\(result.calibrationSamples) calibration samples; the first layer dense\n" + table.render()
                             + "pruned layers' density \(formatted(result.prunedLayersDensity * 100, digits: 3)) %\n"
                             + "test accuracy \(formatted(result.accuracyBefore * 100, digits: 2)) % before, \(formatted(result.accuracyAfter * 100, digits: 2)) % after\n",
                             to: nil)
        }
    }
}
