import SparseSimCore
import Trace

// MARK: - LayerMasks

/// Which of a layer's operands are zero, as a sparse accelerator sees them: the weight mask
/// and, per recorded sample, the non-zero inputs.
public struct LayerMasks: Equatable, Sendable {
    /// Kept weights, `K × C/groups × R × S` row-major; nil: all weights non-zero.
    public var weights: Bitmask?
    /// Non-zero inputs of each sample, `C × H × W` row-major; empty: all inputs non-zero.
    public var inputs: [Bitmask]
    /// Where the input patterns came from.
    public var inputSource: InputSource
    /// The density of a weight mask drawn uniformly at random (`--weight-density`, statistical);
    /// nil: the mask is real (or absent).
    public var statisticalWeightDensity: Double? = nil

    /// Where input zero patterns came from.
    public enum InputSource: Equatable, Sendable {
        /// Recorded activations (non-zero exactly where the trace's values are).
        case recorded
        /// Drawn uniformly at random with this density (`--activation-density`): statistical.
        case statistical(Double)
        /// None: inputs are treated as dense.
        case dense
    }

    /// Masks.
    /// - Precondition: sizes match the layer they are used with (checked by `validate`).
    public init(weights: Bitmask?, inputs: [Bitmask], inputSource: InputSource) {
        self.weights = weights
        self.inputs = inputs
        self.inputSource = inputSource
    }

    /// Fraction of kept weights (1 without a mask).
    public var weightDensity: Double { weights?.density ?? 1 }

    /// Mean fraction of non-zero inputs over the samples (1 without patterns).
    public var inputDensity: Double {
        inputs.isEmpty ? 1 : inputs.reduce(0) { $0 + $1.density } / Double(inputs.count)
    }

    /// Throws when a mask does not fit `shape`.
    public func validate(for shape: LayerShape, file: String) throws {
        if let weights, weights.count != shape.weightCount {
            throw SparseSimError(file: file, location: "layer \(shape.name)", message: "weight mask has \(weights.count) bits, the layer has \(shape.weightCount) weights")
        }
        let perSample = shape.C * shape.H * shape.W
        if let bad = inputs.first(where: { $0.count != perSample }) {
            throw SparseSimError(file: file, location: "layer \(shape.name)", message: "input mask has \(bad.count) bits, one sample of the layer has \(perSample) inputs")
        }
    }
}
