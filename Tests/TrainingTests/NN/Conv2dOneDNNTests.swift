import SparseSimCore
import Testing

@testable import Training

/// oneDNN's convolutions (`--convolutions onednn`) against the engine's own im2col path, which
/// `Conv2dTests` checks against naive loops, and against finite differences. Skipped on a
/// machine without `libdnnl.so.2` (`scripts/bootstrap` installs it).
@Suite(.enabled(if: OneDNN.status.available, "oneDNN is not installed"))
struct Conv2dOneDNNTests {
    /// Geometries: (channels, filters, kernel, stride, padding, groups, bias, height, width).
    static let geometries: [(Int, Int, Int, Int, Int, Int, Bool, Int, Int)] = [
        (1, 6, 5, 1, 2, 1, true, 12, 12),    // LeNet-5's first layer
        (6, 16, 5, 1, 0, 1, true, 9, 10),
        (8, 16, 3, 1, 1, 1, false, 7, 7),    // before BatchNorm
        (8, 12, 3, 2, 1, 1, true, 9, 8),     // strided
        (8, 8, 3, 1, 1, 2, true, 6, 6),      // grouped
        (8, 8, 3, 2, 1, 8, false, 7, 7),     // depthwise
        (16, 8, 1, 1, 0, 1, true, 5, 5),     // pointwise
        (4, 6, 7, 2, 2, 1, true, 9, 8),
    ]

    /// Forward output, input gradient, weight and bias gradients of `layer` on `x` with output
    /// gradient `dy`.
    static func passes(_ layer: Conv2d, _ x: Tensor, _ dy: [Float]) -> [[Float]] {
        let y = layer.forward(x, phase: .training).array
        let dx = layer.backward(Tensor(shape: layer.output.shape, values: dy)).array
        return [y, dx, layer.weight.grad.array] + (layer.bias.map { [$0.grad.array] } ?? [])
    }

    static func largestRelativeError(_ a: [Float], _ b: [Float]) -> Double {
        let scale = max(a.map { abs(Double($0)) }.max() ?? 0, 1e-6)
        return zip(a, b).map { abs(Double($0) - Double($1)) / scale }.max() ?? 0
    }

    @Test(arguments: 0..<geometries.count, [1, 2])
    func matchesIm2col(geometry index: Int, threads: Int) {
        let (c, k, r, stride, padding, groups, bias, h, w) = Self.geometries[index]
        var rng = RandomGenerator(seed: UInt64(index * 10 + threads))
        var copy = rng
        let reference = Conv2d("ref", inChannels: c, outChannels: k, kernel: r, stride: stride, padding: padding,
                               groups: groups, bias: bias, rng: &rng)
        let layer = Conv2d("dnn", inChannels: c, outChannels: k, kernel: r, stride: stride, padding: padding,
                           groups: groups, bias: bias, rng: &copy)
        for l in [reference, layer] { l.threads = threads }
        layer.usesOneDNN = true
        if let b = reference.bias {
            for i in 0..<k { b.value[i] = rng.nextNormal(); layer.bias!.value[i] = b.value[i] }
        }
        let x = GradientCheck.randomTensor([3, c, h, w], &rng)
        let shape = try! reference.outputShape(x.shape)
        let dy = (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() }
        let expected = Self.passes(reference, x, dy)
        let actual = Self.passes(layer, x, dy)
        #expect(layer.oneDNNPass != nil, "oneDNN refused geometry \(index)")
        for (name, (e, a)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(expected, actual)) {
            #expect(e.count == a.count)
            #expect(Self.largestRelativeError(e, a) < 1e-5, "geometry \(index), \(threads) threads: \(name)")
        }
        // A second batch size gets its own primitives; the first ones are kept.
        let x2 = GradientCheck.randomTensor([1, c, h, w], &rng)
        let y2 = layer.forward(x2, phase: .evaluation).array
        #expect(Self.largestRelativeError(reference.forward(x2, phase: .evaluation).array, y2) < 1e-5)
        #expect(layer.oneDNNPrimitives.count == 2)
    }

