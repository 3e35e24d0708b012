import SparseSimCore
import Trace

// MARK: - Bottleneck

/// ResNet-50's bottleneck block (He et al., 2016, torchvision layout: the stride on the 3×3
/// convolution): `relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x))))))) + shortcut(x))` with a
/// 1×1 reduction to `width`, a 3×3, and a 1×1 expansion to `4·width`; the shortcut is the
/// identity or, when the shape changes, a 1×1 projection + BatchNorm.
package final class Bottleneck: CompositeLayer, ThreadedLayer {
    package let name: String
    /// Input channels, bottleneck width (output channels are `4·width`), stride.
    package let inChannels: Int, width: Int, stride: Int
    /// Output channels.
    package var outChannels: Int { 4 * width }
    /// The block's layers (`bn1` and `bn2` fuse their ReLUs).
    package let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    package let relu3: ReLU
    let shortcut: Shortcut
    package var parameters: [Parameter] {
        conv1.parameters + bn1.parameters + conv2.parameters + bn2.parameters + conv3.parameters + bn3.parameters
            + shortcut.parameters
    }
    package var buffers: [(name: String, tensor: Tensor)] { bn1.buffers + bn2.buffers + bn3.buffers + shortcut.buffers }

    /// Threads of the block's layers.
    package var threads = 1 {
        didSet {
            for layer in [conv1, conv2, conv3, bn1, bn2, bn3, relu3] as [ThreadedLayer] + shortcut.threadedLayers {
                layer.threads = threads
            }
        }
    }

    let sum = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])

    /// A block from `inChannels` to `4·width` channels with `stride` on its 3×3 convolution.
    package init(_ name: String, inChannels: Int, width: Int, stride: Int, rng: inout RandomGenerator) {
        self.name = name
        self.inChannels = inChannels
        self.width = width
        self.stride = stride
        conv1 = Conv2d("\(name).conv1", inChannels: inChannels, outChannels: width, kernel: 1, bias: false, rng: &rng)
        bn1 = BatchNorm2d("\(name).bn1", channels: width, relu: true)
        conv2 = Conv2d("\(name).conv2", inChannels: width, outChannels: width, kernel: 3, stride: stride, padding: 1,
                       bias: false, rng: &rng)
        bn2 = BatchNorm2d("\(name).bn2", channels: width, relu: true)
        conv3 = Conv2d("\(name).conv3", inChannels: width, outChannels: 4 * width, kernel: 1, bias: false, rng: &rng)
        bn3 = BatchNorm2d("\(name).bn3", channels: 4 * width)
        relu3 = ReLU("\(name).relu3")
        shortcut = Shortcut(name, inChannels: inChannels, outChannels: 4 * width, stride: stride,
                            projection: stride != 1 || inChannels != 4 * width, rng: &rng)
    }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        try conv3.outputShape(try conv2.outputShape(try conv1.outputShape(shape)))
    }

    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let a = bn1.forward(conv1.forward(x, phase: phase), phase: phase)
        let b = bn2.forward(conv2.forward(a, phase: phase), phase: phase)
        sum.copy(from: bn3.forward(conv3.forward(b, phase: phase), phase: phase))
        shortcut.add(x, into: sum, phase: phase)
        return relu3.forward(sum, phase: phase)
    }

    package func backward(_ dy: Tensor) -> Tensor {
        let dz = relu3.backward(dy)
        let dmain = conv1.backward(bn1.backward(conv2.backward(bn2.backward(conv3.backward(bn3.backward(dz))))))
        inputGrad.copy(from: dmain)
        shortcut.addGradient(dz, into: inputGrad)
        return inputGrad
    }

    /// conv1, conv2, conv3, then the projection (the catalog's order).
    package func layerShapes(input shape: [Int]) -> [LayerShape] {
        let a = (try? conv1.outputShape(shape)) ?? shape
        let b = (try? conv2.outputShape(a)) ?? a
        return conv1.layerShapes(input: shape) + conv2.layerShapes(input: a) + conv3.layerShapes(input: b)
            + shortcut.layerShapes(input: shape)
    }

    /// The weight layers in the order of `layerShapes`.
    package var weightLayers: [any WeightLayer] { [conv1, conv2, conv3] + [shortcut.conv].compactMap { $0 } }
}
