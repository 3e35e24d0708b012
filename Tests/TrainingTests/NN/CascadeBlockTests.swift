import Testing

@testable import SparseSimCore
@testable import Training

/// ECN's cascading layer: its streams, its shapes and its gradients.
@Suite struct CascadeBlockTests {
    /// With the convolution's weights at zero the layer is its shortcut: the input's channels
    /// pass unchanged (resized) and the new high-level channels are zero.
    @Test func zeroConvolutionLeavesTheShortcut() {
        var rng = RandomGenerator(seed: 21)
        let block = CascadeBlock("c", inChannels: 3, growth: 2, ratio: 0.75, rng: &rng)
        block.weightLayers[0].weight.value.fill(0)
        let x = GradientCheck.randomTensor([2, 3, 8, 8], &rng)
        let y = block.forward(x, phase: .training)
        #expect(y.shape == [2, 5, 6, 6])
        let resized = Resize2d("r", ratio: 0.75).forward(x, phase: .training)
        for n in 0..<2 {
            for c in 0..<5 {
                for e in 0..<36 {
                    let expected: Float = c < 3 ? resized[(n * 3 + c) * 36 + e] : 0
                    #expect(abs(y[(n * 5 + c) * 36 + e] - expected) < 1e-6)
                }
            }
        }
    }

    /// The forward equals its definition computed from separate layers with the same weights:
    /// `resize([x + u[:, :C], u[:, C:]])`, `u = conv(relu(bn(x)))`.
    @Test func forwardIsItsDefinition() {
        var rng = RandomGenerator(seed: 22)
        let block = CascadeBlock("c", inChannels: 4, growth: 3, ratio: 0.75, rng: &rng)
        var copyRng = RandomGenerator(seed: 99)
        let bn = BatchNorm2d("bn", channels: 4, relu: true)
        let conv = Conv2d("conv", inChannels: 4, outChannels: 7, kernel: 3, padding: 1, bias: false, rng: &copyRng)
        conv.weight.value.copy(from: block.weightLayers[0].weight.value)
        let x = GradientCheck.randomTensor([2, 4, 9, 9], &rng)
        let u = conv.forward(bn.forward(x, phase: .training), phase: .training)
        let z = Tensor(shape: u.shape)
        for n in 0..<2 {
            for c in 0..<7 {
                for e in 0..<81 { z[(n * 7 + c) * 81 + e] = u[(n * 7 + c) * 81 + e] + (c < 4 ? x[(n * 4 + c) * 81 + e] : 0) }
            }
        }
        let expected = Resize2d("r", ratio: 0.75).forward(z, phase: .training).array
        let y = block.forward(x, phase: .training)
        #expect(y.shape == [2, 7, 6, 6])
        #expect(zip(y.array, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test(arguments: [(3, 2, 0.75), (4, 4, 0.5), (2, 3, 1.0)])
    func gradientAgainstFiniteDifferences(inChannels: Int, growth: Int, ratio: Double) {
        var rng = RandomGenerator(seed: 23)
        let block = CascadeBlock("c", inChannels: inChannels, growth: growth, ratio: ratio, rng: &rng)
        let x = GradientCheck.randomTensor([2, inChannels, 6, 5], &rng)
        let pattern = { block.bn.output.array.map { $0 > 0 } }
        let errors = GradientCheck.check(block, input: x, epsilon: 3e-3, samples: 60, pattern: pattern, rng: &rng)
        #expect(errors.count == block.parameters.count + 1, "every tensor had a kink-free sample")
        LayerGradientTests.expectSmall(errors, "cascade \(inChannels)+\(growth) × \(ratio)")
    }
}
