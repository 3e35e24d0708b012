import SparseSimCore
import Testing

@testable import Training

/// Layers split between two threads give the same bits as one thread. Layers with
/// convolutions agree to rounding: their weight gradients add per-thread parts, and with one
/// layer thread sgemm runs on however many threads OpenBLAS has (the trainer pins that to
/// `--threads`; tests run concurrently, so they leave the global alone), which may pick another
/// kernel.
@Suite struct ThreadedLayerTests {
    /// Forward then backward with `threads` threads on fresh copies of the same layer.
    static func run(_ make: () -> Layer, threads: Int, x: Tensor, dy: Tensor) -> (y: [Float], dx: [Float], grads: [[Float]]) {
        let layer = make()
        (layer as? ThreadedLayer)?.threads = threads
        let y = layer.forward(x, phase: .training).array
        let dx = layer.backward(dy).array
        return (y, dx, layer.parameters.map(\.grad.array))
    }

    static func compare(_ make: () -> Layer, input shape: [Int], seed: UInt64, exact: Bool = true) throws {
        var rng = RandomGenerator(seed: seed)
        let x = GradientCheck.randomTensor(shape, &rng)
        let probe = make()
        let dy = GradientCheck.randomTensor(try probe.outputShape(shape), &rng)
        let one = run(make, threads: 1, x: x, dy: dy)
        let two = run(make, threads: 2, x: x, dy: dy)
        func agree(_ a: [Float], _ b: [Float], _ what: String) {
            #expect(a.count == b.count, "\(probe.name) \(what) size")
            if exact {
                #expect(a == b, "\(probe.name) \(what) differs")
            } else {
                let scale = a.map(abs).max() ?? 1
                let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-5 * max(scale, 1), "\(probe.name) \(what) differs by \(worst) (scale \(scale))")
            }
        }
        agree(one.y, two.y, "forward")
        agree(one.dx, two.dx, "input gradient")
        for (a, b) in zip(one.grads, two.grads) { agree(a, b, "parameter gradient") }
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
        }, input: Self.shape, seed: 15, exact: false)
    }

    /// Linear layers split the batch (forward, input gradient) and the input features (weight
    /// gradient) between threads, each piece one single-threaded sgemm.
    @Test func linearAgreesAcrossThreads() throws {
        for (inputs, outputs, batch) in [(784, 300, 128), (400, 120, 96), (84, 10, 5)] {
            try Self.compare({
                var rng = RandomGenerator(seed: 7)
                return Linear("fc", inputs: inputs, outputs: outputs, rng: &rng)
            }, input: [batch, inputs], seed: 17, exact: false)
        }
    }

    /// oneDNN's convolutions at one and two OpenMP threads.
    @Test(.enabled(if: OneDNN.status.available)) func oneDNNConvolutionAgreesAcrossThreads() throws {
        try Self.compare({
            var rng = RandomGenerator(seed: 5)
            let conv = Conv2d("conv", inChannels: 32, outChannels: 16, kernel: 3, padding: 1, rng: &rng)
            conv.usesOneDNN = true
            return conv
        }, input: Self.shape, seed: 15, exact: false)
    }

    @Test func basicBlockAgreesAcrossThreads() throws {
        try Self.compare({
            var rng = RandomGenerator(seed: 6)
            return BasicBlock("block", inChannels: 32, outChannels: 32, stride: 1, rng: &rng)
        }, input: Self.shape, seed: 16, exact: false)
    }
}
