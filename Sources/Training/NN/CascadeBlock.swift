import Decomposition
import SparseSimCore
import Trace

// MARK: - CascadeBlock

/// One cascading layer of the Evenly Cascaded Network (Ye, Devaraj, Maynord, Fermüller and
/// Aloimonos, "Evenly Cascaded Convolutional Networks", 2018).
///
/// The input's `C` channels are the two streams so far: the low-level features and the
/// high-level ones earlier layers made. One 3×3 convolution (pre-activation: BatchNorm and ReLU
/// before it, no bias) reads all of them and writes `C + growth` channels. The first `C` are
/// added to the input — the low-level stream *modulated* by what the convolution saw of the
/// high-level stream, through an identity shortcut — and the last `growth` are new high-level
/// features. The `C + growth` channels are then resized by the constant scaling rate
/// (`Resize2d`, bilinear):
///
///     u = conv(relu(bn(x)))                  [N, C + g, H, W]
///     z = [x + u[:, :C], u[:, C:]]
///     y = resize(z, ratio)                   [N, C + g, ⌊H·r⌋, ⌊W·r⌋]
package final class CascadeBlock: CompositeLayer, ThreadedLayer {
    package let name: String
    /// Input channels and the channels each layer adds.
    package let inChannels: Int, growth: Int
    /// The pre-activation (ReLU fused) and the resize.
    package let bn: BatchNorm2d, resize: Resize2d
    /// The block's convolution: plain, or decomposed (`decomposeConvolutions`).
    var conv: any ConvolutionLayer
    package var parameters: [Parameter] { bn.parameters + conv.parameters }
    package var buffers: [(name: String, tensor: Tensor)] { bn.buffers }

    /// Threads of the block's layers.
    package var threads = 1 {
        didSet { for layer in [bn, conv] as [ThreadedLayer] { layer.threads = threads } }
    }

    let sum = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])

    /// A cascading layer from `inChannels` to `inChannels + growth` channels, resized by `ratio`.
    /// - Precondition: `inChannels ≥ 1`, `growth ≥ 0`, `0 < ratio ≤ 1`.
    package init(_ name: String, inChannels: Int, growth: Int, ratio: Double, rng: inout RandomGenerator) {
        precondition(inChannels >= 1 && growth >= 0, "a cascading layer needs channels")
        self.name = name
        self.inChannels = inChannels
        self.growth = growth
        bn = BatchNorm2d("\(name).bn", channels: inChannels, relu: true)
        conv = Conv2d("\(name).conv", inChannels: inChannels, outChannels: inChannels + growth, kernel: 3, padding: 1,
                      bias: false, rng: &rng)
        resize = Resize2d("\(name).resize", ratio: ratio)
    }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        try resize.outputShape(try conv.outputShape(try bn.outputShape(shape)))
    }

    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let u = conv.forward(bn.forward(x, phase: phase), phase: phase)
        sum.copy(from: u)
        Self.addLowStream(x.readBuffer, channels: inChannels, of: inChannels, into: sum.buffer, of: inChannels + growth,
                          samples: x.shape[0], plane: x.shape[2] &* x.shape[3])
        return resize.forward(sum, phase: phase)
    }

    package func backward(_ dy: Tensor) -> Tensor {
        let dz = resize.backward(dy)
        let dmain = bn.backward(conv.backward(dz))
        inputGrad.copy(from: dmain)
        Self.addLowStream(dz.readBuffer, channels: inChannels, of: inChannels + growth, into: inputGrad.buffer, of: inChannels,
                          samples: inputGrad.shape[0], plane: inputGrad.shape[2] &* inputGrad.shape[3])
        return inputGrad
    }

    /// Adds the first `channels` channels of every sample of `source` (`sourceChannels` per
    /// sample) into the first `channels` of `target` (`targetChannels` per sample): the identity
    /// shortcut of the low-level stream forward (input → sum) and backward (sum's gradient → input's).
    static func addLowStream(_ source: UnsafeBufferPointer<Float>, channels: Int, of sourceChannels: Int,
                             into target: UnsafeMutableBufferPointer<Float>, of targetChannels: Int, samples: Int, plane: Int) {
        let count = channels &* plane
        for i in 0..<samples {
            let src = i &* sourceChannels &* plane, dst = i &* targetChannels &* plane
            for e in 0..<count { target[dst &+ e] += source[src &+ e] }
        }
    }

    package func layerShapes(input shape: [Int]) -> [LayerShape] { conv.layerShapes(input: shape) }

    /// The block's weight layer.
    package var weightLayers: [any WeightLayer] { [conv] }

    /// Replaces the 3×3 convolution by an ESCALATE-decomposed one.
    /// - Throws: `SparseSimError` from the decomposition.
    func decomposeConvolutions(bases: Int, sharing: BasisSharing) throws {
        if let c = conv as? Conv2d { conv = try DecomposedConv2d(decomposing: c, bases: bases, sharing: sharing) }
        let t = threads
        threads = t
    }
}
