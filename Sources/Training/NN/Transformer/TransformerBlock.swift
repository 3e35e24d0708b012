import SparseSimCore
import Trace

// MARK: - TransformerBlock

/// A pre-LayerNorm transformer encoder block (ViT's):
///
///     h = x + attn(ln1(x))
///     y = h + fc2(gelu(fc1(ln2(h))))
///
/// with multi-head self-attention and a GELU MLP of `hidden` units; the six projections are
/// the block's weight layers, in the order `attn.q, attn.k, attn.v, attn.proj, fc1, fc2`.
package final class TransformerBlock: CompositeLayer, ThreadedLayer {
    package let name: String
    /// The sub-layers.
    package let ln1: LayerNorm, attention: SelfAttention, ln2: LayerNorm, fc1: Linear, gelu: GELU, fc2: Linear
    package var parameters: [Parameter] {
        ln1.parameters + attention.parameters + ln2.parameters + fc1.parameters + fc2.parameters
    }
    /// Threads of every sub-layer.
    package var threads = 1 {
        didSet { for layer in [ln1, attention, ln2, fc1, gelu, fc2] as [ThreadedLayer] { layer.threads = threads } }
    }

    let middle = Tensor(shape: [0]), output = Tensor(shape: [0])
    let middleGrad = Tensor(shape: [0]), inputGrad = Tensor(shape: [0])

    /// A block over `features` features with `heads` heads and an MLP of `hidden` units;
    /// Xavier-uniform projections, zero biases, LayerNorms at identity.
    package init(_ name: String, features: Int, heads: Int, hidden: Int, rng: inout RandomGenerator) {
        self.name = name
        ln1 = LayerNorm("\(name).ln1", features: features)
        attention = SelfAttention("\(name).attn", features: features, heads: heads, rng: &rng)
        ln2 = LayerNorm("\(name).ln2", features: features)
        fc1 = Linear("\(name).fc1", inputs: features, outputs: hidden, tokenwise: true, rng: &rng)
        fc1.initializeXavierUniform(rng: &rng)
        gelu = GELU("\(name).gelu")
        fc2 = Linear("\(name).fc2", inputs: hidden, outputs: features, tokenwise: true, rng: &rng)
        fc2.initializeXavierUniform(rng: &rng)
    }

    /// The block's weight layers, in trace order.
    package var weightLayers: [any WeightLayer] { attention.weightLayers + [fc1, fc2] }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        let a = try attention.outputShape(try ln1.outputShape(shape))
        return try fc2.outputShape(try fc1.outputShape(try ln2.outputShape(a)))
    }

    /// Adds `b` to `a` into `out`.
    static func add(_ a: Tensor, _ b: Tensor, into out: Tensor) {
        out.resize(a.shape)
        let x = a.readBuffer, y = b.readBuffer, z = out.buffer
        for i in 0..<z.count { z[i] = x[i] + y[i] }
    }

    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        Self.add(x, attention.forward(ln1.forward(x, phase: phase), phase: phase), into: middle)
        let m = fc2.forward(gelu.forward(fc1.forward(ln2.forward(middle, phase: phase), phase: phase), phase: phase), phase: phase)
        Self.add(middle, m, into: output)
        return output
    }

    package func backward(_ dy: Tensor) -> Tensor {
        Self.add(dy, ln2.backward(fc1.backward(gelu.backward(fc2.backward(dy)))), into: middleGrad)
        Self.add(middleGrad, ln1.backward(attention.backward(middleGrad)), into: inputGrad)
        return inputGrad
    }

    /// The attention's and the MLP's layers, with the block's vector work on them: `ln1` before
    /// `q` (its output feeds `k` and `v` too), residual adds after `proj` and `fc2`, `ln2` before
    /// and GELU after `fc1`.
    package func layerShapes(input shape: [Int]) -> [LayerShape] {
        var attn = attention.layerShapes(input: shape)
        attn[0] = attn[0].adding(.before(.layerNorm))
        attn[attn.count - 1] = attn[attn.count - 1].adding(.after(.residualAdd))
        return attn + fc1.layerShapes(input: shape).map { $0.adding(.before(.layerNorm), .after(.gelu)) }
            + fc2.layerShapes(input: [shape[0], shape[1], fc1.outputs]).map { $0.adding(.after(.residualAdd)) }
    }
}
