import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

@Suite struct TrainerTests {
    static func temporaryDirectory(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "sparsesim-\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The smoke test: LeNet-300-100 on 2,000 real Fashion-MNIST samples, 300 steps, reaches
    /// more than 75 % on 1,000 held-out test samples.
    @Test func mlpLearnsFashionMNIST() throws {
        let config = TrainingConfiguration(model: "mlp", epochs: 100, maxSteps: 300, batchSize: 128, learningRate: 0.05,
                                           seed: 1, trainSamples: 2000, testSamples: 1000)
        let trainer = try Trainer(config)
        let summary = try trainer.run()
        #expect(summary.steps == 300)
        #expect(summary.testAccuracy > 0.75, "test accuracy \(summary.testAccuracy)")
    }

    /// Same configuration twice → identical checkpoint bytes; interrupted after one epoch and
    /// resumed → the same bytes as the uninterrupted run.
    @Test func checkpointsAreDeterministicAndResumeIsBitIdentical() throws {
        let config = TrainingConfiguration(model: "lenet5", epochs: 3, batchSize: 64, learningRate: 0.05, seed: 7,
                                           trainSamples: 320, testSamples: 100)
        let a = Self.temporaryDirectory("a"), b = Self.temporaryDirectory("b"), c = Self.temporaryDirectory("c")
        defer { for d in [a, b, c] { try? FileManager.default.removeItem(atPath: d) } }
        try Trainer(config).run(checkpointDirectory: a)
        try Trainer(config).run(checkpointDirectory: b)
        let bytesA = try #require(FileManager.default.contents(atPath: "\(a)/checkpoint.safetensors"))
        let bytesB = try #require(FileManager.default.contents(atPath: "\(b)/checkpoint.safetensors"))
        #expect(bytesA == bytesB)

        try Trainer(config).run(checkpointDirectory: c, epochLimit: 1)
        let interrupted = try #require(FileManager.default.contents(atPath: "\(c)/checkpoint.safetensors"))
        #expect(interrupted != bytesA)
        let resumed = try Trainer(config)
        try resumed.resume(from: c)
        #expect(resumed.epoch == 1 && resumed.step == 5)
        try resumed.run(checkpointDirectory: c)
        #expect(try #require(FileManager.default.contents(atPath: "\(c)/checkpoint.safetensors")) == bytesA)

        // A checkpoint from another configuration is refused.
        var other = config
        other.seed = 8
        #expect(throws: SparseSimError.self) { try Trainer(other).resume(from: c) }
    }

    @Test func divergenceStopsAndKeepsTheLastCheckpoint() throws {
        let dir = Self.temporaryDirectory("nan")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = TrainingConfiguration(model: "mlp", epochs: 4, batchSize: 100, learningRate: 0.05, seed: 1,
                                           trainSamples: 200, testSamples: 100)
        let trainer = try Trainer(config)
        try trainer.run(checkpointDirectory: dir, epochLimit: 1)
        let saved = try #require(FileManager.default.contents(atPath: "\(dir)/checkpoint.safetensors"))
        // Blow the weights up so the next loss overflows.
        for p in trainer.model.parameters { p.value.fill(1e30) }
        #expect {
            try trainer.run(checkpointDirectory: dir)
        } throws: { error in
            "\(error)".contains("diverged") && "\(error)".contains("step 3")
        }
        #expect(FileManager.default.contents(atPath: "\(dir)/checkpoint.safetensors") == saved)
        config.learningRate = -1
        #expect(throws: SparseSimError.self) { try Trainer(config) }
    }

    @Test func schedules() {
        let cosine = LearningRateSchedule.cosine
        #expect(cosine.rate(base: 0.1, step: 0, total: 100, warmup: 0) == 0.1)
        #expect(abs(cosine.rate(base: 0.1, step: 50, total: 100, warmup: 0) - 0.05) < 1e-7)
        #expect(LearningRateSchedule.step.rate(base: 1, step: 49, total: 100, warmup: 0) == 1)
        #expect(abs(LearningRateSchedule.step.rate(base: 1, step: 50, total: 100, warmup: 0) - 0.1) < 1e-7)
        #expect(abs(LearningRateSchedule.step.rate(base: 1, step: 75, total: 100, warmup: 0) - 0.01) < 1e-7)
        #expect(LearningRateSchedule.constant.rate(base: 0.3, step: 0, total: 10, warmup: 4) == 0.075)
        #expect(abs(LearningRateSchedule.constant.rate(base: 0.3, step: 3, total: 10, warmup: 4) - 0.3) < 1e-7)
    }

    /// SGD against a hand calculation: w = 1, ∇ = 0.5, λ = 0.1, μ = 0.9, η = 0.1.
    @Test func sgdStepByHand() {
        for nesterov in [false, true] {
            let p = Parameter(name: "w", shape: [1], decays: true)
            p.value[0] = 1
            let sgd = SGD(parameters: [p], momentum: 0.9, weightDecay: 0.1, nesterov: nesterov)
            p.grad[0] = 0.5
            sgd.step(lr: 0.1)
            // g = 0.5 + 0.1·1 = 0.6; v = 0.6; w = 1 − 0.1·(nesterov ? 0.6 + 0.9·0.6 : 0.6)
            #expect(abs(p.value[0] - (nesterov ? 0.886 : 0.94)) < 1e-6)
            p.grad[0] = 0.5
            sgd.step(lr: 0.1)
            let w1: Float = nesterov ? 0.886 : 0.94
            let g2 = 0.5 + 0.1 * w1, v2 = 0.9 * 0.6 + g2
            #expect(abs(p.value[0] - (w1 - 0.1 * (nesterov ? g2 + 0.9 * v2 : v2))) < 1e-6)
        }
        let bias = Parameter(name: "b", shape: [1], decays: false)
        bias.value[0] = 1
        bias.grad[0] = 0
        SGD(parameters: [bias], momentum: 0.9, weightDecay: 0.1, nesterov: false).step(lr: 0.1)
        #expect(bias.value[0] == 1)
    }
}
