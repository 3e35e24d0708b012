import SparseSimCore

// MARK: - TraceManifest

/// The `manifest.json` of a trace directory (format `sparsesim-trace`, version 1).
///
/// See `Docs/trace-format.md`. Every JSON key is snake_case; tensor fields are paths of
/// `.npy` files relative to the trace directory.
public struct TraceManifest: Codable, Equatable, Sendable {
    /// Always `sparsesim-trace`.
    public var format: String
    /// The format version; this build reads and writes 1.
    public var version: Int
    /// Who made the trace, how, and from what.
    public var provenance: Provenance
    /// The network whose layers the snapshots record.
    public var model: NetworkShape
    /// The training or pruning method and its hyper-parameters.
    public var method: TraceMethod
    /// Recorded states, in increasing step order.
    public var snapshots: [TraceSnapshot]

    /// The `format` value of every trace.
    public static let formatName = "sparsesim-trace"
    /// The version this build reads and writes.
    public static let currentVersion = 1
    /// The manifest's file name inside a trace directory.
    public static let fileName = "manifest.json"

    /// A version-1 manifest.
    public init(provenance: Provenance, model: NetworkShape, method: TraceMethod, snapshots: [TraceSnapshot] = []) {
        self.format = Self.formatName
        self.version = Self.currentVersion
        self.provenance = provenance
        self.model = model
        self.method = method
        self.snapshots = snapshots
    }
}

// MARK: - Model and method

/// A training or pruning method with every hyper-parameter it ran with.
public struct TraceMethod: Codable, Equatable, Sendable {
    /// The method's name, e.g. `dense`, `swat`, `rigl`, `synflow`.
    public var name: String
    /// Hyper-parameters (sparsity, distribution, structure, schedule, ...).
    public var parameters: [String: ParameterValue]

    /// A method description.
    public init(name: String, parameters: [String: ParameterValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }
}

// MARK: - Snapshots

/// One recorded state of the network.
public struct TraceSnapshot: Codable, Equatable, Sendable {
    /// The optimizer step at which the state was recorded.
    public var step: Int
    /// The epoch (0-based) at which the state was recorded.
    public var epoch: Int
    /// Metrics at that point (loss, accuracy, ...); finite numbers only.
    public var metrics: [String: Double]
    /// The recorded layers.
    public var layers: [TraceSnapshotLayer]

    /// A snapshot.
    public init(step: Int, epoch: Int, metrics: [String: Double] = [:], layers: [TraceSnapshotLayer]) {
        self.step = step
        self.epoch = epoch
        self.metrics = metrics
        self.layers = layers
    }
}

/// One layer's tensors in a snapshot, as paths relative to the trace directory.
public struct TraceSnapshotLayer: Codable, Equatable, Sendable {
    /// The layer's name in `model.layers`.
    public var name: String
    /// `<f4` weights, `K×C/groups×R×S` (linear: `K×C`).
    public var weights: String
    /// `|b1` mask of the same shape: true where a weight is kept.
    public var weightMask: String
    /// `<f4` input activations of the fixed sample batch, `N×C×H×W` (linear: `N×C`); absent when not recorded.
    public var inputActivations: String?
    /// `<f4` output activations of the same batch, `N×K×P×Q` (linear: `N×K`): the layer's own
    /// result, before any BatchNorm or activation function; absent unless recorded.
    public var outputActivations: String?
    /// The fraction of true bits in the mask.
    public var weightDensity: Double
    /// The fraction of non-zero input activations; absent when activations are not recorded.
    public var activationDensity: Double?
    /// SWAT: the fraction of the training inputs kept for the weight gradient (`x_s`) when the
    /// layer last computed its threshold; absent for other methods.
    public var backwardActivationDensity: Double?
    /// ESCALATE: the layer's bases and coefficients when it is decomposed (its `weights` are
    /// then the reconstructed kernels); absent for a plain layer.
    public var decomposition: TraceDecomposition?
    /// Inputs with `|x|` below this count as zero ("effectively zero": attention probabilities
    /// a hardware would skip); `activation_density` counts with it. Absent: only exact zeros.
    public var inputThreshold: Double?

    enum CodingKeys: String, CodingKey {
        case name, weights
        case inputThreshold = "input_threshold"
        case weightMask = "weight_mask"
        case inputActivations = "input_activations"
        case outputActivations = "output_activations"
        case weightDensity = "weight_density"
        case activationDensity = "activation_density"
        case backwardActivationDensity = "backward_activation_density"
        case decomposition
    }

    /// A layer entry.
    public init(
        name: String, weights: String, weightMask: String, inputActivations: String?,
        weightDensity: Double, activationDensity: Double?, backwardActivationDensity: Double? = nil,
        decomposition: TraceDecomposition? = nil, outputActivations: String? = nil, inputThreshold: Double? = nil
    ) {
        self.inputThreshold = inputThreshold
        self.outputActivations = outputActivations
        self.backwardActivationDensity = backwardActivationDensity
        self.decomposition = decomposition
        self.name = name
        self.weights = weights
        self.weightMask = weightMask
        self.inputActivations = inputActivations
        self.weightDensity = weightDensity
        self.activationDensity = activationDensity
    }
}
