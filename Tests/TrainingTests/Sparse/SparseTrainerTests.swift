import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

@Suite struct SparseTrainerTests {
    static func config(_ method: SparseMethod, structure: String = "unstructured", sparsity: Double? = 0.8) -> TrainingConfiguration {
        TrainingConfiguration(model: "lenet5", epochs: 2, batchSize: 64, learningRate: 0.05, seed: 3, trainSamples: 320,
                              testSamples: 64,
                              sparse: SparseConfiguration(method: method, sparsity: sparsity, structure: structure,
                                                          updateInterval: 2, topkPeriod: 3))

    }

    /// Interrupted and resumed sparse runs end bit-identical to uninterrupted ones (masks,
    /// thresholds and densities are in the checkpoint).
    @Test(arguments: [SparseMethod.rigl, .snfs, .set, .static, .gmp, .gemMiner, .swatU, .swatM])
    func resumeIsBitIdentical(method: SparseMethod) throws {
        let config = Self.config(method)
        let a = TrainerTests.temporaryDirectory("sa"), c = TrainerTests.temporaryDirectory("sc")
        defer { for d in [a, c] { try? FileManager.default.removeItem(atPath: d) } }
        try Trainer(config).run(checkpointDirectory: a)
        try Trainer(config).run(checkpointDirectory: c, epochLimit: 1)
        let resumed = try Trainer(config)
        try resumed.resume(from: c)
        try resumed.run(checkpointDirectory: c)
        let full = try #require(FileManager.default.contents(atPath: "\(a)/checkpoint.safetensors"))
        #expect(try #require(FileManager.default.contents(atPath: "\(c)/checkpoint.safetensors")) == full)
    }

