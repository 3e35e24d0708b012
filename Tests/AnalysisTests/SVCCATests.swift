import Foundation
import Testing

@testable import Analysis
@testable import SparseSimCore
@testable import Trace
import TestSupport
@testable import Training

/// SVCCA: hand cases, the invariances the method promises, refusals, and traces of real
/// training runs against an independent numpy computation (SVD + QR instead of eigenvectors).
@Suite struct SVCCATests {
    static func random(_ neurons: Int, _ points: Int, seed: UInt64) -> SVCCA.Activations {
        var rng = RandomGenerator(seed: seed)
        return SVCCA.Activations(neurons: neurons, points: points, values: (0..<(neurons * points)).map { _ in Double(rng.nextNormal()) })
    }

    /// `M·X` for a `rows × neurons` matrix `M`.
    static func mapped(_ x: SVCCA.Activations, by m: [Double], rows: Int) -> SVCCA.Activations {
        var out = [Double](repeating: 0, count: rows * x.points)
        for i in 0..<rows { for j in 0..<x.points { for r in 0..<x.neurons { out[i * x.points + j] += m[i * x.neurons + r] * x.values[r * x.points + j] } } }
        return SVCCA.Activations(neurons: rows, points: x.points, values: out)
    }

    /// Jacobi eigenvalues of a matrix with known ones: [[2, 1], [1, 2]] → 3, 1.
    @Test func eigenvaluesByHand() {
        let e = SymmetricEigen([2, 1, 1, 2], n: 2)
        #expect(abs(e.values[0] - 3) < 1e-12 && abs(e.values[1] - 1) < 1e-12)
        // Eigenvector of 3 is (1, 1)/√2 up to sign.
        #expect(abs(abs(e.vectors[0]) - 0.5.squareRoot()) < 1e-12 && abs(e.vectors[0] - e.vectors[2]) < 1e-12)
    }

