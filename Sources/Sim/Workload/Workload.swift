import SparseSimCore
import Trace

// MARK: - Workload

/// The layers a simulation runs, and where they came from.
public struct Workload: Codable, Equatable, Sendable {
    /// Where the layers came from: `model resnet18`, `topology FILE`, `trace DIR step N`.
    public var source: String
    /// The network's name.
    public var name: String
    /// The layers, in order.
    public var layers: [Layer]

    /// One layer, the structured sparsity its weights are known to have, and its real masks.
    public struct Layer: Codable, Equatable, Sendable {
        /// The shape.
        public var shape: LayerShape
        /// N:M structure of the weights along the reduction (e.g. 2:4), when declared.
        public var structure: NMPattern?
        /// The weight mask and input zero patterns (from a trace); nil: dense operands.
        public var masks: LayerMasks?
        /// ESCALATE: the layer's decomposition into bases and coefficients (from a trace).
        public var decomposition: LayerDecomposition?
        /// Share of non-zero outputs, when known: the next layer's input density
        /// (`linkingOutputDensities`); nil: outputs are taken as dense.
        public var outputDensity: Double?

        /// A layer.
        public init(shape: LayerShape, structure: NMPattern? = nil, masks: LayerMasks? = nil,
                    decomposition: LayerDecomposition? = nil) {
            self.shape = shape
            self.structure = structure
            self.masks = masks
            self.decomposition = decomposition
        }

        enum CodingKeys: String, CodingKey { case shape, structure }
    }

    /// A workload from shapes without structure.
    public init(source: String, name: String, shapes: [LayerShape]) {
        self.source = source
        self.name = name
        self.layers = shapes.map { Layer(shape: $0, structure: nil) }
    }

    /// The workload with each layer's output density set to the next layer's input density
    /// where the next layer reads this one's outputs (its channels are this layer's filters) and
    /// its input zeros are known (recorded or statistical). Pooling between the two is not
    /// modelled: max pooling only lowers the zero share, so the outputs are, if anything, taken
    /// as denser than they are. The last layer's outputs stay dense.
    public func linkingOutputDensities() -> Workload {
        var out = self
        for i in layers.indices.dropLast() {
            let next = layers[i + 1]
            guard next.shape.C == layers[i].shape.K, let masks = next.masks, !masks.inputs.isEmpty else { continue }
            out.layers[i].outputDensity = masks.inputDensity
        }
        return out
    }

    /// A workload from layers.
    public init(source: String, name: String, layers: [Layer]) {
        self.source = source
        self.name = name
        self.layers = layers
    }
}
