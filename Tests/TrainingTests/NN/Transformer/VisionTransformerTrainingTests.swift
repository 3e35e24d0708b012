import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

/// vit-tiny through the trainer: sparse methods and N:M patterns on its linear layers, resume,
/// and traces that record the attention's operands.
@Suite struct VisionTransformerTrainingTests {
    static func config(structure: String = "unstructured", sparsity: Double? = 0.9) -> TrainingConfiguration {
        TrainingConfiguration(model: "vit-tiny", epochs: 2, batchSize: 32, learningRate: 0.05, seed: 5, trainSamples: 96,
                              testSamples: 32,
                              sparse: SparseConfiguration(method: .rigl, sparsity: sparsity, distribution: .erk, structure: structure,
                                                          updateInterval: 2, topkPeriod: 3))
    }

    /// Any N:M pattern holds on every sparse linear layer (the projections, the MLP, the head)
    /// along its reduction after RigL's updates.
    @Test(arguments: ["nm:2:4", "nm:4:8", "nm:1:4", "nm:16:32"])
    func nmPatternsHoldOnTheLinearLayers(structure: String) throws {
        let trainer = try Trainer(Self.config(structure: structure, sparsity: nil))
        try trainer.run()
        let sparse = try #require(trainer.sparse)
        let pattern = try #require(NMPattern(parsing: structure.dropFirst(3)))
        var checked = 0
        for (i, layer) in trainer.model.weightLayers.enumerated() where sparse.isSparse[i] {
            let d = layer.weightDimensions
            #expect(pattern.firstViolation(in: sparse.mask(of: i), rows: d.k, columns: d.c * d.r * d.s) == nil, "\(layer.name)")
            // N of every M, and at most the whole of a ragged last group (49 patch pixels).
            let columns = d.c * d.r * d.s
            let kept = stride(from: 0, to: columns, by: pattern.m).reduce(0) { $0 + min(pattern.n, columns - $1) }
            #expect(abs(sparse.mask(of: i).density - Double(kept) / Double(columns)) < 1e-9, "\(layer.name)")
            checked += 1
        }
        #expect(checked >= 24, "the 24 projections and MLP layers are sparse")
    }

    /// The trace lists the catalog's vit-tiny at the trace's batch, records `qk` and `pv` with
    /// the operands laid out per head, and the probabilities' threshold: `pv`'s activation
    /// density is the share of probabilities ≥ the threshold, counted here; a resumed run ends
    /// bit-identical.
    @Test func traceRecordsTheAttentionAndResumes() throws {
        let config = Self.config()
        let a = TrainerTests.temporaryDirectory("va"), c = TrainerTests.temporaryDirectory("vc")
        defer { for d in [a, c] { try? FileManager.default.removeItem(atPath: d) } }
        let trainer = try Trainer(config)
        let recorder = try TraceRecorder(path: a + "/run.sstrace", trainer: trainer, every: 3, sampleCount: 4, resuming: false,
                                         activations: .both, attentionThreshold: 0.07)
        try trainer.run(checkpointDirectory: a, trace: recorder)
        let reader = try TraceReader(path: a + "/run.sstrace")
        #expect(reader.manifest.model.layers == NetworkCatalog.model("vit-tiny", batch: 4)!.layers)
        #expect(reader.manifest.method.parameters["attention_threshold"] == .double(0.07))
        let last = reader.manifest.snapshots.count - 1
        let (t, dm, h) = (16, 64, 4), d = dm / h
        for b in 1...4 {
            let pv = try #require(reader.manifest.snapshots[last].layers.first { $0.name == "block\(b).attn.pv" })
            #expect(pv.inputThreshold == 0.07)
            let probabilities = try #require(try reader.load(layer: pv.name, snapshot: last).inputActivations)
            #expect(probabilities.count == 4 * h * t * t)
            for row in 0..<(4 * h * t) {
                let sum = probabilities[(row * t)..<((row + 1) * t)].reduce(0, +)
                #expect(abs(sum - 1) < 1e-4)
            }
            let kept = Double(probabilities.filter { $0 >= 0.07 }.count) / Double(probabilities.count)
            #expect(abs(try #require(pv.activationDensity) - kept) < 1e-12)
            // Q per head equals the q projection's recorded outputs, token-major.
            let queries = try #require(try reader.load(layer: "block\(b).attn.qk", snapshot: last).inputActivations)
            let q = try #require(try reader.load(layer: "block\(b).attn.q", snapshot: last).outputActivations)
            var worst: Float = 0
            for n in 0..<4 {
                for hh in 0..<h {
                    for i in 0..<t {
                        for e in 0..<d {
                            worst = max(worst, abs(queries[((n * h + hh) * t + i) * d + e] - q[(n * t + i) * dm + hh * d + e]))
                        }
                    }
                }
            }
            #expect(worst == 0)
        }

        try Trainer(config).run(checkpointDirectory: c, epochLimit: 1)
        let resumed = try Trainer(config)
        try resumed.resume(from: c)
        try resumed.run(checkpointDirectory: c)
        #expect(FileManager.default.contents(atPath: "\(c)/checkpoint.safetensors") == FileManager.default.contents(atPath: "\(a)/checkpoint.safetensors"))
    }

