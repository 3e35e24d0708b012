import Decomposition
import SparseSimCore
import Trace

// MARK: - BasicBlock

/// ResNet's basic block (He et al., 2016): `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`,
/// 3×3 convolutions without bias. The shortcut is the identity, or — when the block changes
/// stride or width — either the parameter-free option A of the CIFAR ResNets (subsample by the
/// stride, pad the new channels with zeros) or, with `projection`, torchvision's 1×1
/// convolution + BatchNorm (option B, the ImageNet ResNets).
package final class BasicBlock: CompositeLayer, ThreadedLayer {
    package let name: String
    /// Input and output channels, stride.
    package let inChannels: Int, outChannels: Int, stride: Int
    /// The block's normalizations and last ReLU (`bn1` fuses the first ReLU).
    package let bn1: BatchNorm2d, bn2: BatchNorm2d, relu2: ReLU
    /// The block's convolutions: plain, or decomposed (`decomposeConvolutions`).
    var conv1: any ConvolutionLayer, conv2: any ConvolutionLayer
    let shortcut: Shortcut
    /// The projection shortcut's convolution, if any.
    package var downsample: Conv2d? { shortcut.conv }
    package var parameters: [Parameter] {
        conv1.parameters + bn1.parameters + conv2.parameters + bn2.parameters + shortcut.parameters
    }
    package var buffers: [(name: String, tensor: Tensor)] { bn1.buffers + bn2.buffers + shortcut.buffers }

    /// Threads of the block's layers.
    package var threads = 1 {
        didSet {
            for layer in [conv1, conv2, bn1, bn2, relu2] as [ThreadedLayer] + shortcut.threadedLayers { layer.threads = threads }
        }
    }

    let sum = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])

    /// A block from `inChannels` to `outChannels` with `stride` on its first convolution;
    /// `projection` gives the shape-changing shortcut a 1×1 convolution (else option A).
    /// - Precondition: with option A, `outChannels >= inChannels` and their difference is even.
    package init(_ name: String, inChannels: Int, outChannels: Int, stride: Int, projection: Bool = false,
                rng: inout RandomGenerator) {
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.stride = stride
        conv1 = Conv2d("\(name).conv1", inChannels: inChannels, outChannels: outChannels, kernel: 3, stride: stride,
                       padding: 1, bias: false, rng: &rng)
        bn1 = BatchNorm2d("\(name).bn1", channels: outChannels, relu: true)
        conv2 = Conv2d("\(name).conv2", inChannels: outChannels, outChannels: outChannels, kernel: 3, padding: 1,
                       bias: false, rng: &rng)
        bn2 = BatchNorm2d("\(name).bn2", channels: outChannels)
        relu2 = ReLU("\(name).relu2")
        let changes = stride != 1 || inChannels != outChannels
        shortcut = Shortcut(name, inChannels: inChannels, outChannels: outChannels, stride: stride,
                            projection: projection && changes, rng: &rng)
    }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        try conv2.outputShape(try conv1.outputShape(shape))
    }

    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let main = bn2.forward(conv2.forward(bn1.forward(conv1.forward(x, phase: phase), phase: phase), phase: phase),
                               phase: phase)
        sum.copy(from: main)
        shortcut.add(x, into: sum, phase: phase)
        return relu2.forward(sum, phase: phase)
    }

    package func backward(_ dy: Tensor) -> Tensor {
        let dz = relu2.backward(dy)
        let dmain = conv1.backward(bn1.backward(conv2.backward(bn2.backward(dz))))
        inputGrad.copy(from: dmain)
        shortcut.addGradient(dz, into: inputGrad)
        return inputGrad
    }

    /// conv1, conv2, then the projection (the catalog's order).
    package func layerShapes(input shape: [Int]) -> [LayerShape] {
        let mid = (try? conv1.outputShape(shape)) ?? shape
        return conv1.layerShapes(input: shape) + conv2.layerShapes(input: mid) + shortcut.layerShapes(input: shape)
    }

    /// The weight layers in the order of `layerShapes`.
    package var weightLayers: [any WeightLayer] { [conv1, conv2] + [shortcut.conv].compactMap { $0 } }

    /// Replaces the 3×3 convolutions by ESCALATE-decomposed ones (the projection shortcut's 1×1
    /// convolution stays).
    /// - Throws: `SparseSimError` from the decomposition.
    func decomposeConvolutions(bases: Int, sharing: BasisSharing) throws {
        if let c = conv1 as? Conv2d, c.groups == 1, c.kernel > 1 { conv1 = try DecomposedConv2d(decomposing: c, bases: bases, sharing: sharing) }
        if let c = conv2 as? Conv2d, c.groups == 1, c.kernel > 1 { conv2 = try DecomposedConv2d(decomposing: c, bases: bases, sharing: sharing) }
        let t = threads
        threads = t
    }
}
