import SparseSimCore
import Trace

// MARK: - Parameter

/// A trainable tensor with its gradient.
package final class Parameter {
    /// The checkpoint name, e.g. `conv1.weight`.
    package let name: String
    /// The values.
    package let value: Tensor
    /// The gradient of the loss, written by `backward`.
    package let grad: Tensor
    /// Whether weight decay applies (not to biases and BatchNorm parameters).
    package let decays: Bool

    /// A zero parameter of `shape`.
    package init(name: String, shape: [Int], decays: Bool) {
        self.name = name
        value = Tensor(shape: shape)
        grad = Tensor(shape: shape)
        self.decays = decays
    }
}

// MARK: - Layer

/// Whether a forward pass trains (batch statistics, dropout) or evaluates.
package enum Phase: Sendable {
    /// Training: BatchNorm uses batch statistics and updates its running ones; dropout drops.
    case training
    /// Evaluation: BatchNorm uses running statistics; dropout passes everything.
    case evaluation
}

/// A layer with an explicit forward and backward pass.
///
/// `forward` returns a tensor the layer owns (valid until its next forward); `backward` takes
/// the gradient of the loss with respect to that output and returns the gradient with respect
/// to the forward's input (a tensor the layer owns), accumulating parameter gradients into
/// `Parameter.grad` (overwritten, not added: one backward per forward).
package protocol Layer: AnyObject {
    /// The layer's name, the prefix of its parameters' names.
    var name: String { get }
    /// Its trainable parameters.
    var parameters: [Parameter] { get }
    /// Non-trainable state saved in checkpoints (BatchNorm running statistics).
    var buffers: [(name: String, tensor: Tensor)] { get }
    /// The output shape for an input of `shape`.
    /// - Throws: `SparseSimError` when the input cannot feed this layer.
    func outputShape(_ shape: [Int]) throws -> [Int]
    /// The forward pass.
    /// - Precondition: `x.shape` is valid for the layer (`outputShape` does not throw).
    func forward(_ x: Tensor, phase: Phase) -> Tensor
    /// The backward pass for the most recent forward.
    /// - Precondition: `dy.shape` is the shape of the last forward's output.
    func backward(_ dy: Tensor) -> Tensor
    /// Conv and linear layers as shapes (for the catalog and the simulator), for an input of `shape`.
    func layerShapes(input shape: [Int]) -> [LayerShape]
}

extension Layer {
    package var parameters: [Parameter] { [] }
    package var buffers: [(name: String, tensor: Tensor)] { [] }
    package func layerShapes(input shape: [Int]) -> [LayerShape] { [] }
}

/// A layer made of layers (a residual block, a transformer block) whose weight layers the
/// model lists among its own, in trace order.
package protocol CompositeLayer: Layer {
    /// The block's convolution and linear layers, in trace order.
    var weightLayers: [any WeightLayer] { get }
}

/// A shape error for layer `name`.
func shapeError(_ name: String, _ message: String) -> SparseSimError {
    SparseSimError(file: "<model>", location: name, message: message)
}

// MARK: - Threaded layers

/// A layer that splits its work between threads (set through `Model.threads`). Splits are
/// along samples, channels or contiguous chunks; only the convolutions' weight-gradient sums
/// depend on the split, and they add the threads' parts in a fixed order.
protocol ThreadedLayer: AnyObject {
    var threads: Int { get set }
}
