import Trace

// MARK: - BasicBlock

/// ResNet's basic block (He et al., 2016): `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`,
/// 3×3 convolutions without bias. The shortcut is the identity, or — when the block changes
/// stride or width — the parameter-free option A of the CIFAR ResNets: subsample by the stride
/// and pad the new channels with zeros, half before and half after.
public final class BasicBlock: Layer, ThreadedLayer {
    public let name: String
    /// Input and output channels, stride.
    public let inChannels: Int, outChannels: Int, stride: Int
    /// The block's layers (`bn1` fuses the first ReLU).
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, relu2: ReLU
    public var parameters: [Parameter] { conv1.parameters + bn1.parameters + conv2.parameters + bn2.parameters }
    public var buffers: [(name: String, tensor: Tensor)] { bn1.buffers + bn2.buffers }

    /// Threads of the block's layers.
    public var threads = 1 {
        didSet {
            for layer in [conv1, conv2] as [ThreadedLayer] + [bn1, bn2] + [relu2] { layer.threads = threads }
        }
    }

    let sum = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    var inputShape: [Int] = []

    /// A block from `inChannels` to `outChannels` with `stride` on its first convolution.
    /// - Precondition: `outChannels >= inChannels` and their difference is even.
    public init(_ name: String, inChannels: Int, outChannels: Int, stride: Int, rng: inout RandomGenerator) {
        precondition(outChannels >= inChannels && (outChannels - inChannels) % 2 == 0, "option-A shortcut pads channels evenly")
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
    }

    public func outputShape(_ shape: [Int]) throws -> [Int] {
        try conv2.outputShape(try conv1.outputShape(shape))
    }

    public func forward(_ x: Tensor, phase: Phase) -> Tensor {
        inputShape = x.shape
        let main = bn2.forward(conv2.forward(bn1.forward(conv1.forward(x, phase: phase), phase: phase), phase: phase),
                               phase: phase)
        sum.copy(from: main)
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (p, q) = (main.shape[2], main.shape[3])
        let pad = (outChannels - inChannels) / 2
        let xs = x.readBuffer, y = sum.buffer
        for i in 0..<n {
            for c in 0..<inChannels {
                let src = (i &* inChannels &+ c) &* h &* w
                let dst = (i &* outChannels &+ c &+ pad) &* p &* q
                for pp in 0..<p {
                    for qq in 0..<q { y[dst &+ pp &* q &+ qq] += xs[src &+ pp &* stride &* w &+ qq &* stride] }
                }
            }
        }
        return relu2.forward(sum, phase: phase)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let dz = relu2.backward(dy)
        let dmain = conv1.backward(bn1.backward(conv2.backward(bn2.backward(dz))))
        inputGrad.copy(from: dmain)
        let (n, h, w) = (inputShape[0], inputShape[2], inputShape[3])
        let (p, q) = (dz.shape[2], dz.shape[3])
        let pad = (outChannels - inChannels) / 2
        let g = dz.readBuffer, dx = inputGrad.buffer
        for i in 0..<n {
            for c in 0..<inChannels {
                let dst = (i &* inChannels &+ c) &* h &* w
                let src = (i &* outChannels &+ c &+ pad) &* p &* q
                for pp in 0..<p {
                    for qq in 0..<q { dx[dst &+ pp &* stride &* w &+ qq &* stride] += g[src &+ pp &* q &+ qq] }
                }
            }
        }
        return inputGrad
    }

    public func layerShapes(input shape: [Int]) -> [LayerShape] {
        let mid = (try? conv1.outputShape(shape)) ?? shape
        return conv1.layerShapes(input: shape) + conv2.layerShapes(input: mid)
    }
}
