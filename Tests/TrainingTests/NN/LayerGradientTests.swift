import SparseSimCore
import Testing

@testable import Training

/// Every layer's backward against central finite differences (relative error < 1e-3).
@Suite struct LayerGradientTests {
    static func expectSmall(_ errors: [String: Double], _ label: String, limit: Double = 1e-3) {
        #expect(!errors.isEmpty)
        for (name, e) in errors { #expect(e < limit, "\(label) \(name): relative error \(e)") }
    }

    @Test func linear() {
        var rng = RandomGenerator(seed: 1)
        let layer = Linear("fc", inputs: 7, outputs: 5, rng: &rng)
        for i in 0..<5 { layer.bias.value[i] = rng.nextNormal() }
        Self.expectSmall(GradientCheck.check(layer, input: GradientCheck.randomTensor([4, 7], &rng), rng: &rng), "linear")
    }

    @Test(arguments: [(3, 1, 1, 1), (3, 2, 1, 1), (5, 1, 2, 1), (1, 1, 0, 1), (1, 2, 0, 1), (3, 1, 1, 2), (7, 2, 2, 1)])
    func conv(kernel: Int, stride: Int, padding: Int, groups: Int) {
        var rng = RandomGenerator(seed: UInt64(kernel * 100 + stride * 10 + padding))
        let layer = Conv2d("conv", inChannels: 4, outChannels: 6, kernel: kernel, stride: stride, padding: padding,
                           groups: groups, rng: &rng)
        for i in 0..<6 { layer.bias!.value[i] = rng.nextNormal() }
        let x = GradientCheck.randomTensor([2, 4, 9, 8], &rng)
        Self.expectSmall(GradientCheck.check(layer, input: x, rng: &rng), "conv k\(kernel) s\(stride) p\(padding) g\(groups)")
    }

    @Test func batchNormTrainingAndEvaluation() {
        var rng = RandomGenerator(seed: 3)
        let layer = BatchNorm2d("bn", channels: 3)
        for i in 0..<3 { layer.gamma.value[i] = 1 + rng.nextNormal() * 0.3; layer.beta.value[i] = rng.nextNormal() }
        let x = GradientCheck.randomTensor([4, 3, 5, 5], &rng, scale: 2)
        Self.expectSmall(GradientCheck.check(layer, input: x, epsilon: 1e-2, rng: &rng), "bn training")
    }

    @Test func reluMaxPoolGlobalPoolFlattenDropout() {
        var rng = RandomGenerator(seed: 4)
        // Inputs away from ReLU's kink and from max-pool ties: distinct values, none near 0.
        let x = Tensor(shape: [2, 3, 6, 6])
        var values = (0..<x.count).map { Float($0) * 0.37 - 40 }
        rng.shuffle(&values)
        for i in 0..<x.count { x[i] = abs(values[i]) < 0.05 ? values[i] + 0.2 : values[i] }
        Self.expectSmall(GradientCheck.check(ReLU("relu"), input: x, epsilon: 1e-2, rng: &rng), "relu")
        Self.expectSmall(GradientCheck.check(MaxPool2d("pool"), input: x, epsilon: 1e-2, rng: &rng), "maxpool")
        Self.expectSmall(GradientCheck.check(GlobalAvgPool("gap"), input: x, rng: &rng), "gap")
        Self.expectSmall(GradientCheck.check(Flatten("flatten"), input: x, rng: &rng), "flatten")
        // Dropout with a fixed mask: re-seed before every forward so each draws the same mask.
        let dropout = Dropout("drop", rate: 0.4, rng: RandomGenerator(seed: 9))
        final class Fixed: Layer {
            let inner: Dropout
            let name = "fixed"
            init(_ d: Dropout) { inner = d }
            func outputShape(_ shape: [Int]) throws -> [Int] { shape }
            func forward(_ x: Tensor, phase: Phase) -> Tensor { inner.rng = RandomGenerator(seed: 9); return inner.forward(x, phase: phase) }
            func backward(_ dy: Tensor) -> Tensor { inner.backward(dy) }
        }
        Self.expectSmall(GradientCheck.check(Fixed(dropout), input: x, rng: &rng), "dropout")
        let y = dropout.forward(x, phase: .training)
        let zeros = (0..<y.count).filter { y[$0] == 0 }.count
        #expect(zeros > y.count / 4 && zeros < y.count * 6 / 10, "dropout zeroed \(zeros) of \(y.count)")
    }

    @Test(arguments: [(4, 4, 1), (4, 8, 2)])
    func basicBlock(inChannels: Int, outChannels: Int, stride: Int) {
        var rng = RandomGenerator(seed: 5)
        let block = BasicBlock("block", inChannels: inChannels, outChannels: outChannels, stride: stride, rng: &rng)
        let x = GradientCheck.randomTensor([2, inChannels, 4, 4], &rng)
        let pattern = { (block.bn1.output.array + block.relu2.output.array).map { $0 > 0 } }
        let errors = GradientCheck.check(block, input: x, epsilon: 3e-3, samples: 60, pattern: pattern, rng: &rng)
        #expect(errors.count == block.parameters.count + 1, "every tensor had a kink-free sample")
        Self.expectSmall(errors, "block \(inChannels)->\(outChannels)/\(stride)")
    }

    /// torchvision's projection shortcut (1×1 conv + BatchNorm) where the shape changes.
    @Test(arguments: [(4, 8, 2), (4, 6, 1)])
    func basicBlockWithProjection(inChannels: Int, outChannels: Int, stride: Int) {
        var rng = RandomGenerator(seed: 7)
        let block = BasicBlock("block", inChannels: inChannels, outChannels: outChannels, stride: stride, projection: true,
                               rng: &rng)
        #expect(block.downsample != nil)
        let x = GradientCheck.randomTensor([2, inChannels, 4, 4], &rng)
        let pattern = { (block.bn1.output.array + block.relu2.output.array).map { $0 > 0 } }
        let errors = GradientCheck.check(block, input: x, epsilon: 3e-3, samples: 60, pattern: pattern, rng: &rng)
        #expect(errors.count == block.parameters.count + 1, "every tensor had a kink-free sample")
        // Two BatchNorms feed the sum (main path and projection), so a γ perturbation moves every
        // output: Float round-off in the finite differences reaches ≈ 3e-3 here (a wrong
        // gradient gives errors of order 0.1–1).
        Self.expectSmall(errors, "projection block \(inChannels)->\(outChannels)/\(stride)", limit: 5e-3)
    }

    @Test(arguments: [(8, 2, 1), (16, 4, 2), (16, 2, 1)])
    func bottleneck(inChannels: Int, width: Int, stride: Int) {
        var rng = RandomGenerator(seed: 8)
        let block = Bottleneck("block", inChannels: inChannels, width: width, stride: stride, rng: &rng)
        #expect((block.weightLayers.count == 4) == (stride != 1 || inChannels != 4 * width))
        let x = GradientCheck.randomTensor([2, inChannels, 4, 4], &rng)
        let pattern = { (block.bn1.output.array + block.bn2.output.array + block.relu3.output.array).map { $0 > 0 } }
        let errors = GradientCheck.check(block, input: x, epsilon: 3e-3, samples: 60, pattern: pattern, rng: &rng)
        #expect(errors.count == block.parameters.count + 1, "every tensor had a kink-free sample")
        // Three BatchNorms in a row: Float round-off in the finite differences reached 1.03e-3
        // with OpenBLAS's SSE (Prescott) kernels and 8e-4 with its AVX2 ones (a wrong gradient
        // gives errors of order 0.1–1). A larger ε flips ReLUs on too many samples.
        Self.expectSmall(errors, "bottleneck \(inChannels)/\(width)/\(stride)", limit: 2e-3)
    }

    /// ResNet's 3×3 / 2 max pool with padding 1 against a direct evaluation of the windows.
    @Test func maxPoolWithStrideAndPadding() {
        var rng = RandomGenerator(seed: 9)
        let pool = MaxPool2d("pool", size: 3, stride: 2, padding: 1)
        let x = Tensor(shape: [2, 3, 7, 6])
        let values = (0..<x.count).map { Float($0) }.shuffled(using: &rng)
        for i in 0..<x.count { x[i] = values[i] - 100 }  // distinct, mostly negative: padding must not win
        let y = pool.forward(x, phase: .training)
        #expect(y.shape == [2, 3, 4, 3])
        for plane in 0..<6 {
            for p in 0..<4 {
                for q in 0..<3 {
                    var best = -Float.infinity
                    for r in (2 * p - 1)...(2 * p + 1) where r >= 0 && r < 7 {
                        for s in (2 * q - 1)...(2 * q + 1) where s >= 0 && s < 6 { best = max(best, x[(plane * 7 + r) * 6 + s]) }
                    }
                    #expect(y[(plane * 4 + p) * 3 + q] == best)
                }
            }
        }
        Self.expectSmall(GradientCheck.check(pool, input: x, epsilon: 1e-2, rng: &rng), "overlapping pool")
    }

    @Test func softmaxCrossEntropyGradient() {
        var rng = RandomGenerator(seed: 6)
        let loss = SoftmaxCrossEntropy()
        let z = GradientCheck.randomTensor([5, 4], &rng, scale: 3)
        let labels: [Int32] = [0, 3, 2, 1, 3]
        labels.withUnsafeBufferPointer { l in
            _ = loss.forward(z, labels: l)
            let g = loss.backward().array
            let eps: Float = 1e-2
            var worst: Double = 0
            for i in 0..<z.count {
                let saved = z[i]
                z[i] = saved + eps
                let plus = loss.forward(z, labels: l).loss
                z[i] = saved - eps
                let minus = loss.forward(z, labels: l).loss
                z[i] = saved
                worst = max(worst, abs((plus - minus) / Double(2 * eps) - Double(g[i])))
            }
            #expect(worst < 1e-3, "worst absolute error \(worst)")
        }
    }
}
