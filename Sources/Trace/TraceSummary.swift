import SparseSimCore

// MARK: - TraceSummary

/// What `sparsesim trace inspect` shows: the manifest's facts plus counts derived from the
/// model (MACs, weights) and each snapshot's per-layer densities.
public struct TraceSummary: Codable, Equatable, Sendable {
    /// The trace directory.
    public var path: String
    /// Format version.
    public var version: Int
    /// Who made the trace.
    public var provenance: Provenance
    /// The model's name.
    public var model: String
    /// One sample's input shape.
    public var inputShape: [Int]
    /// The method and its hyper-parameters.
    public var method: TraceMethod
    /// Each layer's shape with its dense MACs and weight count.
    public var layers: [Layer]
    /// Each snapshot with its per-layer densities.
    public var snapshots: [Snapshot]
    /// Whether every tensor was read and checked (`trace inspect` does unless told not to).
    public var tensorsVerified: Bool

    /// A layer of the model.
    public struct Layer: Codable, Equatable, Sendable {
        /// Its shape.
        public var shape: LayerShape
        /// Dense MACs per batch of `N`.
        public var macs: Int
        /// Weights (0 for a matmul layer, whose second operand is an activation).
        public var weights: Int
    }

    /// A snapshot's densities.
    public struct Snapshot: Codable, Equatable, Sendable {
        /// Step.
        public var step: Int
        /// Epoch.
        public var epoch: Int
        /// Metrics.
        public var metrics: [String: Double]
        /// Kept weights over all recorded layers ÷ their weights (matmul layers have none).
        public var weightDensity: Double
        /// Per-layer densities.
        public var layers: [LayerDensity]
    }

    /// One layer's densities in a snapshot.
    public struct LayerDensity: Codable, Equatable, Sendable {
        /// Layer name.
        public var name: String
        /// Kept weights ÷ weights.
        public var weightDensity: Double
        /// Non-zero input activations ÷ activations, when recorded.
        public var activationDensity: Double?
    }

    /// Summarizes an opened trace.
    public init(reader: TraceReader, tensorsVerified: Bool) {
        let m = reader.manifest
        path = reader.path
        version = m.version
        provenance = m.provenance
        model = m.model.name
        inputShape = m.model.inputShape
        method = m.method
        self.tensorsVerified = tensorsVerified
        layers = m.model.layers.map { Layer(shape: $0, macs: $0.macs, weights: $0.kind.hasWeights ? $0.weightCount : 0) }
        snapshots = m.snapshots.map { s in
            var kept = 0.0, total = 0.0
            for l in s.layers {
                guard let shape = m.model.layer(named: l.name), shape.kind.hasWeights else { continue }
                let count = Double(shape.weightCount)
                kept += l.weightDensity * count
                total += count
            }
            return Snapshot(
                step: s.step, epoch: s.epoch, metrics: s.metrics, weightDensity: total > 0 ? kept / total : 0,
                layers: s.layers.map {
                    LayerDensity(name: $0.name, weightDensity: $0.weightDensity, activationDensity: $0.activationDensity)
                })
        }
    }

    /// The summary as text tables for people: header facts, layers, snapshots, and the
    /// per-layer densities of the snapshots chosen by `steps` (nil: the last one).
    public func renderTable(steps: [Int]? = nil) -> String {
        var out = "trace      \(path)  (format v\(version)\(tensorsVerified ? ", all tensors verified" : ""))\n"
        out += "model      \(model), input \(inputShape.map(String.init).joined(separator: "x")), \(layers.count) layers\n"
        let params = method.parameters.keys.sorted().map { "\($0)=\(method.parameters[$0]!)" }.joined(separator: " ")
        out += "method     \(method.name)\(params.isEmpty ? "" : "  " + params)\n"
        var made = "\(provenance.tool) \(provenance.toolVersion)"
        if let commit = provenance.gitCommit { made += " @\(commit.prefix(12))" }
        made += ", \(provenance.createdAt)"
        if let seed = provenance.seed { made += ", seed \(seed)" }
        if let threads = provenance.threads { made += ", \(threads) threads" }
        if let core = provenance.blasCore { made += ", BLAS \(core)" }
        if let d = provenance.dataset { made += ", data \(d.name) (\(d.checksum))" }
        out += "made by    \(made)\n\n"

        var shapes = TextTable(["layer", "kind", "N", "K", "C", "RxS", "HxW", "PxQ", "stride", "pad", "groups", "weights", "MACs"])
        for l in layers {
            let s = l.shape
            shapes.add([s.name, s.kind.rawValue, "\(s.N)", "\(s.K)", "\(s.C)", "\(s.R)x\(s.S)", "\(s.H)x\(s.W)",
                        "\(s.P)x\(s.Q)", "\(s.stride)", "\(s.padding)", "\(s.groups)", "\(l.weights)", "\(l.macs)"])
        }
        out += shapes.render()

        out += "\n"
        guard !snapshots.isEmpty else { return out + "no snapshots\n" }
        var snaps = TextTable(["step", "epoch", "weight density", "metrics"], alignments: [.right, .right, .right, .left])
        for s in snapshots {
            let metrics = s.metrics.keys.sorted().map { "\($0)=\(formatted(s.metrics[$0]!, digits: 4))" }.joined(separator: " ")
            snaps.add(["\(s.step)", "\(s.epoch)", formatted(s.weightDensity, digits: 4), metrics])
        }
        out += snaps.render()

        let chosen = steps.map { wanted in snapshots.filter { wanted.contains($0.step) } } ?? [snapshots.last!]
        for s in chosen {
            out += "\nsnapshot at step \(s.step):\n"
            var densities = TextTable(["layer", "weight density", "activation density"])
            for l in s.layers {
                densities.add([l.name, formatted(l.weightDensity, digits: 4), l.activationDensity.map { formatted($0, digits: 4) } ?? "-"])
            }
            out += densities.render()
        }
        return out
    }
}
