import Testing

@testable import SparseSimCore
@testable import Training

/// The transformer's element-wise and reshaping layers: values by hand or by an independent
/// computation, gradients by finite differences.
@Suite struct TransformerLayerTests {
    /// Each row comes out with mean β and standard deviation γ (biased variance, ε = 1e-5),
    /// computed here in Double from the definition.
    @Test func layerNormIsItsDefinition() {
        var rng = RandomGenerator(seed: 31)
        let ln = LayerNorm("ln", features: 6)
        for j in 0..<6 { ln.gamma.value[j] = 1 + rng.nextNormal() * 0.3; ln.beta.value[j] = rng.nextNormal() }
        let x = GradientCheck.randomTensor([2, 3, 6], &rng, scale: 3)
        let y = ln.forward(x, phase: .training)
        #expect(y.shape == [2, 3, 6])
        for r in 0..<6 {
            let row = (0..<6).map { Double(x[r * 6 + $0]) }
            let mean = row.reduce(0, +) / 6
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
            for j in 0..<6 {
                let expected = (row[j] - mean) / (variance + 1e-5).squareRoot() * Double(ln.gamma.value[j]) + Double(ln.beta.value[j])
                #expect(abs(Double(y[r * 6 + j]) - expected) < 1e-5)
            }
        }
    }

    /// GELU at published values: x·Φ(x) with Φ(1) = 0.841344746, Φ(2) = 0.977249868.
    @Test func geluValues() {
        let g = GELU("g")
        let y = g.forward(Tensor(shape: [5], values: [-2, -1, 0, 1, 2]), phase: .training).array
        let expected: [Double] = [-2 * (1 - 0.977249868), -(1 - 0.841344746), 0, 0.841344746, 2 * 0.977249868]
        for (a, b) in zip(y, expected) { #expect(abs(Double(a) - b) < 1e-6) }
    }

    /// Patchify followed by a token-wise linear layer is a `p × p` convolution of stride `p`
    /// with the same weights (the patch embedding's definition), tokens in row-major order.
    @Test(arguments: [(7, 1), (4, 2), (2, 3)])
    func patchEmbeddingIsAStridedConvolution(patch: Int, channels: Int) {
        var rng = RandomGenerator(seed: 32)
        let x = GradientCheck.randomTensor([2, channels, 28, 28], &rng)
        let features = 5, inputs = channels * patch * patch
        let linear = Linear("embed", inputs: inputs, outputs: features, tokenwise: true, rng: &rng)
        for j in 0..<features { linear.bias.value[j] = rng.nextNormal() }
        let conv = Conv2d("conv", inChannels: channels, outChannels: features, kernel: patch, stride: patch, rng: &rng)
        conv.weight.value.copy(from: Tensor(shape: conv.weight.value.shape, values: linear.weight.value.array))
        conv.bias!.value.copy(from: linear.bias.value)
        let tokens = linear.forward(Patchify("p", patch: patch).forward(x, phase: .training), phase: .training)
        let maps = conv.forward(x, phase: .training)
        let side = 28 / patch, t = side * side
        #expect(tokens.shape == [2, t, features])
        var worst: Float = 0
        for s in 0..<2 {
            for k in 0..<t {
                for f in 0..<features { worst = max(worst, abs(tokens[(s * t + k) * features + f] - maps[(s * features + f) * t + k])) }
            }
        }
        #expect(worst < 1e-4)
    }

    /// A token-wise linear layer is the plain layer applied to every token as a row.
    @Test func tokenwiseLinearIsRowwise() {
        var rng = RandomGenerator(seed: 33)
        let tokenwise = Linear("t", inputs: 6, outputs: 4, tokenwise: true, rng: &rng)
        let plain = Linear("p", inputs: 6, outputs: 4, rng: &rng)
        plain.weight.value.copy(from: tokenwise.weight.value)
        for j in 0..<4 { tokenwise.bias.value[j] = Float(j); plain.bias.value[j] = Float(j) }
        let x = GradientCheck.randomTensor([3, 5, 6], &rng)
        let y = tokenwise.forward(x, phase: .training)
        #expect(y.shape == [3, 5, 4])
        #expect(y.array == plain.forward(Tensor(shape: [15, 6], values: x.array), phase: .training).array)
        #expect(tokenwise.layerShapes(input: [3, 5, 6]) == [.linear("t", N: 15, K: 4, C: 6)])
        #expect(throws: SparseSimError.self) { try tokenwise.outputShape([3, 30]) }
    }

    @Test func gradients() {
        var rng = RandomGenerator(seed: 34)
        let ln = LayerNorm("ln", features: 8)
        for j in 0..<8 { ln.gamma.value[j] = 1 + rng.nextNormal() * 0.3; ln.beta.value[j] = rng.nextNormal() }
        LayerGradientTests.expectSmall(GradientCheck.check(ln, input: GradientCheck.randomTensor([2, 3, 8], &rng), epsilon: 1e-2, rng: &rng),
                                       "layer norm", limit: 3e-3)
        LayerGradientTests.expectSmall(GradientCheck.check(GELU("g"), input: GradientCheck.randomTensor([2, 3, 8], &rng), rng: &rng), "gelu")
        LayerGradientTests.expectSmall(GradientCheck.check(Patchify("p", patch: 2), input: GradientCheck.randomTensor([2, 2, 4, 6], &rng), rng: &rng),
                                       "patchify")
        LayerGradientTests.expectSmall(GradientCheck.check(PositionEmbedding("pos", tokens: 3, features: 4, rng: &rng),
                                                           input: GradientCheck.randomTensor([2, 3, 4], &rng), rng: &rng), "positions")
        LayerGradientTests.expectSmall(GradientCheck.check(TokenMeanPool("pool"), input: GradientCheck.randomTensor([2, 3, 4], &rng), rng: &rng),
                                       "token mean")
        let linear = Linear("t", inputs: 5, outputs: 3, tokenwise: true, rng: &rng)
        for j in 0..<3 { linear.bias.value[j] = rng.nextNormal() }
        LayerGradientTests.expectSmall(GradientCheck.check(linear, input: GradientCheck.randomTensor([2, 4, 5], &rng), rng: &rng), "token-wise linear")
    }

    @Test func badShapesAreErrors() {
        #expect(throws: SparseSimError.self) { try Patchify("p", patch: 5).outputShape([1, 1, 28, 28]) }
        #expect(throws: SparseSimError.self) { try LayerNorm("ln", features: 4).outputShape([1, 3, 5]) }
        var rng = RandomGenerator(seed: 1)
        #expect(throws: SparseSimError.self) { try PositionEmbedding("e", tokens: 16, features: 8, rng: &rng).outputShape([1, 49, 8]) }
    }
}
