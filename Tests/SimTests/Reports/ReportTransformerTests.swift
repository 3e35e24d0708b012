import Foundation
import Testing
import TestSupport

@testable import Sim
@testable import SparseSimCore
@testable import Trace

/// The report of a transformer's trace: the attention and MLP shares per spec, and no mask image
/// or density curve for the matmul layers, whose second operand is an activation.
@Suite struct ReportTransformerTests {
    /// A two-snapshot trace of vit-tiny's shapes at 2 samples with seeded random masks and
    /// activations (probabilities rows of a softmax).
    static func trace() throws -> String {
        let path = try makeTemporaryDirectory() + "/vit.sstrace"
        let model = NetworkShape(name: "vit-tiny", inputShape: [1, 28, 28], layers: NetworkCatalog.model("vit-tiny", batch: 2)!.layers)
        let provenance = Provenance(tool: "test", toolVersion: "0", gitCommit: nil, commandLine: [], seed: nil, threads: nil,
                                    dataset: nil, blasCore: nil, createdAt: "2026-01-01T00:00:00Z")
        var writer = try TraceWriter(path: path, model: model, method: TraceMethod(name: "test"), provenance: provenance)
        var rng = RandomGenerator(seed: 9)
        for step in [0, 10] {
            let layers = model.layers.map { shape -> TraceWriter.LayerTensors in
                let weights = (0..<shape.weightCount).map { _ in rng.nextNormal() }
                var inputs = (0..<shape.inputCount).map { _ in max(0, rng.nextNormal()) }
                if shape.name.hasSuffix(".pv") {
                    let t = shape.channelsPerGroup
                    for row in 0..<(inputs.count / t) {
                        let sum = inputs[(row * t)..<((row + 1) * t)].reduce(0, +) + 1e-3
                        for j in 0..<t { inputs[row * t + j] = (inputs[row * t + j] + 1e-3 / Float(t)) / sum }
                    }
                }
                let mask = shape.kind == .matmul ? Bitmask(nonZerosOf: weights) : Bitmask((0..<shape.weightCount).map { _ in rng.nextDouble() < 0.5 })
                return TraceWriter.LayerTensors(name: shape.name, weights: weights, mask: mask, inputActivations: inputs,
                                                inputThreshold: shape.name.hasSuffix(".pv") ? 0.05 : nil)
            }
            try writer.append(step: step, epoch: step / 10, layers: layers)
        }
        return path
    }

    @Test func sharesPerSpecAndNoMatmulMasks() throws {
        let specs = try ["scnn", "systolic-ws"].map { SpecLoader.Loaded(file: "\($0).xml", spec: try SimulatorTests.spec($0)) }
        let evaluation = try Evaluation(tracePaths: [try Self.trace()], specs: specs)
        let report = try Report(evaluation: evaluation,
                                provenance: Provenance(tool: "test", toolVersion: "0", gitCommit: nil, commandLine: [], seed: nil, threads: nil,
                                                        dataset: nil, blasCore: nil, createdAt: "2026-01-01T00:00:00Z"))
        let html = try report.html()
        // Speedup, energy, DRAM, the two shares, density over training, 26 mask images: one per
        // weight layer, none for the 8 matmul layers (whose "weights" are keys and values).
        #expect(ReportTests.count(html, "<svg") == 3 + 2 + 1 + 26)
        #expect(html.contains("Attention and MLP: share of cycles") && html.contains("Attention and MLP: share of energy"))
        #expect(!html.contains("attn.qk: density") && html.contains("block1.attn.q: density"))
        for result in evaluation.runs[0].results {
            let shares = try #require(result.blockShares)
            #expect(abs(shares.attention.cycleShare + shares.mlp.cycleShare + shares.other.cycleShare - 1) < 1e-12)
            // The pv layer's probabilities below the threshold count as zeros.
            let pv = try #require(result.layers.first { $0.name == "block1.attn.pv" })
            #expect(try #require(pv.inputDensity) < 1)
        }
    }
}
