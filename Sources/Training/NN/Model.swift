import SparseSimCore
import Trace

// MARK: - Model

/// A network: layers run in order, with a softmax cross-entropy loss on top.
package final class Model {
    /// The model's name (`Model.names`, `Model.imageNetNames`).
    package let name: String
    /// One sample's shape, e.g. `[1, 28, 28]`.
    package let inputShape: [Int]
    /// The layers, in order.
    package let layers: [any Layer]
    /// The loss.
    package let loss = SoftmaxCrossEntropy()

    /// A model of `layers` for samples of `inputShape`.
    /// - Throws: `SparseSimError` when a layer cannot take its predecessor's output.
    package init(name: String, inputShape: [Int], layers: [any Layer]) throws {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
        var shape = [1] + inputShape
        for layer in layers { shape = try layer.outputShape(shape) }
        firstTrainable = layers.firstIndex { !$0.parameters.isEmpty } ?? 0
        // Nothing needs the gradient with respect to the data: the first trainable layer skips it.
        if let linear = layers[firstTrainable] as? Linear { linear.computesInputGradient = false }
        if let conv = layers[firstTrainable] as? Conv2d { conv.computesInputGradient = false }
        if let conv = layers[firstTrainable] as? DecomposedConv2d { conv.computesInputGradient = false }
    }

    /// Index of the first layer with parameters; backward stops there.
    let firstTrainable: Int

    /// Threads the layers split their work between (convolutions split the batch, batch norm
    /// its channels, ReLU and pooling their elements, linear layers their rows or columns;
    /// oneDNN's convolutions run on as many OpenMP threads).
    package var threads = 1 {
        didSet {
            for layer in layers { (layer as? ThreadedLayer)?.threads = threads }
        }
    }

    /// What runs the dense convolution passes (already resolved: `onednn` or `im2col`).
    package var convolutionKernels = ConvolutionKernels.im2col {
        didSet {
            for case let conv as Conv2d in weightLayers { conv.usesOneDNN = convolutionKernels == .onednn }
        }
    }

    /// The convolution and linear layers, in order (inside residual blocks too).
    package var weightLayers: [any WeightLayer] {
        layers.flatMap { layer -> [any WeightLayer] in
            if let block = layer as? any CompositeLayer { return block.weightLayers }
            if let w = layer as? any WeightLayer { return [w] }
            return []
        }
    }

    /// The self-attention layers (inside transformer blocks), in order.
    package var attentionLayers: [SelfAttention] {
        layers.compactMap { ($0 as? TransformerBlock)?.attention }
    }

    /// Every trainable parameter, in layer order.
    package var parameters: [Parameter] { layers.flatMap { $0.parameters } }

    /// Every non-trainable state tensor (BatchNorm running statistics), in layer order.
    package var buffers: [(name: String, tensor: Tensor)] { layers.flatMap { $0.buffers } }

    /// The logits for a batch `[N] + inputShape`.
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        var h = x
        for layer in layers { h = layer.forward(h, phase: phase) }
        return h
    }

    /// Back-propagates the loss's gradient down to the first trainable layer, overwriting every
    /// parameter gradient (the gradient with respect to the data is not computed).
    package func backward() {
        backward(loss.backward())
    }

    /// Back-propagates `dy`, the gradient of some scalar with respect to the output of the last
    /// forward pass, down to the first trainable layer, overwriting every parameter gradient.
    /// - Precondition: `dy.shape` is the shape of the last forward's output.
    package func backward(_ dy: Tensor) {
        var g = dy
        for layer in layers[firstTrainable...].reversed() { g = layer.backward(g) }
    }

    /// The conv, linear and matmul layers as shapes for a batch of `batch`, with the vector work
    /// of the layers between them (a standalone LayerNorm's or position embedding's) on the
    /// layer before.
    package func layerShapes(batch: Int = 1) -> [LayerShape] {
        var shape = [batch] + inputShape
        var out: [LayerShape] = []
        for layer in layers {
            out += layer.layerShapes(input: shape)
            shape = (try? layer.outputShape(shape)) ?? shape
            // Vector work of a layer without weights rides on the layer before it.
            let function: VectorFunction? = layer is LayerNorm ? .layerNorm : layer is PositionEmbedding ? .residualAdd : nil
            if let function, !out.isEmpty { out[out.count - 1] = out[out.count - 1].adding(.after(function)) }
        }
        return out
    }

    /// Parameters counted.
    package var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Forward flops of one sample: `2 · MACs` of the conv and linear layers.
    package var forwardFlopsPerSample: Int { 2 * layerShapes().reduce(0) { $0 + $1.macs } }
}
