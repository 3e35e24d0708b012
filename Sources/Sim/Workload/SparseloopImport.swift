import Foundation
import SparseSimCore
import Trace

// MARK: - SparseloopImport

/// Sparseloop / Timeloop problems as a trace (`sparsesim trace import sparseloop`): one layer
/// per problem file, one snapshot at step 0 whose weight masks and input activations are the
/// problems' masks. The trace carries masks only: kept weights and non-zero inputs are stored as
/// 1.0, the rest as 0 (the simulator reads nothing else); the method `sparseloop-import` records
/// each layer's problem file and where its bits came from.
public enum SparseloopImport {
    /// Reads every problem's masks, then writes the trace at `path` (to a temporary folder
    /// beside it, renamed into place: nothing is written when an input is bad).
    /// - Parameters:
    ///   - problems: one per layer, in network order, with distinct file base names.
    ///   - dataDirectory: where `real-data` files are looked up by name.
    ///   - seed: seeds statistical densities (problem `i` draws from `seed ⊕ i·φ`).
    /// - Returns: the manifest written.
    /// - Throws: `SparseSimError` for a bad mask, a repeated layer name, or an output path that
    ///   exists and is not an empty folder.
    @discardableResult
    public static func write(_ problems: [SparseloopProblem], dataDirectory: String?, seed: UInt64,
                             to path: String, provenance: Provenance) throws -> TraceManifest {
        precondition(!problems.isEmpty, "at least one problem")
        var names = Set<String>()
        for p in problems where !names.insert(p.shape.name).inserted {
            throw SparseSimError(file: p.file, message: "layer name '\(p.shape.name)' (from the file name) repeats: rename one of the problem files")
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            let empty = isDirectory.boolValue && ((try? fm.contentsOfDirectory(atPath: path))?.isEmpty ?? false)
            guard empty else { throw SparseSimError(file: path, message: "exists; give a new trace path (nothing is overwritten)") }
        }
        var layers: [TraceWriter.LayerTensors] = []
        var parameters: [String: ParameterValue] = [:]
        for (i, p) in problems.enumerated() {
            let m = try p.masks(dataDirectory: dataDirectory, seed: seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15))
            var weights = [Float](repeating: 0, count: m.weights.count)
            m.weights.forEachSetBit { weights[$0] = 1 }
            var inputs = [Float](repeating: 0, count: p.shape.inputCount)
            let perSample = p.shape.C * p.shape.H * p.shape.W
            for (n, x) in m.inputs.enumerated() { x.forEachSetBit { inputs[n * perSample + $0] = 1 } }
            layers.append(.init(name: p.shape.name, weights: weights, mask: m.weights, inputActivations: inputs))
            parameters["\(p.shape.name).problem"] = .string(p.file)
            parameters["\(p.shape.name).weights"] = .string(m.weightSource)
            parameters["\(p.shape.name).inputs"] = .string(m.inputSource)
        }
        parameters["values"] = .string("masks only: kept weights and non-zero inputs are 1.0")
        let shapes = problems.map(\.shape)
        let first = shapes[0]
        let model = NetworkShape(name: shapes.count == 1 ? first.name : "sparseloop",
                                 inputShape: first.inputShape.dropFirst().map { $0 }, layers: shapes)
        let temporary = path + ".import-\(ProcessInfo.processInfo.processIdentifier)"
        try? fm.removeItem(atPath: temporary)
        do {
            var writer = try TraceWriter(path: temporary, model: model,
                                         method: TraceMethod(name: "sparseloop-import", parameters: parameters), provenance: provenance)
            try writer.append(step: 0, epoch: 0, layers: layers)
            if fm.fileExists(atPath: path) { try fm.removeItem(atPath: path) }  // an empty folder
            guard rename(temporary, path) == 0 else {
                throw SparseSimError(.run, file: path, message: "cannot move the trace into place: \(String(cString: strerror(errno)))")
            }
            return writer.manifest
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw error
        }
    }
}
