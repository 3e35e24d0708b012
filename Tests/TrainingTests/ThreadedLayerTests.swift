import Testing

@testable import Training

/// Layers split between two threads give the same bits as one thread (the convolutions'
/// weight gradients, which add per-thread parts, agree to rounding).
@Suite struct ThreadedLayerTests {
    /// Forward then backward with `threads` threads on fresh copies of the same layer.
    static func run(_ make: () -> Layer, threads: Int, x: Tensor, dy: Tensor) -> (y: [Float], dx: [Float], grads: [[Float]]) {
        let layer = make()
        (layer as? ThreadedLayer)?.threads = threads
        let y = layer.forward(x, phase: .training).array
        let dx = layer.backward(dy).array
        return (y, dx, layer.parameters.map(\.grad.array))
    }

    static func compare(_ make: () -> Layer, input shape: [Int], seed: UInt64, exactGradients: Bool = true) throws {
        var rng = RandomGenerator(seed: seed)
        let x = GradientCheck.randomTensor(shape, &rng)
        let probe = make()
        let dy = GradientCheck.randomTensor(try probe.outputShape(shape), &rng)
        let one = run(make, threads: 1, x: x, dy: dy)
        let two = run(make, threads: 2, x: x, dy: dy)
        #expect(one.y == two.y, "\(probe.name) forward")
        #expect(one.dx == two.dx, "\(probe.name) input gradient")
        for (a, b) in zip(one.grads, two.grads) {
            if exactGradients {
                #expect(a == b, "\(probe.name) parameter gradient")
            } else {
                let worst = zip(a, b).map { abs($0 - $1) / max(abs($0), 1) }.max() ?? 0
                #expect(worst < 1e-5, "\(probe.name) parameter gradient differs by \(worst)")
            }
        }
    }

    // 8·32·16·16 = 65,536 elements: above the size where the layers start splitting.
    static let shape = [8, 32, 16, 16]

    @Test func reluIsThreadIndependent() throws {
        try Self.compare({ ReLU("relu") }, input: Self.shape, seed: 11)
    }

    @Test func maxPoolIsThreadIndependent() throws {
        try Self.compare({ MaxPool2d("pool") }, input: Self.shape, seed: 12)
        try Self.compare({ MaxPool2d("pool3", size: 3) }, input: Self.shape, seed: 13)
    }

    @Test func batchNormIsThreadIndependent() throws {
        try Self.compare({ BatchNorm2d("bn", channels: 32) }, input: Self.shape, seed: 14)
    }

    @Test func convolutionAgreesAcrossThreads() throws {
        try Self.compare({
            var rng = RandomGenerator(seed: 5)
            return Conv2d("conv", inChannels: 32, outChannels: 16, kernel: 3, padding: 1, rng: &rng)
        }, input: Self.shape, seed: 15, exactGradients: false)
    }

    @Test func basicBlockAgreesAcrossThreads() throws {
        try Self.compare({
            var rng = RandomGenerator(seed: 6)
            return BasicBlock("block", inChannels: 32, outChannels: 32, stride: 1, rng: &rng)
        }, input: Self.shape, seed: 16, exactGradients: false)
    }
}
