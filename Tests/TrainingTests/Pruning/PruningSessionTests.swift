import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

/// The pruned model as a trace, and training it with `--init-mask`.
@Suite struct PruningSessionTests {
    static func pruned(seed: UInt64 = 11) throws -> (PruningSession, PruningResult, String) {
        let session = try PruningSession(model: "mlp", seed: seed)
        let result = try session.prune(PruningConfiguration(method: .synflow, density: 0.1, iterations: 10))
        let path = TrainerTests.temporaryDirectory("prune") + "/mlp.sstrace"
        try session.writeTrace(to: path, result: result, commandLine: ["sparsesim", "prune"])
        return (session, result, path)
    }

    /// The trace holds `θ₀ ⊙ mask` and the masks, no activations, and says so.
    @Test func traceHoldsWeightsAndMasksWithoutActivations() throws {
        let (session, result, path) = try Self.pruned()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let reader = try TraceReader(path: path)
        let manifest = reader.manifest
        #expect(manifest.method.name == "prune-synflow")
        guard case .string(let activations)? = manifest.method.parameters["activations"] else {
            Issue.record("no activations parameter")
            return
        }
        #expect(activations.hasPrefix("absent"))
        #expect(manifest.method.parameters["iterations"] == .int(10))
        #expect(manifest.snapshots.count == 1 && manifest.snapshots[0].step == 0)
        let masks = session.pruner.masks
        for (i, layer) in session.model.weightLayers.enumerated() {
            let data = try reader.load(layer: layer.name, snapshot: 0)
            #expect(data.mask == masks[i], "\(layer.name) mask")
            #expect(data.weights == layer.weight.value.array, "\(layer.name) weights")
            #expect(data.inputActivations == nil)
            #expect(manifest.snapshots[0].layers[i].activationDensity == nil)
            #expect(abs(manifest.snapshots[0].layers[i].weightDensity - result.layers[i].density) < 1e-12)
        }
        // An existing path is refused and left alone; no temporary directory is left behind.
        #expect(throws: SparseSimError.self) { try session.writeTrace(to: path, result: result) }
        #expect(try TraceReader(path: path).manifest == manifest)
        let siblings = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(siblings == ["mlp.sstrace"])
    }

    /// `--init-mask` with the pruning run's seed starts from exactly the pruned weights and keeps
    /// the mask through training; another seed trains the same mask on its own weights.
    @Test func initMaskTrainsTheMaskFixed() throws {
        let (session, _, path) = try Self.pruned()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let masks = session.pruner.masks
        let config = TrainingConfiguration(model: "mlp", epochs: 1, maxSteps: 6, batchSize: 64, seed: 11,
                                           trainSamples: 512, testSamples: 128,
                                           sparse: SparseConfiguration(method: .static), initialMask: path)
        let trainer = try Trainer(config)
        #expect(trainer.initialMaskWeightsMatch == true)
        #expect(trainer.configuration.sparse.denseFirstLayer == false)
        #expect(abs(trainer.configuration.sparse.sparsity! - 0.9) < 1e-5)
        for (i, layer) in trainer.model.weightLayers.enumerated() {
            #expect(layer.weight.value.array == session.model.weightLayers[i].weight.value.array, "\(layer.name) starts pruned")
        }
        try trainer.run()
        for (i, layer) in trainer.model.weightLayers.enumerated() {
            #expect(trainer.sparse!.mask(of: i) == masks[i], "\(layer.name) mask fixed")
            let w = layer.weight.value.array
            #expect((0..<w.count).allSatisfy { masks[i][$0] || w[$0] == 0 })
            #expect(w != session.model.weightLayers[i].weight.value.array, "\(layer.name) trained")
        }
        var other = config
        other.seed = 12
        #expect(try Trainer(other).initialMaskWeightsMatch == false)
    }

    @Test func initMaskRefusesMismatches() throws {
        let (_, _, path) = try Self.pruned()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        func config(_ model: String = "mlp", _ sparse: SparseConfiguration = SparseConfiguration(method: .static)) -> TrainingConfiguration {
            TrainingConfiguration(model: model, maxSteps: 1, trainSamples: 64, testSamples: 64, sparse: sparse, initialMask: path)
        }
        #expect(throws: SparseSimError.self) { try Trainer(config("lenet5")) }
        #expect(throws: SparseSimError.self) { try Trainer(config("mlp", SparseConfiguration(method: .rigl))) }
        #expect(throws: SparseSimError.self) { try Trainer(config("mlp", SparseConfiguration(method: .static, sparsity: 0.5))) }
        var missing = config()
        missing.initialMask = path + "-missing"
        #expect(throws: SparseSimError.self) { try Trainer(missing) }
    }

    /// The sweep stops at the first collapse and reports the largest compression before it.
    @Test func sweepStopsAtTheFirstCollapse() throws {
        let session = try PruningSession(model: "lenet5", seed: 3)
        let rows = try session.sweep(methods: [.magnitude, .synflow], compressions: [3, 0.5, 1.5, 2.5], iterations: 5,
                                     schedule: .exponential)
        for row in rows {
            #expect(row.points.map(\.compression) == Array([0.5, 1.5, 2.5, 3].prefix(row.points.count)))
            if let first = row.firstCollapse {
                #expect(row.points.last!.compression == first && !row.points.last!.collapsed.isEmpty)
                #expect(row.points.dropLast().allSatisfy { $0.collapsed.isEmpty })
            } else {
                #expect(row.points.count == 4 && row.largestWithoutCollapse == 3)
            }
        }
    }

    @Test func batchesAreSeededAndLabelled() throws {
        var a = RandomGenerator(seed: 1), b = RandomGenerator(seed: 1)
        let x = PruningBatch.synthetic(sampleShape: [3, 4, 4], classes: 7, count: 5, rng: &a)
        let y = PruningBatch.synthetic(sampleShape: [3, 4, 4], classes: 7, count: 5, rng: &b)
        #expect(x.input.array == y.input.array && x.labels == y.labels)
        #expect(x.input.shape == [5, 3, 4, 4] && x.labels.allSatisfy { $0 >= 0 && $0 < 7 })
        #expect(x.description.hasPrefix("synthetic") && x.dataset == nil)
        let data = Dataset(name: "toy", sampleShape: [2], images: (0..<20).map(Float.init), labels: (0..<10).map { Int32($0 % 3) },
                           classes: 3)
        let s = PruningBatch.sample(data, count: 4, rng: &a)
        #expect(s.input.shape == [4, 2] && Set(s.labels).isSubset(of: [0, 1, 2]))
        let rows = (0..<4).map { Int(s.input[2 * $0]) / 2 }
        #expect(Set(rows).count == 4, "distinct samples")
        #expect(rows.enumerated().allSatisfy { s.input[2 * $0.offset + 1] == Float(2 * $0.element + 1) && s.labels[$0.offset] == Int32($0.element % 3) })
    }
}
