import Decomposition
import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

/// ESCALATE in the training engine: the two-stage convolution against the original
/// convolution with the reconstructed weights, gradients against finite differences, decomposed
/// models, fine-tuning from a checkpoint, quantized evaluation, and traces that simulate.
@Suite struct DecomposedConv2dTests {
    static func conv(_ name: String = "conv", c: Int = 5, k: Int = 7, kernel: Int = 3, stride: Int = 1, padding: Int = 1,
                     bias: Bool = false, seed: UInt64 = 1) -> Conv2d {
        var rng = RandomGenerator(seed: seed)
        let layer = Conv2d(name, inChannels: c, outChannels: k, kernel: kernel, stride: stride, padding: padding, bias: bias, rng: &rng)
        if let b = layer.bias { for i in 0..<k { b.value[i] = rng.nextNormal() } }
        return layer
    }

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        var d: Float = 0
        for i in 0..<a.count { d = max(d, abs(a[i] - b[i])) }
        return d
    }

    /// The two stages equal one convolution with the reconstructed kernels (any M, both
    /// sharings, strides and padding); with M = R·S that is the original convolution.
    @Test(arguments: [(1, 1, BasisSharing.layer), (4, 1, .channel), (9, 1, .layer), (9, 2, .channel), (3, 2, .layer)])
    func twoStagesEqualTheReconstructedConvolution(bases: Int, stride: Int, sharing: BasisSharing) throws {
        let original = Self.conv(stride: stride, bias: true, seed: UInt64(bases * 10 + stride))
        let d = try DecomposedConv2d(decomposing: original, bases: bases, sharing: sharing)
        var rng = RandomGenerator(seed: 99)
        let x = GradientCheck.randomTensor([2, 5, 9, 8], &rng)
        let y = d.forward(x, phase: .evaluation)
        let reference = Self.conv(stride: stride, bias: true, seed: 5)
        _ = reference.weight.value.buffer.update(fromContentsOf: d.reconstructedWeights())
        _ = reference.bias!.value.buffer.update(fromContentsOf: original.bias!.value.array)
        let expected = reference.forward(x, phase: .evaluation)
        #expect(y.shape == expected.shape)
        #expect(Self.maxDifference(y, expected) < 1e-4, "M \(bases) stride \(stride) \(sharing)")
        if bases == 9 {
            let plain = original.forward(x, phase: .evaluation)
            #expect(Self.maxDifference(y, plain) < 1e-4)
        }
    }

    /// Bases (tied across channels) and coefficients get the gradients finite differences give.
    @Test(arguments: BasisSharing.allCases)
    func gradients(sharing: BasisSharing) throws {
        let d = try DecomposedConv2d(decomposing: Self.conv(c: 3, k: 4, bias: true), bases: 3, sharing: sharing)
        var rng = RandomGenerator(seed: 4)
        let x = GradientCheck.randomTensor([2, 3, 6, 7], &rng)
        let errors = GradientCheck.check(d, input: x, rng: &rng)
        #expect(errors.keys.contains("conv.bases") && errors.keys.contains("conv.coefficients.weight"))
        for (name, e) in errors { #expect(e < 1e-3, "\(sharing) \(name): \(e)") }
    }

    /// vgg-small, resnet20 and ecn decompose every 3×3 convolution (inside residual blocks and
    /// cascading layers too); with M = 9 the logits are the undecomposed model's.
    @Test(arguments: ["vgg-small", "resnet20", "lenet5", "ecn"])
    func decomposedModels(name: String) throws {
        var rng = RandomGenerator(seed: 3)
        let model = try Model.make(name, rng: &rng)
        let kernels = model.weightLayers.filter { $0.weightDimensions.r > 1 }.count
        let full = try model.decomposed(bases: name == "lenet5" ? 25 : 9, sharing: .layer)
        #expect(full.decomposedLayers.count == kernels)
        #expect(full.layerShapes() == model.layerShapes())
        let x = GradientCheck.randomTensor([2, 1, 28, 28], &rng)
        let a = model.forward(x, phase: .evaluation).array
        let b = full.forward(x, phase: .evaluation).array
        for i in 0..<a.count { #expect(abs(a[i] - b[i]) < 1e-3 * max(1, abs(a[i])), "\(name) logit \(i)") }
        #expect(throws: SparseSimError.self) { try Model.make("mlp", rng: &rng).decomposed(bases: 4, sharing: .layer) }
    }

    /// Fine-tuning from a dense checkpoint with RigL on the coefficients: the decomposed
    /// network starts from the checkpoint's function, the trace records the decomposition
    /// (quantized in the last snapshot), quantized evaluation restores the float weights, and
    /// an interrupted run resumes bit-identically.
    @Test func fineTuneQuantizeTraceAndResume() throws {
        let dir = TrainerTests.temporaryDirectory("escalate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = TrainingConfiguration(model: "lenet5", epochs: 1, batchSize: 64, learningRate: 0.05, seed: 2,
                                         trainSamples: 256, testSamples: 128)
        let dense = try Trainer(base)
        try dense.run(checkpointDirectory: dir + "/dense")
        var config = base
        config.epochs = 2
        config.initialWeights = dir + "/dense"
        config.decomposition = DecompositionSettings(bases: 25, sharing: .layer)
        config.quantization = QuantizationBits(bases: 8, coefficients: 4, intermediates: 8)
        let start = try Trainer(config)
        // M = R·S: before training, the decomposed network computes what the dense one does.
        #expect(abs(start.evaluate(start.test).loss - dense.evaluate(dense.test).loss) < 1e-4)
        config.sparse = SparseConfiguration(method: .rigl, sparsity: 0.5, distribution: .uniform, updateInterval: 2)

        let trainer = try Trainer(config)
        let before = trainer.model.parameters.map { $0.value.array }
        let recorder = try TraceRecorder(path: dir + "/run.sstrace", trainer: trainer, every: nil, sampleCount: 4, resuming: false)
        let summary = try trainer.run(checkpointDirectory: dir + "/ft", trace: recorder)
        #expect(summary.quantizedTestAccuracy != nil && summary.quantization == "bases=8,coef=4,inter=8")
        #expect(trainer.model.parameters.map { $0.value.array } != before)
        let reader = try TraceReader(path: dir + "/run.sstrace")
        let last = reader.manifest.snapshots.count - 1
        #expect(reader.manifest.snapshots[last].metrics["quantized_test_accuracy"] == summary.quantizedTestAccuracy)
        let conv2 = try reader.load(layer: "conv2", snapshot: last)
        let d = try #require(conv2.decomposition)
        #expect(d.bases == 25 && d.quantization == "bases=8,coef=4,inter=8")
        #expect(Set(d.coefficients.filter { $0 != 0 }.map { abs($0) }).count <= 7)  // 4-bit levels
        #expect(abs(d.coefficientMask.density - 0.5) < 0.05)
        // The recorded kernels are the reconstruction from the recorded parts.
        let k = try KernelDecomposition(k: 16, c: 6, r: 5, s: 5, bases: 25, sharing: .layer, basisValues: d.basisValues,
                                        coefficients: d.coefficients, coefficientMask: d.coefficientMask)
        let rebuilt = k.reconstructed()
        for i in 0..<rebuilt.count { #expect(abs(rebuilt[i] - conv2.weights[i]) < 1e-5) }
        // The first snapshot is float.
        #expect(try reader.load(layer: "conv2", snapshot: 0).decomposition?.quantization == nil)

        // Interrupted and resumed: the checkpoint bytes of the uninterrupted run.
        let full = try #require(FileManager.default.contents(atPath: dir + "/ft/checkpoint.safetensors"))
        try Trainer(config).run(checkpointDirectory: dir + "/int", epochLimit: 1)
        let resumed = try Trainer(config)
        try resumed.resume(from: dir + "/int")
        try resumed.run(checkpointDirectory: dir + "/int")
        #expect(try #require(FileManager.default.contents(atPath: dir + "/int/checkpoint.safetensors")) == full)
    }

    /// Quantized evaluation changes the weights only inside the closure; levels are bounded.
    @Test func quantizedWeightsAreRestored() throws {
        var config = TrainingConfiguration(model: "vgg-small", epochs: 1, maxSteps: 1, batchSize: 32, seed: 1,
                                           trainSamples: 64, testSamples: 64)
        config.decomposition = DecompositionSettings(bases: 4, sharing: .channel)
        config.quantization = QuantizationBits(bases: 6, coefficients: 3, intermediates: 8, weights: 5, perChannel: true)
        let trainer = try Trainer(config)
        let before = trainer.model.parameters.map { $0.value.array }
        let levels = trainer.withQuantizedWeights { () -> [Int] in
            trainer.model.weightLayers.map { layer in Set(layer.weight.value.array.map { abs($0) }).count }
        }
        #expect(trainer.model.parameters.map { $0.value.array } == before)
        // Per output channel, 3-bit coefficients take at most 4 magnitudes (0…3) each.
        let conv2 = trainer.model.weightLayers[1]
        #expect(levels[1] <= 4 * conv2.weightDimensions.k)
        #expect(trainer.model.decomposedLayers.allSatisfy { $0.intermediateBits == nil })
        // A checkpoint of another model is refused by name.
        let dir = TrainerTests.temporaryDirectory("initw")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try trainer.saveCheckpoint(in: dir)
        var other = TrainingConfiguration(model: "vgg-small", epochs: 1, maxSteps: 1, trainSamples: 64, testSamples: 64)
        other.initialWeights = dir
        #expect(throws: SparseSimError.self) { try Trainer(other) }
    }

    // MARK: Quantization-aware training

    /// A quantization-aware step computes the gradients of the fake-quantized network (equal,
    /// bit for bit, to quantizing by hand, stepping, and reading the gradients) and leaves the
    /// float weights in place; the intermediate values reach the coefficient convolution on the
    /// batch's own grid.
    @Test func quantizationAwareStepUsesStraightThroughGradients() throws {
        var config = TrainingConfiguration(model: "lenet5", epochs: 1, batchSize: 32, seed: 3, trainSamples: 64, testSamples: 32)
        config.decomposition = DecompositionSettings(bases: 4, sharing: .layer)
        config.sparse = SparseConfiguration(method: .rigl, sparsity: 0.5, distribution: .uniform, updateInterval: 100)
        let q = QuantizationBits(bases: 8, coefficients: 4)
        config.quantization = q
        var aware = config
        aware.quantizeAwareFrom = 1
        let a = try Trainer(aware), b = try Trainer(config)
        #expect(a.quantizesAware && !b.quantizesAware)
        let floats = a.model.parameters.map { $0.value.array }
        #expect(b.model.parameters.map { $0.value.array } == floats)

        a.loadBatch(Array(0..<32)[...])
        _ = a.forwardStep()
        let seen = a.model.weightLayers.map { $0.weight.value.array }
        a.model.backward()
        let awareGradients = a.model.parameters.map { $0.grad.array }
        a.endQuantizedStep()
        #expect(a.model.parameters.map { $0.value.array } == floats)

        b.loadBatch(Array(0..<32)[...])
        let saved = b.quantizeWeights(q)
        #expect(b.model.weightLayers.map { $0.weight.value.array } == seen)
        _ = b.forwardStep()
        b.model.backward()
        #expect(b.model.parameters.map { $0.grad.array } == awareGradients)
        b.restore(saved)
        // The forward pass saw 4-bit coefficients (at most 7 magnitudes besides zero).
        let conv2 = a.model.decomposedLayers[1]
        #expect(Set(seen[1].map { abs($0) }).count <= 8)
        #expect(Set(conv2.weight.value.array.map { abs($0) }).count > 8)

        // With inter=8 the coefficient convolution's input is on a 255-level grid during the step.
        var inter = aware
        inter.quantization = QuantizationBits(bases: 8, coefficients: 4, intermediates: 8)
        let c = try Trainer(inter)
        c.loadBatch(Array(0..<32)[...])
        _ = c.forwardStep()
        let d = c.model.decomposedLayers[1]
        let values = try #require(d.coefficientConv.lastInput).array
        let scale = values.map { abs($0) }.max()! / 127
        #expect(values.allSatisfy { abs($0 / scale - ($0 / scale).rounded()) < 1e-3 })
        c.model.backward()
        c.endQuantizedStep()
        #expect(d.trainingIntermediateBits == nil)
    }

    /// `--quantize-aware-from E` changes nothing before epoch E and everything after; it needs
    /// `--quantize` and a positive epoch.
    @Test func quantizationAwareFromAnEpoch() throws {
        var config = TrainingConfiguration(model: "lenet5", epochs: 2, batchSize: 32, seed: 4, trainSamples: 64, testSamples: 32)
        config.decomposition = DecompositionSettings(bases: 4, sharing: .layer)
        config.quantization = QuantizationBits(bases: 8, coefficients: 4, intermediates: 8)
        var aware = config
        aware.quantizeAwareFrom = 2
        let plain = try Trainer(config), late = try Trainer(aware)
        try plain.run(epochLimit: 1)
        try late.run(epochLimit: 1)
        #expect(late.model.parameters.map { $0.value.array } == plain.model.parameters.map { $0.value.array })
        #expect(late.quantizesAware)
        try plain.run()
        try late.run()
        #expect(late.model.parameters.map { $0.value.array } != plain.model.parameters.map { $0.value.array })

        var bad = config
        bad.quantizeAwareFrom = 0
        #expect(throws: SparseSimError.self) { try Trainer(bad) }
        bad.quantizeAwareFrom = 1
        bad.quantization = nil
        #expect(throws: SparseSimError.self) { try Trainer(bad) }
    }
}
