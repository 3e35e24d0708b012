import SparseSimCore
import Trace

// MARK: - Shortcut

/// The shortcut of a residual block, added into the main path's output `sum` (which holds the
/// main path's output on entry):
/// - identity, or ResNet-CIFAR's parameter-free option A when the shape changes (subsample by
///   the stride, pad the new channels with zeros, half before and half after);
/// - a projection (option B, torchvision's `downsample`): 1×1 convolution with the stride,
///   without bias, then BatchNorm.
final class Shortcut {
    let inChannels: Int, outChannels: Int, stride: Int
    /// The projection's convolution and BatchNorm, or nil for identity / option A.
    let conv: Conv2d?, bn: BatchNorm2d?
    let inputGrad = Tensor(shape: [0])
    var inputShape: [Int] = []

    /// - Precondition: without projection, `outChannels >= inChannels` and their difference is even.
    init(_ name: String, inChannels: Int, outChannels: Int, stride: Int, projection: Bool, rng: inout RandomGenerator) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.stride = stride
        if projection {
            conv = Conv2d("\(name).downsample", inChannels: inChannels, outChannels: outChannels, kernel: 1,
                          stride: stride, bias: false, rng: &rng)
            bn = BatchNorm2d("\(name).downsample.bn", channels: outChannels)
        } else {
            precondition(outChannels >= inChannels && (outChannels - inChannels) % 2 == 0,
                         "option-A shortcut pads channels evenly")
            conv = nil
            bn = nil
        }
    }

    var parameters: [Parameter] { (conv?.parameters ?? []) + (bn?.parameters ?? []) }
    var buffers: [(name: String, tensor: Tensor)] { bn?.buffers ?? [] }
    var threadedLayers: [ThreadedLayer] { ([conv] as [ThreadedLayer?] + [bn]).compactMap { $0 } }

    /// `sum += shortcut(x)`.
    func add(_ x: Tensor, into sum: Tensor, phase: Phase) {
        inputShape = x.shape
        if let conv, let bn {
            let y = bn.forward(conv.forward(x, phase: phase), phase: phase).readBuffer, s = sum.buffer
            for e in 0..<s.count { s[e] += y[e] }
            return
        }
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (p, q) = (sum.shape[2], sum.shape[3])
        let pad = (outChannels - inChannels) / 2, stride = self.stride, (cin, cout) = (inChannels, outChannels)
        let xs = x.readBuffer, y = sum.buffer
        for i in 0..<n {
            for c in 0..<cin {
                let src = (i &* cin &+ c) &* h &* w
                let dst = (i &* cout &+ c &+ pad) &* p &* q
                for pp in 0..<p {
                    for qq in 0..<q { y[dst &+ pp &* q &+ qq] += xs[src &+ pp &* stride &* w &+ qq &* stride] }
                }
            }
        }
    }

    /// `dx += ∂shortcut/∂x · dz`.
    func addGradient(_ dz: Tensor, into dx: Tensor) {
        if let conv, let bn {
            let g = conv.backward(bn.backward(dz)).readBuffer, d = dx.buffer
            for e in 0..<d.count { d[e] += g[e] }
            return
        }
        let (n, h, w) = (inputShape[0], inputShape[2], inputShape[3])
        let (p, q) = (dz.shape[2], dz.shape[3])
        let pad = (outChannels - inChannels) / 2, stride = self.stride, (cin, cout) = (inChannels, outChannels)
        let g = dz.readBuffer, d = dx.buffer
        for i in 0..<n {
            for c in 0..<cin {
                let dst = (i &* cin &+ c) &* h &* w
                let src = (i &* cout &+ c &+ pad) &* p &* q
                for pp in 0..<p {
                    for qq in 0..<q { d[dst &+ pp &* stride &* w &+ qq &* stride] += g[src &+ pp &* q &+ qq] }
                }
            }
        }
    }

    func layerShapes(input shape: [Int]) -> [LayerShape] { conv?.layerShapes(input: shape) ?? [] }
}