    /// Wanda and SparseGPT prune a trained vit-tiny at 2:4: `patch_embed` stays dense, every other
    /// layer keeps half, pruned weights are zero, the reported accuracy is a fresh evaluation's,
    /// and Wanda's mask of the first projection equals a brute-force ranking of `|W|·‖X‖` with the
    /// norms over every token of the calibration samples.
    @Test(arguments: [OneShotPruning.Criterion.wanda, .sparsegpt])
    func oneShotPruningOfATrainedTransformer(criterion: OneShotPruning.Criterion) throws {
        let dir = TrainerTests.temporaryDirectory("vos")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = TrainingConfiguration(model: "vit-tiny", epochs: 1, batchSize: 32, seed: 4, trainSamples: 128, testSamples: 64)
        try Trainer(config).run(checkpointDirectory: dir)
        config.initialWeights = dir
        let unpruned = try Trainer(config).model.weightLayers.map { $0.weight.value.array }
        let pruning = try OneShotPruning(configuration: config, criterion: criterion, target: .nm(NMPattern(n: 2, m: 4)),
                                         calibrationSamples: 16)
        let result = try pruning.run()
        #expect(result.layers[0].kept == result.layers[0].weights)
        #expect(result.layers.dropFirst().allSatisfy { $0.kept * 2 == $0.weights })
        let layers = pruning.trainer.model.weightLayers
        for (layer, mask) in zip(layers, pruning.masks) {
            #expect((0..<layer.weightCount).allSatisfy { mask[$0] || layer.weight.value[$0] == 0 }, "\(layer.name)")
        }
        #expect(abs(pruning.trainer.evaluate(pruning.trainer.test).accuracy - result.accuracyAfter) < 1e-12)
        guard criterion == .wanda else { return }
        let x = Tensor(shape: [16, 1, 28, 28], values: pruning.trainer.train.prefix(16).images)
        _ = pruning.trainer.model.forward(x, phase: .evaluation)
        let input = try #require(layers[1].lastInput)  // block1.attn.q's: LayerNorm of the dense embedding
        #expect(layers[1].name == "block1.attn.q" && input.count == 16 * 16 * 64)
        for row in 0..<64 {
            for g in stride(from: 0, to: 64, by: 4) {
                let scores = (g..<(g + 4)).map { j in
                    abs(Double(unpruned[1][row * 64 + j]))
                        * (0..<256).reduce(0.0) { $0 + Double(input[$1 * 64 + j]) * Double(input[$1 * 64 + j]) }.squareRoot()
                }
                let kept = Set((0..<4).filter { pruning.masks[1][row * 64 + g + $0] })
                #expect(kept == OneShotPruningTests.bruteForceRow(scores, keep: 2), "row \(row) group \(g)")
            }
        }
    }

    /// small-dense's width multiplier keeps the width a multiple of the heads (64 · 0.4 = 25.6 → 24).
    @Test func widthMultiplierKeepsWholeHeads() throws {
        var rng = RandomGenerator(seed: 1)
        let model = try Model.make("vit-tiny", width: 0.4, rng: &rng)
        let attention = try #require(model.attentionLayers.first)
        #expect(attention.features == 24 && attention.heads == 4)
        let y = model.forward(GradientCheck.randomTensor([2, 1, 28, 28], &rng), phase: .evaluation)
        #expect(y.shape == [2, 10])
    }

    /// A threshold that is not a probability is refused, naming its field.
    @Test func badAttentionThresholdIsRefused() throws {
        let trainer = try Trainer(Self.config())
        let dir = TrainerTests.temporaryDirectory("vt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try TraceRecorder(path: dir + "/t.sstrace", trainer: trainer, every: nil, sampleCount: 2, resuming: false, attentionThreshold: 1.5)
            Issue.record("accepted")
        } catch let e as SparseSimError {
            #expect(e.field == "attentionThreshold")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/t.sstrace"))
    }
}
