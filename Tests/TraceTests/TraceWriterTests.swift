import Foundation
import Testing
import TestSupport

@testable import SparseSimCore
@testable import Trace

/// A small model and deterministic tensors for trace tests.
enum SampleTrace {
    static let layers = [
        LayerShape.conv("conv1", N: 2, K: 4, C: 3, R: 3, H: 6, padding: 1),
        LayerShape.conv("conv2", N: 2, K: 6, C: 4, R: 3, H: 6, stride: 2, padding: 1),
        LayerShape.linear("fc", N: 2, K: 5, C: 54),
    ]
    static let model = NetworkShape(name: "sample", inputShape: [3, 6, 6], layers: layers)
    static let method = TraceMethod(name: "swat", parameters: ["sparsity": .double(0.9), "interval": .int(10),
                                                               "distribution": .string("uniform"), "first_dense": .bool(true)])
    static let provenance = Provenance(
        tool: "sparsesim", toolVersion: "test", gitCommit: nil, commandLine: ["sparsesim", "test"], seed: 42,
        threads: 1, dataset: DatasetInfo(name: "fashion-mnist", checksum: "crc32:00000000"), blasCore: "Haswell",
        createdAt: "2026-11-21T00:00:00Z")

    /// Tensors for every layer at `step`: weights ~ U(-1,1), masks at density ~`density`, ReLU'd activations.
    static func tensors(step: Int, density: Double) -> [TraceWriter.LayerTensors] {
        var rng = SplitMix64(seed: UInt64(step) &+ 1)
        func uniform() -> Float { Float(Double(rng.next() >> 11) / Double(1 << 53)) * 2 - 1 }
        return layers.map { shape in
            let weights = (0..<shape.weightCount).map { _ in uniform() }
            let mask = Bitmask((0..<shape.weightCount).map { _ in Double(rng.next() >> 11) / Double(1 << 53) < density })
            let acts = (0..<shape.inputCount).map { _ in max(0, uniform()) }
            return TraceWriter.LayerTensors(name: shape.name, weights: weights, mask: mask, inputActivations: acts)
        }
    }

    static func write(to path: String, steps: [(Int, Double)] = [(0, 1.0), (100, 0.5), (200, 0.1)]) throws -> TraceWriter {
        var writer = try TraceWriter(path: path, model: model, method: method, provenance: provenance)
        for (i, (step, density)) in steps.enumerated() {
            try writer.append(step: step, epoch: i, metrics: ["loss": 1.0 / Double(i + 1)], layers: tensors(step: step, density: density))
        }
        return writer
    }
}

@Suite struct TraceWriterTests {
    @Test func writeThenReadGivesTheSameTensors() throws {
        let path = try makeTemporaryDirectory() + "/run.sstrace"
        let writer = try SampleTrace.write(to: path)
        let reader = try TraceReader(path: path)
        #expect(reader.manifest == writer.manifest)
        #expect(reader.manifest.snapshots.map(\.step) == [0, 100, 200])
        for (si, (step, density)) in [(0, 1.0), (100, 0.5), (200, 0.1)].enumerated() {
            let expected = SampleTrace.tensors(step: step, density: density)
            for tensors in expected {
                let loaded = try reader.load(layer: tensors.name, snapshot: si)
                #expect(loaded.weights == tensors.weights)
                #expect(loaded.mask == tensors.mask)
                #expect(loaded.inputActivations == tensors.inputActivations)
                let entry = reader.manifest.snapshots[si].layers.first { $0.name == tensors.name }!
                #expect(entry.weightDensity == tensors.mask.density)
                let nonzero = tensors.inputActivations!.filter { $0 != 0 }.count
                #expect(entry.activationDensity == Double(nonzero) / Double(tensors.inputActivations!.count))
            }
        }
    }

    @Test func manifestUsesSnakeCaseKeys() throws {
        let path = try makeTemporaryDirectory() + "/run.sstrace"
        _ = try SampleTrace.write(to: path, steps: [(5, 0.5)])
        let text = try String(contentsOfFile: path + "/manifest.json", encoding: .utf8)
        for key in ["\"weight_mask\"", "\"input_activations\"", "\"weight_density\"", "\"activation_density\"",
                    "\"input_shape\"", "\"tool_version\"", "\"command_line\"", "\"created_at\"", "\"blas_core\""] {
            #expect(text.contains(key), "\(key)")
        }
        // Every key in the JSON is snake_case (no upper-case letters).
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        func keys(_ value: Any) -> [String] {
            if let d = value as? [String: Any] { return d.keys + d.values.flatMap(keys) }
            if let a = value as? [Any] { return a.flatMap(keys) }
            return []
        }
        #expect(keys(object).allSatisfy { $0 == $0.lowercased() })
    }