    /// The first layer skips its input gradient; a masked layer multiplies by `W ⊙ mask`.
    @Test func withoutInputGradientAndWithAMask() {
        var rng = RandomGenerator(seed: 5)
        var copy = rng
        let reference = Conv2d("ref", inChannels: 4, outChannels: 8, kernel: 3, padding: 1, rng: &rng)
        let layer = Conv2d("dnn", inChannels: 4, outChannels: 8, kernel: 3, padding: 1, rng: &copy)
        layer.usesOneDNN = true
        let mask = Tensor(shape: reference.weight.value.shape, values: (0..<reference.weight.value.count).map { Float(($0 * 7) % 3 == 0 ? 0 : 1) })
        for l in [reference, layer] {
            l.computesInputGradient = false
            l.sparsity.weightMask = mask
            l.sparsity.kernelMode = .dense
        }
        let x = GradientCheck.randomTensor([2, 4, 6, 6], &rng)
        let dy = (0..<(2 * 8 * 36)).map { _ in rng.nextNormal() }
        let expected = Self.passes(reference, x, dy), actual = Self.passes(layer, x, dy)
        #expect(layer.oneDNNPass != nil)
        #expect(actual[1].isEmpty && expected[1].isEmpty)
        for i in [0, 2, 3] { #expect(Self.largestRelativeError(expected[i], actual[i]) < 1e-5, "pass \(i)") }
    }

    /// SWAT keeps only the inputs with |x| ≥ τ for the weight gradient: oneDNN gets the
    /// thresholded input in backward, im2col thresholds its columns; the gradients agree and
    /// differ from the dense one.
    @Test func swatThresholdsTheWeightGradientInput() {
        var rng = RandomGenerator(seed: 8)
        var copy = rng
        let reference = Conv2d("ref", inChannels: 4, outChannels: 6, kernel: 3, padding: 1, bias: false, rng: &rng)
        let layer = Conv2d("dnn", inChannels: 4, outChannels: 6, kernel: 3, padding: 1, bias: false, rng: &copy)
        layer.usesOneDNN = true
        for l in [reference, layer] {
            l.sparsity.activationDensity = 0.3
            l.sparsity.kernelMode = .dense
        }
        let x = GradientCheck.randomTensor([2, 4, 7, 7], &rng)
        let dy = (0..<(2 * 6 * 49)).map { _ in rng.nextNormal() }
        let expected = Self.passes(reference, x, dy), actual = Self.passes(layer, x, dy)
        #expect(layer.oneDNNPass != nil && layer.sparsity.activationThreshold > 0)
        for i in 0..<3 { #expect(Self.largestRelativeError(expected[i], actual[i]) < 1e-5, "pass \(i)") }
        let dense = Conv2d("dense", inChannels: 4, outChannels: 6, kernel: 3, padding: 1, bias: false, rng: &copy)
        dense.usesOneDNN = true
        for i in 0..<dense.weight.value.count { dense.weight.value[i] = layer.weight.value[i] }
        let unthresholded = Self.passes(dense, x, dy)
        #expect(Self.largestRelativeError(unthresholded[2], actual[2]) > 1e-2)
    }

    /// Finite differences through oneDNN's passes, as `LayerGradientTests.conv` does for im2col.
    @Test(arguments: [(3, 1, 1, 1), (3, 2, 1, 1), (5, 1, 2, 1), (1, 1, 0, 1), (3, 1, 1, 2)])
    func gradientsMatchFiniteDifferences(kernel: Int, stride: Int, padding: Int, groups: Int) {
        var rng = RandomGenerator(seed: UInt64(kernel * 100 + stride * 10 + padding))
        let layer = Conv2d("conv", inChannels: 4, outChannels: 6, kernel: kernel, stride: stride, padding: padding,
                           groups: groups, rng: &rng)
        layer.usesOneDNN = true
        for i in 0..<6 { layer.bias!.value[i] = rng.nextNormal() }
        let x = GradientCheck.randomTensor([2, 4, 9, 8], &rng)
        LayerGradientTests.expectSmall(GradientCheck.check(layer, input: x, rng: &rng), "oneDNN conv k\(kernel) s\(stride)")
        #expect(layer.oneDNNPass != nil)
    }

    /// The same steps twice give the same bytes (oneDNN's reductions run in a fixed order for a
    /// fixed thread count), and `auto` resolves to oneDNN here.
    @Test func trainingIsDeterministic() throws {
        #expect(try ConvolutionKernels.auto.resolved() == .onednn)
        #expect(try ConvolutionKernels.im2col.resolved() == .im2col)
        func weights() throws -> [[Float]] {
            let trainer = try Trainer(TrainingConfiguration(model: "lenet5", epochs: 1, maxSteps: 3, batchSize: 32, seed: 3,
                                                            threads: 2, trainSamples: 96, testSamples: 32,
                                                            convolutions: .onednn))
            #expect(trainer.model.convolutionKernels == .onednn)
            _ = trainer.timeSteps(3)
            return trainer.model.parameters.map(\.value.array)
        }
        let a = try weights(), b = try weights()
        #expect(a == b)
    }
}