    /// One neuron each: the canonical correlation is |Pearson's r|, computed by hand.
    @Test func oneNeuronIsPearson() throws {
        let x: [Double] = [1, 2, 3, 4, 6], y: [Double] = [2, 1, 4, 3, 5]
        let mx = x.reduce(0, +) / 5, my = y.reduce(0, +) / 5
        let sxy = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        let r = sxy / (x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +) * y.map { ($0 - my) * ($0 - my) }.reduce(0, +)).squareRoot()
        let result = try SVCCA.compare(.init(neurons: 1, points: 5, values: x), .init(neurons: 1, points: 5, values: y))
        #expect(abs(result.mean - abs(r)) < 1e-12 && result.keptA == 1 && result.keptB == 1)
    }

    /// Itself: 1. An invertible linear map of one side, all variance kept: 1 (CCA's invariance).
    /// An orthogonal map with 99 % kept: the same directions, 1 again. Unrelated data: far less.
    @Test func invariances() throws {
        let x = Self.random(8, 400, seed: 1)
        #expect(abs(try SVCCA.compare(x, x).mean - 1) < 1e-9)
        var rng = RandomGenerator(seed: 2)
        let m = (0..<64).map { _ in Double(rng.nextNormal()) }  // invertible with probability 1
        let full = try SVCCA.compare(x, Self.mapped(x, by: m, rows: 8), variance: 1)
        #expect(full.keptA == 8 && full.keptB == 8)
        #expect(full.correlations.allSatisfy { abs($0 - 1) < 1e-8 }, "\(full.correlations)")
        let angle = 0.7, c = Foundation.cos(angle), s = Foundation.sin(angle)
        var rotation = [Double](repeating: 0, count: 64)
        for i in 0..<8 { rotation[i * 8 + i] = 1 }
        rotation[0] = c; rotation[1] = -s; rotation[8] = s; rotation[9] = c
        let rotated = try SVCCA.compare(x, Self.mapped(x, by: rotation, rows: 8), variance: 0.99)
        #expect(abs(rotated.mean - 1) < 1e-8 && rotated.keptA == rotated.keptB)
        let unrelated = try SVCCA.compare(x, Self.random(8, 400, seed: 3), variance: 1)
        #expect(unrelated.mean < 0.3, "\(unrelated.mean)")
    }

    /// Refusals: other point counts, constant activations, too few points.
    @Test func refusals() {
        let x = Self.random(4, 50, seed: 1)
        #expect(throws: SVCCA.Failure.pointsDiffer(50, 40)) { try SVCCA.compare(x, Self.random(4, 40, seed: 1)) }
        #expect(throws: SVCCA.Failure.constant) { try SVCCA.compare(x, .init(neurons: 2, points: 50, values: [Double](repeating: 3, count: 100))) }
        let few = Self.random(6, 6, seed: 4)  // 6 points: at most 5 directions after centring, so 6 > 5 passes
        #expect((try? SVCCA.compare(few, few)) != nil)
    }

    // MARK: Traces of real runs

    static func trainTrace(_ dir: String, _ name: String, method: SparseMethod, seed: UInt64) throws -> String {
        var config = TrainingConfiguration(model: "lenet5", epochs: 1, batchSize: 64, learningRate: 0.05, seed: seed, trainSamples: 512,
                                           testSamples: 64)
        if method != .dense { config.sparse = SparseConfiguration(method: method, sparsity: 0.9) }
        let path = dir + "/\(name).sstrace"
        let run = try TrainingRun(configuration: config, outputs: .init(tracePath: path, traceSamples: 32), resume: false)
        try run.run()
        return path
    }

    /// `--trace-activations`: `both` records each layer's output (fc1's output through ReLU is
    /// exactly fc2's recorded input); `outputs` records no inputs, and SVCCA on outputs works
    /// from it (same dataset), equal to 1 against a trace of the same run.
    @Test func outputActivationsInTraces() throws {
        let dir = NSTemporaryDirectory() + "outputs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = TrainingConfiguration(model: "mlp", epochs: 1, maxSteps: 2, batchSize: 64, seed: 2, trainSamples: 128, testSamples: 64)
        let both = dir + "/both.sstrace", outputs = dir + "/outputs.sstrace"
        try TrainingRun(configuration: config, outputs: .init(tracePath: both, traceSamples: 64, traceActivations: .both), resume: false).run()
        try TrainingRun(configuration: config, outputs: .init(tracePath: outputs, traceSamples: 64, traceActivations: .outputs), resume: false).run()
        let reader = try TraceReader(path: both), last = reader.manifest.snapshots.count - 1
        let fc1 = try reader.load(layer: "fc1", snapshot: last), fc2 = try reader.load(layer: "fc2", snapshot: last)
        let out = try #require(fc1.outputActivations)
        #expect(out.count == 64 * 300)
        #expect(out.map { max($0, 0) } == fc2.inputActivations)
        let onlyOutputs = try TraceReader(path: outputs)
        let layer = try onlyOutputs.load(layer: "fc2", snapshot: onlyOutputs.manifest.snapshots.count - 1)
        #expect(layer.inputActivations == nil && layer.outputActivations == fc2.outputActivations)
        let report = try TraceSVCCA.compare(both, outputs, activations: .outputs)
        #expect(report.layers.map(\.name) == ["fc1", "fc2", "fc3"] && report.layers.allSatisfy { abs($0.svcca.mean - 1) < 1e-6 })
        let none = #expect(throws: SparseSimError.self) { try TraceSVCCA.compare(outputs, outputs) }
        #expect(none?.message.contains("no layer has recorded input activations") == true, "\(String(describing: none))")
    }

    @Test(.enabled(if: Python.hasNumpy, "python3 with numpy is not available"))
    func tracesAgainstNumpy() throws {
        let dir = NSTemporaryDirectory() + "svcca-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dense = try Self.trainTrace(dir, "dense", method: .dense, seed: 1)
        let rigl = try Self.trainTrace(dir, "rigl", method: .rigl, seed: 1)
        let report = try TraceSVCCA.compare(dense, rigl)
        #expect(report.layers.map(\.name) == ["conv1", "conv2", "fc1", "fc2", "fc3"])
        // conv1's inputs are the samples: identical on both sides.
        #expect(abs(report.layers[0].svcca.mean - 1) < 1e-9)
        let out = try Python.run([Python.repositoryRoot + "/tools/svcca_reference.py", dense, rigl, "0.99"])
        #expect(out.status == 0, "\(out.stderr)")
        let reference = try #require(try JSONSerialization.jsonObject(with: out.stdout) as? [String: [String: Any]])
        for layer in report.layers {
            let r = try #require(reference[layer.name], "\(layer.name)")
            #expect(r["kept_a"] as? Int == layer.svcca.keptA && r["kept_b"] as? Int == layer.svcca.keptB, "\(layer.name)")
            #expect(abs((r["mean"] as? Double ?? -1) - layer.svcca.mean) < 1e-6, "\(layer.name): \(r["mean"] ?? "-") vs \(layer.svcca.mean)")
        }
        // A trace against itself: 1 in every layer.
        #expect(try TraceSVCCA.compare(rigl, rigl).layers.allSatisfy { abs($0.svcca.mean - 1) < 1e-6 })
        // Refusals: another network; other inputs.
        var mlp = TrainingConfiguration(model: "mlp", epochs: 1, batchSize: 64, trainSamples: 128, testSamples: 64)
        mlp.maxSteps = 1
        let other = dir + "/mlp.sstrace"
        try TrainingRun(configuration: mlp, outputs: .init(tracePath: other, traceSamples: 32), resume: false).run()
        let networks = #expect(throws: SparseSimError.self) { try TraceSVCCA.compare(dense, other) }
        #expect(networks?.message.contains("different networks") == true)
        // The same network on other inputs: one recorded input value of conv1 changed in a copy.
        let changed = dir + "/changed.sstrace"
        try FileManager.default.copyItem(atPath: rigl, toPath: changed)
        let reader = try TraceReader(path: changed)
        let entry = try #require(reader.manifest.snapshots.last?.layers.first { $0.name == "conv1" })
        let file = changed + "/" + (try #require(entry.inputActivations))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes.replaceSubrange((bytes.count - 4)..<bytes.count, with: [0x00, 0x00, 0xC0, 0x3F])  // 1.5f, non-zero like most inputs
        try bytes.write(to: URL(fileURLWithPath: file))
        let inputs = #expect(throws: SparseSimError.self) { try TraceSVCCA.compare(dense, changed) }
        #expect(inputs?.message.contains("recorded different inputs") == true, "\(String(describing: inputs))")
    }
}