    @Test func sameInputsGiveSameBytes() throws {
        let a = try makeTemporaryDirectory() + "/a.sstrace"
        let b = try makeTemporaryDirectory() + "/b.sstrace"
        _ = try SampleTrace.write(to: a)
        _ = try SampleTrace.write(to: b)
        let files = try FileManager.default.subpathsOfDirectory(atPath: a).sorted()
        #expect(files == (try FileManager.default.subpathsOfDirectory(atPath: b).sorted()))
        for f in files where f.hasSuffix(".npy") || f.hasSuffix(".json") {
            #expect(FileManager.default.contents(atPath: a + "/" + f) == FileManager.default.contents(atPath: b + "/" + f), "\(f)")
        }
    }

    @Test func refusesToOverwriteANonEmptyDirectory() throws {
        let dir = try makeTemporaryDirectory()
        try "keep me".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let error = expectSparseSimError {
            _ = try TraceWriter(path: dir, model: SampleTrace.model, method: SampleTrace.method, provenance: SampleTrace.provenance)
        }
        #expect(error?.message.contains("not empty") == true)
        #expect(try String(contentsOfFile: dir + "/notes.txt", encoding: .utf8) == "keep me")
    }

    @Test func rejectsBadSnapshots() throws {
        let path = try makeTemporaryDirectory() + "/run.sstrace"
        var writer = try SampleTrace.write(to: path, steps: [(10, 0.5)])
        let good = SampleTrace.tensors(step: 20, density: 0.5)
        var e = expectSparseSimError { try writer.append(step: 10, epoch: 0, layers: good) }
        #expect(e?.location == "snapshots[1].step")
        var wrong = good
        wrong[0].weights.removeLast()
        e = expectSparseSimError { try writer.append(step: 20, epoch: 0, layers: wrong) }
        #expect(e?.location == "snapshots[1].layers[0].weights")
        wrong = good
        wrong[1].name = "nope"
        e = expectSparseSimError { try writer.append(step: 20, epoch: 0, layers: wrong) }
        #expect(e?.message.contains("not in the model") == true)
        e = expectSparseSimError { try writer.append(step: 20, epoch: 0, metrics: ["loss": .nan], layers: good) }
        #expect(e?.location == "snapshots[1].metrics.loss")
        // Failed appends leave the trace readable as before.
        #expect(try TraceReader(path: path).manifest.snapshots.count == 1)
    }

    @Test func interruptedSnapshotReadsAsTheLastCompleteOne() throws {
        let path = try makeTemporaryDirectory() + "/run.sstrace"
        _ = try SampleTrace.write(to: path, steps: [(0, 1.0), (100, 0.5)])
        let before = try TraceReader(path: path).manifest
        // Simulate a crash while step 200 was being written: some tensors are there, a temporary
        // manifest is half-written, and manifest.json was never replaced.
        let partial = SampleTrace.tensors(step: 200, density: 0.1)[0]
        let dir = path + "/" + TraceWriter.snapshotDirectory(step: 200)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try NPY.write(NPYArray(partial.weights, shape: SampleTrace.layers[0].weightShape), to: dir + "/conv1.weights.npy")
        try Data("{\"format\": \"sparsesim-tr".utf8).write(to: URL(fileURLWithPath: path + "/.manifest.json.tmp-999-1"))
        try Data([0x93, 0x4E]).write(to: URL(fileURLWithPath: dir + "/.conv1.mask.npy.tmp-999-2"))

        let reader = try TraceReader(path: path)
        #expect(reader.manifest == before)
        #expect(reader.manifest.snapshots.last?.step == 100)
        #expect(try reader.load(layer: "fc", snapshot: 1).mask == SampleTrace.tensors(step: 100, density: 0.5)[2].mask)

        // Resuming writes step 200 again over the partial files.
        var resumed = try TraceWriter(resuming: path)
        try resumed.append(step: 200, epoch: 2, layers: SampleTrace.tensors(step: 200, density: 0.1))
        let after = try TraceReader(path: path)
        #expect(after.manifest.snapshots.map(\.step) == [0, 100, 200])
        #expect(try after.load(layer: "conv1", snapshot: 2).weights == partial.weights)
    }
}
