import SparseSimCore
import Trace

// MARK: - Workloads from traces

extension Workload {
    /// The layers of snapshot number `index` of a trace, with their real weight masks and, where
    /// activations were recorded, each sample's non-zero inputs (those whose `|x|` reaches the
    /// layer's `input_threshold`, where it has one). Model layers the snapshot does not list
    /// (a matmul layer of a trace recorded without its operands) run dense.
    /// - Throws: `SparseSimError` from reading or checking the snapshot's tensors.
    public init(trace reader: TraceReader, snapshot index: Int) throws {
        let snapshot = reader.manifest.snapshots[index]
        var layers: [Layer] = []
        for shape in reader.manifest.model.layers {
            guard let entry = snapshot.layers.first(where: { $0.name == shape.name }) else {
                layers.append(Layer(shape: shape))
                continue
            }
            let data = try reader.load(layer: shape.name, snapshot: index)
            var inputs: [Bitmask] = []
            if let acts = data.inputActivations {
                let perSample = shape.C * shape.H * shape.W
                let threshold = Float(entry.inputThreshold ?? 0)
                inputs = (0..<shape.N).map { n in
                    acts.withUnsafeBufferPointer { a in
                        let sample = UnsafeBufferPointer(rebasing: a[(n &* perSample)..<((n &+ 1) &* perSample)])
                        return threshold > 0 ? Bitmask(sample.lazy.map { abs($0) >= threshold }) : Bitmask(nonZerosOf: sample)
                    }
                }
            }
            let decomposition = data.decomposition.map {
                LayerDecomposition(bases: $0.bases, sharing: $0.sharing, coefficientMask: $0.coefficientMask)
            }
            layers.append(Layer(shape: shape, masks: LayerMasks(
                weights: data.mask, inputs: inputs, inputSource: inputs.isEmpty ? .dense : .recorded),
                                decomposition: decomposition))
        }
        self.init(source: "trace \(reader.path) step \(snapshot.step)", name: reader.manifest.model.name, layers: layers)
    }
}

// MARK: - Choosing a snapshot

extension Workload {
    /// The workload of the trace at `path` at `snapshot` (`last` or a step number), the metrics
    /// recorded with that snapshot, and the trace's manifest.
    /// - Throws: `SparseSimError` naming the trace when it cannot be read, has no snapshots, or
    ///   has none at that step.
    public static func fromTrace(at path: String, snapshot: String = "last") throws
        -> (workload: Workload, metrics: [String: Double], manifest: TraceManifest) {
        let reader = try TraceReader(path: path, verifyTensors: false)
        let index = try reader.snapshotIndex(named: snapshot)
        return (try Workload(trace: reader, snapshot: index), reader.manifest.snapshots[index].metrics, reader.manifest)
    }
}
