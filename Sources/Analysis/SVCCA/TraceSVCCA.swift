import Foundation
import SparseSimCore
import Trace

// MARK: - TraceSVCCA

/// SVCCA between the recorded activations of two traces of the same network on the same inputs
/// (`sparsesim analyze svcca`): per layer, the representation the layer receives — its recorded
/// input activations — in one trace against the other. A convolution's neurons are its input
/// channels and its data points the samples × positions; a linear layer's neurons are its
/// input features and its points the samples.
public enum TraceSVCCA {
    /// Which recorded activations represent a layer.
    public enum Side: String, Codable, CaseIterable, Sendable {
        /// What the layer receives: its input activations (every trace with activations has them).
        case inputs
        /// What the layer computes: its output activations (`train --trace-activations outputs|both`).
        case outputs
    }

    /// One layer's comparison.
    public struct Layer: Codable, Sendable {
        /// The layer.
        public var name: String
        /// Neurons and data points of each side.
        public var neurons: Int, points: Int
        /// The SVCCA result.
        public var svcca: SVCCA.Result

        /// Whether the layer has at least 10 data points per kept direction. With fewer the two
        /// reduced subspaces fill most of the centred data space and the correlations approach
        /// 1 whatever the networks learned (at `points = kept + 1`, exactly 1).
        public var enoughPoints: Bool

        enum CodingKeys: String, CodingKey {
            case name, neurons, points, svcca
            case enoughPoints = "enough_points"
        }

        /// A layer's comparison.
        public init(name: String, neurons: Int, points: Int, svcca: SVCCA.Result) {
            self.name = name
            self.neurons = neurons
            self.points = points
            self.svcca = svcca
            enoughPoints = points >= 10 * max(svcca.keptA, svcca.keptB)
        }
    }

    /// Every compared layer of two traces.
    public struct Report: Codable, Sendable {
        /// The traces and the steps of the compared snapshots.
        public var traceA: String, traceB: String, stepA: Int, stepB: Int
        /// The fraction of each side's variance the kept directions explain.
        public var variance: Double
        /// Inputs or outputs of the layers.
        public var activations: Side
        /// The layers, in the network's order.
        public var layers: [Layer]

        enum CodingKeys: String, CodingKey {
            case traceA = "trace_a"
            case traceB = "trace_b"
            case stepA = "step_a"
            case stepB = "step_b"
            case variance, layers, activations
        }
    }

    /// Compares snapshot `snapshot` (`last`, or a step) of the traces at `a` and `b` in `layers`
    /// (nil: every layer with recorded activations in both).
    /// - Throws: `SparseSimError` naming the trace and field when a trace cannot be read, the two
    ///   are of different networks or recorded different inputs, a layer is unknown or has no
    ///   activations, or a layer has too few data points for its kept directions.
    public static func compare(_ a: String, _ b: String, layers wanted: [String]? = nil, snapshot: String = "last",
                               variance: Double = 0.99, activations side: Side = .inputs) throws -> Report {
        guard variance > 0 && variance <= 1 else { throw SparseSimError.setting("variance", "\(variance) is not in (0, 1]") }
        let ra = try TraceReader(path: a), rb = try TraceReader(path: b)
        let manifestB = b + "/" + TraceManifest.fileName
        guard ra.manifest.model.layers == rb.manifest.model.layers else {
            throw SparseSimError(file: manifestB, location: "model.layers",
                                 message: "the traces are of different networks (\(ra.manifest.model.name) and \(rb.manifest.model.name), or other layer shapes): SVCCA compares the same layers on the same inputs")
        }
        let sa = try ra.snapshotIndex(named: snapshot), sb = try rb.snapshotIndex(named: snapshot)
        let shapes = ra.manifest.model.layers
        let names = shapes.map(\.name)
        if let wanted, let unknown = wanted.first(where: { !names.contains($0) }) {
            throw SparseSimError.setting("layers", "no layer '\(unknown)' (layers: \(names.joined(separator: ", ")))")
        }
        // The same inputs: the first layer's recorded inputs (the samples themselves) are equal;
        // without them, the same dataset (its checksum) and sample count, i.e. its first test samples.
        let first = shapes[0].name
        let inputsA = try ra.load(layer: first, snapshot: sa).inputActivations
        let inputsB = try rb.load(layer: first, snapshot: sb).inputActivations
        if let inputsA, let inputsB {
            guard inputsA == inputsB else {
                throw SparseSimError(file: manifestB, location: "layer \(first).input_activations",
                                     message: "the traces recorded different inputs (other samples, order or count); SVCCA needs the same inputs on both sides")
            }
        } else {
            let da = ra.manifest.provenance.dataset?.checksum, db = rb.manifest.provenance.dataset?.checksum
            guard let da, da == db else {
                throw SparseSimError(file: manifestB, location: "layer \(first)",
                                     message: "cannot tell that the traces recorded the same inputs: neither both records the first layer's inputs nor do their datasets' checksums match (train --trace-activations both)")
            }
        }
        var out: [Layer] = []
        for shape in shapes where wanted?.contains(shape.name) ?? true {
            let da = try ra.load(layer: shape.name, snapshot: sa), db = try rb.load(layer: shape.name, snapshot: sb)
            let pick: (TraceReader.LayerData) -> [Float]? = { side == .inputs ? $0.inputActivations : $0.outputActivations }
            guard let xa = pick(da), let xb = pick(db) else {
                if wanted == nil { continue }
                throw SparseSimError(file: pick(da) == nil ? a : b, location: "layer \(shape.name)",
                                     message: "no recorded \(side == .inputs ? "input" : "output") activations in this snapshot"
                                        + (side == .outputs ? " (train --trace-activations outputs or both records them)" : ""))
            }
            let dims = side == .inputs ? shape.inputShape : shape.outputShape
            let x = activations(xa, dims: dims), y = activations(xb, dims: dims)
            do {
                out.append(Layer(name: shape.name, neurons: x.neurons, points: x.points,
                                 svcca: try SVCCA.compare(x, y, variance: variance)))
            } catch let failure {
                let message: String
                switch failure {
                case let .tooFewPoints(points, kept):
                    message = "\(points) data points for \(kept) kept directions: SVCCA needs more data points than kept directions; record more samples (train --trace-samples)"
                case .constant: message = "the activations are constant: nothing to correlate"
                case let .pointsDiffer(p, q): message = "\(p) and \(q) data points"
                }
                throw SparseSimError(file: b, location: "layer \(shape.name)", message: message)
            }
        }
        let stepA = ra.manifest.snapshots[sa].step, stepB = rb.manifest.snapshots[sb].step
        guard !out.isEmpty else {
            throw SparseSimError(file: a, location: "snapshots[\(sa)]",
                                 message: "no layer has recorded \(side == .inputs ? "input" : "output") activations in both traces")
        }
        return Report(traceA: a, traceB: b, stepA: stepA, stepB: stepB, variance: variance, activations: side, layers: out)
    }

    /// `[N, C, H, W]` → C neurons over N·H·W points; `[N, C]` → C neurons over N points.
    static func activations(_ values: [Float], dims: [Int]) -> SVCCA.Activations {
        let n = dims[0], c = dims[1], positions = dims.count == 4 ? dims[2] * dims[3] : 1
        var out = [Double](repeating: 0, count: c * n * positions)
        for s in 0..<n {
            for ch in 0..<c {
                for q in 0..<positions { out[ch * n * positions + s * positions + q] = Double(values[(s * c + ch) * positions + q]) }
            }
        }
        return SVCCA.Activations(neurons: c, points: n * positions, values: out)
    }
}