    /// Recording a trace does not change the training: the same final weights with and without.
    @Test(arguments: [SparseMethod.rigl, .swatU])
    func tracingDoesNotChangeTraining(method: SparseMethod) throws {
        let config = Self.config(method)
        let dir = TrainerTests.temporaryDirectory("trace")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = try Trainer(config)
        try plain.run()
        let traced = try Trainer(config)
        let recorder = try TraceRecorder(path: dir + "/run.sstrace", trainer: traced, every: 3, sampleCount: 8, resuming: false)
        try traced.run(trace: recorder)
        for (p, q) in zip(plain.model.parameters, traced.model.parameters) { #expect(p.value.array == q.value.array, "\(p.name)") }
        // Snapshots at 0, every 3 steps, and the end (10 steps).
        let reader = try TraceReader(path: dir + "/run.sstrace")
        #expect(reader.manifest.snapshots.map(\.step) == [0, 3, 6, 9, 10])
        #expect(reader.manifest.method.name == method.rawValue)
        let last = try #require(reader.manifest.snapshots.last)
        // conv1 dense (the first layer), the others sparse; SWAT records x_s density.
        #expect(last.layers[0].weightDensity == 1)
        #expect(last.layers[1].weightDensity < 0.25)
        #expect((last.layers[1].backwardActivationDensity != nil) == (method == .swatU))
        #expect(last.layers[1].activationDensity != nil)
    }

    /// Structured masks through training: channel masks zero whole kernel slices; N:M keeps
    /// exactly N in every group.
    @Test func structuredMasksSurviveTraining() throws {
        let channel = try Trainer(Self.config(.rigl, structure: "channel"))
        try channel.run()
        let conv2 = channel.model.weightLayers[1]
        let mask = conv2.weightMask!.array
        for slice in 0..<(mask.count / 25) { #expect(Set(mask[(slice * 25)..<((slice + 1) * 25)]).count == 1) }

        let nm = try Trainer(Self.config(.swatU, structure: "nm:2:4", sparsity: nil))
        try nm.run()
        for layer in nm.model.weightLayers.dropFirst() {
            let m = layer.weightMask!.array
            let row = m.count / layer.weightDimensions.k
            for r in 0..<layer.weightDimensions.k {
                for start in stride(from: 0, to: row, by: 4) {
                    let kept = m[(r * row + start)..<(r * row + min(row, start + 4))].count { $0 != 0 }
                    #expect(kept == min(2, row - start))
                }
            }
        }
    }

    /// A GMP run starts dense and ends with every sparse layer at its ERK target count.
    @Test func gmpEndsAtTheTargetSparsity() throws {
        let trainer = try Trainer(Self.config(.gmp))
        let sparse = try #require(trainer.sparse)
        #expect(sparse.maskCounts == trainer.model.weightLayers.map(\.weightCount))
        try trainer.run()
        let targets = zip(trainer.model.weightLayers, sparse.densities).map { TopK.keptCount(density: $1, of: $0.weightCount) }
        #expect(sparse.maskCounts == targets)
        #expect(sparse.densities[0] == 1 && sparse.maskCounts[0] == trainer.model.weightLayers[0].weightCount)
        #expect(!sparse.updateSteps.isEmpty)
    }

    /// A Gem-Miner search through the trainer leaves every parameter (BatchNorm's too) as it
    /// was initialized and ends with the target count of weights kept.
    @Test func gemMinerRunKeepsEveryParameter() throws {
        let trainer = try Trainer(Self.config(.gemMiner))
        let initial = trainer.model.parameters.map(\.value.array)
        let sparse = try #require(trainer.sparse)
        try trainer.run()
        #expect(trainer.model.parameters.map(\.value.array) == initial)
        let targets = zip(trainer.model.weightLayers, sparse.densities).enumerated().map { i, pair in
            sparse.isSparse[i] ? TopK.keptCount(density: pair.1, of: pair.0.weightCount) : pair.0.weightCount
        }
        #expect(sparse.maskCounts.reduce(0, +) == targets.reduce(0, +))
    }

    /// ECN trains sparse like the other models: RigL masks its stem-less convolutions inside
    /// the cascading layers at ERK's counts, the trace names them `cascadeN.conv`, and an
    /// interrupted run resumes bit-identical.
    @Test func ecnTrainsSparseResumesAndTraces() throws {
        var config = Self.config(.rigl, sparsity: 0.9)
        config.model = "ecn"
        (config.trainSamples, config.batchSize, config.testSamples) = (96, 32, 32)
        let a = TrainerTests.temporaryDirectory("ea"), c = TrainerTests.temporaryDirectory("ec")
        defer { for d in [a, c] { try? FileManager.default.removeItem(atPath: d) } }
        let trainer = try Trainer(config)
        let recorder = try TraceRecorder(path: a + "/run.sstrace", trainer: trainer, every: 5, sampleCount: 4, resuming: false)
        try trainer.run(checkpointDirectory: a, trace: recorder)
        let sparse = try #require(trainer.sparse)
        let layers = trainer.model.weightLayers
        #expect(layers.map(\.name) == ["conv1"] + (1...6).map { "cascade\($0).conv" } + ["fc"])
        let targets = zip(layers, sparse.densities).enumerated().map { i, pair in
            sparse.isSparse[i] ? TopK.keptCount(density: pair.1, of: pair.0.weightCount) : pair.0.weightCount
        }
        #expect(sparse.maskCounts == targets)
        let kept = Double(targets.reduce(0, +) - layers[0].weightCount), all = Double(layers.dropFirst().reduce(0) { $0 + $1.weightCount })
        #expect(abs(kept / all - 0.1) < 0.01, "ERK keeps 10 % of the sparse layers: \(kept / all)")
        let reader = try TraceReader(path: a + "/run.sstrace")
        #expect(reader.manifest.model.layers.map(\.name) == layers.map(\.name))
        #expect(reader.manifest.model.layers == NetworkCatalog.model("ecn", batch: 4)!.layers)

        try Trainer(config).run(checkpointDirectory: c, epochLimit: 1)
        let resumed = try Trainer(config)
        try resumed.resume(from: c)
        try resumed.run(checkpointDirectory: c)
        #expect(FileManager.default.contents(atPath: "\(c)/checkpoint.safetensors") == FileManager.default.contents(atPath: "\(a)/checkpoint.safetensors"))
    }

    /// Sparse training still learns (RigL at 80 % on 2,000 samples beats chance by far).
    @Test func sparseTrainingLearns() throws {
        var config = TrainingConfiguration(model: "mlp", epochs: 100, maxSteps: 200, batchSize: 128, learningRate: 0.05,
                                           seed: 1, trainSamples: 2000, testSamples: 1000)
        config.sparse = SparseConfiguration(method: .rigl, sparsity: 0.9)
        let summary = try Trainer(config).run()
        #expect(summary.testAccuracy > 0.7, "test accuracy \(summary.testAccuracy)")
    }
}
